import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { REQUIRED_TERRAFORM } from "../stacks/backend";

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { steps?: Step[]; environment?: string; permissions?: Record<string, string>; strategy?: { matrix?: Record<string, unknown> } };
type Workflow = { jobs: Record<string, Job>; permissions?: Record<string, string> };

const DIR = join(__dirname, "..", ".github", "workflows");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const text = (file: string) => readFileSync(join(DIR, file), "utf8");
const workflow = (file: string) => load(text(file)) as Workflow;
const steps = (file: string) => Object.values(workflow(file).jobs).flatMap((job) => job.steps ?? []);
const indexOf = (list: Step[], match: (s: Step) => boolean) => {
  const i = list.findIndex(match);
  if (i < 0) throw new Error("no such step");
  return i;
};

describe("GitHub workflows", () => {
  it.each(["apply.yml", "plan.yml"])("%s installs a Terraform the stacks' required_version accepts", (file) => {
    const setups = steps(file).filter((s) => s.uses?.startsWith("hashicorp/setup-terraform"));
    expect(setups).toHaveLength(1);
    const [major, minor] = String(setups[0].with?.terraform_version).split(".").map(Number);
    const [, reqMajor, reqMinor] = /(\d+)\.(\d+)/.exec(REQUIRED_TERRAFORM) ?? [];
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(Number(reqMajor) * 1000 + Number(reqMinor));
  });

  it.each(FILES)("%s pins every third-party action to a full commit SHA, with its version in a comment", (file) => {
    const all = [...text(file).matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];
    expect(all.length).toBeGreaterThan(0);
    // A reusable workflow of this repository (./.github/...) runs this commit's own file.
    const uses = all.filter(([, ref]) => !ref.startsWith("./"));
    for (const [line, ref, rest] of uses) {
      expect({ line: line.trim(), pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref), version: /^\s+# v\d+\.\d+\.\d+\b/.test(rest) }).toEqual({ line: line.trim(), pinned: true, version: true });
    }
  });

  it.each(FILES)("%s checks out without leaving the token in .git/config", (file) => {
    const checkouts = steps(file).filter((s) => s.uses?.startsWith("actions/checkout@"));
    for (const checkout of checkouts) expect(checkout.with?.["persist-credentials"]).toBe(false);
  });

  it("apply.yml deploys with the documented command, under the GitHub environment's own deploy role", () => {
    const wf = workflow("apply.yml");
    const job = wf.jobs.apply;
    expect(job.environment).toBe("${{ inputs.github-environment }}");
    const list = job.steps ?? [];
    const credentials = list.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ vars.AWS_DEPLOY_ROLE_ARN }}");
    const deploy = indexOf(list, (s) => s.run === 'npm run deploy -- "$ENV_NAME"');
    expect(indexOf(list, (s) => s.uses?.startsWith("docker/setup-buildx-action") ?? false)).toBeLessThan(deploy);
    expect(indexOf(list, (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials") ?? false)).toBeLessThan(deploy);
    // No shell logic of its own besides the scripts users run.
    expect(list.filter((s) => s.run).map((s) => s.run)).toEqual(["npm ci --no-audit --no-fund", 'npm run deploy -- "$ENV_NAME"']);
  });

  it("plan.yml plans each environment in vars.ENVIRONMENTS under that environment's plan role, with npm run plan", () => {
    const job = workflow("plan.yml").jobs.plan;
    expect(job.strategy?.matrix?.environment).toBe("${{ fromJSON(needs.environments.outputs.list) }}");
    expect(job.environment).toBeUndefined(); // the plan role trusts the pull_request subject, not an environment's
    const list = job.steps ?? [];
    const credentials = list.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials?.with?.["role-to-assume"]).toBe("${{ fromJSON(vars.AWS_PLAN_ROLES)[matrix.environment] }}");
    expect(list.some((s) => s.run === 'npm run plan -- "$ENV_NAME"')).toBe(true);
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(workflow("plan.yml").permissions).toEqual({ contents: "read" });
  });

  it("plan.yml turns a space- or comma-separated vars.ENVIRONMENTS into the matrix list", () => {
    const run = workflow("plan.yml").jobs.environments.steps?.[0].run ?? "";
    const { execFileSync } = require("node:child_process") as typeof import("node:child_process");
    const out = (value: string) => {
      const script = run.replace('>> "$GITHUB_OUTPUT"', "");
      return execFileSync("bash", ["-c", script], { env: { ...process.env, ENVIRONMENTS: value }, encoding: "utf8" }).trim();
    };
    expect(out("staging prod")).toBe('list=["staging","prod"]');
    expect(out("staging, prod")).toBe('list=["staging","prod"]');
  });

  it("plan.yml needs no Docker: it neither builds nor pushes an image", () => {
    const stepsText = JSON.stringify(steps("plan.yml"));
    expect(stepsText).not.toMatch(/docker|npm run image|npm run deploy/);
  });
});
