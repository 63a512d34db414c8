/**
 * Per-environment configuration. One `EnvironmentConfig` per environment;
 * `environments` below is the list `main.ts` synthesizes.
 */

/** Route 53 public hosted zone that holds the app's records. */
export interface HostedZoneConfig {
  /** Zone apex, e.g. `example.com`. The app domain must be inside it. */
  readonly name: string;
  /**
   * Hosted zone id, e.g. `Z0123456789ABCDEFGHIJ`.
   * @default - the zone is looked up by `name` at plan time (needs read access to Route 53)
   */
  readonly id?: string;
}

export interface NetworkConfig {
  /**
   * IPv4 CIDR of the VPC, a /16 to /24. Public subnets take the first /(prefix+4)
   * blocks, private subnets start at the ninth.
   * @default "10.0.0.0/16"
   */
  readonly cidr?: string;
  /**
   * Availability zones to spread subnets, NAT gateways and tasks over (2 to 6).
   * @default 2, or the number of `availabilityZones`
   */
  readonly azCount?: number;
  /**
   * Pin the subnets to these zones, by name (`eu-central-1a`) or, better, by zone id
   * (`euc1-az1`: the same physical zone in every account). Pinned zones never move; the
   * default lookup takes the first `azCount` zones that are available at plan time, so
   * an impaired zone shifts the list and plans a replacement of every subnet after it.
   * @default - the first `azCount` available zones of the region, looked up at plan time
   */
  readonly availabilityZones?: readonly string[];
  /**
   * One NAT gateway for all private subnets instead of one per AZ: about
   * 33 USD/month cheaper per AZ, but an AZ outage cuts every task's egress.
   * @default false - one NAT gateway per AZ
   */
  readonly singleNatGateway?: boolean;
  /**
   * Dual-stack: an Amazon-provided IPv6 block on the VPC and subnets, a dual-stack
   * ALB, IPv6 ingress on 80/443 and an AAAA record for the app domain.
   * @default false - IPv4 only
   */
  readonly dualStack?: boolean;
  /**
   * VPC flow logs (all traffic, 10-minute aggregation) to CloudWatch Logs. Ingestion
   * costs about 0.50 USD per GB.
   * @default true
   */
  readonly flowLogs?: boolean;
  /**
   * Retention of the flow log group, in days (a CloudWatch Logs retention value).
   * @default 30
   */
  readonly flowLogRetentionDays?: number;
}

export interface ServiceConfig {
  /**
   * Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Fargate task memory in MiB; must be allowed for `cpu` (256 takes 512, 1024 or 2048).
   * @default 512
   */
  readonly memory?: number;
  /**
   * Number of tasks. Use 2 or more in production so a deployment or an AZ loss
   * keeps the app up.
   * @default 1
   */
  readonly desiredCount?: number;
  /**
   * Upper bound for CPU target tracking (average 60%). Above `desiredCount`, ECS
   * scales the service between the two and Terraform stops managing the task count.
   * @default - desiredCount: no autoscaling
   */
  readonly maxCount?: number;
  /**
   * Port the container listens on (passed to the app as PORT).
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * CloudWatch Logs retention of the app's log group, in days.
   * @default 30
   */
  readonly logRetentionDays?: number;
}

export interface ImageConfig {
  /**
   * Use this image instead of building container/ (for CI runners without a
   * Docker daemon). Must be a full URI with a tag or digest.
   * @default - container/ is built with Docker and pushed to the ECR repository,
   * tagged with a hash of its content
   */
  readonly prebuiltUri?: string;
  /**
   * Images the ECR lifecycle policy keeps; older ones are expired.
   * @default 10
   */
  readonly keepImages?: number;
}

export interface CognitoConfig {
  /**
   * Prefix of the hosted UI domain `<prefix>.auth.<region>.amazoncognito.com`.
   * Globally unique per region, lowercase letters, digits and hyphens, and must
   * not contain "aws", "amazon" or "cognito".
   */
  readonly domainPrefix: string;
  /**
   * Let anyone with an email address create an account on the hosted UI.
   * @default false - only administrators create users
   */
  readonly selfSignUp?: boolean;
  /**
   * Refuse to delete the user pool (and its users) until this is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Require a second factor (an authenticator app, TOTP) at every sign-in. The hosted
   * UI walks each user through setting it up on their first sign-in.
   * @default false
   */
  readonly mfa?: boolean;
  /**
   * Minimum password length (8 to 99). Upper, lower case, digit and symbol are always required.
   * @default 12
   */
  readonly passwordMinLength?: number;
}

/** Access logs of the ALB (always on) and of the state bucket, in S3. */
export interface LogsConfig {
  /**
   * Days S3 keeps ALB access logs (and connection logs), and the state bucket's server
   * access logs, before it deletes them (S3 lifecycle expiry).
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * ALB connection logs too: one line per TLS connection (client address, TLS version,
   * cipher, handshake time), next to the access logs. Useful to trace failed handshakes.
   * @default false
   */
  readonly connectionLogs?: boolean;
}

/** AWS WAF in front of the ALB. */
export interface WafConfig {
  /**
   * A regional web ACL on the ALB: AWS managed rules (IP reputation, core rule set,
   * known bad inputs) and a rate limit per client IP, logged to CloudWatch Logs. About
   * 10 USD/month plus 0.60 USD per million requests.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Requests one client IP may send in any 5 minutes before WAF blocks it (until its
   * rate falls below the limit again). At least 10. One page load here is a few requests;
   * many users behind one NAT share an IP.
   * @default 1000
   */
  readonly rateLimitPer5Min?: number;
  /**
   * Retention of the WAF log group, in days (a CloudWatch Logs retention value).
   * @default 90
   */
  readonly logRetentionDays?: number;
}

export interface EnvironmentConfig {
  /** Environment name, used in stack and resource names: lowercase letters, digits, hyphens. */
  readonly name: string;
  /** AWS region for every resource, e.g. `eu-central-1`. */
  readonly region: string;
  /**
   * S3 bucket for Terraform state, created by the bootstrap stack. Globally unique.
   */
  readonly stateBucket: string;
  readonly hostedZone: HostedZoneConfig;
  /** The app's domain name, inside `hostedZone.name`, e.g. `app.example.com`. */
  readonly domainName: string;
  /**
   * More names for the certificate, inside `hostedZone.name` too (e.g. `www.example.com`).
   * Each gets an alias record to the ALB, which redirects it to `domainName`: sign-in
   * and the app live on one name, the one Cognito's callback URL knows.
   * @default []
   */
  readonly alternativeNames?: readonly string[];
  readonly cognito: CognitoConfig;
  /** @default - see NetworkConfig */
  readonly network?: NetworkConfig;
  /** @default - see ServiceConfig */
  readonly service?: ServiceConfig;
  /** @default - see ImageConfig */
  readonly image?: ImageConfig;
  /** @default - see LogsConfig */
  readonly logs?: LogsConfig;
  /** @default - see WafConfig */
  readonly waf?: WafConfig;
  /**
   * This environment may be destroyed with everything in it: no ALB deletion protection,
   * and `cdktf destroy` empties the log buckets and the ECR repository. Set it to false for
   * production: the ALB refuses deletion and the buckets and repository keep their
   * contents (a destroy stops at them) until it is set back to true and applied.
   * The Cognito user pool has its own `cognito.deletionProtection`.
   * @default true
   */
  readonly allowDestroy?: boolean;
  /**
   * Tags on every resource (through the provider's default_tags), besides
   * `project`, `environment` and `managed-by`.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Project name, the first part of every resource name (`whoami-prod-alb`). Change it
 * before the first deploy: renaming later replaces every named resource.
 */
export const PROJECT = "whoami";

/**
 * Ships so that `npm run synth` works on a fresh clone with no AWS account:
 * example.com and a placeholder zone id. Copy it and put in your own values.
 */
export const example: EnvironmentConfig = {
  name: "example",
  region: "eu-central-1",
  stateBucket: "example-whoami-tfstate",
  hostedZone: { name: "example.com", id: "Z0000000000EXAMPLE000" },
  domainName: "whoami.example.com",
  cognito: { domainPrefix: "example-whoami-login", deletionProtection: false },
  network: { singleNatGateway: true },
};

/**
 * Production settings: NAT gateway per AZ, three AZs, two to six tasks, dual-stack, protected
 * user pool with TOTP MFA, WAF, a year of logs, and nothing that a destroy may delete.
 */
export const production: EnvironmentConfig = {
  name: "prod",
  region: "eu-central-1",
  stateBucket: "example-whoami-tfstate-prod",
  hostedZone: { name: "example.com" },
  domainName: "app.example.com",
  cognito: { domainPrefix: "example-app-login", deletionProtection: true, passwordMinLength: 14, mfa: true },
  // Zone ids, not names: the same physical zones in every account, and they never shift.
  // An environment already running on the lookup pins the zone ids its subnets are in.
  network: { cidr: "10.20.0.0/16", availabilityZones: ["euc1-az1", "euc1-az2", "euc1-az3"], dualStack: true, flowLogRetentionDays: 365 },
  service: { cpu: 512, memory: 1024, desiredCount: 2, maxCount: 6, logRetentionDays: 365 },
  image: { keepImages: 30 },
  logs: { accessLogRetentionDays: 365 },
  waf: { enabled: true, logRetentionDays: 365 },
  allowDestroy: false,
  tags: { "cost-center": "platform" },
};

export const environments: readonly EnvironmentConfig[] = [example, production];
