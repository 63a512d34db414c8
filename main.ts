import { join } from "node:path";
import { environments } from "./stacks/config";
import { contentHash } from "./stacks/content-hash";
import { synthesize } from "./stacks/environment";
import { ConfigError } from "./stacks/validate";

// Per environment in stacks/config.ts: bootstrap-<env> (state bucket), network-<env>
// (VPC), app-<env> (DNS, Cognito, image, ALB, ECS). A config mistake stops here with
// one message listing every problem, before anything is written.
try {
  synthesize(environments, { containerHash: contentHash(join(__dirname, "container")) });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
