/**
 * The deploy tier (`npm run test:deploy`, run by .ci/run): every deploy path a user and the
 * workflows take, run for real against an emulated AWS account (moto_server, started and
 * stopped here), with the real Terraform CLI and hashicorp/aws provider. Each step runs the
 * documented command (`npm run deploy`, `npm run plan`, `npm run destroy`), not a copy.
 *
 * Two environments share one emulated account. `tierdev` goes through the whole day-2
 * sequence, step by step, in this checkout. `tierprod` (WAF, dual-stack, pinned zone ids,
 * a protected user pool, allowDestroy false) applies, re-plans clean and tears down the
 * documented way, at the same time, in a project copy of its own (emulator.ts projectCopy).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentConfig } from "../../stacks/config";
import { stackNames } from "../../stacks/naming";
import { aws, Emulator, projectCopy, ROOT, sh, startEmulator, timings, writeEnvironments } from "./emulator";

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
  stateBucket: "deploytier-prod-tfstate",
  hostedZone: { name: "deploytier.test" },
  domainName: "www.deploytier.test",
  cognito: { domainPrefix: "deploytier-prod-login", deletionProtection: true, mfa: true },
  network: { cidr: "10.20.0.0/16", availabilityZones: ["euc1-az1", "euc1-az2", "euc1-az3"], dualStack: true },
  // maxCount = desiredCount: no target tracking here. moto 5.2.5 has no Application Auto
  // Scaling ListTagsForResource (HTTP 500), which the provider calls on every scaling target
  // (emulator-gaps.mjs, "not worked around").
  service: { desiredCount: 2, maxCount: 2 },
  waf: { enabled: true },
  // Who may do what, as the prod template has it: a group guarding a route, one machine client.
  authorization: {
    routes: [{ path: "/admin/*", groups: ["admins"] }],
    api: { scopes: { read: "Read the caller's identity" }, requiredScope: "read", clients: [{ name: "reporting" }] },
  },
  allowDestroy: false,
};

/** Per stack and step: applied, clean, destroyed, for the closing report. */
const results: Array<{ env: string; step: string; stack?: string; result: string }> = [];

/** One environment's commands, run in one project folder with its own environments file. */
class Sequence {
  readonly file: string;
  constructor(
    readonly emulator: Emulator,
    public config: EnvironmentConfig,
    readonly root: string,
  ) {
    this.file = join(emulator.workDir, `${config.name}.environments.json`);
    writeEnvironments(this.file, [config]);
  }

  get name() {
    return this.config.name;
  }

  get stacks() {
    return Object.values(stackNames(this.name));
  }

  stackPath(stack: string) {
    return join(this.root, "cdktf.out", "stacks", stack);
  }

  change(update: (config: EnvironmentConfig) => EnvironmentConfig): void {
    this.config = update(this.config);
    writeEnvironments(this.file, [this.config]);
  }

  run(command: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}) {
    return sh(this.emulator, this.root, command, args, { ENVIRONMENTS_FILE: this.file, ...extraEnv });
  }

  /** An npm script, the way the docs say; throws with its output if it fails. */
  async npm(script: string, ...args: string[]): Promise<string> {
    const result = await this.run("npm", ["run", "--silent", script, "--", ...args]);
    if (result.status !== 0) throw new Error(`[${this.name}] npm run ${script} -- ${args.join(" ")} exited ${result.status}:\n${result.output.slice(-6000)}`);
    return result.output;
  }

  async deploy(step: string, ...flags: string[]): Promise<string> {
    const output = await this.npm("deploy", this.name, ...flags);
    results.push({ env: this.name, step, result: "applied" });
    return output;
  }

  /** `npm run plan`, then its summary; each plan.json is kept in artifacts/deploy-plans/<label>/. */
  async prPlan(label: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await this.run("npm", ["run", "--silent", "plan", "--", this.name], extraEnv);
    if (result.status !== 0) throw new Error(`[${this.name}] npm run plan exited ${result.status}:\n${result.output.slice(-6000)}`);
    const files = this.stacks.map((s) => join(this.stackPath(s), "plan.json"));
    const kept = join(ROOT, "artifacts", "deploy-plans", label);
    mkdirSync(kept, { recursive: true });
    for (const [i, file] of files.entries()) writeFileSync(join(kept, `${this.stacks[i]}.json`), readFileSync(file));
    return this.npm("plan:summary", ...files);
  }

  /** Every stack: `terraform plan -lock=false -detailed-exitcode` exits 0 (no changes). */
  async expectCleanReplan(step: string): Promise<void> {
    for (const stack of this.stacks) {
      const dir = `-chdir=${this.stackPath(stack)}`;
      const init = await this.run("terraform", [dir, "init", "-input=false", "-reconfigure", "-no-color"]);
      if (init.status !== 0) throw new Error(`terraform init of ${stack} failed:\n${init.output}`);
      const plan = await this.run("terraform", [dir, "plan", "-input=false", "-lock=false", "-detailed-exitcode", "-no-color"]);
      results.push({ env: this.name, step: `re-plan after ${step}`, stack, result: plan.status === 0 ? "clean" : `exit ${plan.status}` });
      if (plan.status !== 0) throw new Error(`${stack} does not re-plan clean after ${step} (exit ${plan.status}):\n${plan.output.slice(-8000)}`);
    }
  }

  /**
   * moto 5.2.5 has no Cognito DeleteResourceServer (emulator-gaps.mjs): the app stack's
   * resource servers leave its state before a destroy, and go with their user pool.
   */
  async forgetResourceServers(): Promise<void> {
    const app = stackNames(this.name).app;
    for (const address of (await this.resourcesInState(app)).filter((a) => a.startsWith("aws_cognito_resource_server."))) {
      const removed = await this.run("terraform", [`-chdir=${this.stackPath(app)}`, "state", "rm", address]);
      if (removed.status !== 0) throw new Error(`terraform state rm ${address} failed:\n${removed.output}`);
    }
  }

  async resourcesInState(stack: string): Promise<string[]> {
    const result = await this.run("terraform", [`-chdir=${this.stackPath(stack)}`, "state", "list"]);
    if (result.status !== 0) throw new Error(`terraform state list of ${stack} failed:\n${result.output}`);
    return result.output.trim().split("\n").filter(Boolean);
  }
}

let emulator: Emulator;
let dev: Sequence;
/** tierprod's whole sequence, started in beforeAll, awaited by its own test at the end. */
let prodRun: Promise<void>;
/** What tierprod's authorization settings made in the account, read after its first deploy. */
let prodAuthorization: Awaited<ReturnType<typeof authorizationInAccount>> | undefined;
/** Added to container/ to change its content hash; removed again on every exit path. */
const CHANGE_FILE = join(ROOT, "container", "deploy-tier-change.txt");
process.once("exit", () => rmSync(CHANGE_FILE, { force: true }));

/** The production-like environment: deploy, re-plan, allowDestroy true, re-plan, tear down. */
async function prodSequence(prod: Sequence): Promise<void> {
  await prod.deploy("first deploy");
  prodAuthorization = await authorizationInAccount(prod.name);
  await prod.expectCleanReplan("first deploy");
  // As docs/deploy.md says: allow destroy (and let the user pool go), deploy, then destroy.
  prod.change((e) => ({ ...e, allowDestroy: true, cognito: { ...e.cognito, deletionProtection: false } }));
  await prod.deploy("allowDestroy true", "--bootstrap");
  await prod.expectCleanReplan("allowDestroy true");
  await prod.forgetResourceServers();
  await prod.npm("destroy", prod.name);
  results.push({ env: prod.name, step: "destroy", result: "destroyed" });
}

beforeAll(async () => {
  emulator = await startEmulator();
  // The account's own public zone, as the docs ask a user to have before deploying.
  await aws(emulator, "route53", "create-hosted-zone", "--name", "deploytier.test", "--caller-reference", "deploy-tier");
  // Left by an earlier run that died (the tier's own environment names, nobody else's).
  for (const name of [tierdev.name, tierprod.name]) for (const suffix of ["", ".migrated"]) rmSync(join(ROOT, `terraform.bootstrap-${name}.tfstate${suffix}`), { force: true });
  rmSync(join(ROOT, "artifacts", "deploy-plans"), { recursive: true, force: true });
  dev = new Sequence(emulator, tierdev, ROOT);
  const prod = new Sequence(emulator, tierprod, projectCopy(emulator, "tierprod-project"));
  prodRun = prodSequence(prod);
  prodRun.catch(() => undefined); // reported by its own test
  process.stdout.write(`deploy tier: moto ${emulator.endpoint}, hashicorp/aws ${emulator.providerVersion}\n`);
}, 180000);

afterAll(async () => {
  rmSync(CHANGE_FILE, { force: true });
  await prodRun?.catch(() => undefined);
  for (const name of [tierdev.name, tierprod.name]) rmSync(join(ROOT, `terraform.bootstrap-${name}.tfstate.migrated`), { force: true });
  await emulator?.stop();
  mkdirSync(join(ROOT, "artifacts"), { recursive: true });
  if (emulator && existsSync(emulator.logFile)) writeFileSync(join(ROOT, "artifacts", "deploy-tier-moto.log"), readFileSync(emulator.logFile));
  writeFileSync(join(ROOT, "artifacts", "deploy-tier.json"), `${JSON.stringify({ provider: emulator?.providerVersion, results, timings }, null, 2)}\n`);
  process.stdout.write(`deploy tier: ${timings.length} commands; artifacts/deploy-tier.json has each one's time and every result\n`);
}, 30 * 60 * 1000);


describe("a brand-new account, the documented way", () => {
  it("a pull request's plan before any state exists plans bootstrap and network and says why the app waits", async () => {
    const summary = await dev.prPlan("before-any-state");
    expect(summary).toMatch(/\| bootstrap-tierdev \| \d+ \| 0 \| 0 \| 0 \|/);
    expect(summary).toMatch(/\| network-tierdev \| \d+ \| 0 \| 0 \| 0 \|/);
    expect(summary).toMatch(/app-tierdev: not planned: it reads network-tierdev's outputs from its state, which does not exist yet/);
    // Read-only: nothing was created, not even the state bucket.
    const buckets = (await aws(emulator, "s3api", "list-buckets")).Buckets.map((b: { Name: string }) => b.Name);
    expect(buckets).not.toContain(tierdev.stateBucket);
  });

  it("npm run deploy -- tierdev creates the bucket, moves bootstrap's state into it, then deploys network, image and app", async () => {
    const output = await dev.deploy("first deploy");
    expect(output).toMatch(/State bucket deploytier-dev-tfstate does not exist yet: creating it/);
    const keys = (await aws(emulator, "s3api", "list-objects-v2", "--bucket", "deploytier-dev-tfstate")).Contents.map((o: { Key: string }) => o.Key);
    expect(keys).toEqual(expect.arrayContaining(["tierdev/bootstrap-tierdev.tfstate", "tierdev/network-tierdev.tfstate", "tierdev/app-tierdev.tfstate"]));
    expect(existsSync(join(ROOT, "terraform.bootstrap-tierdev.tfstate"))).toBe(false);
    expect(await dev.resourcesInState("bootstrap-tierdev")).toContain("aws_s3_bucket.state");
    expect(output).toMatch(/Deployed tierdev: https:\/\/app\.deploytier\.test/);
  });

  it("every stack re-plans with no changes", () => dev.expectCleanReplan("first deploy"));

  it("a second deploy in a row does not re-apply bootstrap, and succeeds", async () => {
    const output = await dev.deploy("second deploy");
    expect(output).toMatch(/State bucket deploytier-dev-tfstate exists and holds bootstrap-tierdev's state: not applied/);
    expect(output).not.toMatch(/BucketAlreadyOwnedByYou|NOTE: bootstrap-tierdev has changes/);
  });

  it("a pull request's plan after the deploy shows no changes in any stack", async () => {
    const summary = await dev.prPlan("after-deploy");
    for (const stack of dev.stacks) expect(summary).toContain(`| ${stack} | 0 | 0 | 0 | 0 |`);
  });

  it("a pull request that adds a network output the app reads plans network and says the app follows", async () => {
    // What synth writes for such a change: the output in network, its use in app.
    const addOutput = [
      `node -e 'const fs=require("fs");`,
      `fs.writeFileSync("cdktf.out/stacks/network-tierdev/pr_change.tf.json", JSON.stringify({output:{vpc_cidr:{value:"\${aws_vpc.vpc.cidr_block}"}}}));`,
      `fs.writeFileSync("cdktf.out/stacks/app-tierdev/pr_change.tf.json", JSON.stringify({output:{network_cidr:{value:"\${data.terraform_remote_state.cross-stack-reference-input-network-tierdev.outputs.vpc_cidr}"}}}));'`,
    ].join("");
    let summary: string;
    try {
      summary = await dev.prPlan("adds-network-output", { DEPLOY_AFTER_SYNTH: `${emulator.env.DEPLOY_AFTER_SYNTH} && ${addOutput}` });
    } finally {
      // The next synth must not see this change.
      for (const stack of ["network-tierdev", "app-tierdev"]) rmSync(join(dev.stackPath(stack), "pr_change.tf.json"), { force: true });
    }
    expect(summary).toMatch(/Outputs: `\+` `vpc_cidr` \(create\)/);
    expect(summary).toMatch(/app-tierdev: not planned: it reads `vpc_cidr`, which this change adds to network-tierdev/);
  });
});

describe("day 2 on the same account: each change applies and re-plans clean", () => {
  it("a new container content hash", async () => {
    writeFileSync(CHANGE_FILE, "a change to the app's source\n");
    try {
      const output = await dev.deploy("new content hash");
      expect(output).toMatch(/putting a manifest for .*whoami-tierdev:[0-9a-f]{16}/);
      await dev.expectCleanReplan("new content hash");
    } finally {
      rmSync(CHANGE_FILE, { force: true });
    }
  });

  it("service.containerPort changed (the target group is replaced before the old one goes)", async () => {
    dev.change((e) => ({ ...e, service: { ...e.service, containerPort: 9090 } }));
    const summary = await dev.prPlan("container-port");
    expect(summary).toMatch(/`\+\/-` replace \(create before destroy\) \| `aws_lb_target_group\.load-balancer_target-group`/);
    expect(summary).toMatch(/`aws_lb_target_group\.load-balancer_target-group` `port`: 8080 → 9090/);
    await dev.deploy("containerPort 9090");
    await dev.expectCleanReplan("containerPort 9090");
  });

  it("an alternative name added", async () => {
    dev.change((e) => ({ ...e, alternativeNames: ["alt.deploytier.test"] }));
    await dev.deploy("alternative name");
    await dev.expectCleanReplan("alternative name");
  });

  it("network.azCount 2 -> 3", async () => {
    dev.change((e) => ({ ...e, network: { ...e.network, azCount: 3 } }));
    await dev.deploy("azCount 3");
    await dev.expectCleanReplan("azCount 3");
  });
});

describe("tear down", () => {
  it("a protected environment's destroy stops before it deletes anything", async () => {
    const before = { app: await dev.resourcesInState("app-tierdev"), network: await dev.resourcesInState("network-tierdev") };
    const result = await dev.run("npm", ["run", "--silent", "destroy", "--", "tierdev"]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Instance cannot be destroyed/);
    expect(result.output).toMatch(/prevent_destroy/);
    expect({ app: await dev.resourcesInState("app-tierdev"), network: await dev.resourcesInState("network-tierdev") }).toEqual(before);
    const albs = (await aws(emulator, "elbv2", "describe-load-balancers")).LoadBalancers.map((lb: { LoadBalancerName: string }) => lb.LoadBalancerName);
    expect(albs).toContain("whoami-tierdev-alb");
    results.push({ env: "tierdev", step: "destroy while protected", result: "stopped before deleting anything" });
  });

  it("allowDestroy false -> true, deploy, destroy leaves only the bootstrap stack", async () => {
    dev.change((e) => ({ ...e, allowDestroy: true }));
    // The bootstrap stack's log bucket changes too: --bootstrap applies it (docs/deploy.md).
    await dev.deploy("allowDestroy true", "--bootstrap");
    await dev.expectCleanReplan("allowDestroy true");
    await dev.npm("destroy", "tierdev");
    results.push({ env: "tierdev", step: "destroy", result: "destroyed" });
    expect(await dev.resourcesInState("app-tierdev")).toEqual([]);
    expect(await dev.resourcesInState("network-tierdev")).toEqual([]);
  });
});

describe("a production-like environment (WAF, dual-stack, pinned zone ids, protected user pool, a group and a machine client, allowDestroy false)", () => {
  it("deploys, re-plans clean, and tears down the documented way (run alongside the steps above)", async () => {
    await prodRun;
  });

  it("its first deploy made the group, the API's scope, a client-credentials client and the bearer rule before the session rules", async () => {
    await prodRun.catch(() => undefined);
    expect(prodAuthorization).toEqual({
      groups: ["admins"],
      resourceServers: [{ identifier: "api", scopes: ["read"] }],
      machineClients: [{ name: "whoami-tierprod-reporting", flows: ["client_credentials"], scopes: ["api/read"], hasSecret: true }],
      // hashicorp/aws 5.x has no jwt-validation action: the tier stands in the session's sign-in
      // with on_unauthenticated_request = deny (emulator-overrides.mjs); 6.x deploys the real one.
      bearerRule: {
        priority: 50,
        conditions: { "host-header": ["www.deploytier.test"], "path-pattern": ["/api/*"], "http-header": ["Authorization: Bearer *"] },
        actions: emulator.providerVersion.startsWith("5.") ? ["authenticate-cognito deny", "forward"] : ["jwt-validation", "forward"],
      },
      firstSessionRulePriority: expect.any(Number),
    });
    expect(prodAuthorization!.firstSessionRulePriority).toBeGreaterThan(prodAuthorization!.bearerRule.priority);
  });
});

describe("after both tear-downs", () => {
  it("the account holds only what is meant to stay: each environment's state bucket and its access-log bucket", async () => {
    await prodRun.catch(() => undefined);
    expect(await leftInAccount()).toEqual({
      buckets: ["deploytier-dev-tfstate", "deploytier-prod-tfstate", "whoami-tierdev-s3-logs-123456789012", "whoami-tierprod-s3-logs-123456789012"],
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
      webAcls: [],
    });
  });
});

async function activeClusters(): Promise<string[]> {
  const arns = (await aws(emulator, "ecs", "list-clusters")).clusterArns as string[];
  if (arns.length === 0) return [];
  const clusters = (await aws(emulator, "ecs", "describe-clusters", "--clusters", ...arns)).clusters as Array<{ clusterName: string; status: string }>;
  return clusters.filter((c) => c.status !== "INACTIVE").map((c) => c.clusterName).sort();
}

/** The Cognito groups, resource servers and machine clients of an environment's pool, and its ALB's bearer rule. */
async function authorizationInAccount(env: string) {
  const pools = (await aws(emulator, "cognito-idp", "list-user-pools", "--max-results", "60")).UserPools as Array<{ Id: string; Name: string }>;
  const pool = pools.find((p) => p.Name.includes(env));
  if (!pool) throw new Error(`no user pool for ${env} among ${pools.map((p) => p.Name).join(", ")}`);
  const id = ["--user-pool-id", pool.Id];
  const groups = ((await aws(emulator, "cognito-idp", "list-groups", ...id)).Groups as Array<{ GroupName: string }>).map((g) => g.GroupName).sort();
  const servers = (await aws(emulator, "cognito-idp", "list-resource-servers", ...id, "--max-results", "50")).ResourceServers as Array<{ Identifier: string; Scopes?: Array<{ ScopeName: string }> }>;
  const clients = (await aws(emulator, "cognito-idp", "list-user-pool-clients", ...id, "--max-results", "60")).UserPoolClients as Array<{ ClientId: string; ClientName: string }>;
  const machineClients = [];
  for (const client of clients.filter((c) => c.ClientName.endsWith("-reporting"))) {
    const described = (await aws(emulator, "cognito-idp", "describe-user-pool-client", ...id, "--client-id", client.ClientId)).UserPoolClient;
    machineClients.push({ name: described.ClientName, flows: described.AllowedOAuthFlows, scopes: described.AllowedOAuthScopes, hasSecret: Boolean(described.ClientSecret) });
  }
  const albs = (await aws(emulator, "elbv2", "describe-load-balancers")).LoadBalancers as Array<{ LoadBalancerArn: string; LoadBalancerName: string }>;
  const alb = albs.find((a) => a.LoadBalancerName.includes(env));
  if (!alb) throw new Error(`no load balancer for ${env}`);
  const listeners = (await aws(emulator, "elbv2", "describe-listeners", "--load-balancer-arn", alb.LoadBalancerArn)).Listeners as Array<{ ListenerArn: string; Port: number }>;
  const https = listeners.find((l) => l.Port === 443);
  if (!https) throw new Error(`no HTTPS listener on ${alb.LoadBalancerName}`);
  type Rule = {
    Priority: string;
    Conditions: Array<{ Field: string; Values?: string[]; HostHeaderConfig?: { Values: string[] }; PathPatternConfig?: { Values: string[] }; HttpHeaderConfig?: { HttpHeaderName: string; Values: string[] } }>;
    Actions: Array<{ Type: string; Order?: number; AuthenticateCognitoConfig?: { OnUnauthenticatedRequest?: string } }>;
  };
  const rules = ((await aws(emulator, "elbv2", "describe-rules", "--listener-arn", https.ListenerArn)).Rules as Rule[]).filter((r) => r.Priority !== "default");
  const bearer = rules.find((r) => r.Conditions.some((c) => c.Field === "http-header"));
  if (!bearer) throw new Error(`no rule on an http-header condition among ${rules.map((r) => r.Priority).join(", ")}`);
  const values = (c: Rule["Conditions"][number]) =>
    c.HttpHeaderConfig ? c.HttpHeaderConfig.Values.map((v) => `${c.HttpHeaderConfig!.HttpHeaderName}: ${v}`) : (c.HostHeaderConfig ?? c.PathPatternConfig)?.Values ?? c.Values ?? [];
  const sessionRules = rules.filter((r) => r.Actions.some((a) => a.Type === "authenticate-cognito") && r !== bearer);
  return {
    groups,
    resourceServers: servers.map((s) => ({ identifier: s.Identifier, scopes: (s.Scopes ?? []).map((x) => x.ScopeName) })),
    machineClients,
    bearerRule: {
      priority: Number(bearer.Priority),
      conditions: Object.fromEntries(bearer.Conditions.map((c) => [c.Field, values(c)])),
      actions: [...bearer.Actions]
        .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
        .map((a) => (a.Type === "authenticate-cognito" ? `authenticate-cognito ${a.AuthenticateCognitoConfig?.OnUnauthenticatedRequest}` : a.Type)),
    },
    firstSessionRulePriority: Math.min(...sessionRules.map((r) => Number(r.Priority))),
  };
}

/** What is left in the emulated account, by kind (the default VPC and AWS-managed items aside). */
async function leftInAccount() {
  const names = (list: Array<Record<string, string>>, key: string) => list.map((x) => x[key]).sort();
  const zone = (await aws(emulator, "route53", "list-hosted-zones")).HostedZones[0].Id;
  return {
    buckets: names((await aws(emulator, "s3api", "list-buckets")).Buckets, "Name"),
    loadBalancers: names((await aws(emulator, "elbv2", "describe-load-balancers")).LoadBalancers, "LoadBalancerName"),
    targetGroups: names((await aws(emulator, "elbv2", "describe-target-groups")).TargetGroups, "TargetGroupName"),
    vpcs: names((await aws(emulator, "ec2", "describe-vpcs", "--filters", "Name=is-default,Values=false")).Vpcs, "VpcId"),
    ecrRepositories: names((await aws(emulator, "ecr", "describe-repositories")).repositories, "repositoryName"),
    // A deleted cluster stays INACTIVE (and listed) for a while, in AWS as in moto.
    ecsClusters: await activeClusters(),
    userPools: names((await aws(emulator, "cognito-idp", "list-user-pools", "--max-results", "60")).UserPools, "Name"),
    certificates: names((await aws(emulator, "acm", "list-certificates")).CertificateSummaryList, "DomainName"),
    records: names(
      (await aws(emulator, "route53", "list-resource-record-sets", "--hosted-zone-id", zone)).ResourceRecordSets.filter((r: { Type: string }) => !["NS", "SOA"].includes(r.Type)),
      "Name",
    ),
    logGroups: names((await aws(emulator, "logs", "describe-log-groups")).logGroups, "logGroupName"),
    roles: names((await aws(emulator, "iam", "list-roles")).Roles.filter((r: { Path: string }) => r.Path === "/"), "RoleName"),
    webAcls: names((await aws(emulator, "wafv2", "list-web-acls", "--scope", "REGIONAL")).WebACLs, "Name"),
  };
}
