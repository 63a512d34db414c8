import { Testing } from "cdktf";
import { environments } from "../../stacks/config";
import { addEnvironments } from "../../stacks/environment";
import { resolveEnvironments } from "../../stacks/schema";
import { full } from "../fixtures/environments";
import { buildEnvironment, only, resourcesOf, synthJson, TEST_HASH, TfJson } from "../helpers/synth";

/** CloudWatch Logs retention values (days). */
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const ELB_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";
/** Any data.aws_caller_identity's account id, so names built in two stacks compare. */
const ACCOUNT = /\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g;
const PARTITION = /\$\{data\.aws_partition\.[\w-]+\.partition\}/g;
const normalize = (s: string) => s.replace(ACCOUNT, "<account>").replace(PARTITION, "<partition>");

type Principal = { type: string; identifiers: string[] };
type Condition = { test: string; variable: string; values: string[] };
type Statement = { sid?: string; effect: string; actions: string[]; resources: string[]; principals?: Principal[]; condition?: Condition[] };
type Lb = {
  internal: boolean;
  access_logs?: { bucket: string; prefix: string; enabled: boolean };
  connection_logs?: { bucket: string; prefix: string; enabled: boolean };
  enable_deletion_protection?: boolean;
  depends_on?: string[];
};
type Rule = {
  name: string;
  priority: number;
  action?: Record<string, unknown>;
  statement: Record<string, { name?: string; vendor_name?: string; rule_action_override?: Array<{ name: string; action_to_use: Record<string, unknown> }> } & Record<string, unknown>>;
};

/** `${type.name.attr}` (or `${data.type.name.attr}`) -> [type, name]. */
function target(ref: string): [string, string] {
  const match = /^\$\{(?:data\.)?(\w+)\.([\w-]+)\.\w+\}$/.exec(ref);
  if (!match) throw new Error(`not a reference: ${ref}`);
  return [match[1], match[2]];
}

/** The statements of the policy on the bucket that `bucketRef` (`${aws_s3_bucket.x.id}`) names. */
function bucketPolicy(json: TfJson, bucketRef: string): Statement[] {
  const policy = Object.values(json.resource.aws_s3_bucket_policy ?? {}).find((p) => p.bucket === bucketRef);
  if (!policy) throw new Error(`no bucket policy on ${bucketRef}`);
  const [, document] = target(String(policy.policy));
  return (json.data?.aws_iam_policy_document?.[document]?.statement ?? []) as Statement[];
}

const bucketsOf = (json: TfJson) => Object.entries(json.resource.aws_s3_bucket ?? {});
const byBucket = (json: TfJson, type: string, name: string) =>
  Object.values(json.resource[type] ?? {}).filter((r) => r.bucket === `\${aws_s3_bucket.${name}.id}`);

// Every environment in stacks/config.ts, synthesized together as `npm run synth` does.
const app = Testing.app();
const built = addEnvironments(app, environments, TEST_HASH);
app.synth();
const resolved = resolveEnvironments(environments);

describe.each(resolved.map((config, i) => [config.name, config, built[i]] as const))("edge security invariants (%s)", (_name, config, stacks) => {
  const appJson = synthJson(stacks.app);
  const bootstrapJson = synthJson(stacks.bootstrap);
  const all = [bootstrapJson, synthJson(stacks.network), appJson];

  it("every internet-facing ALB has access logs in a bucket whose policy lets ELB write exactly its prefixes", () => {
    const albs = resourcesOf<Lb>(appJson, "aws_lb").filter((lb) => !lb.internal);
    expect(albs.length).toBeGreaterThan(0);
    for (const alb of albs) {
      expect(alb.access_logs).toMatchObject({ enabled: true });
      const bucketRef = alb.access_logs?.bucket ?? "";
      const [, bucket] = target(bucketRef);
      const logs = [alb.access_logs, alb.connection_logs].filter((l) => l?.enabled);
      for (const l of logs) expect(l?.bucket).toBe(bucketRef);

      const statements = bucketPolicy(appJson, bucketRef);
      const elb = statements.filter((s) => s.effect === "Allow" && s.principals?.some((p) => p.identifiers.includes(ELB_SERVICE)));
      expect(elb.length).toBeGreaterThan(0);
      for (const s of elb) expect(s.actions).toEqual(["s3:PutObject"]);
      const granted = elb.flatMap((s) => s.resources).map(normalize).sort();
      const wanted = logs.map((l) => `\${aws_s3_bucket.${bucket}.arn}/${l?.prefix}/AWSLogs/<account>/*`).sort();
      expect(granted).toEqual(wanted);
      // ELB tests its write access when logging is turned on: the policy must exist first.
      const [policy] = Object.entries(appJson.resource.aws_s3_bucket_policy).find(([, p]) => p.bucket === bucketRef) ?? [];
      expect(alb.depends_on).toContain(`aws_s3_bucket_policy.${policy}`);
    }
  });

  it("every log bucket is SSE-S3, private, TLS-only, versioned and expires logs after logs.accessLogRetentionDays", () => {
    const logBuckets = [bootstrapJson, appJson].flatMap((json) =>
      bucketsOf(json)
        .filter(([, body]) => body.bucket !== config.stateBucket)
        .map(([name]) => [json, name] as const),
    );
    expect(logBuckets).toHaveLength(2);
    for (const [json, name] of logBuckets) {
      expect(byBucket(json, "aws_s3_bucket_server_side_encryption_configuration", name)).toEqual([
        expect.objectContaining({ rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }] }),
      ]);
      const [block] = byBucket(json, "aws_s3_bucket_public_access_block", name);
      for (const setting of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) expect(block[setting]).toBe(true);
      expect(byBucket(json, "aws_s3_bucket_ownership_controls", name)[0]).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
      expect(byBucket(json, "aws_s3_bucket_versioning", name)[0]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
      const [lifecycle] = byBucket(json, "aws_s3_bucket_lifecycle_configuration", name) as Array<{ rule: Array<{ status: string; expiration: Array<{ days: number }> }> }>;
      expect(lifecycle.rule).toEqual([expect.objectContaining({ status: "Enabled", expiration: [{ days: config.logs.accessLogRetentionDays }] })]);
      const deny = bucketPolicy(json, `\${aws_s3_bucket.${name}.id}`).find((s) => s.effect === "Deny");
      expect(deny).toMatchObject({ actions: ["s3:*"], condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }] });
      expect(deny?.resources).toEqual([`\${aws_s3_bucket.${name}.arn}`, `\${aws_s3_bucket.${name}.arn}/*`]);
    }
  });

  it("the state bucket and the ALB log bucket log their requests to the bootstrap stack's bucket, which admits exactly those two", () => {
    const [[stateName]] = bucketsOf(bootstrapJson).filter(([, b]) => b.bucket === config.stateBucket);
    const [[targetName, target]] = bucketsOf(bootstrapJson).filter(([, b]) => b.bucket !== config.stateBucket);
    const [stateLogging] = byBucket(bootstrapJson, "aws_s3_bucket_logging", stateName);
    expect(stateLogging.target_bucket).toBe(`\${aws_s3_bucket.${targetName}.id}`);

    const [[albBucketName, albBucket]] = bucketsOf(appJson);
    const [albLogging] = byBucket(appJson, "aws_s3_bucket_logging", albBucketName);
    // Another stack: the same name, built from the same account id.
    expect(normalize(String(albLogging.target_bucket))).toBe(normalize(String(target.bucket)));

    const writers = bucketPolicy(bootstrapJson, `\${aws_s3_bucket.${targetName}.id}`).filter((s) => s.effect === "Allow");
    const sources = writers.map((s) => {
      expect(s.principals).toEqual([{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }]);
      expect(s.condition).toContainEqual({ test: "StringEquals", variable: "aws:SourceAccount", values: [expect.stringMatching(ACCOUNT)] });
      const source = s.condition?.find((c) => c.variable === "aws:SourceArn")?.values ?? [];
      return { source: source.map(normalize), resources: s.resources };
    });
    expect(sources).toEqual(
      expect.arrayContaining([
        { source: [`\${aws_s3_bucket.${stateName}.arn}`], resources: [`\${aws_s3_bucket.${targetName}.arn}/${stateLogging.target_prefix}*`] },
        { source: [`arn:<partition>:s3:::${normalize(String(albBucket.bucket))}`], resources: [`\${aws_s3_bucket.${targetName}.arn}/${albLogging.target_prefix}*`] },
      ]),
    );
    expect(sources).toHaveLength(2);
  });

  it("no log group without a CloudWatch retention", () => {
    const groups = all.flatMap((json) => resourcesOf<{ name: string; retention_in_days?: number }>(json, "aws_cloudwatch_log_group"));
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) expect(RETENTIONS).toContain(group.retention_in_days);
  });

  it("what a destroy may delete follows allowDestroy: ALB deletion protection, log bucket force_destroy, ECR force_delete", () => {
    for (const alb of resourcesOf<Lb>(appJson, "aws_lb")) expect(alb.enable_deletion_protection).toBe(!config.allowDestroy);
    const buckets = [bootstrapJson, appJson].flatMap((json) => bucketsOf(json).map(([, b]) => b));
    for (const bucket of buckets.filter((b) => b.bucket !== config.stateBucket)) expect(bucket.force_destroy).toBe(config.allowDestroy);
    for (const repository of resourcesOf(appJson, "aws_ecr_repository")) expect(repository.force_delete).toBe(config.allowDestroy);
  });

  it(`WAF ${config.waf.enabled ? "protects" : "is off for"} the ALB as waf.enabled says, logging to aws-waf-logs-* without cookies or authorization`, () => {
    const associations = resourcesOf(appJson, "aws_wafv2_web_acl_association");
    if (!config.waf.enabled) {
      expect(associations).toHaveLength(0);
      return;
    }
    const [albName] = Object.keys(appJson.resource.aws_lb);
    // The other association puts the sign-in page's web ACL on the user pool (least-privilege.test.ts).
    const onAlb = associations.filter((a) => a.resource_arn === `\${aws_lb.${albName}.arn}`);
    expect(onAlb).toHaveLength(1);
    const [, aclName] = target(String(onAlb[0].web_acl_arn));
    const logging = resourcesOf<{ resource_arn: string; log_destination_configs: string[]; redacted_fields: unknown[] }>(appJson, "aws_wafv2_web_acl_logging_configuration").find(
      (l) => l.resource_arn === `\${aws_wafv2_web_acl.${aclName}.arn}`,
    );
    if (!logging) throw new Error("no logging configuration for the ALB's web ACL");
    const [type, group] = target(logging.log_destination_configs[0]);
    expect(type).toBe("aws_cloudwatch_log_group");
    const logGroup = appJson.resource.aws_cloudwatch_log_group[group];
    expect(String(logGroup.name)).toMatch(/^aws-waf-logs-/);
    expect(logGroup.retention_in_days).toBe(config.waf.logRetentionDays);
    expect(logging.redacted_fields).toEqual(
      expect.arrayContaining([{ single_header: { name: "cookie" } }, { single_header: { name: "authorization" } }]),
    );
  });
});

describe("a production environment", () => {
  const [config] = resolveEnvironments([full]);
  const stacks = buildEnvironment(full);
  const appJson = synthJson(stacks.app);

  it("has WAF on the ALB and the sign-in page, deletion protection, TOTP MFA and a year of flow, app and WAF logs", () => {
    const [albName] = Object.keys(appJson.resource.aws_lb);
    const [poolName] = Object.keys(appJson.resource.aws_cognito_user_pool);
    expect(resourcesOf(appJson, "aws_wafv2_web_acl_association").map((a) => a.resource_arn).sort()).toEqual([`\${aws_cognito_user_pool.${poolName}.arn}`, `\${aws_lb.${albName}.arn}`]);
    expect(only(appJson, "aws_lb").enable_deletion_protection).toBe(true);
    expect(only(appJson, "aws_cognito_user_pool")).toMatchObject({ mfa_configuration: "ON", software_token_mfa_configuration: { enabled: true } });
    const retention = [synthJson(stacks.network), appJson].flatMap((json) => resourcesOf<{ retention_in_days: number }>(json, "aws_cloudwatch_log_group"));
    // App, VPC flow, the ALB's WAF and the sign-in page's WAF.
    expect(retention).toHaveLength(4);
    for (const group of retention) expect(group.retention_in_days).toBeGreaterThanOrEqual(365);
    expect(config.logs.accessLogRetentionDays).toBeGreaterThanOrEqual(365);
  });
});

describe("settings", () => {
  it("by default an environment may be destroyed: no deletion protection, buckets and repository emptied", () => {
    const stacks = buildEnvironment({});
    const appJson = synthJson(stacks.app);
    expect(only(appJson, "aws_lb").enable_deletion_protection).toBe(false);
    expect(only(appJson, "aws_ecr_repository").force_delete).toBe(true);
    expect(only(appJson, "aws_s3_bucket").force_destroy).toBe(true);
    expect(resourcesOf(appJson, "aws_wafv2_web_acl")).toHaveLength(0);
  });

  it("allowDestroy: false protects the ALB and keeps logs and images on destroy", () => {
    const stacks = buildEnvironment({ allowDestroy: false });
    const appJson = synthJson(stacks.app);
    expect(only(appJson, "aws_lb").enable_deletion_protection).toBe(true);
    expect(only(appJson, "aws_ecr_repository").force_delete).toBe(false);
    expect(only(appJson, "aws_s3_bucket").force_destroy).toBe(false);
    const bootstrap = synthJson(stacks.bootstrap);
    for (const bucket of resourcesOf(bootstrap, "aws_s3_bucket")) expect(bucket.force_destroy).not.toBe(true);
  });

  it("connection logs go to their own prefix, which the bucket policy grants too", () => {
    const appJson = synthJson(buildEnvironment({ logs: { connectionLogs: true, accessLogRetentionDays: 30 } }).app);
    const alb = only(appJson, "aws_lb") as Lb;
    expect(alb.connection_logs).toMatchObject({ enabled: true, bucket: alb.access_logs?.bucket });
    expect(alb.connection_logs?.prefix).not.toBe(alb.access_logs?.prefix);
    const granted = bucketPolicy(appJson, alb.access_logs?.bucket ?? "")
      .filter((s) => s.effect === "Allow")
      .flatMap((s) => s.resources)
      .map(normalize);
    expect(granted).toEqual(expect.arrayContaining([expect.stringContaining(`/${alb.connection_logs?.prefix}/AWSLogs/<account>/*`)]));
    expect(only(appJson, "aws_s3_bucket_lifecycle_configuration")).toMatchObject({ rule: [expect.objectContaining({ expiration: [{ days: 30 }] })] });
  });

  it.each([
    ["eu-central-1", "a region from before August 2022", true],
    ["us-gov-west-1", "a GovCloud region", true],
    ["eu-central-2", "a region from after August 2022", false],
    ["ap-southeast-5", "a region from 2024", false],
  ])("ALB log delivery in %s (%s) also admits the regional ELB account: %s", (region, _what, elbAccount) => {
    const appJson = synthJson(buildEnvironment({ region }).app);
    const alb = only(appJson, "aws_lb") as Lb;
    const principals = bucketPolicy(appJson, alb.access_logs?.bucket ?? "")
      .filter((s) => s.effect === "Allow")
      .flatMap((s) => s.principals ?? []);
    expect(principals).toContainEqual({ type: "Service", identifiers: [ELB_SERVICE] });
    const accounts = Object.keys(appJson.data?.aws_elb_service_account ?? {});
    if (elbAccount) {
      expect(accounts).toHaveLength(1);
      expect(principals).toContainEqual({ type: "AWS", identifiers: [`\${data.aws_elb_service_account.${accounts[0]}.arn}`] });
    } else {
      // The data source fails in regions it has no account for: it must not be there.
      expect(accounts).toHaveLength(0);
      expect(principals.filter((p) => p.type === "AWS")).toHaveLength(0);
    }
  });

  describe("WAF", () => {
    const appJson = synthJson(buildEnvironment({ waf: { enabled: true, rateLimitPer5Min: 300 } }).app);
    const acl = resourcesOf<{ name: string; scope: string; default_action: unknown; rule: Rule[] }>(appJson, "aws_wafv2_web_acl").find((a) => !a.name.endsWith("-sign-in"));
    if (!acl) throw new Error("no web ACL for the ALB");
    const managed = (group: string) => acl.rule.find((r) => r.statement.managed_rule_group_statement?.name === group);

    it("is regional, allows by default and blocks a client IP above the rate limit", () => {
      expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
      const rate = acl.rule.find((r) => r.statement.rate_based_statement);
      expect(rate).toMatchObject({ action: { block: {} }, statement: { rate_based_statement: { limit: 300, aggregate_key_type: "IP" } } });
    });

    it("runs the AWS core rule set and known bad inputs with their own actions", () => {
      for (const group of ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]) {
        expect(managed(group)).toMatchObject({ override_action: { none: {} }, statement: { managed_rule_group_statement: { vendor_name: "AWS" } } });
      }
    });

    it("counts only SizeRestrictions_QUERYSTRING, and blocks it again on every path but the Cognito callback", () => {
      const common = managed("AWSManagedRulesCommonRuleSet");
      expect(common?.statement.managed_rule_group_statement.rule_action_override).toEqual([{ name: "SizeRestrictions_QUERYSTRING", action_to_use: { count: {} } }]);
      for (const group of acl.rule.filter((r) => r !== common)) expect(group.statement.managed_rule_group_statement?.rule_action_override).toBeUndefined();

      const label = "awswaf:managed:aws:core-rule-set:SizeRestrictions_QueryString";
      const reblock = acl.rule.find((r) => JSON.stringify(r.statement).includes(label));
      expect(reblock?.action).toEqual({ block: {} });
      // Labels are only visible to rules evaluated after the rule group that adds them.
      expect(reblock?.priority).toBeGreaterThan(common?.priority ?? Infinity);
      const callbackUrl = String((only(appJson, "aws_cognito_user_pool_client").callback_urls as string[])[0]);
      expect(reblock?.statement).toEqual({
        and_statement: {
          statement: [
            { label_match_statement: { scope: "LABEL", key: label } },
            {
              not_statement: {
                statement: [
                  {
                    byte_match_statement: {
                      search_string: new URL(callbackUrl).pathname,
                      positional_constraint: "EXACTLY",
                      field_to_match: { uri_path: {} },
                      text_transformation: [{ priority: 0, type: "NONE" }],
                    },
                  },
                ],
              },
            },
          ],
        },
      });
    });
  });
});

describe("edge security validation", () => {
  const problems = (overrides: Parameters<typeof buildEnvironment>[0]) => {
    try {
      resolveEnvironments([{ ...environments[0], ...overrides }]);
      return "";
    } catch (error) {
      return String(error);
    }
  };

  it.each([
    [{ waf: { rateLimitPer5Min: 5 } }, /waf.rateLimitPer5Min 5 must be a whole number from 10 to 2,000,000,000/],
    [{ waf: { rateLimitPer5Min: 2.5 } }, /waf.rateLimitPer5Min 2.5 must be a whole number/],
    [{ waf: { logRetentionDays: 45 } }, /waf.logRetentionDays 45 is not a CloudWatch retention/],
    [{ logs: { accessLogRetentionDays: 0 } }, /logs.accessLogRetentionDays 0 must be a whole number from 1 to 36,500 \(S3 lifecycle expiry\)/],
  ])("rejects %j", (overrides, message) => {
    expect(problems(overrides)).toMatch(message);
  });

  it("accepts the defaults and the documented ranges", () => {
    expect(problems({ waf: { enabled: true, rateLimitPer5Min: 10, logRetentionDays: 365 }, logs: { accessLogRetentionDays: 1, connectionLogs: true }, allowDestroy: false })).toBe("");
  });
});
