import { App } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentConfig } from "./config";
import { stackNames } from "./naming";
import { ResolvedConfig, resolveEnvironments } from "./validate";
import { AppStack } from "./app-stack";
import { BootstrapStack } from "./bootstrap-stack";
import { NetworkStack } from "./network-stack";

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
 * What `npm run synth` and `cdktf synth` run: validate, build, write. Validation
 * comes before the App exists, because creating an App already creates its outdir:
 * a config mistake leaves nothing behind.
 */
export function synthesize(configs: readonly EnvironmentConfig[], options: SynthesizeOptions): void {
  const resolved = resolveEnvironments(configs);
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  addResolved(app, resolved, options.containerHash);
  app.synth();
}
