import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentHash } from "../../stacks/content-hash";

describe("contentHash (the image tag)", () => {
  const tree = () => {
    const dir = mkdtempSync(join(tmpdir(), "hash-"));
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "Dockerfile"), "FROM node\n");
    writeFileSync(join(dir, "src", "app.ts"), "export {};\n");
    return dir;
  };

  it("is the same for the same content in another place", () => {
    expect(contentHash(tree())).toBe(contentHash(tree()));
  });

  it("changes when a source file changes, so a code change rolls out a new task definition", () => {
    const dir = tree();
    const before = contentHash(dir);
    writeFileSync(join(dir, "src", "app.ts"), "export const changed = 1;\n");
    expect(contentHash(dir)).not.toBe(before);
  });

  it("ignores node_modules and build output", () => {
    const dir = tree();
    const before = contentHash(dir);
    mkdirSync(join(dir, "node_modules"));
    writeFileSync(join(dir, "node_modules", "x.js"), "1");
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "app.js"), "1");
    expect(contentHash(dir)).toBe(before);
  });
});
