import { Construct } from "constructs";
import { ITerraformDependable, TerraformIterator } from "cdktf";
import { Lb, LbAccessLogs, LbConnectionLogs } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule, LbListenerRuleAction } from "@cdktf/provider-aws/lib/lb-listener-rule";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { HEALTH_PATH, SESSION_COOKIE_NAME, SIGNED_OUT_PATH } from "../naming";
import { UserPool } from "./user-pool";

export interface LoadBalancerProps {
  readonly albName: string;
  /** The target group's Name tag (its AWS name is generated from a prefix). */
  readonly targetGroupName: string;
  readonly vpcId: string;
  readonly publicSubnetIds: string[];
  readonly securityGroupId: string;
  readonly containerPort: number;
  readonly domainName: string;
  /** More names on the certificate: each gets alias records and a redirect to `domainName`. @default [] */
  readonly alternativeNames?: readonly string[];
  readonly zoneId: string;
  readonly certificateArn: string;
  /** The HTTPS listener waits for this (the certificate's validation). */
  readonly certificateReady: ITerraformDependable;
  readonly userPool: UserPool;
  /** Dual-stack ALB and an AAAA record. @default false */
  readonly dualStack?: boolean;
  /**
   * Where the ALB writes access logs (and connection logs); the ALB waits for `ready`, the
   * bucket policy, because ELB checks that it may write before it accepts the setting.
   * @default - no logs
   */
  readonly logs?: { readonly access: LbAccessLogs; readonly connection?: LbConnectionLogs; readonly ready: ITerraformDependable };
  /** Refuse to delete the ALB until this is turned off and applied. @default false */
  readonly deletionProtection?: boolean;
  /** Seconds a session lasts before the ALB sends the user back to Cognito. */
  readonly sessionTimeoutSeconds: number;
}
/** At most 6 characters; AWS appends a unique suffix. */
const TARGET_GROUP_PREFIX = "app-";
/** TLS 1.3 only, the ELB policy without legacy ciphers. */
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-3-2021-06";

/**
 * Internet-facing ALB. Every request for the app domain is authenticated against
 * Cognito before it reaches the app, except the public signed-out page; anything
 * else (the ALB's own DNS name, other hosts) gets a fixed 404 and never the app.
 */
export class LoadBalancer extends Construct {
  readonly alb: Lb;
  readonly targetGroup: LbTargetGroup;
  readonly httpsListener: LbListener;
  /** The rules that forward to the target group; the ECS service depends on them. */
  readonly rules: LbListenerRule[];

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { userPool, domainName } = props;

    this.alb = new Lb(this, "alb", {
      name: props.albName,
      loadBalancerType: "application",
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [props.securityGroupId],
      ipAddressType: props.dualStack ? "dualstack" : "ipv4",
      // Forged x-amzn-* headers with invalid characters are dropped, not passed on.
      dropInvalidHeaderFields: true,
      enableHttp2: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: props.deletionProtection ?? false,
      // Deletion protection stops AWS deleting the ALB, but only after a destroy has already
      // removed the listeners, rules and the service in front of it: prevent_destroy stops
      // Terraform at plan time instead, before anything is deleted.
      lifecycle: props.deletionProtection ? { preventDestroy: true } : undefined,
      accessLogs: props.logs?.access,
      connectionLogs: props.logs?.connection,
      dependsOn: props.logs ? [props.logs.ready] : undefined,
    });

    this.targetGroup = new LbTargetGroup(this, "target-group", {
      // A prefix, not a name: a change of port, protocol or VPC replaces the target group,
      // and the replacement must exist (under another name) before the listener rules and
      // the service move over to it; only then is the old one deleted (ResourceInUse otherwise).
      namePrefix: TARGET_GROUP_PREFIX,
      tags: { Name: props.targetGroupName },
      lifecycle: { createBeforeDestroy: true },
      vpcId: props.vpcId,
      targetType: "ip",
      protocol: "HTTP",
      port: props.containerPort,
      // Tasks finish in-flight requests quickly; 300 s (the default) only slows deploys.
      deregistrationDelay: "10",
      healthCheck: {
        path: HEALTH_PATH,
        matcher: "200",
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });

    new LbListener(this, "http", {
      loadBalancerArn: this.alb.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });

    this.httpsListener = new LbListener(this, "https", {
      loadBalancerArn: this.alb.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: props.certificateArn,
      // Never forward by default: a request that matches no rule (the ALB's own
      // DNS name, any other Host) would otherwise reach the app without a login.
      defaultAction: [
        { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not found" } },
      ],
      dependsOn: [props.certificateReady],
    });

    const host = { hostHeader: { values: [domainName] } };
    const forward: LbListenerRuleAction = { type: "forward", targetGroupArn: this.targetGroup.arn };
    const authenticate = (onUnauthenticatedRequest: "authenticate" | "deny"): LbListenerRuleAction => ({
      type: "authenticate-cognito",
      authenticateCognito: {
        userPoolArn: userPool.pool.arn,
        userPoolClientId: userPool.client.id,
        userPoolDomain: userPool.domain.domain,
        scope: "openid email profile",
        sessionCookieName: SESSION_COOKIE_NAME,
        sessionTimeout: props.sessionTimeoutSeconds,
        onUnauthenticatedRequest,
      },
    });

    const alternativeNames = props.alternativeNames ?? [];
    if (alternativeNames.length > 0) {
      // Sign-in works on one name only (the callback URL Cognito knows): send the others there.
      new LbListenerRule(this, "redirect-alternative-names", {
        listenerArn: this.httpsListener.arn,
        priority: 5,
        condition: [{ hostHeader: { values: [...alternativeNames] } }],
        action: [{ type: "redirect", redirect: { host: domainName, protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
      });
    }

    this.rules = [
      // Where Cognito's logout sends users: must load without a session.
      new LbListenerRule(this, "public-signed-out", {
        listenerArn: this.httpsListener.arn,
        priority: 10,
        condition: [host, { pathPattern: { values: [SIGNED_OUT_PATH] } }],
        action: [forward],
      }),
      // Scripts get 401 instead of an HTML login redirect.
      new LbListenerRule(this, "api-deny-unauthenticated", {
        listenerArn: this.httpsListener.arn,
        priority: 100,
        condition: [host, { pathPattern: { values: ["/api/*"] } }],
        action: [{ ...authenticate("deny"), order: 1 }, { ...forward, order: 2 }],
      }),
      new LbListenerRule(this, "authenticate", {
        listenerArn: this.httpsListener.arn,
        priority: 1000,
        condition: [host],
        action: [{ ...authenticate("authenticate"), order: 1 }, { ...forward, order: 2 }],
      }),
    ];

    const alias = { name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true };
    new Route53Record(this, "a", { zoneId: props.zoneId, name: domainName, type: "A", alias });
    if (props.dualStack) {
      new Route53Record(this, "aaaa", { zoneId: props.zoneId, name: domainName, type: "AAAA", alias });
    }
    if (alternativeNames.length > 0) {
      // Keyed by the name: adding or removing one never touches the others' records.
      const names = TerraformIterator.fromList([...alternativeNames]);
      const record = (type: string) => ({ forEach: names, zoneId: props.zoneId, name: names.value, type, alias });
      new Route53Record(this, "alternative-a", record("A"));
      if (props.dualStack) new Route53Record(this, "alternative-aaaa", record("AAAA"));
    }
  }
}
