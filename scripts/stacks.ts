/**
 * What `npm run deploy`, `npm run destroy` and `npm run plan` share: synth, the environment's
 * three stack folders, Terraform and AWS CLI calls. The GitHub workflows call these scripts,
 * so a workflow runs exactly what a user runs.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { environmentsSource, loadEnvironments } from "../stacks/config-file";
import { ROOT_FROM_STACK_DIR, stackNames } from "../stacks/naming";
import { ConfigError, ResolvedConfig, resolveEnvironments } from "../stacks/schema";
import { ImageError } from "./image";

/** A step failed in a way the user must fix; the message says what failed and how. */
export class DeployError extends Error {}

export interface Context {
  /** The project root (where package.json is). */
  readonly root: string;
  /** Environment of every child process (credentials, PATH, TF_* and AWS_* settings). */
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

export function defaultContext(): Context {
  return { root: process.cwd(), env: process.env, log: (line) => process.stdout.write(`${line}\n`) };
}

export const stacksDir = (ctx: Context) => join(ctx.root, "cdktf.out", "stacks");
export const stackDir = (ctx: Context, stack: string) => join(stacksDir(ctx), stack);

/** The validated environment named `name`, from stacks/config.ts (or $ENVIRONMENTS_FILE). */
export function environment(ctx: Context, name: string | undefined, usage: string): ResolvedConfig {
  const configs = resolveEnvironments(loadEnvironments(ctx.env));
  const names = configs.map((c) => c.name).join(", ");
  if (!name) throw new DeployError(`Usage: ${usage}   (environments in ${environmentsSource(ctx.env)}: ${names})`);
  const config = configs.find((c) => c.name === name);
  if (!config) throw new DeployError(`No environment "${name}" in ${environmentsSource(ctx.env)}; there are: ${names}`);
  return config;
}

/**
 * `npm run synth`, then $DEPLOY_AFTER_SYNTH if set: a shell command run in the project root
 * before any Terraform command, for local adjustments to cdktf.out (the deploy test tier
 * writes its emulator's *_override.tf.json files there).
 */
export function synth(ctx: Context): void {
  run(ctx, "npm", ["run", "--silent", "synth"], { inherit: true });
  const hook = ctx.env.DEPLOY_AFTER_SYNTH;
  if (hook) run(ctx, "sh", ["-c", hook], { inherit: true });
}

interface RunOptions {
  /** Show the command's output as it runs (else it is captured and returned). */
  readonly inherit?: boolean;
  /** Exit codes that are not failures. @default [0] */
  readonly ok?: readonly number[];
}

/** Runs a command in the project root; returns its exit code and (unless inherited) stdout. */
export function run(ctx: Context, command: string, args: readonly string[], options: RunOptions = {}): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd: ctx.root,
    env: ctx.env,
    encoding: "utf8",
    stdio: options.inherit ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new DeployError(`${command} could not be started (${result.error.message}); is it installed and on PATH?`);
  const status = result.status ?? 1;
  if (!(options.ok ?? [0]).includes(status)) {
    const detail = options.inherit ? "its output is above" : (result.stderr || result.stdout).trim();
    throw new DeployError(`${command} ${args.join(" ")} failed (exit ${status}): ${detail}`);
  }
  return { status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** `terraform -chdir=cdktf.out/stacks/<stack> <args>` ($TERRAFORM may name tofu). */
export function terraform(ctx: Context, stack: string, args: readonly string[], options: RunOptions = {}) {
  const binary = ctx.env.TERRAFORM || "terraform";
  ctx.log(`$ ${binary} -chdir=cdktf.out/stacks/${stack} ${args.join(" ")}`);
  return run(ctx, binary, [`-chdir=${stackDir(ctx, stack)}`, ...args, "-no-color"], options);
}

/** Whether the state bucket exists; a bucket of that name in another account is an error. */
export function bucketExists(ctx: Context, config: ResolvedConfig): boolean {
  const result = run(ctx, "aws", ["s3api", "head-bucket", "--bucket", config.stateBucket, "--region", config.region], { ok: [0, 254, 255] });
  if (result.status === 0) return true;
  if (/\b404\b|Not Found|NoSuchBucket/.test(result.stderr)) return false;
  if (/\b403\b|Forbidden/.test(result.stderr)) {
    throw new DeployError(`State bucket ${config.stateBucket} exists but these credentials may not use it (403): bucket names are global, so another account may own it. Choose another stateBucket, or use credentials of the account that owns it.`);
  }
  throw new DeployError(`Could not tell whether state bucket ${config.stateBucket} exists: ${result.stderr.trim()}`);
}

/** Whether the bucket holds state under `key` (the S3 backend's key of a stack). */
export function stateExists(ctx: Context, config: ResolvedConfig, stack: string): boolean {
  const key = `${config.name}/${stack}.tfstate`;
  const result = run(ctx, "aws", ["s3api", "head-object", "--bucket", config.stateBucket, "--key", key, "--region", config.region], { ok: [0, 254, 255] });
  if (result.status === 0) return true;
  if (/\b404\b|Not Found|NoSuchKey/.test(result.stderr)) return false;
  throw new DeployError(`Could not read s3://${config.stateBucket}/${key}: ${result.stderr.trim()}`);
}

/**
 * Bootstrap's state before its bucket exists: a local file in the project root, outside
 * cdktf.out (which every synth rewrites). The same file earlier versions kept for good.
 */
export const localBootstrapState = (ctx: Context, config: ResolvedConfig) => resolve(ctx.root, `terraform.${stackNames(config.name).bootstrap}.tfstate`);

/**
 * An override file that swaps the bootstrap stack's S3 backend for a local one. Terraform
 * reads *_override.tf.json files after cdk.tf.json, in name order; "zz_" keeps it last,
 * so its backend wins over any other override's.
 */
const LOCAL_BACKEND_OVERRIDE = "zz_local_backend_override.tf.json";

export function useLocalBackend(ctx: Context, config: ResolvedConfig, on: boolean): void {
  const file = join(stackDir(ctx, stackNames(config.name).bootstrap), LOCAL_BACKEND_OVERRIDE);
  if (!on) {
    rmSync(file, { force: true });
    return;
  }
  const path = `${ROOT_FROM_STACK_DIR}/terraform.${stackNames(config.name).bootstrap}.tfstate`;
  writeFileSync(file, `${JSON.stringify({ terraform: { backend: { local: { path } } } }, null, 2)}\n`);
}

/** Runs `main`, turning a DeployError or ConfigError into its message and exit code 1. */
export function cli(main: (args: string[], ctx: Context) => void): void {
  try {
    main(process.argv.slice(2), defaultContext());
  } catch (error) {
    if (!(error instanceof DeployError || error instanceof ConfigError || error instanceof ImageError)) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
