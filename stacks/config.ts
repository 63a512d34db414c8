/**
 * Your environments: one entry per environment; `environments` at the bottom is the
 * list `npm run synth` synthesizes. Every setting, its default and what it does is in
 * stacks/schema.ts (your editor shows it on hover); docs/configuration.md has the table.
 */
import type { EnvironmentConfig } from "./schema";

export type { EnvironmentConfig };

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
 * user pool with TOTP MFA, WAF, a year of logs, nothing that a destroy may delete, GitHub
 * Actions roles that deploy it only from its GitHub environment, an admins group guarding
 * /admin and one machine client for the API.
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
  // Deploys only from jobs in the GitHub environment "prod" of this repository; pull
  // requests plan read-only. Put your repository here (docs/security.md).
  github: { repository: "example-org/whoami" },
  tags: { "cost-center": "platform" },
  // Only members of the admins group open /admin; one program reads /api/* with its own token.
  authorization: {
    routes: [{ path: "/admin/*", groups: ["admins"] }],
    api: { scopes: { read: "Read the caller's identity (GET /api/me)" }, requiredScope: "read", clients: [{ name: "reporting" }] },
  },
};

export const environments: readonly EnvironmentConfig[] = [example, production];
