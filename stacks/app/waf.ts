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

export interface WebFirewallProps {
  /** Web ACL name, also the log group's suffix. */
  readonly name: string;
  /** The ALB to protect. */
  readonly albArn: string;
  /** Requests one client IP may send per 5 minutes before WAF blocks it. */
  readonly rateLimitPer5Min: number;
  /** Retention of the WAF log group, in days. */
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

/**
 * A regional web ACL on the ALB: a per-IP rate limit, then AWS managed rules (IP
 * reputation, core rule set, known bad inputs), default allow. Every request is logged
 * to CloudWatch Logs with the cookie and authorization headers redacted.
 */
export class WebFirewall extends Construct {
  readonly webAcl: Wafv2WebAcl;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WebFirewallProps) {
    super(scope, id);

    const rules: Wafv2WebAclRule[] = [
      {
        name: "rate-limit-per-ip",
        priority: 0,
        action: { block: {} },
        statement: { rate_based_statement: { limit: props.rateLimitPer5Min, aggregate_key_type: "IP", evaluation_window_sec: 300 } },
        visibilityConfig: visibility("rate-limit-per-ip"),
      },
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

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `${WAF_LOG_GROUP_PREFIX}${props.name}`,
      retentionInDays: props.logRetentionDays,
    });
    // Without a policy of its own, WAF adds this log group to one shared account-wide
    // policy (AWSWAF-LOGS), which grows with every web ACL until it hits the size limit.
    const account = new DataAwsCallerIdentity(this, "account", {});
    const partition = new DataAwsPartition(this, "partition", {});
    const delivery = new DataAwsIamPolicyDocument(this, "log-delivery", {
      statement: [
        {
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
          condition: [
            { test: "ArnLike", variable: "aws:SourceArn", values: [`arn:${partition.partition}:logs:*:${account.accountId}:*`] },
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
          ],
        },
      ],
    });
    const policy = new CloudwatchLogResourcePolicy(this, "log-policy", { policyName: `${props.name}-waf-logs`, policyDocument: delivery.json });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.logGroup.arn],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
      dependsOn: [policy],
    });
  }
}
