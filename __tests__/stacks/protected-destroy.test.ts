import { buildEnvironment, resourceAt, synthJson } from "../helpers/synth";

/**
 * allowDestroy: false must stop `terraform destroy` before it deletes anything: prevent_destroy
 * fails the plan, where AWS's own deletion protection fails only once listeners, rules, the
 * service and the DNS records are already gone. The deploy tier runs that destroy for real.
 */
describe("a protected environment's destroy", () => {
  const protectedApp = synthJson(buildEnvironment({ allowDestroy: false, cognito: { domainPrefix: "example-whoami-login", deletionProtection: true } }).app);
  const openApp = synthJson(buildEnvironment({ allowDestroy: true, cognito: { domainPrefix: "example-whoami-login", deletionProtection: false } }).app);
  const kept: Array<[type: string, name: string]> = [
    ["aws_lb", "load-balancer/alb"],
    ["aws_s3_bucket", "access-logs/bucket"],
    ["aws_ecr_repository", "image/repository"],
    ["aws_cognito_user_pool", "cognito/pool"],
  ];

  it.each(kept)("allowDestroy false: %s.%s has prevent_destroy", (type, name) => {
    expect(resourceAt(protectedApp, type, name).lifecycle).toMatchObject({ prevent_destroy: true });
  });

  it.each(kept)("allowDestroy true: %s.%s may be destroyed", (type, name) => {
    expect((resourceAt(openApp, type, name).lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy).toBeUndefined();
  });

  it("what is replaced on ordinary changes (listeners, target group, service) never carries prevent_destroy", () => {
    for (const [type, name] of [["aws_lb_target_group", "load-balancer/target-group"], ["aws_ecs_service", "service/service"], ["aws_lb_listener", "load-balancer/https"]]) {
      expect((resourceAt(protectedApp, type, name).lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy).toBeUndefined();
    }
  });
});
