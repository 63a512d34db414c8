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
   * @default 2
   */
  readonly azCount?: number;
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
  readonly cognito: CognitoConfig;
  /** @default - see NetworkConfig */
  readonly network?: NetworkConfig;
  /** @default - see ServiceConfig */
  readonly service?: ServiceConfig;
  /** @default - see ImageConfig */
  readonly image?: ImageConfig;
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

/** Production settings: NAT gateway per AZ, three AZs, two to six tasks, dual-stack, protected user pool. */
export const production: EnvironmentConfig = {
  name: "prod",
  region: "eu-central-1",
  stateBucket: "example-whoami-tfstate-prod",
  hostedZone: { name: "example.com" },
  domainName: "app.example.com",
  cognito: { domainPrefix: "example-app-login", deletionProtection: true, passwordMinLength: 14 },
  network: { cidr: "10.20.0.0/16", azCount: 3, dualStack: true, flowLogRetentionDays: 90 },
  service: { cpu: 512, memory: 1024, desiredCount: 2, maxCount: 6, logRetentionDays: 365 },
  image: { keepImages: 30 },
  tags: { "cost-center": "platform" },
};

export const environments: readonly EnvironmentConfig[] = [example, production];
