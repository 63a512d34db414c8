import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMMENT_MARKER, parsePlan, renderSummary, stackNameFor } from "../scripts/plan-summary";

const FIXTURES = join(__dirname, "fixtures", "plans");
const fixture = (name: string, stack = name) => parsePlan(stack, readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "scripts", "plan-summary.ts"), ...args], { encoding: "utf8" });

describe("plan:summary", () => {
  it("counts creates and lists new resources, ignoring data source reads", () => {
    const plan = fixture("create-only", "network-example");
    expect(plan.changes.map((c) => [c.action, c.address])).toEqual([
      ["create", "aws_vpc.vpc"],
      ["create", "aws_subnet.public-0"],
    ]);
    const md = renderSummary([plan]);
    expect(md).toContain("| network-example | 2 | 0 | 0 | 0 |");
    expect(md).toContain("| `+` create | `aws_vpc.vpc` | (new) |");
    expect(md).not.toContain("[!WARNING]");
    expect(md).not.toContain("[!CAUTION]");
  });

  it("shows the changed attributes of an in-place update, including values known only after apply", () => {
    const md = renderSummary([fixture("update", "app-example")]);
    expect(md).toContain("| app-example | 0 | 1 | 0 | 0 |");
    expect(md).toContain("| `~` update | `aws_ecs_service.service` | `desired_count`, `task_definition` |");
    expect(md).not.toContain("aws_lb.alb");
  });

  it("warns loudly about a replacement, and louder for a stateful resource, naming what forces it", () => {
    const md = renderSummary([fixture("replace", "app-example")]);
    expect(md).toContain("| app-example | 0 | 0 | 2 | 0 |");
    expect(md).toMatch(/> \[!CAUTION\]\n> \*\*app-example: `aws_cognito_user_pool.pool` will be REPLACED.\*\* This loses every user account/);
    expect(md).toMatch(/> \[!WARNING\]\n> app-example: `aws_lb_target_group.app` will be replaced/);
    expect(md).toContain("`username_attributes (forces replacement)`");
  });

  it("warns about deletes, cautioning that an ECR repository's images are lost", () => {
    const md = renderSummary([fixture("delete", "app-example")]);
    expect(md).toContain("| app-example | 0 | 0 | 0 | 2 |");
    expect(md).toMatch(/\[!CAUTION\]\n> \*\*app-example: `aws_ecr_repository.repository` will be DELETED.\*\* This loses every image/);
    expect(md).toMatch(/\[!WARNING\]\n> app-example: `aws_route53_record.a` will be deleted/);
  });

  it("says so when a stack has no changes", () => {
    const md = renderSummary([fixture("no-changes", "bootstrap-example")]);
    expect(md).toContain("| bootstrap-example | 0 | 0 | 0 | 0 |");
    expect(md).toContain("No changes.");
  });

  it("summarizes several stacks in one comment, marked for in-place updates", () => {
    const result = cli(`network-example=${join(FIXTURES, "create-only.json")}`, `app-example=${join(FIXTURES, "replace.json")}`);
    expect(result.status).toBe(0);
    expect(result.stdout.startsWith(COMMENT_MARKER)).toBe(true);
    expect(result.stdout).toContain("## Terraform plan: 2 stacks");
    expect(result.stdout.indexOf("### network-example")).toBeLessThan(result.stdout.indexOf("### app-example"));
  });

  it("names the stack after the plan's folder in cdktf.out/stacks", () => {
    expect(stackNameFor("cdktf.out/stacks/app-prod/plan.json")).toEqual({ stack: "app-prod", file: "cdktf.out/stacks/app-prod/plan.json" });
    expect(stackNameFor("network-example.json").stack).toBe("network-example");
  });

  it.each([
    ["not JSON", "not-json.json", /not-json.json is not JSON/],
    ["JSON that is not a plan", "state-output.json", /is not a Terraform plan: expected the output of `terraform show -json <planfile>`/],
    ["a missing file", "missing.json", /cannot read/],
  ])("exits non-zero with a clear message for %s", (_what, file, message) => {
    const result = cli(join(FIXTURES, file));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("prints usage and exits non-zero without arguments", () => {
    const result = cli();
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run plan:summary/);
  });
});
