import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Not part of the image: installed or built locally, or excluded by .dockerignore. */
const IGNORED = new Set(["node_modules", "dist", "coverage", ".git"]);

/**
 * A short hash of every file under `dir` (paths and contents, in a fixed order),
 * used as the image tag so that any change to the app's source rolls out a new
 * task definition, and an unchanged tree plans no change at all.
 */
export function contentHash(dir: string): string {
  const hash = createHash("sha256");
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (IGNORED.has(entry.name)) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.isFile()) {
        hash.update(relative(dir, path).split(sep).join("/")).update("\0").update(readFileSync(path)).update("\0");
      }
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 16);
}
