import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { EnvironmentConfig, environments } from "./config";
import { ConfigError } from "./schema";

/**
 * The environment variable that points synth (and the deploy, plan and image scripts) at
 * a JSON file of environments instead of stacks/config.ts. The deploy test tier writes its
 * test environments there, so it never synthesizes, nor edits, the ones in stacks/config.ts.
 */
export const ENVIRONMENTS_FILE = "ENVIRONMENTS_FILE";

/** Where the environments come from, for messages: the JSON file or stacks/config.ts. */
export function environmentsSource(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENVIRONMENTS_FILE] || "stacks/config.ts";
}

/** The environments to synthesize: stacks/config.ts's, or the JSON array in $ENVIRONMENTS_FILE. */
export function loadEnvironments(env: NodeJS.ProcessEnv = process.env): readonly EnvironmentConfig[] {
  const file = env[ENVIRONMENTS_FILE];
  if (!file) return environments;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(file), "utf8"));
  } catch (error) {
    throw new ConfigError([`${ENVIRONMENTS_FILE}=${file}: ${(error as Error).message}. It must name a JSON file holding an array of environments, or be unset to use stacks/config.ts.`]);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigError([`${ENVIRONMENTS_FILE}=${file} must hold a non-empty JSON array of environments (the shape of stacks/config.ts's EnvironmentConfig).`]);
  }
  return parsed as EnvironmentConfig[];
}
