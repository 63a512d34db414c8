import { isIP } from "node:net";
import { RouteRule, routePolicyProblems } from "./route-policy";

/**
 * The app's settings, from environment variables, validated once at start-up.
 * The app stack (stacks/app-stack.ts) sets exactly these on the task.
 */
export interface AppConfig {
  /** PORT: where the app listens. */
  readonly port: number;
  /**
   * HOST: the address to listen on. Unset in the container, where the ALB reaches the task
   * on its own address: every interface. `npm run dev` sets 127.0.0.1.
   */
  readonly host?: string;
  /** AWS_REGION: picks the ALB public key endpoint. */
  readonly region: string;
  /** ALB_ARN: the token header's `signer` must equal it. */
  readonly albArn: string;
  /** COGNITO_CLIENT_ID: the token header's `client` must equal it. */
  readonly clientId: string;
  /** COGNITO_ISSUER, or derived from COGNITO_USER_POOL_ID: the token's `iss`. */
  readonly issuer: string;
  /**
   * LOGOUT_URL: where /logout sends the browser after expiring the session cookies:
   * Cognito's /logout with client_id and logout_uri. Only configuration decides it;
   * nothing in a request (Host, X-Forwarded-Host) can change where sign-out leads.
   */
  readonly logoutUrl: string;
  /** ELB_PUBLIC_KEYS_URL: base URL of the ALB signing keys, `<base><kid>`. */
  readonly keysBaseUrl: string;
  /**
   * APP_ORIGIN: `https://<app domain>`, the only origin a sign-out (POST /logout) is
   * accepted from. Configuration decides it, not the request's Host or X-Forwarded-Host.
   */
  readonly appOrigin: string;
  /** SESSION_TIMEOUT: the ALB session length in seconds (the listener's session_timeout), shown to users. */
  readonly sessionTimeoutSeconds: number;
  /** COGNITO_JWKS_URL: the user pool's key set. @default `${issuer}/.well-known/jwks.json` */
  readonly jwksUrl: string;
  /** ROUTE_POLICY: JSON list of `{ path, groups }`; which groups a path needs. @default [] */
  readonly routePolicy: readonly RouteRule[];
  /**
   * API_CLIENT_IDS: comma-separated app client ids of machine clients, whose bearer
   * tokens /api/* accepts. @default none: bearer tokens are refused
   */
  readonly apiClientIds: readonly string[];
  /** API_SCOPE: the scope a machine client's token must carry, `<resource server>/<scope>`. */
  readonly apiScope?: string;
  /** SESSION_COOKIE_NAME: the listener's session cookie; its shards are expired on logout. */
  readonly sessionCookieName: string;
  /** SHUTDOWN_TIMEOUT_MS: how long SIGTERM waits for in-flight requests before cutting them. */
  readonly shutdownTimeoutMs: number;
  /** SHUTDOWN_DRAIN_MS: after SIGTERM, open connections are still served (with `Connection: close`) this long. */
  readonly shutdownDrainMs: number;
}

export class AppConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid app configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "AppConfigError";
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const ALB_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const USER_POOL_ID = /^([a-z]{2}(-gov)?-[a-z]+-\d{1,2})_[A-Za-z0-9]+$/;

/** Where the ALB publishes the public keys that verify x-amzn-oidc-data, per region. */
export function defaultKeysBaseUrl(region: string): string {
  return region.startsWith("us-gov-")
    ? `https://s3-${region}.amazonaws.com/aws-elb-public-keys-prod-${region}/`
    : `https://public-keys.auth.elb.${region}.amazonaws.com/`;
}

function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const problems: string[] = [];
  const value = (name: string) => env[name]?.trim() || undefined;
  const required = (name: string, what: string, pattern?: RegExp) => {
    const v = value(name);
    if (v === undefined) problems.push(`${name} is missing: set it to ${what}`);
    else if (pattern && !pattern.test(v)) problems.push(`${name} "${v}" is malformed: expected ${what}`);
    return v ?? "";
  };

  const portText = value("PORT") ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push(`PORT "${portText}" must be a port number (0-65535; 0 picks a free one)`);

  const host = value("HOST");
  if (host !== undefined && isIP(host) === 0 && host !== "localhost") problems.push(`HOST "${host}" must be an IP address to listen on, like 127.0.0.1 (or leave it unset: every interface)`);

  const region = required("AWS_REGION", 'the AWS region, like "eu-central-1"', REGION);
  const albArn = required("ALB_ARN", "the load balancer's ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>)", ALB_ARN);
  const clientId = required("COGNITO_CLIENT_ID", "the user pool app client id the ALB authenticates with");

  let issuer = value("COGNITO_ISSUER");
  const poolId = value("COGNITO_USER_POOL_ID");
  if (issuer !== undefined) {
    if (!isUrl(issuer, ["https:", "http:"])) problems.push(`COGNITO_ISSUER "${issuer}" must be a URL like https://cognito-idp.<region>.amazonaws.com/<pool id>`);
  } else if (poolId !== undefined) {
    const match = USER_POOL_ID.exec(poolId);
    if (!match) problems.push(`COGNITO_USER_POOL_ID "${poolId}" is malformed: expected "<region>_<id>"`);
    else issuer = `https://cognito-idp.${match[1]}.amazonaws.com/${poolId}`;
  } else {
    problems.push("COGNITO_ISSUER is missing: set it (https://cognito-idp.<region>.amazonaws.com/<pool id>) or COGNITO_USER_POOL_ID");
  }

  const logoutUrl = required("LOGOUT_URL", "Cognito's /logout URL: https://<domain>/logout?client_id=<id>&logout_uri=<https://your host>/signed-out");
  if (logoutUrl && !isUrl(logoutUrl, ["https:", "http:"])) problems.push(`LOGOUT_URL "${logoutUrl}" must be an absolute URL`);
  // COGNITO_DOMAIN used to build logout_uri from the request's Host, which a client controls.
  if (value("COGNITO_DOMAIN") !== undefined && !logoutUrl) problems.push("COGNITO_DOMAIN is no longer read: set LOGOUT_URL instead");

  const keysBaseUrl = value("ELB_PUBLIC_KEYS_URL") ?? (REGION.test(region) ? defaultKeysBaseUrl(region) : "");
  if (value("ELB_PUBLIC_KEYS_URL") !== undefined && !isUrl(keysBaseUrl, ["https:", "http:"])) {
    problems.push(`ELB_PUBLIC_KEYS_URL "${keysBaseUrl}" must be an absolute URL`);
  }

  const appOrigin = required("APP_ORIGIN", "the app's origin, https://<app domain> (sign-out is accepted from there only)");
  if (appOrigin && (!isUrl(appOrigin, ["https:", "http:"]) || new URL(appOrigin).origin !== appOrigin)) {
    problems.push(`APP_ORIGIN "${appOrigin}" must be an origin only, like https://app.example.com (no path, no trailing slash)`);
  }

  const sessionText = required("SESSION_TIMEOUT", "the ALB session timeout in seconds, like 28800");
  const sessionTimeoutSeconds = Number(sessionText);
  if (sessionText && (!/^\d+$/.test(sessionText) || sessionTimeoutSeconds < 1)) problems.push(`SESSION_TIMEOUT "${sessionText}" must be a whole number of seconds above 0`);

  const jwksUrl = value("COGNITO_JWKS_URL") ?? (issuer ? `${issuer.replace(/\/$/, "")}/.well-known/jwks.json` : "");
  if (value("COGNITO_JWKS_URL") !== undefined && !isUrl(jwksUrl, ["https:", "http:"])) problems.push(`COGNITO_JWKS_URL "${jwksUrl}" must be an absolute URL`);

  let routePolicy: RouteRule[] = [];
  const policyText = value("ROUTE_POLICY");
  if (policyText !== undefined) {
    try {
      const parsed: unknown = JSON.parse(policyText);
      const policyProblems = routePolicyProblems(parsed);
      if (policyProblems.length === 0) routePolicy = parsed as RouteRule[];
      else problems.push(...policyProblems.map((p) => `ROUTE_POLICY ${p}`));
    } catch {
      problems.push('ROUTE_POLICY is not JSON: set it to a list like [{"path":"/admin/*","groups":["admins"]}]');
    }
  }

  const apiClientIds = (value("API_CLIENT_IDS") ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  const apiScope = value("API_SCOPE");
  if (apiClientIds.length > 0 && apiScope === undefined) problems.push("API_SCOPE is missing: machine clients (API_CLIENT_IDS) need the scope their tokens must carry, <resource server>/<scope>");
  if (apiScope !== undefined && !/^\S+\/\S+$/.test(apiScope)) problems.push(`API_SCOPE "${apiScope}" must be <resource server identifier>/<scope name>`);
  if (apiClientIds.includes(clientId)) problems.push("API_CLIENT_IDS must not name COGNITO_CLIENT_ID: the ALB's client signs users in, it is not a machine client");

  const sessionCookieName = value("SESSION_COOKIE_NAME") ?? "AWSELBAuthSessionCookie";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(sessionCookieName)) problems.push(`SESSION_COOKIE_NAME "${sessionCookieName}" must be letters, digits, '-' or '_'`);

  const timeoutText = value("SHUTDOWN_TIMEOUT_MS") ?? "25000";
  const shutdownTimeoutMs = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText)) problems.push(`SHUTDOWN_TIMEOUT_MS "${timeoutText}" must be a whole number of milliseconds`);
  // Far below the timeout: draining only keeps answering what clients already sent.
  const drainText = value("SHUTDOWN_DRAIN_MS") ?? String(Math.min(3000, Math.floor(shutdownTimeoutMs / 4)));
  const shutdownDrainMs = Number(drainText);
  if (!/^\d+$/.test(drainText) || shutdownDrainMs >= shutdownTimeoutMs) {
    problems.push(`SHUTDOWN_DRAIN_MS "${drainText}" must be a whole number of milliseconds below SHUTDOWN_TIMEOUT_MS`);
  }

  if (problems.length > 0) throw new AppConfigError(problems);
  return {
    port,
    host,
    region,
    albArn,
    clientId,
    issuer: issuer ?? "",
    logoutUrl,
    keysBaseUrl: keysBaseUrl.endsWith("/") ? keysBaseUrl : `${keysBaseUrl}/`,
    appOrigin,
    sessionTimeoutSeconds,
    jwksUrl,
    routePolicy,
    apiClientIds,
    apiScope,
    sessionCookieName,
    shutdownTimeoutMs,
    shutdownDrainMs,
  };
}
