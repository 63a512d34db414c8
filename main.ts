import { join } from "node:path";
import { App } from "cdktf";
import { environments } from "./stacks/config";
import { contentHash } from "./stacks/content-hash";
import { addEnvironments } from "./stacks/environment";

// Per environment in stacks/config.ts: bootstrap-<env> (state bucket), network-<env>
// (VPC), app-<env> (DNS, Cognito, image, ALB, ECS). Config errors stop here, before
// anything is written.
const app = new App();
addEnvironments(app, environments, contentHash(join(__dirname, "container")));
app.synth();
