import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** What synth writes: cdktf's manifest at the top, one cdk.tf.json per stack folder. */
const MANIFEST = "manifest.json";
const STACK_FILE = "cdk.tf.json";

/**
 * Synthesizes into a fresh folder beside `outdir`, then moves the result in, so `outdir`
 * never holds a half-written stack or one of an environment no longer configured:
 * - on success every stack's cdk.tf.json is replaced, and stack folders that synth did not
 *   write (an environment taken out of stacks/config.ts) are removed; what Terraform keeps
 *   in a stack folder that stays (.terraform, its lock file) is left where it is;
 * - on failure (a config mistake included) the previous output is removed too: a later
 *   `terraform plan` in cdktf.out then finds no configuration instead of a stale one.
 */
export function replaceOutput<T>(outdir: string, synth: (partial: string) => T): T {
  const partial = join(dirname(outdir), `.${basename(outdir)}.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  try {
    const result = synth(partial);
    moveInto(partial, outdir);
    return result;
  } catch (error) {
    removeGenerated(outdir);
    throw error;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Removes what synth generates in `outdir`, and nothing Terraform put there. */
export function removeGenerated(outdir: string): void {
  rmSync(join(outdir, MANIFEST), { force: true });
  for (const stack of stackFolders(outdir)) rmSync(join(outdir, "stacks", stack, STACK_FILE), { force: true });
}

function stackFolders(outdir: string): string[] {
  const stacks = join(outdir, "stacks");
  return existsSync(stacks) ? readdirSync(stacks, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

function moveInto(partial: string, outdir: string): void {
  const written = new Set(stackFolders(partial));
  for (const stale of stackFolders(outdir).filter((stack) => !written.has(stack))) {
    rmSync(join(outdir, "stacks", stale), { recursive: true, force: true });
  }
  for (const stack of written) {
    const from = join(partial, "stacks", stack);
    const to = join(outdir, "stacks", stack);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from)) {
      rmSync(join(to, file), { recursive: true, force: true });
      renameSync(join(from, file), join(to, file));
    }
  }
  renameSync(join(partial, MANIFEST), join(outdir, MANIFEST));
}
