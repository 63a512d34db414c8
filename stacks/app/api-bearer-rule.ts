import { Construct } from "constructs";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";

export interface ApiBearerRuleProps {
  readonly listenerArn: string;
  readonly targetGroupArn: string;
  readonly domainName: string;
  /** Before the rule that answers /api/* without a session with 401. */
  readonly priority: number;
  /** The user pool's issuer; its key set is `<issuer>/.well-known/jwks.json`. */
  readonly issuer: string;
  /** `<resource server>/<scope>`: the token's `scope` claim must hold it. */
  readonly requiredScope: string;
}

/** The paths machine clients may call with a bearer token. */
export const API_PATH = "/api/*";

/**
 * Bearer tokens on the API: a request for /api/* with `Authorization: Bearer ...` is
 * forwarded only after the ALB's `jwt-validation` action verified the token (RS256,
 * signature against the pool's key set, `iss`, `exp`, `nbf`/`iat` if present) and the
 * claims below. Anything else on /api/* falls through to the Cognito session rules.
 *
 * Its own construct (Terraform address `aws_lb_listener_rule.api-bearer_jwt-validation`):
 * jwt-validation needs hashicorp/aws >= 6.22, and a tier running an older provider can
 * override or drop this one resource.
 */
export class ApiBearerRule extends Construct {
  readonly rule: LbListenerRule;

  constructor(scope: Construct, id: string, props: ApiBearerRuleProps) {
    super(scope, id);
    this.rule = new LbListenerRule(this, "jwt-validation", {
      listenerArn: props.listenerArn,
      priority: props.priority,
      condition: [
        { hostHeader: { values: [props.domainName] } },
        { pathPattern: { values: [API_PATH] } },
        // Header values match case-insensitively; the scheme is case-insensitive too (RFC 7235).
        { httpHeader: { httpHeaderName: "Authorization", values: ["Bearer *"] } },
      ],
      action: [
        {
          type: "jwt-validation",
          order: 1,
          jwtValidation: {
            issuer: props.issuer,
            jwksEndpoint: `${props.issuer}/.well-known/jwks.json`,
            additionalClaim: [
              // An ID token, signed by the same keys, must not pass as an access token.
              { name: "token_use", format: "single-string", values: ["access"] },
              { name: "scope", format: "space-separated-values", values: [props.requiredScope] },
            ],
          },
        },
        { type: "forward", order: 2, targetGroupArn: props.targetGroupArn },
      ],
    });
  }
}
