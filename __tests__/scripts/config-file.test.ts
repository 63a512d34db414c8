import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../../stacks/config-file";
import { minimal } from "../fixtures/environments";

/** ENVIRONMENTS_FILE: how the deploy tier points synth at its own test environments. */
describe("ENVIRONMENTS_FILE", () => {
  const dir = mkdtempSync(join(tmpdir(), "environments-file-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("synth writes the stacks of the environments in the file, and only those", () => {
    const file = join(dir, "environments.json");
    writeFileSync(file, JSON.stringify([{ ...minimal, name: "fromfile" }]));
    const outdir = join(dir, "out");
    const result = spawnSync(process.execPath, ["--import", "tsx", "-e", `require("./stacks/environment").synthesize(require("./stacks/config-file").loadEnvironments(), { outdir: ${JSON.stringify(outdir)}, containerHash: "x" }).forEach((s) => console.log(s.name))`], {
      cwd: join(__dirname, "..", ".."),
      env: { ...process.env, ENVIRONMENTS_FILE: file },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toEqual(["bootstrap-fromfile", "network-fromfile", "app-fromfile"]);
  });

  it.each([
    ["a file that does not exist", "missing.json", undefined, /ENVIRONMENTS_FILE=.*missing\.json: ENOENT.*It must name a JSON file holding an array of environments, or be unset to use stacks\/config\.ts/],
    ["a file that is not JSON", "bad.json", "{ not json", /ENVIRONMENTS_FILE=.*bad\.json: .*JSON.*It must name a JSON file/],
    ["JSON that is not a list", "object.json", "{}", /must hold a non-empty JSON array of environments/],
    ["an empty list", "empty.json", "[]", /must hold a non-empty JSON array of environments/],
  ])("refuses %s with a message that says what to fix", (_what, name, content, message) => {
    const file = join(dir, name);
    if (content !== undefined) writeFileSync(file, content);
    expect(() => loadEnvironments({ ENVIRONMENTS_FILE: file })).toThrow(message);
  });
});
