/**
 * What AWS accepts, as predicates and tables the configuration schema (stacks/schema.ts)
 * checks settings against. Each returns a message that says what to change, or undefined.
 */
import { resourceName } from "./naming";
import { AWS_REGIONS } from "./regions";

/** Memory (MiB) Fargate accepts for each CPU value. */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
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
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * An ALB listener rule condition takes at most 5 values, and the rule that redirects the
 * alternative names to `domainName` matches them all in one host-header condition. With
 * `domainName`, that is 6 names per certificate: within ACM's default quota of 10.
 */
export const MAX_ALTERNATIVE_NAMES = 5;
/** X.509 caps a certificate's CN, which ACM fills with the first name, at 64 characters. */
export const MAX_CN_LENGTH = 64;

export const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const ENV_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
export const IMAGE_URI = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]{1,128}|@sha256:[a-f0-9]{64})$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ZONE_ID = /^([a-z]{2,6}\d{1,2})-az\d{1,2}$/;

/** Names with an AWS length limit, as `resourceName` will build them. */
const NAME_LIMITS: ReadonlyArray<[part: string, what: string, limit: number]> = [
  ["alb", "ALB name", 32],
  ["task-execution", "IAM role name", 64],
  ["task", "IAM role name", 64],
  ["vpc-flow-logs", "IAM role name", 64],
  ["github-deploy", "IAM role name", 64],
  ["github-plan", "IAM role name", 64],
  // Log bucket names end in the 12-digit account id (see stacks/log-bucket.ts).
  ["alb-logs-123456789012", "access-log bucket name", 63],
  ["s3-logs-123456789012", "S3 access-log bucket name", 63],
];

/** `owner/name` of a GitHub repository: owners are letters, digits and hyphens; names add dots and underscores. */
export const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** A GitHub environment name as it appears in the OIDC `sub` claim, without the claim's separator or IAM wildcards. */
export const GITHUB_ENVIRONMENT = /^[^:*?]{1,255}$/;

/** Host names compare lowercase and without a trailing dot. */
export const hostname = (name: string) => name.toLowerCase().replace(/\.$/, "");

export function isHostname(name: string): boolean {
  return name.length <= 253 && name.split(".").length >= 2 && name.split(".").every((l) => LABEL.test(l));
}

/** Edit distance, case-insensitive: how far a misspelled word is from a real one. */
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

/** `; did you mean "..."?` when one candidate is close enough to be the intended one, else "". */
export function suggestion(word: string, candidates: readonly string[]): string {
  const [best] = [...candidates].sort((a, b) => distance(word, a) - distance(word, b));
  return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : "";
}

/** Partitions with their own DNS suffixes (Cognito's hosted UI, the ELB key endpoint). */
const OTHER_PARTITIONS: ReadonlyArray<[prefix: string, partition: string]> = [
  ["cn-", "AWS China (aws-cn)"],
  ["us-iso", "an AWS ISO partition"],
  ["eusc-", "the AWS European Sovereign Cloud (aws-eusc)"],
];

export function regionProblem(region: string): string | undefined {
  if (AWS_REGIONS.includes(region)) return undefined;
  const other = OTHER_PARTITIONS.find(([prefix]) => region.startsWith(prefix));
  if (other) {
    return `region "${region}" is in ${other[1]}, which this project does not deploy to: its Cognito and ELB endpoints use other domain names; use a region of the aws or aws-us-gov partition (stacks/regions.ts lists them)`;
  }
  return `region "${region}" is not an AWS region${suggestion(region, AWS_REGIONS) || '; use one like "eu-central-1" (stacks/regions.ts lists them)'}`;
}

/**
 * The prefix of a region's zone ids: `eu-central-1` → `euc1`, `ap-northeast-1` → `apne1`,
 * `us-gov-west-1` → `usgw1` (the area, the initials of the direction, the number).
 */
export function zoneIdPrefix(region: string): string {
  const parts = region.split("-");
  const number = parts.pop() ?? "";
  const direction = parts.pop() ?? "";
  const initials = direction.replace(/^(north|south)(east|west)$/, (_, a: string, b: string) => a[0] + b[0]).replace(/^(east|west|north|south|central)$/, (d) => d[0]);
  return `${parts.map((p) => (p === "gov" ? "g" : p)).join("")}${initials}${number}`;
}

export function bucketProblem(bucket: string): string | undefined {
  return BUCKET.test(bucket) && !bucket.includes("..") ? undefined : `stateBucket "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`;
}

export function cidrProblem(cidr: string): string | undefined {
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

export function cognitoPrefixProblems(prefix: string): string[] {
  const problems: string[] = [];
  if (!LABEL.test(prefix)) problems.push(`cognito.domainPrefix "${prefix}" must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen`);
  const reserved = ["aws", "amazon", "cognito"].filter((word) => prefix.toLowerCase().includes(word));
  if (reserved.length > 0) problems.push(`cognito.domainPrefix "${prefix}" contains reserved word "${reserved.join('", "')}"; Cognito rejects prefixes with "aws", "amazon" or "cognito"`);
  return problems;
}

export function fargateProblem(cpu: number, memory: number): string | undefined {
  const allowed = FARGATE_MEMORY[cpu];
  if (!allowed) return `service.cpu ${cpu} is not a Fargate CPU value; use one of ${Object.keys(FARGATE_MEMORY).join(", ")}`;
  if (allowed.includes(memory)) return undefined;
  const offer = allowed.length > 3 ? `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}` : allowed.join(", ");
  return `service.memory ${memory} is not allowed with cpu ${cpu}; Fargate takes ${offer}`;
}

/** Pinned zones: all names of the region or all zone ids of the region, each once. */
export function zoneProblems(region: string, zones: readonly string[]): string[] {
  const problems: string[] = [];
  const prefix = zoneIdPrefix(region);
  if (new Set(zones).size !== zones.length) problems.push(`network.availabilityZones lists a zone twice`);
  const byName = zones.filter((z) => z.startsWith(`${region}`) && /^[a-z]$/.test(z.slice(region.length)));
  for (const zone of zones) {
    const id = ZONE_ID.exec(zone);
    if (byName.includes(zone)) continue;
    if (!id) {
      problems.push(`network.availabilityZones: "${zone}" is neither a zone of ${region} like "${region}a" nor a zone id like "${prefix}-az1"`);
    } else if (id[1] !== prefix) {
      problems.push(`network.availabilityZones: zone id "${zone}" is not in ${region}, whose zone ids start with "${prefix}-"`);
    }
  }
  if (byName.length > 0 && byName.length < zones.length && zones.every((z) => byName.includes(z) || ZONE_ID.test(z))) {
    problems.push(`network.availabilityZones mixes zone names and zone ids; use one kind`);
  }
  return problems;
}

/** Names built from the environment name that would exceed an AWS length limit. */
export function nameLengthProblems(environment: string): string[] {
  return NAME_LIMITS.flatMap(([part, what, limit]) => {
    const name = resourceName(environment, part);
    return name.length <= limit ? [] : [`${what} "${name}" is ${name.length} characters, over AWS's limit of ${limit}; shorten the environment name`];
  });
}
