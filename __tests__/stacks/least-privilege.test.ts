import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { load } from "js-yaml";
import { environments } from "../../stacks/config";
import { addEnvironments } from "../../stacks/environment";
import { resolveEnvironments } from "../../stacks/schema";
import { ALB_TO_COGNITO_PATHS } from "../../stacks/app/waf";
import { buildEnvironment, only, resourceNamed, resourcesOf, synthJson, TEST_HASH, TfJson } from "../helpers/synth";

type Condition = { test: string; variable: string; values: string[] };
type Statement = { sid?: string; effect?: string; actions: string[]; resources?: string[]; principals?: Array<{ type: string; identifiers: string[] }>; condition?: Condition[] };
type ManagedGroup = { name: string; vendor_name: string };
type AclRule = { name: string; action?: Record<string, unknown>; statement: { managed_rule_group_statement?: ManagedGroup; rate_based_statement?: Record<string, unknown> } };
type Acl = { name: string; scope: string; default_action: unknown; rule: AclRule[] };
type LoggingConfiguration = {
  resource_arn: string;
  redacted_fields: unknown[];
  logging_filter?: { default_behavior: string; filter: Array<{ behavior: string; requirement: string; condition: Array<{ action_condition?: { action: string } }> }> };
};

/** `${type.name.attr}` -> name. */
const nameIn = (ref: unknown) => /^\$\{(?:data\.)?\w+\.([\w-]+)\.\w+\}$/.exec(String(ref))?.[1] ?? `not a reference: ${String(ref)}`;
const documentStatements = (json: TfJson, ref: unknown) => (json.data?.aws_iam_policy_document?.[nameIn(ref)]?.statement ?? []) as Statement[];

// Every environment in stacks/config.ts, synthesized together as `npm run synth` does.
const app = Testing.app();
const built = addEnvironments(app, environments, TEST_HASH);
app.synth();
const resolved = resolveEnvironments(environments);

describe.each(resolved.map((config, i) => [config.name, config, built[i]] as const))("least privilege (%s)", (_name, config, stacks) => {
  const appJson = synthJson(stacks.app);

  it("every app client (the ALB's and any machine client's) allows refresh tokens only: no SRP, password or custom auth against the API", () => {
    const clients = resourcesOf<{ explicit_auth_flows: string[] }>(appJson, "aws_cognito_user_pool_client");
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) expect(client.explicit_auth_flows).toEqual(["ALLOW_REFRESH_TOKEN_AUTH"]);
  });

  it("ECS may assume the task and execution roles only for this account's tasks in this region", () => {
    const roles = resourcesOf<{ name: string; assume_role_policy: string }>(appJson, "aws_iam_role").filter((r) => /-task(-execution)?$/.test(r.name));
    expect(roles).toHaveLength(2);
    for (const role of roles) {
      const statements = documentStatements(appJson, role.assume_role_policy);
      expect(statements).toHaveLength(1);
      const [trust] = statements;
      expect(trust.principals).toEqual([{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }]);
      const account = expect.stringMatching(/^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}$/);
      expect(trust.condition).toEqual(
        expect.arrayContaining([
          { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
          { test: "ArnLike", variable: "aws:SourceArn", values: [expect.stringMatching(new RegExp(`^arn:.+:ecs:${config.region}:\\$\\{data\\.aws_caller_identity\\.[\\w-]+\\.account_id\\}:\\*$`))] },
        ]),
      );
    }
  });

  it("looks up the image by the repository's name as a literal, so a pending change to the repository leaves the task definition alone", () => {
    const [images] = Object.values(appJson.data?.aws_ecr_images ?? {});
    expect(images.repository_name).toBe(only(appJson, "aws_ecr_repository").name);
    // No reference to the repository resource anywhere in the lookup: not in its name, its count or depends_on.
    expect(JSON.stringify(images)).not.toContain("aws_ecr_repository.");
    // Before the repository exists there is nothing to look up (a new environment's first plan).
    const [repositories] = Object.keys(appJson.data?.aws_ecr_repositories ?? {});
    expect(images.count).toBe(`\${contains(tolist(data.aws_ecr_repositories.${repositories}.names), "${String(images.repository_name)}") ? 1 : 0}`);
  });

  it(`WAF ${config.waf.enabled ? "guards" : "is off for"} the hosted sign-in page as waf.enabled says: rate limit per IP, IP reputation and known bad inputs on the user pool`, () => {
    const pool = Object.keys(appJson.resource.aws_cognito_user_pool)[0];
    const onPool = resourcesOf(appJson, "aws_wafv2_web_acl_association").filter((a) => a.resource_arn === `\${aws_cognito_user_pool.${pool}.arn}`);
    if (!config.waf.enabled) {
      expect(onPool).toHaveLength(0);
      return;
    }
    expect(onPool).toHaveLength(1);
    const acl = resourceNamed<Acl>(appJson, "aws_wafv2_web_acl", nameIn(onPool[0].web_acl_arn));
    expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
    const groups = acl.rule.flatMap((r) => (r.statement.managed_rule_group_statement ? [r.statement.managed_rule_group_statement.name] : []));
    expect(groups).toEqual(["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet"]);
    const rate = acl.rule.find((r) => r.statement.rate_based_statement);
    expect(rate?.action).toEqual({ block: {} });
    expect(rate?.statement.rate_based_statement).toMatchObject({ aggregate_key_type: "IP", evaluation_window_sec: 300 });
    // Not the ALB's web ACL: its core rule set judges request shapes the sign-in flow was not tested against.
    const [alb] = Object.keys(appJson.resource.aws_lb);
    const onAlb = resourcesOf(appJson, "aws_wafv2_web_acl_association").find((a) => a.resource_arn === `\${aws_lb.${alb}.arn}`);
    expect(onAlb?.web_acl_arn).not.toBe(onPool[0].web_acl_arn);
  });

  it("WAF logs keep only blocked and counted requests, with cookie and authorization redacted, for every web ACL", () => {
    const acls = Object.keys(appJson.resource.aws_wafv2_web_acl ?? {});
    const logging = resourcesOf<LoggingConfiguration>(appJson, "aws_wafv2_web_acl_logging_configuration");
    expect(logging.map((l) => nameIn(l.resource_arn)).sort()).toEqual(acls.sort());
    for (const l of logging) {
      expect(l.logging_filter).toEqual({
        default_behavior: "DROP",
        filter: [
          {
            behavior: "KEEP",
            requirement: "MEETS_ANY",
            condition: [{ action_condition: { action: "BLOCK" } }, { action_condition: { action: "COUNT" } }, { action_condition: { action: "EXCLUDED_AS_COUNT" } }],
          },
        ],
      });
      expect(l.redacted_fields).toEqual(expect.arrayContaining([{ single_header: { name: "cookie" } }, { single_header: { name: "authorization" } }]));
    }
  });
});

describe("IAM policies outside the GitHub roles (what the CKV_AWS_356 skip in .checkov.yaml claims)", () => {
  it("allow nothing on \"*\" but ECR's registry login and listing log groups, which name no resource", () => {
    const onEverything = built.flatMap((stacks) =>
      [stacks.bootstrap, stacks.network, stacks.app].flatMap((stack) =>
        Object.entries((synthJson(stack).data?.aws_iam_policy_document ?? {}) as Record<string, { statement: Statement[] }>)
          .filter(([name]) => !/^github_/.test(name))
          .flatMap(([, document]) => document.statement.filter((s) => s.effect !== "Deny" && (s.resources ?? []).includes("*")))
          .flatMap((s) => s.actions),
      ),
    );
    expect(onEverything.length).toBeGreaterThan(0);
    expect([...new Set(onEverything)].sort()).toEqual(["ecr:GetAuthorizationToken", "logs:DescribeLogGroups"]);
  });
});

describe("the sign-in page's web ACL", () => {
  const appJson = synthJson(buildEnvironment({ waf: { enabled: true } }).app);
  const pool = Object.keys(appJson.resource.aws_cognito_user_pool)[0];
  const association = resourcesOf(appJson, "aws_wafv2_web_acl_association").find((a) => a.resource_arn === `\${aws_cognito_user_pool.${pool}.arn}`);
  const acl = resourceNamed<Acl>(appJson, "aws_wafv2_web_acl", nameIn(association?.web_acl_arn));
  const rate = acl.rule.find((r) => r.statement.rate_based_statement)?.statement.rate_based_statement as { limit: number; scope_down_statement: unknown };

  it("counts every request but the ALB's own calls to the token and userInfo endpoints", () => {
    const byteMatch = (path: string) => ({
      byte_match_statement: { search_string: path.toLowerCase(), positional_constraint: "EXACTLY", field_to_match: { uri_path: {} }, text_transformation: [{ priority: 0, type: "LOWERCASE" }] },
    });
    expect(ALB_TO_COGNITO_PATHS).toEqual(["/oauth2/token", "/oauth2/userInfo"]);
    expect(rate.scope_down_statement).toEqual({ not_statement: { statement: [{ or_statement: { statement: ALB_TO_COGNITO_PATHS.map(byteMatch) } }] } });
  });

  it("holds one address to waf.signInRateLimitPer5Min (100 unless set), below the ALB's, and presents no CAPTCHA (it breaks TOTP setup in the hosted UI)", () => {
    const albAcl = resourcesOf<Acl>(appJson, "aws_wafv2_web_acl").find((a) => a.name !== acl.name);
    const albRate = albAcl?.rule.find((r) => r.statement.rate_based_statement)?.statement.rate_based_statement as { limit: number };
    expect([rate.limit, albRate.limit]).toEqual([100, 1000]);
    expect(JSON.stringify(acl.rule)).not.toMatch(/captcha|challenge/i);
    const set = synthJson(buildEnvironment({ waf: { enabled: true, signInRateLimitPer5Min: 30 } }).app);
    const limits = resourcesOf<Acl>(set, "aws_wafv2_web_acl").map((a) => (a.rule.find((r) => r.statement.rate_based_statement)?.statement.rate_based_statement as { limit: number }).limit);
    expect(limits.sort((a, b) => a - b)).toEqual([30, 1000]);
  });

  it("logs to its own aws-waf-logs-* group, which the one WAF log resource policy admits", () => {
    const logging = resourcesOf<LoggingConfiguration & { log_destination_configs: string[] }>(appJson, "aws_wafv2_web_acl_logging_configuration").find(
      (l) => nameIn(l.resource_arn) === nameIn(association?.web_acl_arn),
    );
    const group = nameIn(logging?.log_destination_configs[0]);
    expect(String(appJson.resource.aws_cloudwatch_log_group[group].name)).toMatch(/^aws-waf-logs-.+-sign-in$/);
    const policy = only(appJson, "aws_cloudwatch_log_resource_policy");
    const resources = documentStatements(appJson, policy.policy_document).flatMap((s) => s.resources ?? []);
    expect(resources).toContain(`\${aws_cloudwatch_log_group.${group}.arn}:*`);
  });
});

describe(".checkov.yaml", () => {
  const file = readFileSync(join(__dirname, "../../.checkov.yaml"), "utf8");
  /** The comment lines right above a skipped check, up to the previous skip. */
  const reasonFor = (check: string) => {
    const lines = file.split("\n");
    const at = lines.findIndex((l) => l.trim() === `- ${check}`);
    const reason: string[] = [];
    for (let i = at - 1; i >= 0 && lines[i].trim().startsWith("#"); i--) reason.unshift(lines[i].trim().replace(/^#\s?/, ""));
    return reason.join(" ");
  };

  it("skips CKV2_AWS_76 for what it really asks: the anonymous IP list besides known bad inputs, which the ALB's web ACL runs", () => {
    expect((load(file) as { "skip-check": string[] })["skip-check"]).toContain("CKV2_AWS_76");
    const reason = reasonFor("CKV2_AWS_76");
    expect(reason).toMatch(/anonymous IP list/i);
    expect(reason).toMatch(/known bad inputs/i);
    expect(reason).not.toMatch(/fails only for an ALB without a web ACL/);
    // The reason stays true only while the ALB's web ACL runs one group and not the other.
    const appJson = synthJson(buildEnvironment({ waf: { enabled: true } }).app);
    const [alb] = Object.keys(appJson.resource.aws_lb);
    const onAlb = resourcesOf(appJson, "aws_wafv2_web_acl_association").find((a) => a.resource_arn === `\${aws_lb.${alb}.arn}`);
    const groups = resourceNamed<Acl>(appJson, "aws_wafv2_web_acl", nameIn(onAlb?.web_acl_arn)).rule.map((r) => r.statement.managed_rule_group_statement?.name);
    expect(groups).toContain("AWSManagedRulesKnownBadInputsRuleSet");
    expect(groups).not.toContain("AWSManagedRulesAnonymousIpList");
  });
});
