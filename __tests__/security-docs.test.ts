import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { deploySubject, DEPLOYED_SERVICES, GITHUB_OIDC_AUDIENCE, pullRequestSubject } from "../stacks/bootstrap/github-oidc";
import { STATE_READ_ACTIONS, STATE_WRITE_ACTIONS } from "../stacks/bootstrap/state-key";
import { WORKLOAD_BOUNDARY_ACTIONS } from "../stacks/bootstrap/workload-boundary";
import { WORKLOAD_BOUNDARY_PART, WORKLOAD_ROLE_PARTS } from "../stacks/naming";

const root = join(__dirname, "..");
const doc = readFileSync(join(root, "docs/security.md"), "utf8");
const section = (heading: string) => {
  const start = doc.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`docs/security.md has no section "${heading}"`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

describe("docs/security.md", () => {
  it("lists every checkov skip in .checkov.yaml, and no check that is not skipped", () => {
    const skipped = (load(readFileSync(join(root, ".checkov.yaml"), "utf8")) as { "skip-check": string[] })["skip-check"];
    const table = section("Security scanning");
    const documented = [...table.matchAll(/\bCKV2?_AWS_\d+\b/g)].map((m) => m[0]);
    expect([...new Set(documented)].sort()).toEqual([...skipped].sort());
  });

  it("states the trust the code builds: one GitHub environment per deploy role, pull requests for the plan role", () => {
    const roles = section("GitHub Actions roles");
    expect(roles).toContain(deploySubject("<owner>/<repo>", "<github.environment>"));
    expect(roles).toContain(pullRequestSubject("<owner>/<repo>"));
    expect(roles).toContain(GITHUB_OIDC_AUDIENCE);
    expect(roles).toMatch(/`main` only/);
  });

  it("names every service the deploy role manages in its region, and every role it may change", () => {
    const roles = section("GitHub Actions roles");
    for (const service of DEPLOYED_SERVICES) expect(roles).toContain(`\`${service}:*\``);
    for (const part of WORKLOAD_ROLE_PARTS) expect(roles).toMatch(new RegExp(`\`(<project>-<env>)?-${part}\``));
  });

  it("gives the key actions the code grants the plan and deploy roles", () => {
    const key = section("The state key");
    expect(key).toContain(`| the plan role | ${STATE_READ_ACTIONS.map((a) => `\`${a}\``).join(", ")}`);
    expect(key).toContain(`| the deploy role | ${STATE_WRITE_ACTIONS.map((a) => `\`${a}\``).join(", ")}`);
  });

  it("describes the workload boundary the code creates and what it allows", () => {
    const roles = section("GitHub Actions roles");
    expect(roles).toContain(`\`<project>-<env>-${WORKLOAD_BOUNDARY_PART}\``);
    expect(roles).toContain("`ecr:GetAuthorizationToken`");
    expect(Object.values(WORKLOAD_BOUNDARY_ACTIONS).flat().every((a) => a.startsWith("ecr:") || a.startsWith("logs:"))).toBe(true);
    expect(roles).toMatch(/pulling from any ECR repository/);
    expect(roles).toMatch(/writing log streams and events/);
  });
});
