import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadEnvironments } from "./stacks/config-file";
import { contentHash } from "./stacks/content-hash";
import { synthesize, synthSummary } from "./stacks/environment";
import { ConfigError } from "./stacks/schema";

// Per environment in stacks/config.ts (or the JSON file $ENVIRONMENTS_FILE names): bootstrap-<env> (state bucket), network-<env>
// (VPC), app-<env> (DNS, Cognito, image, ALB, ECS). A config mistake stops here with
// one message listing every problem, before anything is written.
// npm scripts and the cdktf CLI run the app from the project root (npm run synth runs
// a bundle of this file from node_modules/.cache, so __dirname is not the root).
const containerDir = join(process.cwd(), "container");
if (!existsSync(containerDir)) {
  process.stderr.write(`No container/ in ${process.cwd()}: run synth from the project root.\n`);
  process.exit(1);
}
try {
  const stacks = synthesize(loadEnvironments(), { containerHash: contentHash(containerDir) });
  process.stdout.write(`${synthSummary(stacks, process.cwd())}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
