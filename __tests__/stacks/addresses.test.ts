import { buildEnvironment, synthJson } from "../helpers/synth";

describe("Terraform addresses", () => {
  const stacks = buildEnvironment();

  it("name resources after their construct path, without hash suffixes, so plans read well", () => {
    const app = synthJson(stacks.app);
    expect(Object.keys(app.resource.aws_lb)).toEqual(["load-balancer_alb"]);
    expect(Object.keys(app.resource.aws_cognito_user_pool)).toEqual(["cognito_pool"]);
    expect(Object.keys(app.data?.aws_iam_policy_document ?? {})).toContain("service_execution-policy");
    for (const which of ["bootstrap", "network", "app"] as const) {
      const json = synthJson(stacks[which]);
      for (const names of [...Object.values(json.resource), ...Object.values(json.data ?? {})]) {
        for (const name of Object.keys(names)) {
          if (name.startsWith("cross-stack-")) continue;
          expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*(_[a-z0-9]+(-[a-z0-9]+)*)*$/);
        }
      }
    }
  });
});
