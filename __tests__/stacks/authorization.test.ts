import { loadConfig } from "../../container/src/config";
import { production } from "../../stacks/config";
import { full } from "../fixtures/environments";
import { addressOf, buildEnvironment, only, resourcesOf, synthJson, TfJson } from "../helpers/synth";

type Rule = { priority: number; action: Array<Record<string, unknown>>; condition: Array<Record<string, unknown>> };
type Client = { name: string; allowed_oauth_flows: string[]; allowed_oauth_scopes?: string[]; generate_secret?: boolean; [key: string]: unknown };

const envOf = (json: TfJson) =>
  Object.fromEntries(
    (JSON.parse(String(only(json, "aws_ecs_task_definition").container_definitions)) as Array<{ environment: Array<{ name: string; value: string }> }>)[0].environment.map(
      (e) => [e.name, e.value],
    ),
  );

describe("the prod template (stacks/config.ts)", () => {
  const json = synthJson(buildEnvironment(production).app);

  it("creates the admins group its route policy names and passes the policy to the app", () => {
    expect(only(json, "aws_cognito_user_group")).toMatchObject({ for_each: { admins: "Needed for /admin/*" }, name: "${each.key}" });
    expect(JSON.parse(envOf(json).ROUTE_POLICY)).toEqual([{ path: "/admin/*", groups: ["admins"] }]);
  });

  it("has a resource server with one scope and one client credentials machine client", () => {
    expect(only(json, "aws_cognito_resource_server")).toMatchObject({ identifier: "api", scope: [{ scope_name: "read" }] });
    const machine = resourcesOf<Client>(json, "aws_cognito_user_pool_client").filter((c) => c.allowed_oauth_flows.includes("client_credentials"));
    expect(machine).toHaveLength(1);
    expect(machine[0]).toMatchObject({ name: "whoami-prod-reporting", allowed_oauth_scopes: ["api/read"], generate_secret: true });
    expect(envOf(json)).toMatchObject({ API_SCOPE: "api/read", API_CLIENT_IDS: `\${${addressOf(json, "aws_cognito_user_pool_client", "authorization/client-reporting")}.id}` });
  });
});

describe("authorization (fixture full)", () => {
  const json = synthJson(buildEnvironment(full).app);
  const bearerRule = () => resourcesOf<Rule>(json, "aws_lb_listener_rule").find((r) => r.action.some((a) => a.type === "jwt-validation"));

  it("validates bearer tokens on /api/* at the ALB with jwt-validation (pool issuer and key set, access tokens with the scope), then forwards", () => {
    const rule = bearerRule();
    expect(rule?.condition).toEqual([
      { host_header: { values: ["app.example.com"] } },
      { path_pattern: { values: ["/api/*"] } },
      { http_header: { http_header_name: "Authorization", values: ["Bearer *"] } },
    ]);
    const pool = "${aws_cognito_user_pool.cognito_pool.id}";
    expect(rule?.action).toEqual([
      {
        type: "jwt-validation",
        order: 1,
        jwt_validation: {
          issuer: `https://cognito-idp.eu-central-1.amazonaws.com/${pool}`,
          jwks_endpoint: `https://cognito-idp.eu-central-1.amazonaws.com/${pool}/.well-known/jwks.json`,
          additional_claim: [
            { name: "token_use", format: "single-string", values: ["access"] },
            { name: "scope", format: "space-separated-values", values: ["api/read"] },
          ],
        },
      },
      { type: "forward", order: 2, target_group_arn: "${aws_lb_target_group.load-balancer_target-group.arn}" },
    ]);
  });

  it("puts the bearer rule before the rule that answers /api/* without a session with 401, under a stable address", () => {
    const deny = resourcesOf<Rule>(json, "aws_lb_listener_rule").find((r) => r.action.some((a) => (a.authenticate_cognito as { on_unauthenticated_request?: string })?.on_unauthenticated_request === "deny"));
    expect(bearerRule()?.priority).toBeLessThan(deny?.priority ?? 0);
    expect(addressOf(json, "aws_lb_listener_rule", "api-bearer/jwt-validation")).toBe("aws_lb_listener_rule.api-bearer_jwt-validation");
  });

  it("makes machine clients confidential, client credentials only, with the short access token validity", () => {
    const machine = resourcesOf<Client>(json, "aws_cognito_user_pool_client").filter((c) => c.allowed_oauth_flows.includes("client_credentials"));
    for (const client of machine) {
      expect(client).toMatchObject({ allowed_oauth_flows: ["client_credentials"], generate_secret: true, access_token_validity: 15, explicit_auth_flows: ["ALLOW_REFRESH_TOKEN_AUTH"] });
      expect(client.callback_urls).toBeUndefined();
      expect(client.depends_on).toEqual(["aws_cognito_resource_server.authorization_resource-server"]);
    }
  });

  it("outputs the token endpoint", () => {
    expect(json.output?.token_endpoint.value).toBe("https://${aws_cognito_user_pool_domain.cognito_domain.domain}.auth.eu-central-1.amazoncognito.com/oauth2/token");
  });

  it("passes the app settings its own config loader accepts", () => {
    const env = Object.fromEntries(
      Object.entries(envOf(json)).map(([name, value]) => [
        name,
        value.replace(/\$\{aws_lb\.[^}]*\}/g, "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/whoami-prod-alb/0123456789abcdef").replace(/\$\{([^}]*)\}/g, (_m, ref: string) => ref.replace(/[^A-Za-z0-9]/g, "")),
      ]),
    );
    const config = loadConfig(env);
    expect(config.routePolicy).toEqual([{ path: "/admin/*", groups: ["admins"] }]);
    expect(config).toMatchObject({ apiClientIds: ["awscognitouserpoolclientauthorizationclientreportingid"], apiScope: "api/read", sessionTimeoutSeconds: 28800, appOrigin: "https://app.example.com" });
  });
});

describe("session settings", () => {
  it("default to an 8-hour ALB session and 15-minute access and ID tokens, the refresh token lasting the session", () => {
    const json = synthJson(buildEnvironment().app);
    const cognito = resourcesOf<Rule>(json, "aws_lb_listener_rule").flatMap((r) =>
      r.action.map((a) => a.authenticate_cognito as { session_timeout: number } | undefined).filter(Boolean),
    );
    expect(cognito.map((a) => a?.session_timeout)).toEqual([28800, 28800]);
    expect(only(json, "aws_cognito_user_pool_client")).toMatchObject({
      access_token_validity: 15,
      id_token_validity: 15,
      refresh_token_validity: 480,
      token_validity_units: [{ access_token: "minutes", id_token: "minutes", refresh_token: "minutes" }],
    });
  });

  it("follow the environment's session block, and the app shows the length it was given", () => {
    const json = synthJson(buildEnvironment({ session: { lengthMinutes: 60, accessTokenMinutes: 5, idTokenMinutes: 5, refreshTokenMinutes: 60 } }).app);
    const timeouts = resourcesOf<Rule>(json, "aws_lb_listener_rule").flatMap((r) => r.action.map((a) => (a.authenticate_cognito as { session_timeout?: number } | undefined)?.session_timeout).filter(Boolean));
    expect(timeouts).toEqual([3600, 3600]);
    expect(only(json, "aws_cognito_user_pool_client")).toMatchObject({ access_token_validity: 5, id_token_validity: 5, refresh_token_validity: 60 });
    expect(envOf(json).SESSION_TIMEOUT).toBe("3600");
  });

  it("make no groups, resource server or bearer rule where none is configured", () => {
    const json = synthJson(buildEnvironment().app);
    expect(resourcesOf(json, "aws_cognito_user_group")).toEqual([]);
    expect(resourcesOf(json, "aws_cognito_resource_server")).toEqual([]);
    expect(resourcesOf<Rule>(json, "aws_lb_listener_rule").filter((r) => r.action.some((a) => a.type === "jwt-validation"))).toEqual([]);
  });
});
