/**
 * The deploy tier (`npm run test:deploy`, run by .ci/run): every deploy path a user and the
 * workflows take, run for real against an emulated AWS account (moto_server, started and
 * stopped here), with the real Terraform CLI and hashicorp/aws provider. Each step runs the
 * documented command (`npm run deploy`, `npm run plan`, `npm run destroy`), not a copy.
 *
 * The steps build on each other, in order, on one emulated account: `tierdev` goes through the
 * whole day-2 sequence; `tierprod` (WAF, dual-stack, pinned zone ids, allowDestroy false)
 * applies, re-plans clean and tears down the documented way.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentConfig } from "../../stacks/config";
import { stackNames } from "../../stacks/naming";
import { aws, Emulator, ROOT, sh, stackPath, startEmulator, timings, writeEnvironments } from "./emulator";

const tierdev: EnvironmentConfig = {
  name: "tierdev",
  region: "eu-central-1",
  stateBucket: "deploytier-dev-tfstate",
  hostedZone: { name: "deploytier.test" },
  domainName: "app.deploytier.test",
  cognito: { domainPrefix: "deploytier-dev-login", deletionProtection: false },
  network: { singleNatGateway: true, azCount: 2 },
  allowDestroy: false,
};

const tierprod: EnvironmentConfig = {
  name: "tierprod",
  region: "eu-central-1",
  stateBucket: "deploytier-tierprod-tfstate",
  hostedZone: { name: "deploytier.test" },
  domainName: "www.deploytier.test",
  cognito: { domainPrefix: "deploytier-tierprod-login", deletionProtection: true, mfa: true },
  network: { cidr: "10.20.0.0/16", availabilityZones: ["euc1-az1", "euc1-az2", "euc1-az3"], dualStack: true },
  service: { desiredCount: 2, maxCount: 4 },
  waf: { enabled: true },
  allowDestroy: false,
};

let emulator: Emulator;
let environments: EnvironmentConfig[] = [tierdev, tierprod];
/** Added to container/ to change its content hash; removed again on every exit path. */
const CHANGE_FILE = join(ROOT, "container", "deploy-tier-change.txt");
const results: Array<{ step: string; stack?: string; result: string }> = [];

function setEnvironment(name: string, change: (config: EnvironmentConfig) => EnvironmentConfig): void {
  environments = environments.map((e) => (e.name === name ? change(e) : e));
  writeEnvironments(emulator, environments);
}

/** `npm run plan -- <env>`, then its summary; each plan.json is kept in artifacts/deploy-plans/<label>/. */
function prPlan(env: string, label: string, extraEnv: NodeJS.ProcessEnv = {}): string {
  const result = sh(emulator, "npm", ["run", "--silent", "plan", "--", env], extraEnv);
  if (result.status !== 0) throw new Error(`npm run plan -- ${env} exited ${result.status}:\n${result.output.slice(-6000)}`);
  const files = Object.values(stackNames(env)).map((s) => join(stackPath(s), "plan.json"));
  const kept = join(ROOT, "artifacts", "deploy-plans", label);
  mkdirSync(kept, { recursive: true });
  for (const file of files) writeFileSync(join(kept, `${file.split("/").slice(-2)[0]}.json`), readFileSync(file));
  return npm("plan:summary", ...files);
}

/** Runs an npm script the way the docs say; fails the test with its output if it fails. */
function npm(script: string, ...args: string[]): string {
  const result = sh(emulator, "npm", ["run", "--silent", script, "--", ...args]);
  if (result.status !== 0) throw new Error(`npm run ${script} -- ${args.join(" ")} exited ${result.status}:\n${result.output.slice(-6000)}`);
  return result.output;
}

/** `terraform plan -detailed-exitcode -lock=false` of one stack: 0 clean, 2 changes (shown). */
function replan(stack: string): { status: number; output: string } {
  const dir = `-chdir=${stackPath(stack)}`;
  const init = sh(emulator, "terraform", [dir, "init", "-input=false", "-reconfigure", "-no-color"]);
  if (init.status !== 0) throw new Error(`terraform init of ${stack} failed:\n${init.output}`);
  const plan = sh(emulator, "terraform", [dir, "plan", "-input=false", "-lock=false", "-detailed-exitcode", "-no-color"]);
  results.push({ step: "re-plan", stack, result: plan.status === 0 ? "clean" : `exit ${plan.status}` });
  return plan;
}

function expectCleanReplan(env: string): void {
  for (const stack of Object.values(stackNames(env))) {
    const plan = replan(stack);
    if (plan.status !== 0) throw new Error(`${stack} does not re-plan clean (exit ${plan.status}):\n${plan.output.slice(-8000)}`);
  }
}

function deploy(env: string, step: string): string {
  const output = npm("deploy", env);
  results.push({ step, stack: env, result: "applied" });
  return output;
}

const resourcesInState = (stack: string) =>
  sh(emulator, "terraform", [`-chdir=${stackPath(stack)}`, "state", "list"])
    .output.trim()
    .split("\n")
    .filter(Boolean);

beforeAll(async () => {
  emulator = await startEmulator();
  writeEnvironments(emulator, environments);
  // The account's own public zone, as the README asks a user to have before deploying.
  aws(emulator, "route53", "create-hosted-zone", "--name", "deploytier.test", "--caller-reference", "deploy-tier");
  // Left by an earlier run that died (the tier's own environment names, nobody else's).
  for (const config of environments) for (const suffix of ["", ".migrated"]) rmSync(join(ROOT, `terraform.bootstrap-${config.name}.tfstate${suffix}`), { force: true });
  process.stdout.write(`deploy tier: moto ${emulator.endpoint}, hashicorp/aws ${emulator.providerVersion}\n`);
}, 180000);

afterAll(async () => {
  rmSync(CHANGE_FILE, { force: true });
  for (const config of environments) rmSync(join(ROOT, `terraform.bootstrap-${config.name}.tfstate.migrated`), { force: true });
  await emulator?.stop();
  mkdirSync(join(ROOT, "artifacts"), { recursive: true });
  if (emulator && existsSync(emulator.logFile)) writeFileSync(join(ROOT, "artifacts", "deploy-tier-moto.log"), readFileSync(emulator.logFile));
  const report = { provider: emulator?.providerVersion, results, timings };
  writeFileSync(join(ROOT, "artifacts", "deploy-tier.json"), `${JSON.stringify(report, null, 2)}\n`);
  const total = timings.reduce((n, t) => n + t.seconds, 0);
  process.stdout.write(`deploy tier: ${timings.length} commands, ${total.toFixed(0)} s; artifacts/deploy-tier.json has each one\n`);
});

describe("a brand-new account, the documented way", () => {
  it("a pull request's plan before any state exists plans bootstrap and network and says why the app waits", () => {
    const summary = prPlan("tierdev", "before-any-state");
    expect(summary).toMatch(/\| bootstrap-tierdev \| \d+ \| 0 \| 0 \| 0 \|/);
    expect(summary).toMatch(/\| network-tierdev \| \d+ \| 0 \| 0 \| 0 \|/);
    expect(summary).toMatch(/app-tierdev: not planned: it reads network-tierdev's outputs from its state, which does not exist yet/);
    // Read-only: nothing was created, not even the state bucket.
    expect(aws(emulator, "s3api", "list-buckets").Buckets).toEqual([]);
  });

  it("npm run deploy -- tierdev creates the bucket, moves bootstrap's state into it, then deploys network, image and app", () => {
    const output = deploy("tierdev", "first deploy");
    expect(output).toMatch(/State bucket deploytier-dev-tfstate does not exist yet: creating it/);
    const keys = aws(emulator, "s3api", "list-objects-v2", "--bucket", "deploytier-dev-tfstate").Contents.map((o: { Key: string }) => o.Key);
    expect(keys).toEqual(expect.arrayContaining(["tierdev/bootstrap-tierdev.tfstate", "tierdev/network-tierdev.tfstate", "tierdev/app-tierdev.tfstate"]));
    expect(existsSync(join(ROOT, "terraform.bootstrap-tierdev.tfstate"))).toBe(false);
    expect(resourcesInState("bootstrap-tierdev")).toContain("aws_s3_bucket.state");
    expect(output).toMatch(/Deployed tierdev: https:\/\/app\.deploytier\.test/);
  });

  it("every stack re-plans with no changes", () => expectCleanReplan("tierdev"));

  it("a second deploy in a row does not re-apply bootstrap, and succeeds", () => {
    const output = deploy("tierdev", "second deploy");
    expect(output).toMatch(/State bucket deploytier-dev-tfstate exists and holds bootstrap-tierdev's state: not applied/);
    expect(output).not.toMatch(/BucketAlreadyOwnedByYou/);
  });

  it("a pull request's plan after the deploy shows no changes in any stack", () => {
    const summary = prPlan("tierdev", "after-deploy");
    for (const stack of Object.values(stackNames("tierdev"))) expect(summary).toContain(`| ${stack} | 0 | 0 | 0 | 0 |`);
  });

  it("a pull request that adds a network output the app reads plans network and says the app follows", () => {
    // What synth writes for such a change: the output in network, its use in app.
    const addOutput = [
      `node -e 'const fs=require("fs");`,
      `fs.writeFileSync("cdktf.out/stacks/network-tierdev/pr_change.tf.json", JSON.stringify({output:{vpc_cidr:{value:"\${aws_vpc.vpc.cidr_block}"}}}));`,
      `fs.writeFileSync("cdktf.out/stacks/app-tierdev/pr_change.tf.json", JSON.stringify({output:{network_cidr:{value:"\${data.terraform_remote_state.cross-stack-reference-input-network-tierdev.outputs.vpc_cidr}"}}}));'`,
    ].join("");
    let summary: string;
    try {
      summary = prPlan("tierdev", "adds-network-output", { DEPLOY_AFTER_SYNTH: `${emulator.env.DEPLOY_AFTER_SYNTH} && ${addOutput}` });
    } finally {
      // Synth does not clear a stack's folder: the next deploy must not see this change.
      for (const stack of ["network-tierdev", "app-tierdev"]) rmSync(join(stackPath(stack), "pr_change.tf.json"), { force: true });
    }
    expect(summary).toMatch(/vpc_cidr/);
    expect(summary).toMatch(/app-tierdev: not planned: it reads `vpc_cidr`, which this change adds to network-tierdev/);
  });
});

describe("day 2 on the same account: each change applies and re-plans clean", () => {
  it("a new container content hash", () => {
    writeFileSync(CHANGE_FILE, "a change to the app's source\n");
    const output = deploy("tierdev", "new content hash");
    expect(output).toMatch(/putting a manifest for .*whoami-tierdev:[0-9a-f]{16}/);
    expectCleanReplan("tierdev");
    rmSync(CHANGE_FILE);
  });

  it("service.containerPort changed (the target group is replaced before the old one goes)", () => {
    setEnvironment("tierdev", (e) => ({ ...e, service: { ...e.service, containerPort: 9090 } }));
    const summary = prPlan("tierdev", "container-port");
    expect(summary).toMatch(/`\+\/-` replace \(create before destroy\) \| `aws_lb_target_group\.load-balancer_target-group`/);
    expect(summary).toMatch(/`aws_lb_target_group\.load-balancer_target-group` `port`: 8080 → 9090/);
    deploy("tierdev", "containerPort 9090");
    expectCleanReplan("tierdev");
  });

  it("an alternative name added", () => {
    setEnvironment("tierdev", (e) => ({ ...e, alternativeNames: ["alt.deploytier.test"] }));
    deploy("tierdev", "alternative name");
    expectCleanReplan("tierdev");
  });

  it("network.azCount 2 -> 3", () => {
    setEnvironment("tierdev", (e) => ({ ...e, network: { ...e.network, azCount: 3 } }));
    deploy("tierdev", "azCount 3");
    expectCleanReplan("tierdev");
  });
});

describe("tear down", () => {
  it("a protected environment's destroy stops before it deletes anything", () => {
    const before = { app: resourcesInState("app-tierdev"), network: resourcesInState("network-tierdev") };
    const result = sh(emulator, "npm", ["run", "--silent", "destroy", "--", "tierdev"]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Instance cannot be destroyed/);
    expect(result.output).toMatch(/prevent_destroy/);
    expect({ app: resourcesInState("app-tierdev"), network: resourcesInState("network-tierdev") }).toEqual(before);
    expect(aws(emulator, "elbv2", "describe-load-balancers").LoadBalancers).toHaveLength(1);
    results.push({ step: "protected destroy", stack: "tierdev", result: "stopped before deleting anything" });
  });

  it("allowDestroy false -> true, deploy, destroy leaves only the bootstrap stack", () => {
    setEnvironment("tierdev", (e) => ({ ...e, allowDestroy: true }));
    deploy("tierdev", "allowDestroy true");
    expectCleanReplan("tierdev");
    npm("destroy", "tierdev");
    results.push({ step: "destroy", stack: "tierdev", result: "destroyed" });
    expect(resourcesInState("app-tierdev")).toEqual([]);
    expect(resourcesInState("network-tierdev")).toEqual([]);
    expect(leftInAccount()).toEqual({
      buckets: ["deploytier-dev-tfstate", "whoami-tierdev-s3-logs-123456789012"],
      loadBalancers: [],
      targetGroups: [],
      vpcs: [],
      ecrRepositories: [],
      ecsClusters: [],
      userPools: [],
      certificates: [],
      records: [],
      logGroups: [],
      roles: [],
    });
  });
});

describe("a production-like environment (WAF, dual-stack, pinned zone ids, allowDestroy false)", () => {
  it("deploys, re-plans clean, and tears down the documented way", () => {
    deploy("tierprod", "first deploy");
    expectCleanReplan("tierprod");
    setEnvironment("tierprod", (e) => ({ ...e, allowDestroy: true, cognito: { ...e.cognito, deletionProtection: false } }));
    deploy("tierprod", "allowDestroy true");
    expectCleanReplan("tierprod");
    npm("destroy", "tierprod");
    results.push({ step: "destroy", stack: "tierprod", result: "destroyed" });
    expect(resourcesInState("app-tierprod")).toEqual([]);
    expect(resourcesInState("network-tierprod")).toEqual([]);
  });
});

/** What is left in the emulated account, by kind (the default VPC and AWS-managed items aside). */
function leftInAccount() {
  const names = (list: Array<Record<string, string>>, key: string) => list.map((x) => x[key]).sort();
  const zone = aws(emulator, "route53", "list-hosted-zones").HostedZones[0].Id;
  return {
    buckets: names(aws(emulator, "s3api", "list-buckets").Buckets, "Name"),
    loadBalancers: names(aws(emulator, "elbv2", "describe-load-balancers").LoadBalancers, "LoadBalancerName"),
    targetGroups: names(aws(emulator, "elbv2", "describe-target-groups").TargetGroups, "TargetGroupName"),
    vpcs: names(aws(emulator, "ec2", "describe-vpcs", "--filters", "Name=is-default,Values=false").Vpcs, "VpcId"),
    ecrRepositories: names(aws(emulator, "ecr", "describe-repositories").repositories, "repositoryName"),
    ecsClusters: names(aws(emulator, "ecs", "list-clusters").clusterArns.map((a: string) => ({ a })), "a"),
    userPools: names(aws(emulator, "cognito-idp", "list-user-pools", "--max-results", "60").UserPools, "Name"),
    certificates: names(aws(emulator, "acm", "list-certificates").CertificateSummaryList, "DomainName"),
    records: names(
      aws(emulator, "route53", "list-resource-record-sets", "--hosted-zone-id", zone).ResourceRecordSets.filter((r: { Type: string }) => !["NS", "SOA"].includes(r.Type)),
      "Name",
    ),
    logGroups: names(aws(emulator, "logs", "describe-log-groups").logGroups, "logGroupName"),
    roles: names(aws(emulator, "iam", "list-roles").Roles.filter((r: { Path: string }) => r.Path === "/"), "RoleName"),
  };
}

// Keep the container change file from outliving a crash of this file's process.
process.once("exit", () => rmSync(CHANGE_FILE, { force: true }));
