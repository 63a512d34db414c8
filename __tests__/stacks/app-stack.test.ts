import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { loadConfig } from "../../container/src/config";
import { REPOSITORY_TARGETS } from "../../scripts/image";
import { addressOf, buildEnvironment, only, resourcesOf, synthJson, TEST_HASH, TfJson, synthText } from "../helpers/synth";

const stacks = buildEnvironment();
const synth = synthText(stacks.app);
const json = synthJson(stacks.app);

type Rule = { priority: number; action: Array<Record<string, unknown>>; condition: Array<Record<string, { values: string[] }>> };
const rules = (j: TfJson) => resourcesOf<Rule>(j, "aws_lb_listener_rule");
const ruleWithPriority = (priority: number) => rules(json).find((r) => r.priority === priority);
const containerDefinitions = (j: TfJson) =>
  JSON.parse(String(only(j, "aws_ecs_task_definition").container_definitions)) as Array<{
    image: string;
    environment: Array<{ name: string; value: string }>;
    [key: string]: unknown;
  }>;

describe("DNS and TLS", () => {
  it("requests an ACM certificate for the app domain, validated by DNS", () => {
    expect(synth).toHaveResourceWithProperties(AcmCertificate, { domain_name: "whoami.example.com", validation_method: "DNS" });
  });

  it("creates a validation record per certificate name, keyed by names known at plan time, in the configured zone", () => {
    const record = resourcesOf(json, "aws_route53_record").find((r) => r.for_each);
    // Not a for_each over domain_validation_options: those are unknown until the certificate
    // exists, and Terraform cannot plan a for_each with unknown keys.
    expect(record?.for_each).toBe('${toset(["whoami.example.com"])}');
    const option = "{ for key, val in toset(tolist(aws_acm_certificate.dns_certificate.domain_validation_options)): val.domain_name => val }[each.value]";
    expect(record).toMatchObject({
      name: `\${${option}.resource_record_name}`,
      type: `\${${option}.resource_record_type}`,
      records: [`\${${option}.resource_record_value}`],
      zone_id: "Z0000000000EXAMPLE000",
    });
  });

  it("puts alternative names on the certificate, validates each, aliases each to the ALB and redirects it to the app domain", () => {
    const alt = synthJson(buildEnvironment({ alternativeNames: ["www.example.com", "example.com"], network: { dualStack: true } }).app);
    expect(only(alt, "aws_acm_certificate")).toMatchObject({ domain_name: "whoami.example.com", subject_alternative_names: ["www.example.com", "example.com"] });
    const records = resourcesOf(alt, "aws_route53_record");
    expect(records.find((r) => String(r.name).includes("resource_record_name"))?.for_each).toBe('${toset(["whoami.example.com", "www.example.com", "example.com"])}');
    expect(records.filter((r) => r.name === "${each.value}").map((r) => [r.type, r.for_each])).toEqual([
      ["A", '${toset(["www.example.com", "example.com"])}'],
      ["AAAA", '${toset(["www.example.com", "example.com"])}'],
    ]);
    const redirect = rules(alt).find((r) => r.priority === 5);
    expect(redirect?.condition).toEqual([{ host_header: { values: ["www.example.com", "example.com"] } }]);
    expect(redirect?.action).toEqual([{ type: "redirect", redirect: { host: "whoami.example.com", protocol: "HTTPS", port: "443", status_code: "HTTP_301" } }]);
  });

  it("makes the HTTPS listener wait for the certificate's validation", () => {
    const validation = addressOf(json, "aws_acm_certificate_validation", "dns/validation");
    expect(String(only(json, "aws_acm_certificate_validation").validation_record_fqdns)).toContain("aws_route53_record.");
    const https = resourcesOf(json, "aws_lb_listener").find((l) => l.port === 443);
    expect(https?.depends_on).toContain(validation);
    expect(https?.certificate_arn).toBe(`\${${validation}.certificate_arn}`);
  });

  it("points an A alias record for the app domain at the ALB, and no AAAA without dual-stack", () => {
    const records = resourcesOf(json, "aws_route53_record").filter((r) => r.alias);
    expect(records).toEqual([
      expect.objectContaining({ name: "whoami.example.com", type: "A", alias: expect.objectContaining({ name: expect.stringContaining("aws_lb.") }) }),
    ]);
  });

  it("adds an AAAA record and a dual-stack ALB when dual-stack is on", () => {
    const dual = synthJson(buildEnvironment({ network: { dualStack: true } }).app);
    expect(resourcesOf(dual, "aws_route53_record").filter((r) => r.alias).map((r) => r.type).sort()).toEqual(["A", "AAAA"]);
    expect(only(dual, "aws_lb").ip_address_type).toBe("dualstack");
  });

  it("looks the hosted zone up by name when no id is given", () => {
    const lookedUp = synthJson(buildEnvironment({ hostedZone: { name: "example.com" } }).app);
    expect(Object.values(lookedUp.data?.aws_route53_zone ?? {})).toEqual([expect.objectContaining({ name: "example.com", private_zone: false })]);
    expect(String(resourcesOf(lookedUp, "aws_route53_record")[0].zone_id)).toContain("data.aws_route53_zone.");
  });
});

describe("Cognito", () => {
  it("creates a user pool with email sign-in, auto-verified email and a password policy", () => {
    expect(only(json, "aws_cognito_user_pool")).toMatchObject({
      username_attributes: ["email"],
      auto_verified_attributes: ["email"],
      admin_create_user_config: { allow_admin_create_user_only: true },
      password_policy: { minimum_length: 12, require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true },
      deletion_protection: "INACTIVE",
    });
  });

  it("turns on self sign-up and deletion protection when the environment says so", () => {
    const prod = synthJson(buildEnvironment({ cognito: { domainPrefix: "acme-login", selfSignUp: true, deletionProtection: true } }).app);
    expect(only(prod, "aws_cognito_user_pool")).toMatchObject({
      admin_create_user_config: { allow_admin_create_user_only: false },
      deletion_protection: "ACTIVE",
    });
  });

  it("requires TOTP at sign-in when mfa is on, and no second factor by default", () => {
    expect(only(json, "aws_cognito_user_pool")).toMatchObject({ mfa_configuration: "OFF" });
    const mfa = synthJson(buildEnvironment({ cognito: { domainPrefix: "acme-login", mfa: true } }).app);
    expect(only(mfa, "aws_cognito_user_pool")).toMatchObject({ mfa_configuration: "ON", software_token_mfa_configuration: { enabled: true } });
  });

  it("creates the hosted UI domain with the configured prefix", () => {
    expect(only(json, "aws_cognito_user_pool_domain")).toMatchObject({ domain: "example-whoami-login", managed_login_version: 1 });
  });

  it("configures the app client for the ALB: secret, code flow, scopes, callback and logout URLs", () => {
    expect(synth).toHaveResourceWithProperties(CognitoUserPoolClient, {
      generate_secret: true,
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_flows: ["code"],
      allowed_oauth_scopes: ["openid", "email", "profile"],
      callback_urls: ["https://whoami.example.com/oauth2/idpresponse"],
      logout_urls: ["https://whoami.example.com/", "https://whoami.example.com/signed-out"],
      supported_identity_providers: ["COGNITO"],
      prevent_user_existence_errors: "ENABLED",
    });
  });
});

describe("image", () => {
  it("creates an ECR repository that scans on push and keeps the last N images", () => {
    expect(synth).toHaveResourceWithProperties(EcrRepository, { image_scanning_configuration: { scan_on_push: true }, image_tag_mutability: "IMMUTABLE" });
    const policy = JSON.parse(String(only(json, "aws_ecr_lifecycle_policy").policy));
    expect(policy.rules[0].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 });
  });

  it("runs the image pushed under the content hash, by digest, resolved from ECR at plan time", () => {
    // No Docker provider: a plan on a fresh runner needs no local image and no registry login.
    expect(json.provider?.docker).toBeUndefined();
    expect(json.resource.docker_image).toBeUndefined();
    expect(json.resource.docker_registry_image).toBeUndefined();
    expect(JSON.stringify(json.data ?? {})).not.toContain("aws_ecr_authorization_token");
    const images = json.data?.aws_ecr_images ?? {};
    // The repository's name as a literal: least-privilege.test.ts says why.
    expect(Object.values(images).map((d) => d.repository_name)).toEqual([only(json, "aws_ecr_repository").name]);
    expect(containerDefinitions(json)[0].image).toBe("${local.image_uri}");
    const image = String(json.locals?.image_uri);
    expect(image).toContain(`val.image_digest if val.image_tag == "${TEST_HASH}"`);
    expect(image).toMatch(/\? "\$\{aws_ecr_repository\.image_repository\.repository_url\}@\$\{element\(/);
    // Before the first push (a pull request that changes container/), the immutable tag.
    expect(image).toMatch(new RegExp(`: "\\$\\{aws_ecr_repository\\.image_repository\\.repository_url\\}:${TEST_HASH}"\\}$`));
  });

  it("warns in the plan, without failing it, when the image has not been pushed", () => {
    const check = json.check?.image_pushed;
    if (!check) throw new Error("no check block image_pushed");
    expect(check.assert[0].condition).toContain(`val.image_tag == "${TEST_HASH}"`);
    expect(check.assert[0].error_message).toContain("Run `npm run image -- example` before applying");
  });

  it("gives npm run image the addresses of the repository it creates in a new account", () => {
    expect(REPOSITORY_TARGETS).toEqual([addressOf(json, "aws_ecr_repository", "image/repository"), addressOf(json, "aws_ecr_lifecycle_policy", "image/lifecycle")]);
  });

  it("forgets, without destroying, the Docker provider's resources of earlier deployments", () => {
    expect(json.removed).toEqual([
      { from: "docker_image.image_image", lifecycle: { destroy: false } },
      { from: "docker_registry_image.image_push", lifecycle: { destroy: false } },
    ]);
  });

  it("runs a prebuilt image URI when one is configured, and may pull it from its ECR repository", () => {
    const uri = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.4.0";
    const prebuilt = synthJson(buildEnvironment({ image: { prebuiltUri: uri } }).app);
    expect(prebuilt.data?.aws_ecr_images).toBeUndefined();
    expect(containerDefinitions(prebuilt)[0].image).toBe(uri);
    const policy = Object.values(prebuilt.data?.aws_iam_policy_document ?? {}).find((d) => JSON.stringify(d).includes("PullAppImage"));
    const pull = (policy?.statement as Array<{ sid: string; resources: string[] }>).find((s) => s.sid === "PullAppImage");
    expect(pull?.resources).toEqual(["${aws_ecr_repository.image_repository.arn}", "arn:aws:ecr:eu-west-1:210987654321:repository/team/app"]);
  });
});


describe("ECS", () => {
  it("creates a cluster with Container Insights and a log group with retention", () => {
    expect(synth).toHaveResourceWithProperties(EcsCluster, { setting: [{ name: "containerInsights", value: "enabled" }] });
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({ name: "/ecs/whoami-example", retention_in_days: 30 });
  });

  it("gives the execution role only image pull and log writes, and the task role nothing", () => {
    const docs = Object.values(json.data?.aws_iam_policy_document ?? {}) as Array<{ statement: Array<{ actions: string[]; resources: string[] }> }>;
    const execution = docs.find((d) => d.statement.some((s) => s.actions.includes("ecr:BatchGetImage")));
    expect(execution?.statement.flatMap((s) => s.actions).sort()).toEqual(
      ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:PutLogEvents"].sort(),
    );
    const wildcard = execution?.statement.filter((s) => s.resources.includes("*")).flatMap((s) => s.actions);
    expect(wildcard).toEqual(["ecr:GetAuthorizationToken"]);
    expect(resourcesOf(json, "aws_iam_role_policy")).toHaveLength(1);
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toHaveLength(0);
  });

  it("defines a Fargate task with the configured cpu/memory and the env vars the app needs", () => {
    expect(only(json, "aws_ecs_task_definition")).toMatchObject({ cpu: "256", memory: "512", network_mode: "awsvpc", requires_compatibilities: ["FARGATE"] });
    const env = Object.fromEntries(containerDefinitions(json)[0].environment.map((e) => [e.name, e.value]));
    // No route policy and no machine clients in this environment: no ROUTE_POLICY, API_CLIENT_IDS or API_SCOPE.
    expect(Object.keys(env).sort()).toEqual(["ALB_ARN", "APP_ORIGIN", "AWS_REGION", "COGNITO_CLIENT_ID", "COGNITO_ISSUER", "LOGOUT_URL", "PORT", "SESSION_COOKIE_NAME", "SESSION_TIMEOUT"]);
    expect(env).toMatchObject({ PORT: "8080", AWS_REGION: "eu-central-1", APP_ORIGIN: "https://whoami.example.com", SESSION_TIMEOUT: "28800" });
    expect(env.ALB_ARN).toMatch(/^\$\{aws_lb\.[\w-]+\.arn\}$/);
    expect(env.COGNITO_ISSUER).toMatch(/^https:\/\/cognito-idp\.eu-central-1\.amazonaws\.com\/\$\{aws_cognito_user_pool\.\w+\.id\}$/);
    expect(env.LOGOUT_URL).toContain("/logout?client_id=${aws_cognito_user_pool_client.");
    expect(env.LOGOUT_URL).toContain("&logout_uri=https%3A%2F%2Fwhoami.example.com%2Fsigned-out");
  });

  it("passes settings the app's own config loader accepts", () => {
    // GIVEN the task's environment with Terraform references replaced by values of their shape
    const sample: Record<string, string> = {
      "aws_lb.": "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/whoami-example-alb/0123456789abcdef",
      "aws_cognito_user_pool_client.": "4example0client0id0abcdefg",
      "aws_cognito_user_pool.": "eu-central-1_Example1",
      "aws_cognito_user_pool_domain.": "example-whoami-login",
    };
    const env = Object.fromEntries(
      containerDefinitions(json)[0].environment.map((e) => [
        e.name,
        e.value.replace(/\$\{([\w-]+\.)[^}]*\}/g, (_m, type: string) => sample[type] ?? "unknown"),
      ]),
    );
    // THEN
    const config = loadConfig(env);
    expect(config.issuer).toBe("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example1");
    expect(config.logoutUrl).toBe(
      "https://example-whoami-login.auth.eu-central-1.amazoncognito.com/logout?client_id=4example0client0id0abcdefg&logout_uri=https%3A%2F%2Fwhoami.example.com%2Fsigned-out",
    );
  });

  it("runs the service in private subnets without public IPs, with circuit breaker rollback and a grace period", () => {
    expect(only(json, "aws_ecs_service")).toMatchObject({
      launch_type: "FARGATE",
      network_configuration: { assign_public_ip: false, subnets: [expect.stringContaining("private-0"), expect.stringContaining("private-1")] },
      deployment_circuit_breaker: { enable: true, rollback: true },
      health_check_grace_period_seconds: 30,
    });
  });
});

describe("ALB", () => {
  it("is internet-facing in the public subnets and drops invalid header fields", () => {
    expect(synth).toHaveResourceWithProperties(Lb, { internal: false, load_balancer_type: "application", drop_invalid_header_fields: true, name: "whoami-example-alb" });
    const subnets = only(json, "aws_lb").subnets as string[];
    expect(subnets).toEqual([expect.stringContaining("public-0"), expect.stringContaining("public-1")]);
  });

  it("redirects HTTP to HTTPS", () => {
    expect(resourcesOf(json, "aws_lb_listener").find((l) => l.port === 80)?.default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
  });

  it("serves HTTPS with a TLS 1.3 policy and a fixed-response default action", () => {
    const https = resourcesOf(json, "aws_lb_listener").find((l) => l.port === 443);
    expect(https?.ssl_policy).toMatch(/^ELBSecurityPolicy-TLS13-/);
    expect(https?.default_action).toEqual([{ type: "fixed-response", fixed_response: expect.objectContaining({ status_code: "404" }) }]);
  });

  it("targets task IPs, health-checks the unauthenticated health path, and deregisters in 10 s", () => {
    expect(synth).toHaveResourceWithProperties(LbTargetGroup, {
      target_type: "ip",
      port: 8080,
      deregistration_delay: "10",
      health_check: expect.objectContaining({ path: "/health", matcher: "200" }),
    });
  });

  it("authenticates with Cognito, then forwards, for the app domain at priority 1000", () => {
    const rule = ruleWithPriority(1000);
    expect(rule?.condition).toEqual([{ host_header: { values: ["whoami.example.com"] } }]);
    expect(rule?.action.map((a) => a.type)).toEqual(["authenticate-cognito", "forward"]);
    expect(rule?.action[0].authenticate_cognito).toMatchObject({ on_unauthenticated_request: "authenticate", scope: "openid email profile" });
  });

  it("lets the public signed-out page through without login", () => {
    const rule = ruleWithPriority(10);
    expect(rule?.condition).toContainEqual({ path_pattern: { values: ["/signed-out"] } });
    expect(rule?.action.map((a) => a.type)).toEqual(["forward"]);
  });

  it("denies unauthenticated /api/* requests with 401 instead of redirecting", () => {
    const rule = ruleWithPriority(100);
    expect(rule?.condition).toContainEqual({ path_pattern: { values: ["/api/*"] } });
    expect(rule?.action[0].authenticate_cognito).toMatchObject({ on_unauthenticated_request: "deny" });
    expect(rule?.action[1].type).toBe("forward");
  });

  it("creates the service only after the listener rules attach the target group", () => {
    const dependsOn = only(json, "aws_ecs_service").depends_on as string[];
    expect(dependsOn).toEqual(expect.arrayContaining([addressOf(json, "aws_lb_listener_rule", "load-balancer/authenticate")]));
  });

  it("replaces the target group before destroying the old one, under a generated name, so rules and service move over first", () => {
    const group = only(json, "aws_lb_target_group");
    expect(group).toMatchObject({ name_prefix: "app-", lifecycle: { create_before_destroy: true }, tags: { Name: "whoami-example-app" } });
    expect(group.name).toBeUndefined();
    // Every user of the target group references it, so Terraform updates them in place to the
    // replacement (the forward actions and the service's load_balancer block) before the delete.
    const arn = `\${${addressOf(json, "aws_lb_target_group", "load-balancer/target-group")}.arn}`;
    const forwards = rules(json).flatMap((r) => r.action).filter((a) => a.type === "forward");
    expect(forwards.length).toBeGreaterThan(0);
    for (const action of forwards) expect(action.target_group_arn).toBe(arn);
    expect((only(json, "aws_ecs_service").load_balancer as Array<{ target_group_arn: string }>)[0].target_group_arn).toBe(arn);
  });
});

describe("ordering that references alone do not give", () => {
  const executionPolicy = addressOf(json, "aws_iam_role_policy", "service/execution-role-policy");

  it("starts the service after the execution role's policy and every security-group rule exist", () => {
    const dependsOn = only(json, "aws_ecs_service").depends_on as string[];
    const sgRules = [...Object.keys(json.resource.aws_vpc_security_group_ingress_rule), ...Object.keys(json.resource.aws_vpc_security_group_egress_rule)];
    expect(sgRules.length).toBeGreaterThan(3);
    expect(dependsOn).toEqual(expect.arrayContaining([executionPolicy, ...sgRules.map((name) => expect.stringMatching(new RegExp(`\\.${name}$`)))]));
  });

  it("registers the task definition after the execution role's policy", () => {
    expect(only(json, "aws_ecs_task_definition").depends_on).toEqual([executionPolicy]);
  });
});

describe("security groups", () => {
  const ingress = resourcesOf(json, "aws_vpc_security_group_ingress_rule");
  const egress = resourcesOf(json, "aws_vpc_security_group_egress_rule");
  const albSg = `\${${addressOf(json, "aws_security_group", "security-groups/alb")}.id}`;
  const taskSg = `\${${addressOf(json, "aws_security_group", "security-groups/task")}.id}`;

  it("opens 80 and 443 on the ALB to anywhere", () => {
    const open = ingress.filter((r) => r.security_group_id === albSg);
    expect(open.map((r) => [r.from_port, r.cidr_ipv4]).sort()).toEqual([
      [443, "0.0.0.0/0"],
      [80, "0.0.0.0/0"],
    ]);
  });

  it("opens 80 and 443 on IPv6 too when dual-stack", () => {
    const dual = synthJson(buildEnvironment({ network: { dualStack: true } }).app);
    const ipv6 = resourcesOf(dual, "aws_vpc_security_group_ingress_rule").filter((r) => r.cidr_ipv6 === "::/0");
    expect(ipv6.map((r) => r.from_port).sort()).toEqual([443, 80]);
  });

  it("lets the ALB reach the tasks on the container port and Cognito on 443", () => {
    const out = egress.filter((r) => r.security_group_id === albSg);
    expect(out).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from_port: 8080, to_port: 8080, referenced_security_group_id: taskSg }),
        expect.objectContaining({ from_port: 443, to_port: 443, cidr_ipv4: "0.0.0.0/0" }),
      ]),
    );
    expect(out).toHaveLength(2);
  });

  it("admits traffic to the tasks only from the ALB's security group", () => {
    expect(ingress.filter((r) => r.security_group_id === taskSg)).toEqual([
      expect.objectContaining({ from_port: 8080, to_port: 8080, referenced_security_group_id: albSg }),
    ]);
  });
});

describe("outputs", () => {
  it("exports the app URL, ALB DNS name, user pool, client, hosted UI domain, ECR URL, cluster and service", () => {
    expect(Object.keys(json.output ?? {}).sort()).toEqual(
      expect.arrayContaining(["alb_dns_name", "app_url", "ecr_repository_url", "ecs_cluster_name", "ecs_service_name", "hosted_ui_domain", "image_uri", "task_execution_role_arn", "user_pool_client_id", "user_pool_id"]),
    );
    expect(json.output?.app_url.value).toBe("https://whoami.example.com");
    expect(json.output?.hosted_ui_domain.value).toMatch(/\.auth\.eu-central-1\.amazoncognito\.com$/);
  });
});

describe("autoscaling", () => {
  it("is off by default: the service keeps desiredCount", () => {
    expect(json.resource.aws_appautoscaling_target).toBeUndefined();
    expect(only(json, "aws_ecs_service").lifecycle).toBeUndefined();
  });

  it("tracks 60% average CPU between desiredCount and maxCount, and leaves the task count to ECS", () => {
    const scaled = synthJson(buildEnvironment({ service: { desiredCount: 2, maxCount: 6 } }).app);
    expect(only(scaled, "aws_appautoscaling_target")).toMatchObject({
      min_capacity: 2,
      max_capacity: 6,
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id: expect.stringMatching(/^service\/\$\{aws_ecs_cluster\.[\w-]+\.name\}\/\$\{aws_ecs_service\.[\w-]+\.name\}$/),
    });
    expect(only(scaled, "aws_appautoscaling_policy")).toMatchObject({
      policy_type: "TargetTrackingScaling",
      target_tracking_scaling_policy_configuration: {
        target_value: 60,
        predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
      },
    });
    expect(only(scaled, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
  });
});
