/**
 * The deploy tier's emulated AWS account: moto_server (from .tools/moto-venv, installed by
 * .ci/tools.sh) on 127.0.0.1 and a free port, started and stopped by pid here, plus the
 * environment every command of the tier runs with. Commands are the ones users and the
 * workflows run (`npm run deploy`, `npm run plan`, `npm run destroy`, terraform), pointed at
 * the emulator by AWS_ENDPOINT_URL and __tests__/deploy/emulator-overrides.mjs.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentConfig } from "../../stacks/config";

export const ROOT = join(__dirname, "..", "..");
const MOTO_SERVER = join(ROOT, ".tools", "moto-venv", "bin", "moto_server");
export const PINNED_AWS_PROVIDER = "6.25.0";
/** The hashicorp/aws release these machines have offline, in a filesystem mirror. */
export const MIRRORED_AWS_PROVIDER = "5.100.0";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Emulator {
  readonly endpoint: string;
  readonly process: ChildProcess;
  readonly workDir: string;
  /** moto_server's request log (the tier's first place to look when a step fails). */
  readonly logFile: string;
  /** Environment for every command of the tier. */
  readonly env: NodeJS.ProcessEnv;
  /** The hashicorp/aws version the stacks run with: the pin, or the mirrored 5.100.0. */
  readonly providerVersion: string;
  stop(): Promise<void>;
}

/** Starts moto_server; resolves once it answers. Stop it with `stop()` on every exit path. */
export async function startEmulator(): Promise<Emulator> {
  if (!existsSync(MOTO_SERVER)) throw new Error(`${MOTO_SERVER} is missing: run \`bash .ci/tools.sh\` (it installs moto[server] into .tools/moto-venv).`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const workDir = mkdtempSync(join(tmpdir(), "deploy-tier-"));
  // Its request log goes to a file, not a pipe: the tier runs commands with spawnSync, which
  // blocks this process's event loop, so a pipe would fill up and stall the emulator.
  const logFile = join(workDir, "moto.log");
  const log = openSync(logFile, "w");
  // ACM certificates move from PENDING_VALIDATION to ISSUED after this many seconds.
  const child = spawn(MOTO_SERVER, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, MOTO_ACM_VALIDATION_WAIT: "1" },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const tail = () => readFileSync(logFile, "utf8").slice(-4000);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      process.kill(child.pid!, "SIGTERM");
      setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, "SIGKILL"), 5000).unref();
    });
  try {
    const deadline = Date.now() + 30000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${tail()}`);
      const up = await fetch(`${endpoint}/moto-api/data.json`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${tail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const providerVersion = pinnedProviderInstallable(workDir) ? PINNED_AWS_PROVIDER : MIRRORED_AWS_PROVIDER;
    const env = tierEnvironment(endpoint, workDir, providerVersion);
    return { endpoint, process: child, workDir, logFile, env, providerVersion, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The folder above registry.terraform.io that holds hashicorp/aws 5.100.0, if any. */
function mirrorRoot(): string | undefined {
  for (const candidate of [process.env.TF_PROVIDER_MIRROR, "/opt/tf-plugins", join(process.env.HOME ?? "/root", ".terraform.d", "plugins")]) {
    if (candidate && existsSync(join(candidate, "registry.terraform.io", "hashicorp", "aws", MIRRORED_AWS_PROVIDER))) return candidate;
  }
  return undefined;
}

/**
 * Whether `terraform init` can install the pinned hashicorp/aws (a machine with registry
 * access, GitHub Actions): then the tier runs the pin unchanged. Offline it cannot, and the
 * tier uses the mirrored 5.100.0 through the override files.
 */
function pinnedProviderInstallable(workDir: string): boolean {
  if (process.env.DEPLOY_TIER_PROVIDER === "mirror") return false;
  const probe = join(workDir, "provider-probe");
  mkdirSync(probe, { recursive: true });
  writeFileSync(join(probe, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws", version: PINNED_AWS_PROVIDER } } } }));
  const result = spawnSync("terraform", [`-chdir=${probe}`, "init", "-backend=false", "-input=false", "-no-color"], {
    env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_PLUGIN_CACHE_DIR: join(workDir, "plugin-cache") },
    encoding: "utf8",
    timeout: 120000,
  });
  rmSync(probe, { recursive: true, force: true });
  return result.status === 0;
}

function tierEnvironment(endpoint: string, workDir: string, providerVersion: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_REGION: "eu-central-1",
    AWS_DEFAULT_REGION: "eu-central-1",
    // The AWS CLI (npm run deploy's bucket check, npm run image) and the SDKs honour it.
    AWS_ENDPOINT_URL: endpoint,
    MOTO_ENDPOINT: endpoint,
    AWS_CONFIG_FILE: join(workDir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(workDir, "no-aws-credentials"),
    DEPLOY_AFTER_SYNTH: "node __tests__/deploy/emulator-overrides.mjs cdktf.out/stacks",
    IMAGE_PUSH: "manifest",
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
  };
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  if (providerVersion === MIRRORED_AWS_PROVIDER) {
    const root = mirrorRoot();
    if (!root) throw new Error(`hashicorp/aws ${PINNED_AWS_PROVIDER} cannot be installed and no filesystem mirror holds ${MIRRORED_AWS_PROVIDER} (set TF_PROVIDER_MIRROR to the folder above registry.terraform.io).`);
    const rc = join(workDir, "terraform.rc");
    writeFileSync(
      rc,
      [
        "provider_installation {",
        `  filesystem_mirror {\n    path    = ${JSON.stringify(root)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }`,
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }',
        "}",
        "",
      ].join("\n"),
    );
    env.TF_CLI_CONFIG_FILE = rc;
    env.TF_AWS_PROVIDER_VERSION = MIRRORED_AWS_PROVIDER;
  } else {
    env.TF_PLUGIN_CACHE_DIR = join(workDir, "plugin-cache");
    mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
  }
  return env;
}

/** Writes test environments into a JSON file for synth to read through $ENVIRONMENTS_FILE. */
export function writeEnvironments(file: string, environments: readonly EnvironmentConfig[]): void {
  writeFileSync(file, `${JSON.stringify(environments, null, 2)}\n`);
}

export interface Result {
  readonly status: number;
  readonly output: string;
}

/** Every command's duration, for the tier's closing report. */
export const timings: Array<{ command: string; cwd: string; seconds: number; status: number }> = [];

/**
 * Runs a command with the tier's environment, asynchronously, so that two environments'
 * sequences (each in its own project copy) run side by side against one emulator.
 */
export function sh(emulator: Emulator, cwd: string, command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...emulator.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    child.once("error", reject);
    child.once("close", (code) => {
      const status = code ?? 1;
      timings.push({ command: [command, ...args].join(" "), cwd, seconds: (Date.now() - started) / 1000, status });
      resolve({ status, output: Buffer.concat(chunks).toString("utf8") });
    });
  });
}

/** The AWS CLI against the emulator; parsed JSON output. */
export async function aws(emulator: Emulator, ...args: string[]): Promise<any> {
  const result = await sh(emulator, ROOT, "aws", [...args, "--output", "json"]);
  if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed: ${result.output}`);
  return result.output.trim() ? JSON.parse(result.output) : undefined;
}

/**
 * A second project folder for an environment's sequence to run in beside the one in the
 * checkout: symlinks to the checkout's files, its own cdktf.out (every synth rewrites that)
 * and its own copy of container/ (whose content hash the other sequence changes). Its
 * node_modules links each package, not the folder: synth writes node_modules/.cache.
 */
export function projectCopy(emulator: Emulator, name: string): string {
  const dir = join(emulator.workDir, name);
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  const own = new Set(["cdktf.out", "artifacts", "container", "node_modules", ".git", ".scan", "coverage"]);
  for (const entry of readdirSync(ROOT)) {
    if (own.has(entry) || entry.startsWith("terraform.")) continue;
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry !== ".cache") symlinkSync(join(ROOT, "node_modules", entry), join(dir, "node_modules", entry));
  }
  cpSync(join(ROOT, "container"), join(dir, "container"), { recursive: true, filter: (source) => !/\/(node_modules|dist|coverage)$/.test(source) });
  return dir;
}
