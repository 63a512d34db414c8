import { CognitoConfig, EnvironmentConfig, HostedZoneConfig, ImageConfig, LogsConfig, NetworkConfig, ServiceConfig, WafConfig } from "./config";
import { resourceName } from "./naming";
import { AWS_REGIONS } from "./regions";

/** An environment with every default applied: what the stacks read. */
export interface ResolvedConfig {
  readonly name: string;
  readonly region: string;
  readonly stateBucket: string;
  readonly hostedZone: { readonly name: string; readonly id?: string };
  readonly domainName: string;
  readonly alternativeNames: readonly string[];
  readonly cognito: {
    readonly domainPrefix: string;
    readonly selfSignUp: boolean;
    readonly deletionProtection: boolean;
    readonly mfa: boolean;
    readonly passwordMinLength: number;
  };
  readonly network: {
    readonly cidr: string;
    readonly azCount: number;
    /** Zone names or ids to pin the subnets to; empty: look up the first `azCount` available. */
    readonly availabilityZones: readonly string[];
    readonly singleNatGateway: boolean;
    readonly dualStack: boolean;
    readonly flowLogs: boolean;
    readonly flowLogRetentionDays: number;
  };
  readonly service: {
    readonly cpu: number;
    readonly memory: number;
    readonly desiredCount: number;
    readonly maxCount: number;
    readonly containerPort: number;
    readonly logRetentionDays: number;
  };
  readonly image: { readonly prebuiltUri?: string; readonly keepImages: number };
  readonly logs: { readonly accessLogRetentionDays: number; readonly connectionLogs: boolean };
  readonly waf: { readonly enabled: boolean; readonly rateLimitPer5Min: number; readonly logRetentionDays: number };
  readonly allowDestroy: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/** Thrown before anything is synthesized; the message lists every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration in stacks/config.ts:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Host names compare lowercase and without a trailing dot. */
const hostname = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * Every setting config.ts accepts, level by level: a nested table for a section, "value"
 * for a leaf (or a list), "map" for free-form keys. Typed against the interfaces, so a
 * setting added there and not here (or the other way round) fails `npm run typecheck`.
 * Synth is not type-checked (esbuild only strips types): this is what stops a misspelled
 * key like `azcount` from being silently ignored.
 */
type Leaf = "value" | "map";
type Table = { readonly [key: string]: Leaf | Table };
const keysOf = <T>(table: { readonly [K in keyof Required<T>]: Leaf | Table }): Table => table;

const SETTINGS: Table = keysOf<EnvironmentConfig>({
  name: "value",
  region: "value",
  stateBucket: "value",
  hostedZone: keysOf<HostedZoneConfig>({ name: "value", id: "value" }),
  domainName: "value",
  alternativeNames: "value",
  cognito: keysOf<CognitoConfig>({ domainPrefix: "value", selfSignUp: "value", deletionProtection: "value", mfa: "value", passwordMinLength: "value" }),
  network: keysOf<NetworkConfig>({
    cidr: "value",
    azCount: "value",
    availabilityZones: "value",
    singleNatGateway: "value",
    dualStack: "value",
    flowLogs: "value",
    flowLogRetentionDays: "value",
  }),
  service: keysOf<ServiceConfig>({ cpu: "value", memory: "value", desiredCount: "value", maxCount: "value", containerPort: "value", logRetentionDays: "value" }),
  image: keysOf<ImageConfig>({ prebuiltUri: "value", keepImages: "value" }),
  logs: keysOf<LogsConfig>({ accessLogRetentionDays: "value", connectionLogs: "value" }),
  waf: keysOf<WafConfig>({ enabled: "value", rateLimitPer5Min: "value", logRetentionDays: "value" }),
  allowDestroy: "value",
  tags: "map",
});

/** Edit distance, case-insensitive: how far a misspelled key is from a real one. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) next.push(Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[y.length];
}

/** "did you mean ..." when one candidate is close enough to be the intended one. */
function suggestion(word: string, candidates: readonly string[]): string {
  const [best] = [...candidates].sort((a, b) => distance(word, a) - distance(word, b));
  return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : "";
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Keys that are not settings, at every level, each with the closest valid key. */
function unknownKeyProblems(raw: unknown, table: Table, path = ""): string[] {
  if (!isRecord(raw)) return path ? [`${path.slice(0, -1)} must be an object of settings`] : [];
  return Object.entries(raw).flatMap(([key, value]) => {
    const spec = table[key];
    if (spec === undefined) {
      const valid = Object.keys(table);
      return [`${path}${key} is not a setting${suggestion(key, valid) || `; valid here: ${valid.join(", ")}`}`];
    }
    if (spec === "map") {
      return isRecord(value) && Object.values(value).every((v) => typeof v === "string") ? [] : [`${path}${key} must be an object of string values`];
    }
    return spec === "value" || value === undefined ? [] : unknownKeyProblems(value, spec, `${path}${key}.`);
  });
}

export function applyDefaults(config: EnvironmentConfig): ResolvedConfig {
  return {
    name: config.name,
    region: config.region,
    stateBucket: config.stateBucket,
    hostedZone: config.hostedZone,
    domainName: hostname(config.domainName),
    alternativeNames: (config.alternativeNames ?? []).map(hostname),
    cognito: {
      domainPrefix: config.cognito.domainPrefix,
      selfSignUp: config.cognito.selfSignUp ?? false,
      deletionProtection: config.cognito.deletionProtection ?? true,
      mfa: config.cognito.mfa ?? false,
      passwordMinLength: config.cognito.passwordMinLength ?? 12,
    },
    network: {
      cidr: config.network?.cidr ?? "10.0.0.0/16",
      azCount: config.network?.azCount ?? config.network?.availabilityZones?.length ?? 2,
      availabilityZones: config.network?.availabilityZones ?? [],
      singleNatGateway: config.network?.singleNatGateway ?? false,
      dualStack: config.network?.dualStack ?? false,
      flowLogs: config.network?.flowLogs ?? true,
      flowLogRetentionDays: config.network?.flowLogRetentionDays ?? 30,
    },
    service: {
      cpu: config.service?.cpu ?? 256,
      memory: config.service?.memory ?? 512,
      desiredCount: config.service?.desiredCount ?? 1,
      maxCount: config.service?.maxCount ?? config.service?.desiredCount ?? 1,
      containerPort: config.service?.containerPort ?? 8080,
      logRetentionDays: config.service?.logRetentionDays ?? 30,
    },
    image: { prebuiltUri: config.image?.prebuiltUri, keepImages: config.image?.keepImages ?? 10 },
    logs: { accessLogRetentionDays: config.logs?.accessLogRetentionDays ?? 90, connectionLogs: config.logs?.connectionLogs ?? false },
    waf: {
      enabled: config.waf?.enabled ?? false,
      rateLimitPer5Min: config.waf?.rateLimitPer5Min ?? 1000,
      logRetentionDays: config.waf?.logRetentionDays ?? 90,
    },
    allowDestroy: config.allowDestroy ?? true,
    tags: config.tags ?? {},
  };
}

/** Memory (MiB) Fargate accepts for each CPU value. */
const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** A zone name in the region (`eu-central-1a`) or a zone id (`euc1-az1`). */
const ZONE_ID = /^[a-z]{2,4}\d{1,2}-az\d{1,2}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const IMAGE_URI = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})$/;

/** Names with an AWS length limit, as `resourceName` will build them. */
const NAME_LIMITS: ReadonlyArray<[part: string, what: string, limit: number]> = [
  ["alb", "ALB name", 32],
  ["task-execution", "IAM role name", 64],
  ["task", "IAM role name", 64],
  ["vpc-flow-logs", "IAM role name", 64],
  // Log bucket names end in the 12-digit account id (see stacks/log-bucket.ts).
  ["alb-logs-123456789012", "access-log bucket name", 63],
  ["s3-logs-123456789012", "S3 access-log bucket name", 63],
];

function isHostname(name: string): boolean {
  return name.length <= 253 && name.split(".").length >= 2 && name.split(".").every((l) => LABEL.test(l));
}

function cidrProblem(cidr: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return `network.cidr "${cidr}" is not an IPv4 CIDR like "10.0.0.0/16"`;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255)) return `network.cidr "${cidr}" has an octet over 255`;
  if (prefix < 16 || prefix > 24) return `network.cidr "${cidr}" must be a /16 to /24 (AWS allows /16 to /28; subnets take 4 more bits)`;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  if (address % 2 ** (32 - prefix) !== 0) return `network.cidr "${cidr}" has host bits set; use the network address of the block`;
  return undefined;
}

/** Every problem with one environment, each saying what to change, labelled `at`. */
export function configProblems(config: ResolvedConfig, at = `[${config.name}]`): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(`${at} ${message}`);
  };

  check(ENV_NAME.test(config.name), `name "${config.name}" must be 1-32 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen`);
  check(
    AWS_REGIONS.includes(config.region),
    `region "${config.region}" is not an AWS region${suggestion(config.region, AWS_REGIONS) || '; use one like "eu-central-1" (stacks/regions.ts lists them)'}`,
  );
  check(
    BUCKET.test(config.stateBucket) && !config.stateBucket.includes(".."),
    `stateBucket "${config.stateBucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`,
  );

  const zone = config.hostedZone.name.toLowerCase().replace(/\.$/, "");
  check(isHostname(zone), `hostedZone.name "${config.hostedZone.name}" is not a domain name`);
  check(
    config.hostedZone.id === undefined || HOSTED_ZONE_ID.test(config.hostedZone.id),
    `hostedZone.id "${config.hostedZone.id}" is not a Route 53 zone id like "Z0123456789ABCDEFGHIJ"; leave it out to look the zone up by name`,
  );
  check(isHostname(config.domainName), `domainName "${config.domainName}" is not a domain name`);
  // ACM puts the first domain name in the certificate's CN, which X.509 caps at 64 characters.
  check(config.domainName.length <= 64, `domainName "${config.domainName}" is ${config.domainName.length} characters; ACM accepts at most 64 for a certificate's first name`);
  check(
    config.domainName === zone || config.domainName.endsWith(`.${zone}`),
    `domainName "${config.domainName}" is not inside hosted zone "${zone}"; use a name ending in ".${zone}"`,
  );

  const certificateNames = [config.domainName, ...config.alternativeNames];
  for (const name of config.alternativeNames) {
    check(isHostname(name) && (name === zone || name.endsWith(`.${zone}`)), `alternativeNames: "${name}" is not a host name inside hosted zone "${zone}"`);
  }
  check(new Set(certificateNames).size === certificateNames.length, `alternativeNames repeat a name or domainName; list each name once`);
  // ACM's default quota is 10 names per certificate.
  check(certificateNames.length <= 10, `domainName and alternativeNames give ${certificateNames.length} names; an ACM certificate takes at most 10`);

  const prefix = config.cognito.domainPrefix;
  check(LABEL.test(prefix), `cognito.domainPrefix "${prefix}" must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen`);
  const reserved = ["aws", "amazon", "cognito"].filter((word) => prefix.toLowerCase().includes(word));
  check(reserved.length === 0, `cognito.domainPrefix "${prefix}" contains reserved word "${reserved.join('", "')}"; Cognito rejects prefixes with "aws", "amazon" or "cognito"`);
  const minLength = config.cognito.passwordMinLength;
  check(Number.isInteger(minLength) && minLength >= 8 && minLength <= 99, `cognito.passwordMinLength ${minLength} must be an integer from 8 to 99`);

  const cidr = cidrProblem(config.network.cidr);
  if (cidr) problems.push(`${at} ${cidr}`);
  const azs = config.network.azCount;
  check(Number.isInteger(azs) && azs >= 2 && azs <= 6, `network.azCount ${azs} must be 2 to 6 (an ALB needs subnets in at least 2 AZs)`);
  const pinned = config.network.availabilityZones;
  if (pinned.length > 0) {
    check(pinned.length === azs, `network.availabilityZones lists ${pinned.length} zones but network.azCount is ${azs}; drop azCount or make them agree`);
    check(new Set(pinned).size === pinned.length, `network.availabilityZones lists a zone twice`);
    const byName = pinned.filter((z) => z.startsWith(config.region));
    for (const z of pinned) {
      check(
        (z.startsWith(config.region) && /^[a-z]$/.test(z.slice(config.region.length))) || ZONE_ID.test(z),
        `network.availabilityZones: "${z}" is neither a zone of ${config.region} like "${config.region}a" nor a zone id like "euc1-az1"`,
      );
    }
    check(byName.length === 0 || byName.length === pinned.length, `network.availabilityZones mixes zone names and zone ids; use one kind`);
  }

  const { cpu, memory, desiredCount, maxCount, containerPort, logRetentionDays } = config.service;
  const allowed = FARGATE_MEMORY[cpu];
  if (!allowed) {
    problems.push(`${at} service.cpu ${cpu} is not a Fargate CPU value; use one of ${Object.keys(FARGATE_MEMORY).join(", ")}`);
  } else {
    check(
      allowed.includes(memory),
      `service.memory ${memory} is not allowed with cpu ${cpu}; Fargate takes ${allowed.length > 3 ? `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}` : allowed.join(", ")}`,
    );
  }
  check(Number.isInteger(desiredCount) && desiredCount >= 1, `service.desiredCount ${desiredCount} must be an integer of at least 1`);
  check(Number.isInteger(maxCount) && maxCount >= desiredCount, `service.maxCount ${maxCount} must be an integer of at least desiredCount (${desiredCount})`);
  check(
    Number.isInteger(containerPort) && containerPort >= 1024 && containerPort <= 65535,
    `service.containerPort ${containerPort} must be 1024-65535 (the container runs as a non-root user)`,
  );
  for (const [setting, days] of [
    ["service.logRetentionDays", logRetentionDays],
    ["network.flowLogRetentionDays", config.network.flowLogRetentionDays],
    ["waf.logRetentionDays", config.waf.logRetentionDays],
  ] as const) {
    check(LOG_RETENTION_DAYS.includes(days), `${setting} ${days} is not a CloudWatch retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }

  const { prebuiltUri, keepImages } = config.image;
  check(
    prebuiltUri === undefined || IMAGE_URI.test(prebuiltUri),
    `image.prebuiltUri "${prebuiltUri}" must be a full image URI with a tag or digest, like "123456789012.dkr.ecr.eu-central-1.amazonaws.com/app:1.2.3"`,
  );
  check(Number.isInteger(keepImages) && keepImages >= 1, `image.keepImages ${keepImages} must be an integer of at least 1`);

  const { accessLogRetentionDays } = config.logs;
  check(
    Number.isInteger(accessLogRetentionDays) && accessLogRetentionDays >= 1,
    `logs.accessLogRetentionDays ${accessLogRetentionDays} must be a whole number of days, at least 1 (S3 lifecycle expiry)`,
  );
  const { rateLimitPer5Min } = config.waf;
  check(
    Number.isInteger(rateLimitPer5Min) && rateLimitPer5Min >= 10 && rateLimitPer5Min <= 2_000_000_000,
    `waf.rateLimitPer5Min ${rateLimitPer5Min} must be an integer from 10 to 2,000,000,000 (AWS WAF's rate-based rule limits)`,
  );

  for (const [part, what, limit] of NAME_LIMITS) {
    const name = resourceName(config.name, part);
    check(name.length <= limit, `${what} "${name}" is ${name.length} characters, over AWS's limit of ${limit}; shorten the environment name`);
  }
  return problems;
}

/**
 * Applies defaults to every environment and validates them all, throwing one
 * ConfigError with every problem so the user fixes them in one pass.
 */
export function resolveEnvironments(configs: readonly EnvironmentConfig[]): ResolvedConfig[] {
  const names = configs.map((c) => c.name);
  const unique = new Set(names).size === names.length;
  // With two entries of one name, "[example]" would not say which one is meant.
  const label = (i: number) => (unique ? `[${names[i]}]` : `[environments[${i}] "${names[i]}"]`);

  const keyProblems = configs.flatMap((raw, i) => unknownKeyProblems(raw, SETTINGS).map((p) => `${label(i)} ${p}`));
  // Defaults read nested settings: only apply them to configs whose shape is right.
  if (keyProblems.length > 0) throw new ConfigError(keyProblems);

  const resolved = configs.map(applyDefaults);
  const problems = resolved.flatMap((config, i) => configProblems(config, label(i)));
  problems.push(...clashes(resolved, label));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved;
}

/**
 * Settings two environments must not share: each would create the same globally or
 * regionally unique resource, which plans fine and fails at apply.
 */
function clashes(configs: readonly ResolvedConfig[], label: (i: number) => string): string[] {
  const unique: ReadonlyArray<[what: string, key: (c: ResolvedConfig) => readonly string[], why: string]> = [
    ["name", (c) => [c.name], "stack names must be unique"],
    ["stateBucket", (c) => [c.stateBucket], "each environment's bootstrap stack creates its own bucket"],
    ["domain name", (c) => [c.domainName, ...c.alternativeNames], "a name can point at one ALB only"],
    ["cognito.domainPrefix", (c) => [`${c.cognito.domainPrefix} in ${c.region}`], "a hosted UI domain is unique per region"],
  ];
  const problems: string[] = [];
  for (const [what, key, why] of unique) {
    const seen = new Map<string, number>();
    configs.forEach((config, i) => {
      for (const value of key(config)) {
        const first = seen.get(value);
        if (first === undefined) seen.set(value, i);
        else if (first !== i) problems.push(`${label(i)} ${what} "${value}" is also used by ${label(first)}; ${why}`);
      }
    });
  }
  return problems;
}
