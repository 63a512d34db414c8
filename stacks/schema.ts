/**
 * The configuration, declared once: each setting's type, default, documentation and check
 * live in one place below. `EnvironmentConfig` (what stacks/config.ts holds) and
 * `ResolvedConfig` (what the stacks read, every default applied) are both derived from it.
 *
 * Synth strips types without checking them, so this schema is also what stops
 * `allowDestroy: "false"` or a misspelled key at synth, before anything is written.
 */
import { z } from "zod";
import { matches, routePolicyProblems } from "../container/src/route-policy";
import {
  bucketProblem,
  cidrProblem,
  cognitoPrefixProblems,
  ENV_NAME,
  fargateProblem,
  hostname,
  HOSTED_ZONE_ID,
  IMAGE_URI,
  isHostname,
  LOG_RETENTION_DAYS,
  MAX_ALTERNATIVE_NAMES,
  MAX_CN_LENGTH,
  GITHUB_ENVIRONMENT,
  GITHUB_REPOSITORY,
  nameLengthProblems,
  regionProblem,
  suggestion,
  zoneProblems,
} from "./validate";

/** A string setting whose value `problem` checks; the message it returns is shown as is. */
const checked = (problem: (value: string) => string | undefined | string[]) =>
  z.string().check((ctx) => {
    const found = problem(ctx.value);
    for (const message of [found ?? []].flat()) ctx.issues.push({ code: "custom", message, input: ctx.value });
  });

const integer = (min: number, max: number, why = "") =>
  z.number().refine((n) => Number.isInteger(n) && n >= min && n <= max, {
    error: (issue) => `${JSON.stringify(issue.input)} must be a whole number from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}${why}`,
  });

const retentionDays = z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  error: (issue) => `${issue.input} is not a CloudWatch retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`,
});

const hostedZone = z.strictObject({
  /** Zone apex, e.g. `example.com`. The app domain must be inside it. */
  name: checked((name) => (isHostname(hostname(name)) ? undefined : `hostedZone.name "${name}" is not a domain name`)),
  /**
   * Hosted zone id, e.g. `Z0123456789ABCDEFGHIJ`.
   * @default - the zone is looked up by `name` at plan time (needs read access to Route 53)
   */
  id: checked((id) =>
    HOSTED_ZONE_ID.test(id) ? undefined : `hostedZone.id "${id}" is not a Route 53 zone id like "Z0123456789ABCDEFGHIJ"; leave it out to look the zone up by name`,
  ).optional(),
});

const cognito = z.strictObject({
  /**
   * Prefix of the hosted UI domain `<prefix>.auth.<region>.amazoncognito.com`.
   * Globally unique per region, lowercase letters, digits and hyphens, and must
   * not contain "aws", "amazon" or "cognito".
   */
  domainPrefix: checked(cognitoPrefixProblems),
  /**
   * Let anyone with an email address create an account on the hosted UI.
   * @default false - only administrators create users
   */
  selfSignUp: z.boolean().default(false),
  /**
   * Refuse to delete the user pool (and its users) until this is turned off.
   * @default true
   */
  deletionProtection: z.boolean().default(true),
  /**
   * Require a second factor (an authenticator app, TOTP) at every sign-in. The hosted
   * UI walks each user through setting it up on their first sign-in.
   * @default false
   */
  mfa: z.boolean().default(false),
  /**
   * Minimum password length (8 to 99). Upper, lower case, digit and symbol are always required.
   * @default 12
   */
  passwordMinLength: integer(8, 99).default(12),
});

const network = z.strictObject({
  /**
   * IPv4 CIDR of the VPC, a /16 to /24. Public subnets take the first /(prefix+4)
   * blocks, private subnets start at the ninth.
   * @default "10.0.0.0/16"
   */
  cidr: checked(cidrProblem).default("10.0.0.0/16"),
  /**
   * Availability zones to spread subnets, NAT gateways and tasks over (2 to 6).
   * @default 2, or the number of `availabilityZones`
   */
  azCount: integer(2, 6, " (an ALB needs subnets in at least 2 AZs)").optional(),
  /**
   * Pin the subnets to these zones, by name (`eu-central-1a`) or, better, by zone id
   * (`euc1-az1`: the same physical zone in every account). Pinned zones never move; the
   * default lookup takes the first `azCount` zones that are available at plan time, so
   * an impaired zone shifts the list and plans a replacement of every subnet after it.
   * @default - the first `azCount` available zones of the region, looked up at plan time
   */
  availabilityZones: z
    .array(z.string())
    .refine((zones) => zones.length >= 2 && zones.length <= 6, { error: (issue) => `lists ${(issue.input as unknown[]).length} zones; pin 2 to 6` })
    .default([]),
  /**
   * One NAT gateway for all private subnets instead of one per AZ: about
   * 33 USD/month cheaper per AZ, but an AZ outage cuts every task's egress.
   * @default false - one NAT gateway per AZ
   */
  singleNatGateway: z.boolean().default(false),
  /**
   * Dual-stack: an Amazon-provided IPv6 block on the VPC and subnets, a dual-stack
   * ALB, IPv6 ingress on 80/443 and an AAAA record for the app domain.
   * @default false - IPv4 only
   */
  dualStack: z.boolean().default(false),
  /**
   * VPC flow logs (all traffic, 10-minute aggregation) to CloudWatch Logs. Ingestion
   * costs about 0.50 USD per GB.
   * @default true
   */
  flowLogs: z.boolean().default(true),
  /**
   * Retention of the flow log group, in days (a CloudWatch Logs retention value).
   * @default 30
   */
  flowLogRetentionDays: retentionDays.default(30),
});

const service = z.strictObject({
  /**
   * Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.
   * @default 256
   */
  cpu: z.number().default(256),
  /**
   * Fargate task memory in MiB; must be allowed for `cpu` (256 takes 512, 1024 or 2048).
   * @default 512
   */
  memory: z.number().default(512),
  /**
   * Number of tasks. Use 2 or more in production so a deployment or an AZ loss
   * keeps the app up.
   * @default 1
   */
  desiredCount: integer(1, 1000).default(1),
  /**
   * Upper bound for CPU target tracking (average 60%). Above `desiredCount`, ECS
   * scales the service between the two and Terraform stops managing the task count.
   * @default - desiredCount: no autoscaling
   */
  maxCount: integer(1, 1000).optional(),
  /**
   * Port the container listens on (passed to the app as PORT).
   * @default 8080
   */
  containerPort: integer(1024, 65535, " (the container runs as a non-root user)").default(8080),
  /**
   * CloudWatch Logs retention of the app's log group, in days.
   * @default 30
   */
  logRetentionDays: retentionDays.default(30),
});

const image = z.strictObject({
  /**
   * Use this image instead of building container/ (for CI runners without a
   * Docker daemon). Must be a full URI with a tag or digest.
   * @default - container/ is built and pushed to the ECR repository by `npm run image`,
   * tagged with a hash of its content
   */
  prebuiltUri: checked((uri) =>
    IMAGE_URI.test(uri) ? undefined : `image.prebuiltUri "${uri}" must be a full image URI with a tag or digest, like "123456789012.dkr.ecr.eu-central-1.amazonaws.com/app:1.2.3"`,
  ).optional(),
  /**
   * Images the ECR lifecycle policy keeps; older ones are expired.
   * @default 10
   */
  keepImages: integer(1, 10_000).default(10),
});

/** Access logs of the ALB (always on) and of the state bucket, in S3. */
const logs = z.strictObject({
  /**
   * Days S3 keeps ALB access logs (and connection logs), and the state bucket's server
   * access logs, before it deletes them (S3 lifecycle expiry).
   * @default 90
   */
  accessLogRetentionDays: integer(1, 36_500, " (S3 lifecycle expiry)").default(90),
  /**
   * ALB connection logs too: one line per TLS connection (client address, TLS version,
   * cipher, handshake time), next to the access logs. Useful to trace failed handshakes.
   * @default false
   */
  connectionLogs: z.boolean().default(false),
});

/** AWS WAF in front of the ALB. */
const waf = z.strictObject({
  /**
   * A regional web ACL on the ALB: AWS managed rules (IP reputation, core rule set,
   * known bad inputs) and a rate limit per client IP, logged to CloudWatch Logs. About
   * 10 USD/month plus 0.60 USD per million requests.
   * @default false
   */
  enabled: z.boolean().default(false),
  /**
   * Requests one client IP may send in any 5 minutes before WAF blocks it (until its
   * rate falls below the limit again). At least 10. One page load here is a few requests;
   * many users behind one NAT share an IP.
   * @default 1000
   */
  rateLimitPer5Min: integer(10, 2_000_000_000, " (AWS WAF's rate-based rule limits)").default(1000),
  /**
   * Retention of the WAF log group, in days (a CloudWatch Logs retention value).
   * @default 90
   */
  logRetentionDays: retentionDays.default(90),
  /**
   * Requests one client IP may send to the Cognito user pool (the hosted sign-in page,
   * where passwords are typed, and the user pool API) in any 5 minutes before WAF blocks
   * it, when `enabled`. One sign-in is about five requests; the ALB's own calls to the
   * token and userInfo endpoints do not count.
   * @default 100
   */
  signInRateLimitPer5Min: integer(10, 2_000_000_000, " (AWS WAF's rate-based rule limits)").default(100),
});

/**
 * How long a sign-in lasts, and how soon a change to a user (disabled, removed from a
 * group) takes effect. The ALB keeps a session cookie for `lengthMinutes`; within it, it
 * renews the user's tokens with the refresh token each time the access token expires,
 * and that renewal fails for a disabled user, which ends the session.
 */
const session = z.strictObject({
  /**
   * Minutes from sign-in until the ALB sends the user to the sign-in page again (the
   * listener's session_timeout), 5 to 10,080 (7 days, the ALB's maximum). Shown to users
   * on the app's page.
   * @default 480 - a working day
   */
  lengthMinutes: integer(5, 10_080, " (the ALB allows up to 7 days)").default(480),
  /**
   * Minutes an access token is valid (Cognito: 5 to 1,440). The longest a disabled user
   * or a change of groups waits to take effect, and how long a machine client's token lasts.
   * @default 15
   */
  accessTokenMinutes: integer(5, 1440, " (Cognito's limits for access tokens)").default(15),
  /**
   * Minutes an ID token is valid (Cognito: 5 to 1,440).
   * @default 15
   */
  idTokenMinutes: integer(5, 1440, " (Cognito's limits for ID tokens)").default(15),
  /**
   * Minutes a refresh token is valid (Cognito: 60 to 5,256,000, ten years). It must last
   * the whole session, or the session ends when it expires; longer gains nothing.
   * @default 480
   */
  refreshTokenMinutes: integer(60, 5_256_000, " (Cognito's limits for refresh tokens)").default(480),
});

/**
 * Stricter than Cognito, which takes any printable character: no `$`, `%`, `{` or quotes,
 * so no name can read as a Terraform template (`${...}`, `%{...}`) in the synthesized JSON.
 */
const SCOPE_NAME = /^[A-Za-z0-9._~:?#[\]@!&'()*+,;=-]{1,256}$/;
const RESOURCE_SERVER = /^[A-Za-z0-9._~:/?#[\]@!&'()*+,;=-]{1,256}$/;
const GROUP = /^[\p{L}\p{N}._+=,@-]{1,128}$/u;
const CLIENT_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/** One route of the policy: a path and the groups that may open it. */
const routeRule = z.strictObject({
  /** `/admin` (that path only) or `/admin/*` (`/admin` and everything below it). Case-sensitive. */
  path: z.string(),
  /** Members of any one of these Cognito groups may open the path. Each group is created in the user pool. */
  groups: z.array(z.string().regex(GROUP, { error: (issue) => `${JSON.stringify(issue.input)} must be 1-128 letters, digits or . _ + = , @ -` })),
});

/** A program that calls the API with its own credentials (OAuth 2.0 client credentials). */
const machineClient = z.strictObject({
  /**
   * Short name: lowercase letters, digits, hyphens (2-32). The Cognito app client is
   * `<project>-<env>-<name>`; its id and secret are in the user pool.
   */
  name: z.string().regex(CLIENT_NAME, { error: (issue) => `${JSON.stringify(issue.input)} must be 2-32 lowercase letters, digits or hyphens, starting with a letter` }),
  /**
   * Scopes (names from `api.scopes`) this client may ask for.
   * @default - the API's requiredScope
   */
  scopes: z.array(z.string()).optional(),
});

/** Bearer tokens for machine clients on /api/*: a Cognito resource server, its scopes, the clients. */
const api = z.strictObject({
  /**
   * The resource server's identifier, the first part of every scope (`<identifier>/<scope>`).
   * @default "api"
   */
  identifier: z
    .string()
    .regex(RESOURCE_SERVER, { error: (issue) => `${JSON.stringify(issue.input)} must be 1-256 URL characters (letters, digits, :/?#[]@!&'()*+,;=._~-)` })
    .default("api"),
  /** The API's scopes: name -> description, e.g. `{ read: "Read who is calling" }`. */
  scopes: z.record(z.string(), z.string().min(1).max(256)),
  /**
   * The scope a bearer request to /api/* must carry: the ALB's jwt-validation rule checks
   * it, and the app again.
   */
  requiredScope: z.string(),
  /** The machine clients: one confidential app client each, client credentials grant only. */
  clients: z.array(machineClient),
});

/** Who may do what. */
const authorization = z.strictObject({
  /**
   * Which Cognito groups a path needs, e.g. `[{ path: "/admin/*", groups: ["admins"] }]`.
   * A request must satisfy every rule whose path matches; the groups are created in the
   * user pool (add users with `aws cognito-idp admin-add-user-to-group`).
   * @default [] - every signed-in user may open every page
   */
  routes: z.array(routeRule).default([]),
  /**
   * Machine clients with bearer tokens on /api/*, checked by the ALB (jwt-validation) and the app.
   * @default - none: only signed-in users reach /api/*
   */
  api: api.optional(),
});

/** GitHub Actions deploys and plans this environment through OIDC: no AWS keys stored in GitHub. */
const github = z.strictObject({
  /**
   * `owner/name` of the repository whose workflows deploy and plan this environment,
   * spelled as GitHub shows it: the roles' trust compares GitHub's token claim with it
   * exactly.
   */
  repository: checked((repository) =>
    GITHUB_REPOSITORY.test(repository) ? undefined : `github.repository "${repository}" must be "owner/name" as GitHub shows it, like "example-org/whoami"`,
  ),
  /**
   * The GitHub environment whose jobs may deploy (and nothing else may): give it
   * required reviewers and a deployment-branch policy of `main` only.
   * @default - the environment's name
   */
  environment: checked((environment) =>
    GITHUB_ENVIRONMENT.test(environment) ? undefined : `github.environment "${environment}" must be a GitHub environment name: 1-255 characters, no ":", "*" or "?"`,
  ).optional(),
  /**
   * An AWS account has one GitHub OIDC provider. "create": this environment's bootstrap
   * stack creates it (and keeps it on destroy: other environments may trust it).
   * "existing": it uses the one another environment's bootstrap (or anyone) created in
   * the same account; apply that environment's bootstrap first.
   * @default "create"
   */
  oidcProvider: z.enum(["create", "existing"], { error: (issue) => `${JSON.stringify(issue.input)} must be "create" or "existing"` }).default("create"),
  /**
   * The 12-digit AWS account this environment deploys into. Only read by the
   * configuration check: two environments that both create the OIDC provider must name
   * two different accounts here.
   * @default - not stated: then at most one environment may create the provider
   */
  accountId: checked((id) => (/^\d{12}$/.test(id) ? undefined : `github.accountId "${id}" must be a 12-digit AWS account id`)).optional(),
});

/** Every setting of an environment, as written; `environmentSchema` adds the rules between them. */
export const environment = z.strictObject({
  /** Environment name, used in stack and resource names: lowercase letters, digits, hyphens. */
  name: z.string().regex(ENV_NAME, {
    error: (issue) => `"${issue.input}" must be 1-32 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
  }),
  /** AWS region for every resource, e.g. `eu-central-1`. */
  region: checked(regionProblem),
  /** S3 bucket for Terraform state, created by the bootstrap stack. Globally unique. */
  stateBucket: checked(bucketProblem),
  /** Route 53 public hosted zone that holds the app's records. */
  hostedZone,
  /** The app's domain name, inside `hostedZone.name`, e.g. `app.example.com`. */
  domainName: z.string(),
  /**
   * More names for the certificate (at most 5), inside `hostedZone.name` too (e.g.
   * `www.example.com`). Each gets an alias record to the ALB, which redirects it to
   * `domainName`: sign-in and the app live on one name, the one Cognito's callback URL knows.
   * @default []
   */
  alternativeNames: z
    .array(z.string())
    .refine((names) => names.length <= MAX_ALTERNATIVE_NAMES, {
      error: (issue) =>
        `lists ${(issue.input as unknown[]).length} names; at most ${MAX_ALTERNATIVE_NAMES} fit the ALB rule that redirects them (a listener rule condition takes 5 values)`,
    })
    .default([]),
  cognito,
  /** @default - see each setting */
  network: network.prefault({}),
  /** @default - see each setting */
  service: service.prefault({}),
  /** @default - see each setting */
  image: image.prefault({}),
  /** @default - see each setting */
  logs: logs.prefault({}),
  /** @default - see each setting */
  waf: waf.prefault({}),
  /** @default - see each setting */
  session: session.prefault({}),
  /** @default - no groups needed, no machine clients */
  authorization: authorization.prefault({}),
  /**
   * The GitHub repository that deploys this environment: its bootstrap stack then creates
   * a deploy role (trusted only by jobs in the GitHub environment) and a read-only plan
   * role (trusted only by pull requests). docs/security.md describes both.
   * @default - no roles: deploy with your own credentials
   */
  github: github.optional(),
  /**
   * This environment may be destroyed with everything in it: no ALB deletion protection,
   * and a destroy empties the log buckets and the ECR repository. Set it to false for
   * production: the ALB refuses deletion and the buckets and repository keep their
   * contents (a destroy stops at them) until it is set back to true and applied.
   * The Cognito user pool has its own `cognito.deletionProtection`.
   * @default true
   */
  allowDestroy: z.boolean().default(true),
  /**
   * Tags on every resource (through the provider's default_tags), besides
   * `project`, `environment` and `managed-by`.
   * @default {}
   */
  tags: z.record(z.string(), z.string()).default({}),
});

type Parsed = z.output<typeof environment>;

/**
 * Rules between settings. Each runs once the settings it reads are valid, whatever else
 * is wrong, so one synth reports every problem.
 */
const CROSS_FIELD_RULES: ReadonlyArray<{ reads: readonly string[]; problems: (c: Parsed) => string[] }> = [
  {
    reads: ["domainName", "hostedZone"],
    problems: (c) => {
      const [zone, domain] = [hostname(c.hostedZone.name), hostname(c.domainName)];
      const problems: string[] = [];
      if (!isHostname(domain)) problems.push(`domainName "${c.domainName}" is not a domain name`);
      if (domain.length > MAX_CN_LENGTH) {
        problems.push(`domainName "${c.domainName}" is ${domain.length} characters; ACM accepts at most ${MAX_CN_LENGTH} for a certificate's first name`);
      }
      if (!inZone(domain, zone)) problems.push(`domainName "${c.domainName}" is not inside hosted zone "${zone}"; use a name ending in ".${zone}"`);
      return problems;
    },
  },
  {
    reads: ["alternativeNames", "domainName", "hostedZone"],
    problems: (c) => {
      const zone = hostname(c.hostedZone.name);
      const alternatives = c.alternativeNames.map(hostname);
      const problems = alternatives
        .filter((name) => !isHostname(name) || !inZone(name, zone))
        .map((name) => `alternativeNames: "${name}" is not a host name inside hosted zone "${zone}"`);
      const certificateNames = [hostname(c.domainName), ...alternatives];
      if (new Set(certificateNames).size !== certificateNames.length) problems.push(`alternativeNames repeat a name or domainName; list each name once`);
      return problems;
    },
  },
  {
    reads: ["region", "network.availabilityZones", "network.azCount"],
    problems: (c) => {
      const zones = c.network.availabilityZones;
      if (zones.length === 0) return [];
      const problems = zoneProblems(c.region, zones);
      if (c.network.azCount !== undefined && c.network.azCount !== zones.length) {
        problems.push(`network.availabilityZones lists ${zones.length} zones but network.azCount is ${c.network.azCount}; drop azCount or make them agree`);
      }
      return problems;
    },
  },
  { reads: ["service.cpu", "service.memory"], problems: (c) => [fargateProblem(c.service.cpu, c.service.memory) ?? []].flat() },
  {
    reads: ["service.maxCount", "service.desiredCount"],
    problems: ({ service: { maxCount, desiredCount } }) =>
      maxCount !== undefined && maxCount < desiredCount ? [`service.maxCount ${maxCount} must be at least desiredCount (${desiredCount})`] : [],
  },
  { reads: ["name"], problems: (c) => nameLengthProblems(c.name) },
  {
    reads: ["session"],
    problems: ({ session: s }) => [
      ...(s.refreshTokenMinutes < s.lengthMinutes
        ? [`session.refreshTokenMinutes ${s.refreshTokenMinutes} is shorter than session.lengthMinutes ${s.lengthMinutes}: the session would end when the refresh token expires; make it at least ${s.lengthMinutes}`]
        : []),
      ...(s.refreshTokenMinutes <= Math.max(s.accessTokenMinutes, s.idTokenMinutes)
        ? [`session.refreshTokenMinutes ${s.refreshTokenMinutes} must be longer than the access and ID token validity (Cognito refuses it otherwise)`]
        : []),
    ],
  },
  {
    reads: ["authorization.routes"],
    problems: (c) => {
      const problems = routePolicyProblems(c.authorization.routes).map((p) => `authorization.routes ${p}`);
      const paths = c.authorization.routes.map((r) => r.path);
      for (const path of new Set(paths.filter((p, i) => paths.indexOf(p) !== i))) problems.push(`authorization.routes lists ${path} twice; put all its groups in one rule`);
      for (const path of paths.filter((p) => PUBLIC_PATHS.some((open) => matches(p, open)))) {
        if (path !== "/*") problems.push(`authorization.routes ${path} covers a public path (${PUBLIC_PATHS.join(", ")}), which nobody signs in for`);
      }
      return problems;
    },
  },
  {
    reads: ["authorization.api"],
    problems: ({ authorization: { api: a } }) => {
      if (!a) return [];
      const names = Object.keys(a.scopes);
      const problems: string[] = [];
      if (names.length === 0) problems.push("authorization.api.scopes is empty: declare at least the scope requiredScope names");
      for (const name of names.filter((n) => !SCOPE_NAME.test(n))) problems.push(`authorization.api.scopes: scope name ${JSON.stringify(name)} must be 1-256 URL characters without "/"`);
      if (!names.includes(a.requiredScope)) problems.push(`authorization.api.requiredScope "${a.requiredScope}" is not one of api.scopes (${names.join(", ") || "none"})`);
      if (a.clients.length === 0) problems.push("authorization.api.clients is empty: list the machine clients, or leave api out");
      const clientNames = a.clients.map((m) => m.name);
      for (const name of new Set(clientNames.filter((n, i) => clientNames.indexOf(n) !== i))) problems.push(`authorization.api.clients names ${name} twice`);
      for (const client of a.clients) {
        for (const scope of client.scopes ?? []) {
          if (!names.includes(scope)) problems.push(`authorization.api.clients ${client.name}: scope "${scope}" is not one of api.scopes (${names.join(", ")})`);
        }
        // Its tokens would all be refused: the ALB's rule and the app require requiredScope.
        if (client.scopes && !client.scopes.includes(a.requiredScope)) {
          problems.push(`authorization.api.clients ${client.name}: scopes must include requiredScope "${a.requiredScope}" (every API request needs it), or leave scopes out to get just that one`);
        }
      }
      return problems;
    },
  },
];

/** Paths the ALB forwards without a sign-in; no route rule may claim them. */
const PUBLIC_PATHS = ["/signed-out", "/health"];

const inZone = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

/** Defaults that depend on other settings, and names in the form the stacks compare. */
function resolve(c: Parsed) {
  const azCount = c.network.azCount ?? (c.network.availabilityZones.length || 2);
  return {
    ...c,
    domainName: hostname(c.domainName),
    alternativeNames: c.alternativeNames.map(hostname),
    network: { ...c.network, azCount },
    service: { ...c.service, maxCount: c.service.maxCount ?? c.service.desiredCount },
    github: c.github && { ...c.github, environment: c.github.environment ?? c.name },
  };
}

/** Whether a parse so far found no problem in any of these settings (dotted paths). */
const valid = (reads: readonly string[]) => (payload: z.core.ParsePayload) =>
  typeof payload.value === "object" &&
  payload.value !== null &&
  // A misspelled key leaves the values alone: it does not stop these rules.
  !payload.issues.some((issue) => issue.code !== "unrecognized_keys" && reads.some((read) => overlaps(`${pathOf(issue.path ?? [])}.`, `${read}.`)));

/** A problem at `network.` touches every setting under it, and one at `network.cidr.` the section. */
const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/** The schema of one environment: parse, check across settings, resolve defaults. */
export const environmentSchema = CROSS_FIELD_RULES.reduce(
  (schema, rule) =>
    schema.superRefine(
      (config, ctx) => {
        for (const message of rule.problems(config)) ctx.addIssue({ code: "custom", message, input: config });
      },
      { when: valid(rule.reads) },
    ),
  environment,
).transform(resolve);

/** One environment as written in stacks/config.ts; optional settings may be left out. */
export type EnvironmentConfig = z.input<typeof environmentSchema>;
/** An environment with every default applied: what the stacks read. */
export type ResolvedConfig = z.output<typeof environmentSchema>;

/** Thrown before anything is synthesized; the message lists every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration in stacks/config.ts:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `network.availabilityZones[2]` */
const pathOf = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");

/** How a wrong value reads in a message: `the string "false"`. */
function described(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  boolean: "true or false (no quotes)",
  number: "a number (no quotes)",
  string: "a string",
  array: "a list of strings",
  object: "an object of settings",
  record: "an object of string values",
};

/** The object schema at a path, to list or suggest the keys valid there. */
function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = environment;
  for (const key of path) {
    while (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
    if (!(schema instanceof z.ZodObject)) return [];
    schema = schema.shape[key as string] as z.ZodType;
  }
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** One message per problem, each naming the setting and saying what to write instead. */
function messages(issue: z.core.$ZodIssue): string[] {
  const at = pathOf(issue.path);
  const prefix = at ? `${at}.` : "";
  switch (issue.code) {
    case "unrecognized_keys": {
      const valid = keysAt(issue.path);
      return issue.keys.map((key) => `${prefix}${key} is not a setting${suggestion(key, valid) || `; valid here: ${valid.join(", ")}`}`);
    }
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return [`${at} is required: ${expected}`];
      const list = issue.path.length > 1 && typeof issue.path[issue.path.length - 1] === "number";
      return [`${at} must be ${list ? "a string" : expected}, not ${described(issue.input)}`];
    }
    default:
      // Messages of our own checks either name the setting already or read after it.
      return [issue.message.startsWith(at.replace(/\[\d+\]$/, "")) && at ? issue.message : `${at}${at ? " " : ""}${issue.message}`];
  }
}

/** A string setting at a dotted path of an environment as written, if it is a string. */
function stringAt(config: unknown, path: string): string[] {
  const value = path.split(".").reduce<unknown>((v, key) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined), config);
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * Settings two environments must not share: each would create the same globally or
 * regionally unique resource, which plans fine and fails at apply. Read from the
 * environments as written, so a clash shows even next to other problems.
 */
function clashes(configs: readonly unknown[], label: (i: number) => string): string[] {
  const unique: ReadonlyArray<[what: string, key: (c: unknown) => readonly string[], why: string]> = [
    ["name", (c) => stringAt(c, "name"), "stack names must be unique"],
    ["stateBucket", (c) => stringAt(c, "stateBucket"), "each environment's bootstrap stack creates its own bucket"],
    ["domain name", (c) => [...stringAt(c, "domainName"), ...stringAt(c, "alternativeNames")].map(hostname), "a name can point at one ALB only"],
    [
      "cognito.domainPrefix",
      (c) => stringAt(c, "cognito.domainPrefix").flatMap((prefix) => stringAt(c, "region").map((region) => `${prefix} in ${region}`)),
      "a hosted UI domain is unique per region",
    ],
    [
      "GitHub environment",
      // Reads as: GitHub environment "prod" of "owner/repo" (the environment defaults to the name).
      (c) => stringAt(c, "github.repository").map((repository) => `${stringAt(c, "github.environment")[0] ?? stringAt(c, "name")[0]}" of "${repository}`),
      "jobs there could deploy both environments; give each its own github.environment",
    ],
  ];
  const problems: string[] = [];
  for (const [what, key, why] of unique) {
    const seen = new Map<string, number>();
    configs.forEach((config, i) => {
      for (const value of new Set(key(config))) {
        const first = seen.get(value);
        if (first === undefined) seen.set(value, i);
        else if (first !== i) problems.push(`${label(i)} ${what} "${value}" is also used by ${label(first)}; ${why}`);
      }
    });
  }
  return problems;
}

/**
 * Checks every environment and applies its defaults. Throws one ConfigError with every
 * problem of every environment, so the user fixes them in one pass.
 */
export function resolveEnvironments(configs: readonly unknown[]): ResolvedConfig[] {
  if (!Array.isArray(configs)) throw new ConfigError([`environments must be a list of environments, not ${described(configs)}`]);
  const names = configs.map((c) => (typeof c === "object" && c !== null ? (c as { name?: unknown }).name : undefined));
  const clear = names.every((n) => typeof n === "string" && n !== "") && new Set(names).size === names.length;
  // With two entries of one name, or one without a name, "[example]" would not say which one is meant.
  const label = (i: number) => (clear ? `[${String(names[i])}]` : `[environments[${i}]${typeof names[i] === "string" ? ` "${String(names[i])}"` : ""}]`);

  const results = configs.map((config) => environmentSchema.safeParse(config, { reportInput: true }));
  const problems = results.flatMap((result, i) => (result.success ? [] : result.error.issues.flatMap(messages).map((m) => `${label(i)} ${m}`)));
  problems.push(...clashes(configs, label), ...oidcProviderProblems(configs, label));
  if (problems.length > 0) throw new ConfigError(problems);
  return results.map((r) => r.data as ResolvedConfig);
}

/**
 * An account has one GitHub OIDC provider: a second environment that creates it fails at
 * apply (EntityAlreadyExists). Two environments that both create it must say they are in
 * different accounts (github.accountId).
 */
function oidcProviderProblems(configs: readonly unknown[], label: (i: number) => string): string[] {
  const creators = configs.flatMap((config, i) =>
    stringAt(config, "github.repository").length > 0 && (stringAt(config, "github.oidcProvider")[0] ?? "create") === "create"
      ? [{ i, account: stringAt(config, "github.accountId")[0] }]
      : [],
  );
  return creators.flatMap((creator, n) =>
    creators.slice(0, n).flatMap((first) => {
      if (creator.account !== undefined && first.account !== undefined && creator.account !== first.account) return [];
      const why =
        creator.account === undefined || first.account === undefined
          ? `if they share an AWS account, set github.oidcProvider: "existing" on one; if not, set github.accountId on both`
          : `both are in account ${creator.account}; set github.oidcProvider: "existing" on one and apply the other's bootstrap first`;
      return [`${label(creator.i)} github.oidcProvider "create": ${label(first.i)} creates the account's GitHub OIDC provider too; ${why}`];
    }),
  );
}
