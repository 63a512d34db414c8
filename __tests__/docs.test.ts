import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REQUIRED_TERRAFORM } from "../stacks/backend";

const root = join(__dirname, "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const readme = read("README.md");
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
    const table = readme.slice(readme.indexOf("### Requirements"), readme.indexOf("### What works without"));
    const provider = JSON.parse(read("node_modules/@cdktf/provider-aws/package.json")) as { version: string; cdktf: { provider: { version: string } } };
    expect(table).toContain(`Node.js | ${pkg.engines.node.replace(">=", ">= ")}`);
    expect(table).toContain(`Terraform | ${REQUIRED_TERRAFORM.replace(/\.0$/, "")}`);
    expect(table).toContain(`required_version = "${REQUIRED_TERRAFORM}"`);
    expect(table).toContain(`${provider.cdktf.provider.version} exactly (\`@cdktf/provider-aws\` ${pkg.dependencies["@cdktf/provider-aws"]})`);
  });

  it("lists only files that exist in its project layout", () => {
    const layout = readme.slice(readme.indexOf("## Project layout"));
    const block = layout.slice(layout.indexOf("```text") + 7, layout.indexOf("```", layout.indexOf("```text") + 7));
    const paths = block
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/)[0])
      .filter((first) => first && /^[.\w_-]+(\/[\w.-]*)*$/.test(first) && !first.includes(","));
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) expect([path, existsSync(join(root, path))]).toEqual([path, true]);
  });
});
