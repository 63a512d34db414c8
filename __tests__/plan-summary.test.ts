import { spawnSync } from "node:child_process";
import { buildSync } from "esbuild";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMENT_MARKER, parsePlan, renderSummary, stackNameFor } from "../scripts/plan-summary";

const FIXTURES = join(__dirname, "fixtures", "plans");
const fixture = (name: string, stack = name) => parsePlan(stack, readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
const SCRIPT = join(__dirname, "..", "scripts", "plan-summary.ts");
const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], { encoding: "utf8" });
/** The local recipe for plan.json, as the README gives it. */
const RECIPE = [
  "(cd cdktf.out/stacks/app-<env> && terraform init && terraform plan -out=tfplan && terraform show -json tfplan > plan.json)",
  "then: npm run plan:summary -- cdktf.out/stacks/*/plan.json",
].join("\n");

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
  ])("exits non-zero with a clear message for %s", (_what, file, message) => {
    const result = cli(join(FIXTURES, file));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });

  it("says a missing file does not exist, and how to make plan.json", () => {
    const result = cli(join(FIXTURES, "missing.json"));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`cannot read ${join(FIXTURES, "missing.json")}: no such file (ENOENT).`);
    expect(result.stderr).toContain(RECIPE);
  });

  it("says a folder is a folder, and points at the plan.json inside it", () => {
    const result = cli(`${FIXTURES}/`);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`cannot read ${FIXTURES}/: it is a directory (EISDIR). Pass the plan inside it, e.g. ${FIXTURES}/plan.json.`);
    expect(result.stderr).toContain(RECIPE);
  });

  it("says a file it may not read is a permission problem", () => {
    // GIVEN a plan nobody may read, and (as root ignores file modes) a reader that is not root
    const folder = mkdtempSync(join(tmpdir(), "plan-summary-"));
    const file = join(folder, "plan.json");
    try {
      writeFileSync(file, readFileSync(join(FIXTURES, "update.json")));
      chmodSync(folder, 0o755);
      chmodSync(file, 0o000);
      // The checkout may sit in a folder only root may enter (a 700 home): the other user runs
      // the script bundled into the temporary folder, from there.
      const bundle = join(folder, "plan-summary.cjs");
      buildSync({ entryPoints: [SCRIPT], bundle: true, platform: "node", format: "cjs", outfile: bundle, logLevel: "warning" });
      const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
      // WHEN
      const result = spawnSync(process.execPath, [bundle, file], { encoding: "utf8", cwd: folder, ...asNobody });
      // THEN
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(`cannot read ${file}: permission denied (EACCES). Make it readable for your user (ls -l ${file}).`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("shows failed checks, resources removed blocks forget, output changes and before → after values", () => {
    const md = renderSummary([fixture("checks-removed-outputs", "app-example")]);
    expect(md).toMatch(/> \[!WARNING\]\n> app-example: check `check.image_pushed` failed: The image 0123456789abcdef .* is not in ECR repository whoami-example yet\./);
    expect(md).not.toContain("check.fine");
    expect(md).toContain("Forgotten by `removed` blocks (out of state, left in AWS): `docker_image.image_image`");
    expect(md).toContain("Outputs: `+` `vpc_cidr` (create), `-` `old_output` (delete)");
    expect(md).not.toContain("app_url");
    expect(md).toContain('- `aws_ecs_task_definition.service_task` `cpu`: "256" → "512"');
    // a secret's values are never printed, only that it changes
    expect(md).toContain("- `aws_cognito_user_pool_client.cognito_client` `client_secret`: (sensitive) → (sensitive)");
    expect(md).not.toMatch(/"old"|"new"/);
  });

  it("marks a create-before-destroy replacement as such", () => {
    const md = renderSummary([fixture("replace", "app-example")]);
    expect(md).toContain("| `+/-` replace (create before destroy) | `aws_lb_target_group.app` |");
    expect(md).toContain("| `-/+` replace | `aws_cognito_user_pool.pool` |");
    expect(md).toMatch(/`aws_lb_target_group.app` will be replaced \(create before destroy/);
  });

  it("summarizes the readable stacks when one file cannot be read, names the missing one, and exits 2", () => {
    const result = cli(`network-example=${join(FIXTURES, "create-only.json")}`, `app-example=${join(FIXTURES, "missing.json")}`);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain("| network-example | 2 | 0 | 0 | 0 |");
    expect(result.stdout).toMatch(/> \[!CAUTION\]\n> \*\*app-example: no plan could be read\.\*\* cannot read .*missing\.json: no such file/);
    expect(result.stderr).toContain("no such file (ENOENT)");
  });

  it("says why a stack was not planned (npm run plan writes the reason in its place)", () => {
    const plan = parsePlan("app-dev", JSON.stringify({ not_planned: "it reads network-dev's outputs from its state, which does not exist yet" }));
    const md = renderSummary([plan]);
    expect(md).toContain("| app-dev | not planned | | | |");
    expect(md).toContain("app-dev: not planned: it reads network-dev's outputs from its state, which does not exist yet");
  });

  // Captured from the deploy tier's runs against moto (terraform show -json, kept to the keys
  // plan:summary reads and to the resources that change).
  describe("on plans captured from the deploy tier", () => {
    it("a container port change: the target group replaced create-before-destroy, port 8080 → 9090", () => {
      const md = renderSummary([fixture("emulator-container-port", "app-tierdev")]);
      expect(md).toContain("| app-tierdev | 0 | 6 | 2 | 0 |");
      expect(md).toMatch(/\| `\+\/-` replace \(create before destroy\) \| `aws_lb_target_group\.load-balancer_target-group` \| .*`port \(forces replacement\)`/);
      expect(md).toContain("- `aws_lb_target_group.load-balancer_target-group` `port`: 8080 → 9090");
      expect(md).toContain("| `-/+` replace | `aws_ecs_task_definition.service_task` |");
    });

    it("a change that only adds a network output", () => {
      const md = renderSummary([fixture("emulator-network-output", "network-tierdev")]);
      expect(md).toContain("| network-tierdev | 0 | 0 | 0 | 0 |");
      expect(md).toContain("Outputs: `+` `vpc_cidr` (create)");
      expect(md).toContain("No resource changes.");
    });

    it("a new account's first plan, and the app stack npm run plan could not plan yet", () => {
      const md = renderSummary([fixture("emulator-first-plan", "network-tierdev"), fixture("emulator-not-planned", "app-tierdev")]);
      expect(md).toMatch(/\| network-tierdev \| 2\d \| 0 \| 0 \| 0 \|/);
      expect(md).toContain("| app-tierdev | not planned | | | |");
      expect(md).toContain("app-tierdev: not planned: it reads network-tierdev's outputs from its state, which does not exist yet");
    });
  });

  it("prints usage with how to make plan.json and exits 2 without arguments", () => {
    const result = cli();
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^plan:summary: usage: npm run plan:summary -- <plan.json>\.\.\./);
    expect(result.stderr).toContain(RECIPE);
  });
});
