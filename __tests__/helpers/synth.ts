import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Testing, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../../stacks/schema";
import { addEnvironments, EnvironmentStacks } from "../../stacks/environment";
import { minimal } from "../fixtures/environments";

/** A fixed image tag, so snapshots do not change with every edit to container/. */
export const TEST_HASH = "0123456789abcdef";

export type TfJson = {
  terraform: { backend: Record<string, Record<string, unknown>> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  provider?: Record<string, unknown[]>;
  locals?: Record<string, string>;
  check?: Record<string, { assert: Array<{ condition: string; error_message: string }> }>;
  removed?: Array<{ from: string; lifecycle: { destroy: boolean } }>;
};

/**
 * Builds one environment's stacks (the `minimal` fixture with `overrides`) in a fresh test app and synthesizes the whole
 * app, as `cdktf synth` does (cross-stack references only resolve that way).
 */
export function buildEnvironment(overrides: Partial<EnvironmentConfig> = {}): EnvironmentStacks {
  const app = Testing.app();
  const stacks = addEnvironments(app, [{ ...minimal, ...overrides }], TEST_HASH)[0];
  app.synth();
  return stacks;
}

/** The stack's cdk.tf.json as written by the synth above. */
export function synthText(stack: TerraformStack): string {
  const app = stack.node.root as App;
  return readFileSync(join(app.outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8");
}

export function synthJson(stack: TerraformStack): TfJson {
  return JSON.parse(synthText(stack)) as TfJson;
}

/**
 * Bodies of every resource of one type, metadata removed. `T` describes the
 * attributes a test reads (synthesized JSON is untyped).
 */
export function resourcesOf<T = Record<string, unknown>>(json: TfJson, type: string): T[] {
  return Object.values(json.resource[type] ?? {}).map(({ "//": _, ...body }) => body as T);
}

/** The body of the resource `type.name`, metadata removed; fails the test if there is none. `T` as in resourcesOf. */
export function resourceNamed<T = Record<string, unknown>>(json: TfJson, type: string, name: string): T {
  const resource = json.resource[type]?.[name];
  if (!resource) throw new Error(`no ${type}.${name}`);
  const { "//": _, ...body } = resource;
  return body as T;
}

/** The one resource of a type; fails the test if there are more or none. */
export function only(json: TfJson, type: string): Record<string, unknown> {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** Terraform address (`type.name`) of a resource whose construct path ends with `pathEnd`. */
export function addressOf(json: TfJson, type: string, pathEnd: string): string {
  const entry = Object.entries(json.resource[type] ?? {}).find(([, body]) => {
    const meta = body["//"] as { metadata: { path: string } } | undefined;
    return meta?.metadata.path.endsWith(pathEnd);
  });
  if (!entry) throw new Error(`no ${type} at */${pathEnd}`);
  return `${type}.${entry[0]}`;
}

/** The body of the resource of a type whose construct path ends with `pathEnd`. */
export function resourceAt(json: TfJson, type: string, pathEnd: string): Record<string, unknown> {
  return resourceNamed(json, type, addressOf(json, type, pathEnd).slice(type.length + 1));
}
