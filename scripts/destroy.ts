/**
 * `npm run destroy -- <env>`: tears an environment down, app first, then network. The
 * bootstrap stack stays: the state bucket (prevent_destroy) keeps every stack's state and
 * its history, and its access-log bucket the log of who read it.
 *
 * An environment with `allowDestroy: false` stops at the app stack's plan, before anything
 * is deleted: the ALB, the log buckets, the ECR repository and a deletion-protected user
 * pool carry prevent_destroy. Set `allowDestroy: true`, `npm run deploy -- <env>`, then this.
 */
import { stackNames } from "../stacks/naming";
import { cli, Context, DeployError, environment, synth, terraform } from "./stacks";

export const DESTROY_USAGE = "npm run destroy -- <environment>";

export function destroy(ctx: Context, name: string | undefined): void {
  const config = environment(ctx, name, DESTROY_USAGE);
  const stacks = stackNames(config.name);
  synth(ctx);
  for (const stack of [stacks.app, stacks.network]) {
    ctx.log(`\n== ${stack}`);
    terraform(ctx, stack, ["init", "-input=false", "-reconfigure"]);
    terraform(ctx, stack, ["destroy", "-input=false", "-auto-approve", "-lock-timeout=5m"], { inherit: true });
  }
  ctx.log(`\nDestroyed ${stacks.app} and ${stacks.network}. ${stacks.bootstrap} stays: s3://${config.stateBucket} holds their (now empty) state and its history.`);
}

function main(args: string[], ctx: Context): void {
  if (args.length !== 1 || args[0].startsWith("-")) throw new DeployError(`Usage: ${DESTROY_USAGE}`);
  destroy(ctx, args[0]);
}

if (require.main === module) cli(main);
