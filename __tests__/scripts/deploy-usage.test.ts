import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { minimal } from "../fixtures/environments";

/** The deploy, destroy and plan scripts refuse bad arguments before they synth or touch AWS. */
const ROOT = join(__dirname, "..", "..");
// Test environments, not the ones a user keeps in stacks/config.ts.
const FILE = join(mkdtempSync(join(tmpdir(), "deploy-usage-")), "environments.json");
writeFileSync(FILE, JSON.stringify([minimal, { ...minimal, name: "other", stateBucket: "other-whoami-tfstate", domainName: "other.example.com", cognito: { ...minimal.cognito, domainPrefix: "other-whoami-login" } }]));
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", script), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ENVIRONMENTS_FILE: FILE, PATH: "/nonexistent" } });

describe("npm run deploy / destroy / plan arguments", () => {
  it.each([
    ["deploy.ts", [], /^Usage: npm run deploy -- <environment> \[--bootstrap\]   \(environments in .*environments\.json: example, other\)/],
    ["deploy.ts", ["nosuch"], /^No environment "nosuch" in .*environments\.json; there are: example, other/],
    ["deploy.ts", ["example", "--force"], /^Usage: npm run deploy -- <environment> \[--bootstrap\] \(unknown option --force\)/],
    ["destroy.ts", [], /^Usage: npm run destroy -- <environment>/],
    ["destroy.ts", ["nosuch"], /^No environment "nosuch" in .*environments\.json/],
    ["plan.ts", [], /^Usage: npm run plan -- <environment>\.\.\./],
  ])("%s %j exits 1 and says what to type", (script, args, message) => {
    const result = run(script, ...args);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
  });
});
