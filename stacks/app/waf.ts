import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Wafv2WebAcl, Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";

/** WAF only logs to destinations whose name starts with this. */
export const WAF_LOG_GROUP_PREFIX = "aws-waf-logs-";
/** Headers never written to the WAF log: the ALB session cookie and bearer tokens. */
export const REDACTED_HEADERS = ["cookie", "authorization"] as const;
/**
 * Core rule set rules that are counted (not blocked) on the Cognito callback only, each
 * with the label it leaves and why. Everywhere else a rule after the rule group blocks
 * on that label, so the exemption is one path wide.
 *
 * SizeRestrictions_QUERYSTRING blocks query strings over 2,048 bytes. The callback
 * (`/oauth2/idpresponse?code=...&state=...`) carries the ALB's own `state`, an opaque
 * value whose size AWS does not document; a blocked callback is a sign-in that fails
 * after the password was accepted, with nothing the user can do about it.
 */
export const CALLBACK_EXEMPTIONS: ReadonlyArray<{ readonly rule: string; readonly label: string }> = [
  { rule: "SizeRestrictions_QUERYSTRING", label: "awswaf:managed:aws:core-rule-set:SizeRestrictions_QueryString" },
];

/**
 * What the WAF log keeps: requests a rule blocked or counted (a count override in a rule
 * group logs as EXCLUDED_AS_COUNT). Allowed requests are dropped, so the log does not grow
 * with traffic and does not hold the OAuth `code` of every sign-in (in each callback's query
 * string, which WAF can only redact whole, and blocked requests need it).
 */
export const LOGGED_ACTIONS = ["BLOCK", "COUNT", "EXCLUDED_AS_COUNT"] as const;
/**
 * User pool endpoints the ALB itself calls from its own addresses, once per sign-in and
 * session refresh: exchanging the code (which needs the client secret) and reading the
 * user's claims. The sign-in page's rate limit does not count them, so many users behind
 * one ALB never lock each other out. Password guessing does not go through them.
 */
export const ALB_TO_COGNITO_PATHS = ["/oauth2/token", "/oauth2/userInfo"] as const;

export interface WebFirewallProps {
  /** Web ACL name, also the log group's suffix; the sign-in page's ACL adds `-sign-in`. */
  readonly name: string;
  /** The ALB to protect. */
  readonly albArn: string;
  /** The Cognito user pool whose hosted sign-in page and API to protect. */
  readonly userPoolArn: string;
  /** Requests one client IP may send to the ALB per 5 minutes before WAF blocks it. */
  readonly rateLimitPer5Min: number;
  /**
   * Requests one client IP may send to the user pool (sign-in page and API) per 5 minutes
   * before WAF blocks it: the brake on password guessing. One sign-in on the hosted UI is
   * about five requests (authorize, login page, password, TOTP, redirect).
   */
  readonly signInRateLimitPer5Min: number;
  /** Retention of the WAF log groups, in days. */
  readonly logRetentionDays: number;
  /** The ALB's OAuth callback path, exempt from the CALLBACK_EXEMPTIONS rules. */
  readonly callbackPath: string;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

/** An AWS managed rule group, its own actions in force (none overridden unless `countOnly`). */
function managedRules(priority: number, name: string, group: string, countOnly: readonly string[] = []): Wafv2WebAclRule {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managed_rule_group_statement: {
        vendor_name: "AWS",
        name: group,
        ...(countOnly.length > 0 ? { rule_action_override: countOnly.map((rule) => ({ name: rule, action_to_use: { count: {} } })) } : {}),
      },
    },
    visibilityConfig: visibility(name),
  };
}

/** Blocks a client IP above `limit` requests in any 5 minutes, counting those `scopeDown` matches. */
function rateLimit(limit: number, scopeDown?: Record<string, unknown>): Wafv2WebAclRule {
  return {
    name: "rate-limit-per-ip",
    priority: 0,
    action: { block: {} },
    statement: {
      rate_based_statement: { limit, aggregate_key_type: "IP", evaluation_window_sec: 300, ...(scopeDown ? { scope_down_statement: scopeDown } : {}) },
    },
    visibilityConfig: visibility("rate-limit-per-ip"),
  };
}

/**
 * Two regional web ACLs, default allow, each logged to CloudWatch Logs (blocked and counted
 * requests only, cookie and authorization headers redacted):
 * - on the ALB: a per-IP rate limit, then AWS managed rules (IP reputation, core rule set,
 *   known bad inputs);
 * - on the Cognito user pool, where passwords are typed (the hosted sign-in page and the
 *   user pool API): a per-IP rate limit, the IP reputation list and known bad inputs (Log4j
 *   and the like). Not the core rule set: it judges the shape of requests (a missing
 *   User-Agent, body sizes) written for web apps' own forms, and a false positive on
 *   Cognito's pages or on the ALB's server-side token call is a sign-in that fails after
 *   the password was accepted. The rate limit is what stops password guessing.
 */
export class WebFirewall extends Construct {
  readonly webAcl: Wafv2WebAcl;
  readonly logGroup: CloudwatchLogGroup;
  /** The web ACL on the user pool. */
  readonly signInWebAcl: Wafv2WebAcl;
  readonly signInLogGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);

    const rules: Wafv2WebAclRule[] = [
      rateLimit(props.rateLimitPer5Min),
      managedRules(10, "aws-ip-reputation", "AWSManagedRulesAmazonIpReputationList"),
      managedRules(
        20,
        "aws-common",
        "AWSManagedRulesCommonRuleSet",
        CALLBACK_EXEMPTIONS.map((e) => e.rule),
      ),
      managedRules(30, "aws-known-bad-inputs", "AWSManagedRulesKnownBadInputsRuleSet"),
      ...CALLBACK_EXEMPTIONS.map((exemption, i): Wafv2WebAclRule => {
        const name = `${exemption.rule.toLowerCase().replace(/_/g, "-")}-outside-callback`;
        return {
          name,
          priority: 40 + i,
          action: { block: {} },
          statement: {
            and_statement: {
              statement: [
                { label_match_statement: { scope: "LABEL", key: exemption.label } },
                {
                  not_statement: {
                    statement: [
                      {
                        byte_match_statement: {
                          search_string: props.callbackPath,
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
          },
          visibilityConfig: visibility(name),
        };
      }),
    ];

    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: props.name,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      rule: rules,
      visibilityConfig: visibility(props.name),
    });
    new Wafv2WebAclAssociation(this, "association", { resourceArn: props.albArn, webAclArn: this.webAcl.arn });

    const signInName = `${props.name}-sign-in`;
    const notAlbToCognito = {
      not_statement: {
        statement: [
          {
            or_statement: {
              // Compared lowercased: a client may spell `userInfo` either way.
              statement: ALB_TO_COGNITO_PATHS.map((path) => ({
                byte_match_statement: {
                  search_string: path.toLowerCase(),
                  positional_constraint: "EXACTLY",
                  field_to_match: { uri_path: {} },
                  text_transformation: [{ priority: 0, type: "LOWERCASE" }],
                },
              })),
            },
          },
        ],
      },
    };
    this.signInWebAcl = new Wafv2WebAcl(this, "sign-in-web-acl", {
      name: signInName,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      // No CAPTCHA or challenge action: Cognito documents that one can break TOTP setup in the hosted UI.
      rule: [
        rateLimit(props.signInRateLimitPer5Min, notAlbToCognito),
        managedRules(10, "aws-ip-reputation", "AWSManagedRulesAmazonIpReputationList"),
        managedRules(20, "aws-known-bad-inputs", "AWSManagedRulesKnownBadInputsRuleSet"),
      ],
      visibilityConfig: visibility(signInName),
    });
    new Wafv2WebAclAssociation(this, "sign-in-association", { resourceArn: props.userPoolArn, webAclArn: this.signInWebAcl.arn });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `${WAF_LOG_GROUP_PREFIX}${props.name}`,
      retentionInDays: props.logRetentionDays,
    });
    this.signInLogGroup = new CloudwatchLogGroup(this, "sign-in-logs", {
      name: `${WAF_LOG_GROUP_PREFIX}${signInName}`,
      retentionInDays: props.logRetentionDays,
    });
    // Without a policy of its own, WAF adds these log groups to one shared account-wide
    // policy (AWSWAF-LOGS), which grows with every web ACL until it hits the size limit.
    // One policy for both: an account has at most 10 resource policies per region.
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    const delivery = new DataAwsIamPolicyDocument(this, "log-delivery", {
      statement: [
        {
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`, `${this.signInLogGroup.arn}:*`],
          condition: [
            { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:${partition.partition}:logs:*:${account.accountId}:*`] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
          ],
        },
      ],
    });
    const policy = new CloudwatchLogResourcePolicy(this, "log-policy", { policyName: `${props.name}-waf-logs`, policyDocument: delivery.json });
    const logging = (id: string, webAcl: Wafv2WebAcl, logGroup: CloudwatchLogGroup) =>
      new Wafv2WebAclLoggingConfiguration(this, id, {
        resourceArn: webAcl.arn,
        logDestinationConfigs: [logGroup.arn],
        redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
        loggingFilter: {
          defaultBehavior: "DROP",
          filter: [{ behavior: "KEEP", requirement: "MEETS_ANY", condition: LOGGED_ACTIONS.map((action) => ({ actionCondition: { action } })) }],
        },
        dependsOn: [policy],
      });
    logging("logging", this.webAcl, this.logGroup);
    logging("sign-in-logging", this.signInWebAcl, this.signInLogGroup);
  }
}
