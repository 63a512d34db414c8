/**
 * `npm run deploy -- <env> [--bootstrap]`: deploys one environment, in order:
 *
 * 1. synth (and $DEPLOY_AFTER_SYNTH, see scripts/stacks.ts);
 * 2. bootstrap-<env>, the state bucket, only while it is missing: applied with a local
 *    backend, then its state moves into the bucket it created (`terraform init
 *    -migrate-state`), where every later plan and apply finds it. A local state file left
 *    by an earlier version (or an interrupted first deploy) is applied and moved the same
 *    way. Once the bucket holds it, bootstrap changes are applied with --bootstrap, by
 *    someone allowed to change the state bucket and (with `github`) the deploy roles:
 *    CI's deploy role does not manage bootstrap;
 * 3. network-<env>;
 * 4. the image (`npm run image` logic: build and push once per content of container/);
 * 5. app-<env>, which runs that image by digest.
 *
 * Running it again applies whatever changed and nothing else; it never re-creates the bucket.
 */
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { stackNames } from "../stacks/naming";
import { ResolvedConfig } from "../stacks/schema";
import { publishImage } from "./image";
import { bucketExists, cli, Context, DeployError, environment, localBootstrapState, stateExists, synth, terraform, useLocalBackend } from "./stacks";

export const DEPLOY_USAGE = "npm run deploy -- <environment> [--bootstrap]";
const APPLY = ["apply", "-input=false", "-auto-approve", "-lock-timeout=5m"];

export function deploy(ctx: Context, name: string | undefined, options: { bootstrap?: boolean } = {}): void {
  const config = environment(ctx, name, DEPLOY_USAGE);
  const stacks = stackNames(config.name);
  synth(ctx);

  ctx.log(`\n== ${stacks.bootstrap}`);
  bootstrap(ctx, config, options.bootstrap ?? false);

  ctx.log(`\n== ${stacks.network}`);
  terraform(ctx, stacks.network, ["init", "-input=false", "-reconfigure"]);
  terraform(ctx, stacks.network, APPLY, { inherit: true });

  ctx.log(`\n== image`);
  if (config.image.prebuiltUri) ctx.log(`image.prebuiltUri is set (${config.image.prebuiltUri}): nothing to build.`);
  else publishImage(config, { stacksDir: join(ctx.root, "cdktf.out", "stacks"), containerDir: join(ctx.root, "container"), env: ctx.env, log: ctx.log });

  ctx.log(`\n== ${stacks.app}`);
  terraform(ctx, stacks.app, ["init", "-input=false", "-reconfigure"]);
  terraform(ctx, stacks.app, APPLY, { inherit: true });
  const url = terraform(ctx, stacks.app, ["output", "-raw", "app_url"]).stdout.trim();
  ctx.log(`\nDeployed ${config.name}: ${url}`);
}

/** Step 2: see the file comment. */
function bootstrap(ctx: Context, config: ResolvedConfig, apply: boolean): void {
  const stack = stackNames(config.name).bootstrap;
  const local = localBootstrapState(ctx, config);
  const exists = bucketExists(ctx, config);
  const inBucket = exists && stateExists(ctx, config, stack);
  if (!exists || (existsSync(local) && !inBucket)) {
    ctx.log(exists ? `Found ${local}: applying it and moving it into ${config.stateBucket}.` : `State bucket ${config.stateBucket} does not exist yet: creating it.`);
    useLocalBackend(ctx, config, true);
    terraform(ctx, stack, ["init", "-input=false", "-reconfigure"]);
    terraform(ctx, stack, APPLY, { inherit: true });
    useLocalBackend(ctx, config, false);
    // -force-copy: copy the local state into the (empty) S3 key without asking.
    terraform(ctx, stack, ["init", "-input=false", "-migrate-state", "-force-copy"]);
    if (!stateExists(ctx, config, stack)) throw new DeployError(`Moving ${stack}'s state into s3://${config.stateBucket} failed; it is still in ${local}. Run this command again.`);
    // Kept, not deleted: a copy of what the bucket now holds, never read again.
    renameSync(local, `${local}.migrated`);
    ctx.log(`${stack}'s state is now in s3://${config.stateBucket}/${config.name}/${stack}.tfstate (the local copy is ${local}.migrated).`);
    return;
  }
  if (!inBucket) {
    throw new DeployError(
      `State bucket ${config.stateBucket} exists but holds no ${stack} state, and there is no ${local}: bootstrap was applied somewhere whose state is gone. ` +
        `Import the bucket (docs/deploy.md, "Bootstrap state") or restore ${local}, then run this again.`,
    );
  }
  terraform(ctx, stack, ["init", "-input=false", "-reconfigure"]);
  if (!apply) {
    const withBootstrap = DEPLOY_USAGE.replace("<environment> [--bootstrap]", `${config.name} --bootstrap`);
    ctx.log(`State bucket ${config.stateBucket} exists and holds ${stack}'s state: not applied (changes to bootstrap: ${withBootstrap}).`);
    // Read-only: say so when bootstrap has changes waiting, without applying them.
    const plan = terraform(ctx, stack, ["plan", "-input=false", "-lock=false", "-detailed-exitcode"], { ok: [0, 2] });
    if (plan.status === 2) ctx.log(`NOTE: ${stack} has changes that this deploy does not apply: review them and run \`${withBootstrap}\`.`);
    return;
  }
  terraform(ctx, stack, APPLY, { inherit: true });
}

function main(args: string[], ctx: Context): void {
  const flags = args.filter((a) => a.startsWith("--"));
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = flags.filter((f) => f !== "--bootstrap");
  if (unknown.length > 0 || names.length > 1) throw new DeployError(`Usage: ${DEPLOY_USAGE}${unknown.length ? ` (unknown option ${unknown.join(" ")})` : ""}`);
  deploy(ctx, names[0], { bootstrap: flags.includes("--bootstrap") });
}

if (require.main === module) cli(main);
