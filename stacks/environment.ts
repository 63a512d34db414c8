import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "./schema";
import { stackNames } from "./naming";
import { ResolvedConfig, resolveEnvironments } from "./schema";
import { AppStack } from "./app-stack";
import { BootstrapStack } from "./bootstrap-stack";
import { NetworkStack } from "./network-stack";
import { replaceOutput } from "./output";

export interface EnvironmentStacks {
  readonly bootstrap: BootstrapStack;
  readonly network: NetworkStack;
  readonly app: AppStack;
}

/**
 * Validates every environment, then adds its three stacks: bootstrap (state
 * bucket, local state), network, app (which reads the network's outputs).
 * A config mistake throws before any stack exists.
 */
export function addEnvironments(scope: Construct, configs: readonly EnvironmentConfig[], containerHash: string): EnvironmentStacks[] {
  return addResolved(scope, resolveEnvironments(configs), containerHash);
}

function addResolved(scope: Construct, configs: readonly ResolvedConfig[], containerHash: string): EnvironmentStacks[] {
  return configs.map((config) => {
    const names = stackNames(config.name);
    const bootstrap = new BootstrapStack(scope, names.bootstrap, { config });
    const network = new NetworkStack(scope, names.network, { config });
    // Its state lives in the bucket bootstrap creates: `cdktf deploy` must not run them side by side.
    network.addDependency(bootstrap);
    const app = new AppStack(scope, names.app, { config, network, containerHash });
    return { bootstrap, network, app };
  });
}

export interface SynthesizeOptions {
  readonly containerHash: string;
  /** @default "cdktf.out", or what the cdktf CLI passes */
  readonly outdir?: string;
}

/**
 * What `npm run synth` and `cdktf synth` run: validate, build, write. Validation comes
 * before the App exists, and the App writes into a fresh folder that replaces the old
 * output only once synth succeeded (stacks/output.ts): a mistake leaves no output behind,
 * neither half-written nor stale, and no stack of an environment no longer configured.
 */
export function synthesize(configs: readonly EnvironmentConfig[], options: SynthesizeOptions): SynthesizedStack[] {
  const outdir = resolve(options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out");
  return replaceOutput(outdir, (partial) => {
    const resolved = resolveEnvironments(configs);
    const app = new App({ outdir: partial });
    const environments = addResolved(app, resolved, options.containerHash);
    app.synth();
    return environments.flatMap((stacks) =>
      [stacks.bootstrap, stacks.network, stacks.app].map((stack) => {
        const json = JSON.parse(readFileSync(join(partial, "stacks", stack.node.id, "cdk.tf.json"), "utf8")) as { resource?: Record<string, object> };
        const resources = Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
        return { name: stack.node.id, dir: join(outdir, "stacks", stack.node.id), resources };
      }),
    );
  });
}

export interface SynthesizedStack {
  /** The stack name, also its folder under `<outdir>/stacks/`. */
  readonly name: string;
  /** Where its cdk.tf.json is. */
  readonly dir: string;
  /** Resource blocks in it (a for_each block counts once). */
  readonly resources: number;
}

/** The one command that deploys an environment (scripts/deploy.ts); help and the docs say the same. */
export const DEPLOY_COMMAND = "npm run deploy -- <env>";

/** What `npm run synth` prints: what was written where, and what to run next. */
export function synthSummary(stacks: readonly SynthesizedStack[], root: string): string {
  const width = Math.max(...stacks.map((s) => s.name.length));
  const lines = stacks.map((s) => `  ${s.name.padEnd(width)}  ${String(s.resources).padStart(3)} resources  ${relative(root, s.dir)}/cdk.tf.json`);
  const environments = [...new Set(stacks.map((s) => s.name.replace(/^[a-z]+-/, "")))];
  const count = `${environments.length} environment${environments.length === 1 ? "" : "s"}`;
  return [
    `Wrote ${stacks.length} stacks for ${count} in stacks/config.ts (${environments.join(", ")}):`,
    ...lines,
    "",
    "Next, with AWS credentials and your own environment in stacks/config.ts (docs/deploy.md):",
    `  ${DEPLOY_COMMAND}`,
  ].join("\n");
}
