#!/usr/bin/env node
// The deploy tier's only change to what `npm run synth` writes: one emulator_override.tf.json
// per stack (Terraform merges *_override.tf.json files into cdk.tf.json), and, only where the
// pinned provider cannot be installed, the substitutes for a 6.x-only data source and
// listener action.
// The deploy and plan scripts run it after every synth through DEPLOY_AFTER_SYNTH.
//
//   node __tests__/deploy/emulator-overrides.mjs <stacks dir>
//
// Reads MOTO_ENDPOINT (http://127.0.0.1:<port>) and TF_AWS_PROVIDER_VERSION (set by the tier
// to 5.100.0 when hashicorp/aws 6.25.0 cannot be installed here; unset: the pin stands).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { overridesFor } from "./emulator-gaps.mjs";

const [stacksDir] = process.argv.slice(2);
const endpoint = process.env.MOTO_ENDPOINT;
if (!stacksDir || !endpoint) {
  process.stderr.write("usage: MOTO_ENDPOINT=http://127.0.0.1:<port> node emulator-overrides.mjs <stacks dir>\n");
  process.exit(2);
}
const providerVersion = process.env.TF_AWS_PROVIDER_VERSION;

/** Every AWS API the stacks and the S3 backend call, pointed at the emulator. */
const SERVICES = ["acm", "applicationautoscaling", "cloudwatch", "cloudwatchlogs", "cognitoidp", "ec2", "ecr", "ecs", "elbv2", "iam", "kms", "route53", "s3", "sts", "wafv2"];
const endpoints = Object.fromEntries(SERVICES.map((s) => [s, endpoint]));
const backendEmulator = {
  endpoints: { s3: endpoint, sts: endpoint, iam: endpoint },
  use_path_style: true,
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
};

// Only the stacks of the environments synth read from $ENVIRONMENTS_FILE: others in the
// folder are left as synth wrote them.
const names = process.env.ENVIRONMENTS_FILE ? JSON.parse(readFileSync(process.env.ENVIRONMENTS_FILE, "utf8")).map((e) => e.name) : undefined;
for (const stack of readdirSync(stacksDir)) {
  const file = join(stacksDir, stack, "cdk.tf.json");
  if (!existsSync(file) || (names && !names.includes(stack.replace(/^[a-z]+-/, "")))) continue;
  const json = JSON.parse(readFileSync(file, "utf8"));
  const override = {
    terraform: {},
    provider: { aws: { endpoints: [endpoints], s3_use_path_style: true, skip_credentials_validation: true, skip_metadata_api_check: true, skip_requesting_account_id: false } },
  };
  if (providerVersion) override.terraform.required_providers = { aws: { source: "hashicorp/aws", version: providerVersion } };
  // An override's backend block replaces the base one whole: repeat bucket, key, region, lockfile.
  const s3 = json.terraform?.backend?.s3;
  if (s3) override.terraform.backend = { s3: { ...s3, ...backendEmulator } };
  for (const [name, block] of Object.entries(json.data?.terraform_remote_state ?? {})) {
    override.data ??= {};
    override.data.terraform_remote_state = { ...override.data.terraform_remote_state, [name]: { config: { ...block.config, ...backendEmulator } } };
  }
  mergeInto(override, overridesFor(json));
  if (providerVersion?.startsWith("5.")) mergeInto(override, jwtValidationStandIn(json));
  writeFileSync(join(stacksDir, stack, "emulator_override.tf.json"), `${JSON.stringify(override, null, 2)}\n`);

  // hashicorp/aws 5.x has no data.aws_ecr_images (6.0 added it). Its smallest stand-in is
  // data.aws_ecr_image by tag, shaped as the one-element image_ids list the stack reads.
  // An override cannot change a block's type, so this one edit goes into cdk.tf.json.
  const images = json.data?.aws_ecr_images;
  if (providerVersion?.startsWith("5.") && images) {
    const tag = /val\.image_tag == \\?"([0-9a-f]+)\\?"/.exec(JSON.stringify(json.locals ?? {}))?.[1];
    let text = JSON.stringify(json);
    for (const name of Object.keys(images)) {
      // With count (the lookup waits for the repository to exist): a list per instance.
      text = text.split(`data.aws_ecr_images.${name}[*].image_ids`).join(`[for i in data.aws_ecr_image.${name} : [{image_digest = i.image_digest, image_tag = \\"${tag}\\"}]]`);
      text = text.split(`data.aws_ecr_images.${name}.image_ids`).join(`[{image_digest = data.aws_ecr_image.${name}.image_digest, image_tag = \\"${tag}\\"}]`);
    }
    const edited = JSON.parse(text);
    edited.data.aws_ecr_image = Object.fromEntries(
      Object.entries(images).map(([name, { "//": _, repository_name, count }]) => [name, { repository_name, image_tag: tag, ...(count === undefined ? {} : { count }) }]),
    );
    delete edited.data.aws_ecr_images;
    writeFileSync(file, `${JSON.stringify(edited, null, 2)}\n`);
  }
}

/**
 * hashicorp/aws 5.x has no listener action jwt-validation (6.22 added it). Its stand-in keeps
 * the rule (priority, conditions, forward) and what it guarantees, that nothing is forwarded
 * unauthenticated: the stack's own authenticate-cognito action with
 * on_unauthenticated_request = deny in its place. An override's `action` replaces them all.
 */
function jwtValidationStandIn(json) {
  const rules = Object.entries(json.resource?.aws_lb_listener_rule ?? {});
  const signIn = rules.flatMap(([, rule]) => rule.action).find((a) => a.type === "authenticate-cognito")?.authenticate_cognito;
  const resource = {};
  for (const [name, rule] of rules) {
    if (!rule.action.some((a) => a.type === "jwt-validation")) continue;
    if (!signIn) throw new Error(`aws_lb_listener_rule.${name} uses jwt-validation and no rule has an authenticate-cognito action to stand in for it`);
    const action = rule.action.map((a) => (a.type === "jwt-validation" ? { type: "authenticate-cognito", order: a.order, authenticate_cognito: { ...signIn, on_unauthenticated_request: "deny" } } : a));
    resource.aws_lb_listener_rule = { ...resource.aws_lb_listener_rule, [name]: { action } };
  }
  return Object.keys(resource).length ? { resource } : {};
}

function mergeInto(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === "object" && !Array.isArray(value) && target[key] && typeof target[key] === "object") mergeInto(target[key], value);
    else target[key] = value;
  }
}
