import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../stacks/schema";
import { ConfigError, resolveEnvironments } from "../../stacks/schema";
import { addEnvironments } from "../../stacks/environment";
import { resourceName, stackNames, WORKLOAD_ROLE_PARTS } from "../../stacks/naming";
import { full, minimal } from "../fixtures/environments";
import { only, resourceAt, resourcesOf, synthJson, TEST_HASH, TfJson } from "../helpers/synth";

type Condition = { test: string; variable: string; values: string[] };
type Statement = { sid?: string; effect?: string; actions: string[]; resources?: string[]; principals?: Array<{ type: string; identifiers: string[] }>; condition?: Condition[] };
type KeyStatement = { Sid: string; Effect: string; Principal: { AWS: string | string[] }; Action: string | string[]; Resource: string; Condition?: Record<string, Record<string, string>> };

const ACCOUNT = "111111111111";
const REPOSITORY = "example-org/whoami";

/** prod (the fixture like the shipped template) and staging, both deployed from one repository into one account. */
const staging: EnvironmentConfig = {
  ...minimal,
  name: "staging",
  stateBucket: "example-whoami-tfstate-staging",
  domainName: "staging.example.com",
  cognito: { domainPrefix: "example-staging-login" },
  github: { repository: REPOSITORY, oidcProvider: "existing" },
};
const configs = [full, staging];
const app = Testing.app();
const built = addEnvironments(app, configs, TEST_HASH);
app.synth();
const resolved = resolveEnvironments(configs);
const bootstraps = built.map((stacks) => synthJson(stacks.bootstrap));

/** `${type.name.attr}` (or `${data.type.name.attr}`) -> name. */
const nameIn = (ref: unknown) => /^\$\{(?:data\.)?\w+\.([\w-]+)\.\w+\}$/.exec(String(ref))?.[1] ?? `not a reference: ${String(ref)}`;
const statementsOf = (json: TfJson, documentRef: unknown) => (json.data?.aws_iam_policy_document?.[nameIn(documentRef)]?.statement ?? []) as Statement[];

/** A role of a bootstrap stack by name, with its trust and permission statements (ARNs as an AWS account would see them). */
function role(json: TfJson, env: string, which: "deploy" | "plan") {
  const name = resourceName(env, `github-${which}`);
  const [address, body] = Object.entries(json.resource.aws_iam_role).find(([, r]) => r.name === name) ?? [];
  if (!address || !body) throw new Error(`no role ${name}`);
  const policies = Object.values(json.resource.aws_iam_role_policy).filter((p) => p.role === `\${aws_iam_role.${address}.id}`);
  const config = resolved.find((c) => c.name === env);
  const concrete = (s: Statement): Statement => ({ ...s, resources: s.resources?.map((r) => arnsIn(r, config?.stateBucket ?? "", env)) });
  return {
    name,
    address,
    trust: statementsOf(json, body.assume_role_policy),
    permissions: policies.flatMap((p) => statementsOf(json, p.policy)).map(concrete),
  };
}

/** References replaced by the values AWS would see: one account, `aws` partition, each environment's key named after it. */
function arnsIn(text: string, bucket: string, env: string): string {
  return text
    .replace(/\$\{aws_s3_bucket\.state\.arn\}/g, `arn:aws:s3:::${bucket}`)
    .replace(/\$\{aws_kms_key\.[\w-]+\.arn\}/g, `arn:aws:kms:eu-central-1:${ACCOUNT}:key/${env}-state-key`)
    .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, ACCOUNT)
    .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, "aws");
}

/** IAM's wildcard match: `*` any run of characters, `?` one. Actions compare case-insensitively. */
const matches = (pattern: string, value: string, ignoreCase: boolean) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, ignoreCase ? "i" : "").test(value);

/**
 * Whether the statements allow `action` on `resource`: some Allow matches and no Deny does.
 * Conditions are left out, which can only make an Allow broader: a "cannot" below holds whatever they say.
 */
function allows(statements: readonly Statement[], action: string, resource: string): boolean {
  const hit = (s: Statement) => s.actions.some((a) => matches(a, action, true)) && (s.resources ?? []).some((r) => matches(r, resource, false));
  return statements.some((s) => s.effect !== "Deny" && hit(s)) && !statements.some((s) => s.effect === "Deny" && hit(s));
}

/** Whether a role trust lets a GitHub OIDC token with these claims in. */
function trusts(statements: readonly Statement[], claims: { sub: string; aud: string }): boolean {
  return statements.some(
    (s) =>
      s.effect !== "Deny" &&
      s.actions.includes("sts:AssumeRoleWithWebIdentity") &&
      (s.condition ?? []).every((c) => {
        const claim = c.variable.endsWith(":sub") ? claims.sub : c.variable.endsWith(":aud") ? claims.aud : undefined;
        if (claim === undefined) return false;
        if (c.test === "StringEquals") return c.values.includes(claim);
        if (c.test === "StringLike") return c.values.some((v) => matches(v, claim, false));
        return false;
      }),
  );
}

const environmentSubject = (env: string) => `repo:${REPOSITORY}:environment:${env}`;
const stateObject = (bucket: string, env: string, stack: string) => `arn:aws:s3:::${bucket}/${env}/${stack}.tfstate`;
const keyOf = (env: string) => `arn:aws:kms:eu-central-1:${ACCOUNT}:key/${env}-state-key`;

describe.each(resolved.map((config, i) => [config.name, config, bootstraps[i]] as const))("GitHub roles of %s", (env, config, json) => {
  const other = resolved.find((c) => c.name !== env);
  if (!other) throw new Error("two environments expected");
  const deploy = role(json, env, "deploy");
  const plan = role(json, env, "plan");
  const own = (stack: "app" | "network" | "bootstrap") => stateObject(config.stateBucket, env, stackNames(env)[stack]);
  const theirs = stateObject(other.stateBucket, other.name, stackNames(other.name).app);

  it("the deploy role trusts only jobs in its own GitHub environment, with audience sts.amazonaws.com", () => {
    expect(deploy.trust).toHaveLength(1);
    expect(deploy.trust[0].principals?.[0].type).toBe("Federated");
    expect(trusts(deploy.trust, { sub: environmentSubject(env), aud: "sts.amazonaws.com" })).toBe(true);
    expect(trusts(deploy.trust, { sub: environmentSubject(env), aud: "https://github.com/example-org" })).toBe(false);
    for (const sub of [
      environmentSubject(other.name),
      `repo:${REPOSITORY}:pull_request`,
      `repo:${REPOSITORY}:ref:refs/heads/main`,
      `repo:someone-else/whoami:environment:${env}`,
      `repo:${REPOSITORY}:environment:${env}-copy`,
    ]) {
      expect([sub, trusts(deploy.trust, { sub, aud: "sts.amazonaws.com" })]).toEqual([sub, false]);
    }
  });

  it("the plan role trusts only pull requests of the repository", () => {
    expect(plan.trust).toHaveLength(1);
    expect(trusts(plan.trust, { sub: `repo:${REPOSITORY}:pull_request`, aud: "sts.amazonaws.com" })).toBe(true);
    for (const sub of [environmentSubject(env), `repo:${REPOSITORY}:ref:refs/heads/main`, `repo:someone-else/whoami:pull_request`]) {
      expect([sub, trusts(plan.trust, { sub, aud: "sts.amazonaws.com" })]).toEqual([sub, false]);
    }
  });

  it("the plan role reads its own state and cannot write, delete or re-encrypt it", () => {
    expect(allows(plan.permissions, "s3:GetObject", own("app"))).toBe(true);
    expect(allows(plan.permissions, "s3:ListBucket", `arn:aws:s3:::${config.stateBucket}`)).toBe(true);
    expect(allows(plan.permissions, "kms:Decrypt", keyOf(env))).toBe(true);
    for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:RestoreObject"]) {
      for (const stack of ["app", "network", "bootstrap"] as const) expect([action, stack, allows(plan.permissions, action, own(stack))]).toEqual([action, stack, false]);
    }
    for (const action of ["s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration"]) {
      expect([action, allows(plan.permissions, action, `arn:aws:s3:::${config.stateBucket}`)]).toEqual([action, false]);
    }
    for (const action of ["kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]) {
      expect([action, allows(plan.permissions, action, keyOf(env))]).toEqual([action, false]);
    }
  });

  it("the plan role only describes, gets and lists: no action that changes anything", () => {
    const allowed = plan.permissions.filter((s) => s.effect !== "Deny").flatMap((s) => s.actions);
    expect(allowed.length).toBeGreaterThan(0);
    for (const action of allowed) expect(action).toMatch(/^[a-z0-9-]+:(Describe|Get|List|Decrypt$)/);
  });

  it("neither role can read another environment's state or use its key", () => {
    for (const r of [plan, deploy]) {
      expect(allows(r.permissions, "s3:GetObject", theirs)).toBe(false);
      // Nor in a bucket the two would share.
      expect(allows(r.permissions, "s3:GetObject", stateObject(config.stateBucket, other.name, stackNames(other.name).app))).toBe(false);
      expect(allows(r.permissions, "kms:Decrypt", keyOf(other.name))).toBe(false);
    }
  });

  it("the deploy role writes its own network and app state, not the bootstrap stack's that grants it", () => {
    for (const stack of ["network", "app"] as const) {
      for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) expect([action, stack, allows(deploy.permissions, action, own(stack))]).toEqual([action, stack, true]);
    }
    for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
      expect(allows(deploy.permissions, action, own("bootstrap"))).toBe(false);
      expect(allows(deploy.permissions, action, `${own("bootstrap")}.tflock`)).toBe(false);
      expect(allows(deploy.permissions, action, theirs)).toBe(false);
    }
    for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]) expect(allows(deploy.permissions, action, keyOf(env))).toBe(true);
  });

  it("the deploy role changes and passes exactly the roles the network and app stacks create, never the GitHub roles", () => {
    const stacks = built[resolved.indexOf(config)];
    const created = [stacks.network, stacks.app].flatMap((s) => resourcesOf<{ name: string }>(synthJson(s), "aws_iam_role").map((r) => r.name)).sort();
    expect(created).toEqual(WORKLOAD_ROLE_PARTS.map((part) => resourceName(env, part)).sort());
    const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    for (const name of created) {
      for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRole", "iam:PassRole"]) expect(allows(deploy.permissions, action, arn(name))).toBe(true);
    }
    for (const name of [deploy.name, plan.name, resourceName(other.name, "github-deploy"), resourceName(other.name, "task"), "OrganizationAccountAccessRole"]) {
      for (const action of ["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PassRole", "iam:DeleteRole"]) {
        expect([name, action, allows(deploy.permissions, action, arn(name))]).toEqual([name, action, false]);
      }
    }
    for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreatePolicy", "iam:AttachRolePolicy", "kms:PutKeyPolicy", "organizations:LeaveOrganization"]) {
      expect([action, allows(deploy.permissions, action, "*")]).toEqual([action, false]);
    }
  });

  it("the deploy role creates workload roles and writes their policies only under the bootstrap's permissions boundary, which it cannot change", () => {
    const [boundaryAddress, boundary] = Object.entries(json.resource.aws_iam_policy ?? {}).find(([, p]) => p.name === resourceName(env, "workload-boundary")) ?? [];
    if (!boundaryAddress || !boundary) throw new Error("no workload boundary policy");
    const boundaryRef = `\${aws_iam_policy.${boundaryAddress}.arn}`;
    const writes = deploy.permissions.filter((s) => s.effect !== "Deny" && s.actions.some((a) => ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"].includes(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) expect(s.condition).toEqual([{ test: "StringEquals", variable: "iam:PermissionsBoundary", values: [boundaryRef] }]);
    const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/${String(boundary.name)}`;
    for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeleteRolePermissionsBoundary"]) {
      expect([action, allows(deploy.permissions, action, boundaryArn)]).toEqual([action, false]);
      expect([action, allows(deploy.permissions, action, `arn:aws:iam::${ACCOUNT}:role/${resourceName(env, "task")}`)]).toEqual([action, false]);
    }
    // Every role the network and app stacks create carries it (the same name, from the same account).
    const stacks = built[resolved.indexOf(config)];
    const roles = [stacks.network, stacks.app].flatMap((st) => resourcesOf<{ permissions_boundary?: string }>(synthJson(st), "aws_iam_role"));
    expect(roles).toHaveLength(WORKLOAD_ROLE_PARTS.length);
    for (const r of roles) expect(arnsIn(String(r.permissions_boundary), config.stateBucket, env)).toBe(boundaryArn);
    // And it caps them at pulling an image and writing logs.
    const capped = statementsOf(json, boundary.policy).flatMap((s) => s.actions);
    expect(capped.sort()).toEqual(
      ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"].sort(),
    );
  });

  it("the deploy role's service-wide statements hold in the environment's region only", () => {
    const unscoped = deploy.permissions.filter((s) => s.effect !== "Deny" && (s.resources ?? []).includes("*") && s.actions.some((a) => /:\*$|:(Create|Delete|Put|Update|Modify)/.test(a)));
    expect(unscoped.length).toBeGreaterThan(0);
    for (const s of unscoped) {
      const region = s.condition?.find((c) => c.variable === "aws:RequestedRegion");
      const serviceLinked = s.condition?.find((c) => c.variable === "iam:AWSServiceName");
      expect([s.sid, region?.values ?? serviceLinked?.values]).toEqual([s.sid, region ? [config.region] : expect.any(Array)]);
    }
  });
});

describe("the GitHub OIDC provider", () => {
  const [prod, stagingJson] = bootstraps;

  it("is created by the environment that says so, and looked up by the one that says it exists", () => {
    expect(only(prod, "aws_iam_openid_connect_provider")).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
      lifecycle: { prevent_destroy: true },
    });
    expect(stagingJson.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.values(stagingJson.data?.aws_iam_openid_connect_provider ?? {})).toEqual([expect.objectContaining({ url: "https://token.actions.githubusercontent.com" })]);
  });

  it("is the principal both roles trust, by reference", () => {
    const [created] = Object.keys(prod.resource.aws_iam_openid_connect_provider);
    const [lookedUp] = Object.keys(stagingJson.data?.aws_iam_openid_connect_provider ?? {});
    for (const which of ["deploy", "plan"] as const) {
      expect(role(prod, "prod", which).trust[0].principals).toEqual([{ type: "Federated", identifiers: [`\${aws_iam_openid_connect_provider.${created}.arn}`] }]);
      expect(role(stagingJson, "staging", which).trust[0].principals).toEqual([{ type: "Federated", identifiers: [`\${data.aws_iam_openid_connect_provider.${lookedUp}.arn}`] }]);
    }
  });

  it("bootstrap outputs both role ARNs for the workflows' variables", () => {
    for (const [json, env] of [
      [prod, "prod"],
      [stagingJson, "staging"],
    ] as const) {
      expect(json.output?.github_deploy_role_arn.value).toBe(`\${aws_iam_role.${role(json, env, "deploy").address}.arn}`);
      expect(json.output?.github_plan_role_arn.value).toBe(`\${aws_iam_role.${role(json, env, "plan").address}.arn}`);
    }
  });
});

describe("the state key", () => {
  const keyPolicy = (json: TfJson) => JSON.parse(String(only(json, "aws_kms_key").policy)) as { Statement: KeyStatement[] };

  it.each([0, 1])("encrypts the state bucket by default, rotates, outlives a destroy, and the bucket refuses any other key (%#)", (i) => {
    const json = bootstraps[i];
    const [keyName] = Object.keys(json.resource.aws_kms_key);
    expect(only(json, "aws_kms_key")).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(resourceAt(json, "aws_s3_bucket_server_side_encryption_configuration", "state-encryption")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: `\${aws_kms_key.${keyName}.arn}` }, bucket_key_enabled: true }],
    });
    const policy = JSON.parse(String(resourceAt(json, "aws_s3_bucket_policy", "state-tls-only").policy)) as { Statement: Array<Record<string, unknown>> };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: "Deny",
        Action: "s3:PutObject",
        Condition: {
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": `\${aws_kms_key.${keyName}.arn}` },
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
        },
      }),
    );
  });

  it("keeps the account root (and whom it delegates to), and gives only the plan role decrypt and the deploy role decrypt and encrypt, through S3", () => {
    const json = bootstraps[0];
    const statements = keyPolicy(json).Statement;
    const root = statements.find((s) => s.Sid === "AccountRootAndWhomItDelegates");
    expect(root).toMatchObject({ Effect: "Allow", Action: "kms:*", Principal: { AWS: expect.stringMatching(/^arn:\$\{data\.aws_partition\.[\w-]+\.partition\}:iam::\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}:root$/) } });
    const roleArn = (which: "deploy" | "plan") => `\${aws_iam_role.${role(json, "prod", which).address}.arn}`;
    const others = statements.filter((s) => s !== root).map((s) => ({ principal: s.Principal.AWS, actions: s.Action, via: s.Condition?.StringEquals?.["kms:ViaService"] }));
    expect(others).toEqual([
      { principal: [roleArn("plan")], actions: ["kms:Decrypt"], via: "s3.eu-central-1.amazonaws.com" },
      { principal: [roleArn("deploy")], actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], via: "s3.eu-central-1.amazonaws.com" },
    ]);
  });

  it("has only the account root in its policy where the environment has no GitHub roles", () => {
    const json = synthJson(buildBootstrap(minimal));
    expect(keyPolicy(json).Statement.map((s) => s.Sid)).toEqual(["AccountRootAndWhomItDelegates"]);
    expect(json.resource.aws_iam_role).toBeUndefined();
    expect(json.output?.github_deploy_role_arn).toBeUndefined();
  });
});

function buildBootstrap(config: EnvironmentConfig) {
  const scope = Testing.app();
  const [stacks] = addEnvironments(scope, [config], TEST_HASH);
  scope.synth();
  return stacks.bootstrap;
}

describe("github settings", () => {
  const problemsOf = (list: readonly EnvironmentConfig[]) => {
    try {
      resolveEnvironments(list);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return [...error.problems];
    }
  };
  const withGithub = (name: string, github: EnvironmentConfig["github"]): EnvironmentConfig => ({ ...staging, name, stateBucket: `bucket-${name}`, domainName: `${name}.example.com`, cognito: { domainPrefix: `login-${name}` }, github });

  it("defaults the GitHub environment to the environment's name and creating the OIDC provider", () => {
    const [config] = resolveEnvironments([{ ...minimal, github: { repository: REPOSITORY } }]);
    expect(config.github).toEqual({ repository: REPOSITORY, environment: "example", oidcProvider: "create" });
  });

  it("refuses two environments that both create the account's OIDC provider unless they name two accounts", () => {
    const a = withGithub("a", { repository: REPOSITORY });
    const b = withGithub("b", { repository: REPOSITORY });
    expect(problemsOf([a, b])).toEqual([
      '[b] github.oidcProvider "create": [a] creates the account\'s GitHub OIDC provider too; if they share an AWS account, set github.oidcProvider: "existing" on one; if not, set github.accountId on both',
    ]);
    expect(problemsOf([withGithub("a", { repository: REPOSITORY, accountId: "111111111111" }), withGithub("b", { repository: REPOSITORY, accountId: "111111111111" })])).toEqual([
      '[b] github.oidcProvider "create": [a] creates the account\'s GitHub OIDC provider too; both are in account 111111111111; set github.oidcProvider: "existing" on one and apply the other\'s bootstrap first',
    ]);
    expect(problemsOf([withGithub("a", { repository: REPOSITORY, accountId: "111111111111" }), withGithub("b", { repository: REPOSITORY, accountId: "222222222222" })])).toEqual([]);
    expect(problemsOf([a, withGithub("b", { repository: REPOSITORY, oidcProvider: "existing" })])).toEqual([]);
  });

  it("refuses two environments deployed from one GitHub environment: its jobs could deploy both", () => {
    const problems = problemsOf([withGithub("a", { repository: REPOSITORY, environment: "production" }), withGithub("b", { repository: REPOSITORY, environment: "production", oidcProvider: "existing" })]);
    expect(problems).toEqual([`[b] GitHub environment "production" of "${REPOSITORY}" is also used by [a]; jobs there could deploy both environments; give each its own github.environment`]);
    expect(problemsOf([withGithub("a", { repository: REPOSITORY }), withGithub("b", { repository: REPOSITORY, environment: "a", oidcProvider: "existing" })])).toHaveLength(1);
  });

  it.each([
    [{ repository: "example-org" }, /github.repository "example-org" must be "owner\/name" as GitHub shows it/],
    [{ repository: "https://github.com/example-org/whoami" }, /github.repository ".*" must be "owner\/name"/],
    [{ repository: REPOSITORY, environment: "prod:*" }, /github.environment "prod:\*" must be a GitHub environment name: 1-255 characters, no ":", "\*" or "\?"/],
    [{ repository: REPOSITORY, oidcProvider: "lookup" }, /github.oidcProvider "lookup" must be "create" or "existing"/],
    [{ repository: REPOSITORY, accountId: "1234" }, /github.accountId "1234" must be a 12-digit AWS account id/],
    [{ repository: REPOSITORY, token: "x" }, /github.token is not a setting/],
  ])("rejects github %j with a message that says what to write", (github, message) => {
    expect(problemsOf([{ ...minimal, github: github as EnvironmentConfig["github"] }]).join("\n")).toMatch(message);
  });

  it("rejects a sign-in rate limit WAF cannot take", () => {
    expect(problemsOf([{ ...minimal, waf: { signInRateLimitPer5Min: 5 } }]).join("\n")).toMatch(/waf.signInRateLimitPer5Min 5 must be a whole number from 10 to 2,000,000,000/);
  });
});
