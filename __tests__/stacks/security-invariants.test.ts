import { environments } from "../../stacks/config";
import type { EnvironmentConfig } from "../../stacks/schema";
import { full, minimal } from "../fixtures/environments";
import { buildEnvironment, resourcesOf, synthJson, TfJson } from "../helpers/synth";

type SignIn = { on_unauthenticated_request?: string };
type Action = { type: string; order?: number; authenticate_cognito?: SignIn; authenticate_oidc?: SignIn; target_group_arn?: string };
type Rule = { action: Action[]; condition: Array<{ path_pattern?: { values: string[] } }> };

/** The paths docs/authorization.md documents as public (the target group's health check does not pass the listener). */
const PUBLIC_PATHS = ["/signed-out"];

/**
 * Whether an action establishes who is asking: jwt-validation, or a sign-in that does not
 * let anonymous requests through (`on_unauthenticated_request` "allow" forwards them).
 */
function authenticates(action: Action): boolean {
  if (action.type === "jwt-validation") return true;
  const signIn = action.type === "authenticate-cognito" ? action.authenticate_cognito : action.type === "authenticate-oidc" ? action.authenticate_oidc : undefined;
  return signIn !== undefined && signIn.on_unauthenticated_request !== "allow";
}

/** The path patterns of every listener rule that forwards without authenticating first. */
function unauthenticatedForwards(json: TfJson): string[][] {
  const unauthenticated: string[][] = [];
  for (const rule of resourcesOf<Rule>(json, "aws_lb_listener_rule").filter((r) => r.action.some((a) => a.type === "forward"))) {
    // Actions run in `order`, not in the order they are written.
    const actions = [...rule.action].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    const firstForward = actions.findIndex((a) => a.type === "forward");
    if (actions.slice(0, firstForward).some(authenticates)) continue;
    const paths = rule.condition.flatMap((c) => c.path_pattern?.values ?? []);
    unauthenticated.push(paths.length > 0 ? paths : ["(any path)"]);
  }
  return unauthenticated;
}

describe("the unauthenticated-forward check itself", () => {
  const rule = (...action: Action[]) => ({ action, condition: [{ path_pattern: { values: ["/x/*"] } }] });
  const forward: Action = { type: "forward", order: 2 };
  const json = (...rules: Rule[]): TfJson => ({ terraform: { backend: {} }, resource: { aws_lb_listener_rule: Object.fromEntries(rules.map((r, i) => [`r${i}`, r])) } });

  it("flags a sign-in that lets anonymous requests through, a forward with nothing before it, and a sign-in ordered after the forward", () => {
    expect(unauthenticatedForwards(json(rule({ type: "authenticate-cognito", order: 1, authenticate_cognito: { on_unauthenticated_request: "allow" } }, forward)))).toEqual([["/x/*"]]);
    expect(unauthenticatedForwards(json(rule(forward)))).toEqual([["/x/*"]]);
    expect(unauthenticatedForwards(json(rule({ type: "authenticate-cognito", order: 3, authenticate_cognito: {} }, forward)))).toEqual([["/x/*"]]);
  });

  it("passes sign-ins that authenticate or deny, and jwt-validation", () => {
    for (const onUnauthenticated of [undefined, "authenticate", "deny"]) {
      expect(unauthenticatedForwards(json(rule({ type: "authenticate-cognito", order: 1, authenticate_cognito: { on_unauthenticated_request: onUnauthenticated } }, forward)))).toEqual([]);
    }
    expect(unauthenticatedForwards(json(rule({ type: "jwt-validation", order: 1 }, forward)))).toEqual([]);
  });
});

/**
 * Checks over the synthesized JSON that must hold for every environment: the test fixtures
 * and whatever environments stacks/config.ts holds, under whatever names.
 */
const cases: ReadonlyArray<[string, EnvironmentConfig]> = [
  ["fixture minimal", minimal],
  ["fixture full", full],
  ...environments.map((config): [string, EnvironmentConfig] => [`stacks/config.ts ${config.name}`, config]),
];
describe.each(cases)("security invariants (%s)", (_name, config) => {
  const stacks = buildEnvironment(config);
  const app = synthJson(stacks.app);
  const bootstrap = synthJson(stacks.bootstrap);

  it("no listener's default action forwards", () => {
    const listeners = resourcesOf<{ default_action: Action[] }>(app, "aws_lb_listener");
    expect(listeners.length).toBeGreaterThan(0);
    for (const listener of listeners) {
      expect(listener.default_action.map((a) => a.type)).not.toContain("forward");
    }
  });

  it("no listener rule forwards to the target group without an authenticate or jwt-validation action before it, except on the public paths", () => {
    const forwarding = resourcesOf<Rule>(app, "aws_lb_listener_rule").filter((rule) => rule.action.some((a) => a.type === "forward"));
    expect(forwarding.length).toBeGreaterThan(PUBLIC_PATHS.length);
    expect(unauthenticatedForwards(app)).toEqual(PUBLIC_PATHS.map((path) => [path]));
  });

  it("the task security group admits traffic only from the ALB security group", () => {
    const groups = app.resource.aws_security_group;
    const task = Object.keys(groups).find((k) => k.includes("task"));
    const alb = Object.keys(groups).find((k) => k.includes("alb"));
    const taskIngress = resourcesOf(app, "aws_vpc_security_group_ingress_rule").filter((r) => r.security_group_id === `\${aws_security_group.${task}.id}`);
    expect(taskIngress.length).toBeGreaterThan(0);
    for (const rule of taskIngress) {
      expect(rule.referenced_security_group_id).toBe(`\${aws_security_group.${alb}.id}`);
      expect(rule.cidr_ipv4).toBeUndefined();
      expect(rule.cidr_ipv6).toBeUndefined();
    }
    expect(groups[task ?? ""].ingress).toBeUndefined();
  });

  it("the state bucket is encrypted, versioned and blocks public access", () => {
    // The bootstrap stack also holds the S3 access-log bucket (edge-security.test.ts covers it).
    const ofState = (type: string) => resourcesOf(bootstrap, type).filter((r) => r.bucket === "${aws_s3_bucket.state.id}");
    expect(ofState("aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(1);
    expect(ofState("aws_s3_bucket_versioning")[0]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    const [block] = ofState("aws_s3_bucket_public_access_block");
    for (const setting of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) expect(block[setting]).toBe(true);
  });

  it("every remote backend locks, and leaves encryption to the bucket's KMS default (encrypt = true would mean SSE-S3)", () => {
    for (const json of [synthJson(stacks.network), app] as TfJson[]) {
      expect(json.terraform.backend.s3).toMatchObject({ use_lockfile: true });
      expect(json.terraform.backend.s3.encrypt).toBeUndefined();
    }
  });
});
