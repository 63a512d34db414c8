import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { z } from "zod";
import { REQUIRED_TERRAFORM } from "../stacks/backend";
import { environment } from "../stacks/schema";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const readme = read("README.md");
const docs = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "docs"], { cwd: root, encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".md"));
const help = read("help");
const pkg = JSON.parse(read("package.json")) as { engines: { node: string }; scripts: Record<string, string>; dependencies: Record<string, string> };

describe("README and help", () => {
  it("start with the two commands a new user needs, and both scripts exist", () => {
    const firstScreen = readme.split("\n").slice(0, 20).join("\n");
    expect(firstScreen).toContain("npm ci && npm run synth");
    expect(firstScreen).toContain("npm ci && npm test");
    expect(pkg.scripts.synth).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });

  it.each([
    ["README.md", readme],
    ["help", help],
  ])("%s names only npm scripts that exist", (_file, text) => {
    const named = [...text.matchAll(/npm run ([a-z0-9]+(?::[a-z0-9]+)*)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(3);
    for (const script of named) expect(Object.keys(pkg.scripts)).toContain(script);
  });

  it("states the versions the project pins, in its Requirements table", () => {
    const table = readme.slice(readme.indexOf("## Requirements"), readme.indexOf("### What works without"));
    const provider = JSON.parse(read("node_modules/@cdktf/provider-aws/package.json")) as { version: string; cdktf: { provider: { version: string } } };
    expect(table).toContain(`Node.js | ${pkg.engines.node.replace(">=", ">= ")}`);
    expect(table).toContain(`Terraform | ${REQUIRED_TERRAFORM.replace(/\.0$/, "")}`);
    expect(table).toContain(`required_version = "${REQUIRED_TERRAFORM}"`);
    expect(table).toContain(`${provider.cdktf.provider.version} exactly (\`@cdktf/provider-aws\` ${pkg.dependencies["@cdktf/provider-aws"]})`);
  });

  it("lists only files that exist in its project layout", () => {
    const layout = read("docs/layout.md");
    const block = layout.slice(layout.indexOf("```text") + 7, layout.indexOf("```", layout.indexOf("```text") + 7));
    const paths = block
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/)[0])
      .filter((first) => first && /^[.\w_-]+(\/[\w.-]*)*$/.test(first) && !first.includes(","));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect([path, existsSync(join(root, path))]).toEqual([path, true]);
  });
});

/** Dotted paths of every setting the schema declares: `network.azCount`, `tags`. */
function settingPaths(schema: z.ZodType, prefix = ""): string[] {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof z.ZodObject)) return [prefix];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, value]) => settingPaths(value, prefix ? `${prefix}.${key}` : key));
}

describe("docs/", () => {
  it("the README stays a five-minute read, with reference depth in docs/", () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(14_000);
    expect(docs.length).toBeGreaterThan(5);
  });

  it("every relative link in the README and docs/ points at a file that exists", () => {
    for (const file of ["README.md", ...docs]) {
      const links = [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
      for (const link of links) expect([file, link, existsSync(join(root, file, "..", link))]).toEqual([file, link, true]);
    }
  });

  it("the README links every page in docs/", () => {
    for (const page of docs) expect(readme).toContain(`](${page})`);
  });

  it("docs/configuration.md documents every setting the schema declares", () => {
    const reference = read("docs/configuration.md");
    const paths = settingPaths(environment);
    expect(paths).toEqual(expect.arrayContaining(["name", "network.azCount", "waf.enabled", "tags"]));
    for (const path of paths) {
      expect([path, reference.includes(`| \`${path}\` |`)]).toEqual([path, true]);
    }
  });

  it("the project layout names every top-level file and folder the repository tracks", () => {
    const layout = read("docs/layout.md");
    const tracked = new Set(execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean).map((f) => f.split("/")[0]));
    const ignored = new Set([".gitignore", "package-lock.json", "tsconfig.json", "jest.config.js", "jest.e2e.config.js", "setup.js", "cdktf.json", "package.json"]);
    for (const entry of [...tracked].filter((e) => !ignored.has(e))) expect([entry, layout.includes(entry)]).toEqual([entry, true]);
  });

  it("states no test counts, which go stale with the next test", () => {
    for (const file of ["README.md", "help", ...docs]) expect([file, read(file).match(/\b\d+ (of \d+ )?tests\b/g)]).toEqual([file, null]);
  });
});
