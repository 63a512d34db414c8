import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { REQUIRED_TERRAFORM } from "../stacks/backend";

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = { jobs: Record<string, { steps?: Step[] }> };

const workflow = (file: string) => load(readFileSync(join(__dirname, "..", ".github", "workflows", file), "utf8")) as Workflow;
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

  it("apply.yml applies network, then pushes the image once, then applies the app", () => {
    const list = steps("apply.yml");
    const network = indexOf(list, (s) => (s.run ?? "").includes('-chdir="cdktf.out/stacks/network-$ENV_NAME" apply'));
    const image = indexOf(list, (s) => s.run === 'npm run image -- "$ENV_NAME"');
    const app = indexOf(list, (s) => (s.run ?? "").includes('-chdir="cdktf.out/stacks/app-$ENV_NAME" apply'));
    expect(network).toBeLessThan(image);
    expect(image).toBeLessThan(app);
    expect(indexOf(list, (s) => s.uses?.startsWith("docker/setup-buildx-action") ?? false)).toBeLessThan(image);
    expect(indexOf(list, (s) => s.uses?.startsWith("aws-actions/configure-aws-credentials") ?? false)).toBeLessThan(image);
  });

  it("plan.yml needs no Docker: it neither builds nor pushes an image", () => {
    const text = JSON.stringify(steps("plan.yml"));
    expect(text).not.toMatch(/docker|npm run image/);
  });
});
