/**
 * `npm run plan -- <env>...`: the pull-request plan (what .github/workflows/plan.yml runs).
 * For each environment: synth, then `terraform plan -lock=false` of bootstrap, network and
 * app, each written as `terraform show -json` to cdktf.out/stacks/<stack>/plan.json for
 * `npm run plan:summary`. It never writes state or takes a lock: the plan role may only read.
 *
 * What cannot be planned yet is said, not failed:
 * - no state bucket (a brand-new account): bootstrap and network plan against empty state
 *   (a local backend, nothing written); the app reads network's outputs from state that does
 *   not exist yet, so it is listed as not planned;
 * - the change adds a network output the app reads: the app plans once network is applied
 *   (the deploy applies network first), so it is listed as not planned, with the outputs.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stackNames } from "../stacks/naming";
import { ResolvedConfig } from "../stacks/schema";
import { bucketExists, cli, Context, DeployError, environment, stackDir, stateExists, synth, terraform, useLocalBackend } from "./stacks";

export const PLAN_USAGE = "npm run plan -- <environment>...";

/** What plan:summary reads in place of a plan for a stack that is not planned, and why. */
export interface NotPlanned {
  readonly not_planned: string;
}

export interface PlanResult {
  readonly stack: string;
  /** cdktf.out/stacks/<stack>/plan.json: `terraform show -json` output, or a NotPlanned. */
  readonly file: string;
  readonly planned: boolean;
}

export function plan(ctx: Context, names: readonly string[]): PlanResult[] {
  if (names.length === 0) throw new DeployError(`Usage: ${PLAN_USAGE}`);
  const configs = names.map((name) => environment(ctx, name, PLAN_USAGE));
  synth(ctx);
  return configs.flatMap((config) => planEnvironment(ctx, config));
}

function planEnvironment(ctx: Context, config: ResolvedConfig): PlanResult[] {
  const stacks = stackNames(config.name);
  const bucket = bucketExists(ctx, config);
  const results: PlanResult[] = [];

  // Bootstrap: its state is in the bucket once `npm run deploy` moved it there.
  if (!bucket) useLocalBackend(ctx, config, true);
  results.push(planStack(ctx, stacks.bootstrap));
  useLocalBackend(ctx, config, false);

  // Network: with no bucket, against empty state through the same local override.
  if (!bucket) writeLocalBackend(ctx, stacks.network);
  const network = planStack(ctx, stacks.network);
  results.push(network);
  rmSync(join(stackDir(ctx, stacks.network), LOCAL_OVERRIDE), { force: true });

  if (!bucket || !stateExists(ctx, config, stacks.network)) {
    results.push(notPlanned(ctx, stacks.app, `it reads ${stacks.network}'s outputs from its state, which does not exist yet: the first \`npm run deploy -- ${config.name}\` applies ${stacks.network} first, then the app.`));
    return results;
  }
  const added = addedOutputs(network.file);
  const app = planStack(ctx, stacks.app, added.length > 0);
  if (!app.planned) {
    results.push(
      notPlanned(
        ctx,
        stacks.app,
        `it reads ${added.map((o) => `\`${o}\``).join(", ")}, which this change adds to ${stacks.network}: it plans once ${stacks.network} is applied (\`npm run deploy\` applies network before the app).`,
      ),
    );
  } else results.push(app);
  return results;
}

const LOCAL_OVERRIDE = "zz_local_backend_override.tf.json";

/** A local backend with no state file: plan against empty state, writing nothing. */
function writeLocalBackend(ctx: Context, stack: string): void {
  writeFileSync(join(stackDir(ctx, stack), LOCAL_OVERRIDE), `${JSON.stringify({ terraform: { backend: { local: { path: "plan-only.tfstate" } } } }, null, 2)}\n`);
}

/**
 * init, plan -lock=false -out=tfplan, show -json. With `mayFailOnNewOutputs`, a plan that
 * fails because a network output is missing from the network's state returns planned: false.
 */
function planStack(ctx: Context, stack: string, mayFailOnNewOutputs = false): PlanResult {
  const file = join(stackDir(ctx, stack), "plan.json");
  rmSync(file, { force: true });
  terraform(ctx, stack, ["init", "-input=false", "-reconfigure"]);
  const result = terraform(ctx, stack, ["plan", "-input=false", "-lock=false", "-out=tfplan"], { ok: mayFailOnNewOutputs ? [0, 1] : [0] });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    if (/Unsupported attribute/.test(result.stderr) && /cross-stack-reference-input/.test(result.stderr)) return { stack, file, planned: false };
    throw new DeployError(`terraform plan of ${stack} failed: ${result.stderr.trim()}`);
  }
  const json = terraform(ctx, stack, ["show", "-json", "tfplan"]).stdout;
  writeFileSync(file, json);
  return { stack, file, planned: true };
}

function notPlanned(ctx: Context, stack: string, reason: string): PlanResult {
  const file = join(stackDir(ctx, stack), "plan.json");
  const note: NotPlanned = { not_planned: reason };
  writeFileSync(file, `${JSON.stringify(note)}\n`);
  ctx.log(`${stack}: not planned: ${reason}`);
  return { stack, file, planned: false };
}

/** Outputs a network plan adds (no value in state before). */
function addedOutputs(planFile: string): string[] {
  const json = JSON.parse(readFileSync(planFile, "utf8")) as { output_changes?: Record<string, { actions: string[] }> };
  return Object.entries(json.output_changes ?? {})
    .filter(([, change]) => change.actions.includes("create"))
    .map(([name]) => name);
}

function main(args: string[], ctx: Context): void {
  if (args.some((a) => a.startsWith("-"))) throw new DeployError(`Usage: ${PLAN_USAGE}`);
  const results = plan(ctx, args);
  ctx.log(`\nPlans: ${results.map((r) => `${r.file}${r.planned ? "" : " (not planned)"}`).join(" ")}`);
}

if (require.main === module) cli(main);
