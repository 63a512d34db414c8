import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { createApp, AppOptions } from "../../container/src/app";
import { AppConfig } from "../../container/src/config";
import { albToken, AlbSigningKey } from "../../dev/alb-token";
import { accessToken, CognitoSigningKey } from "../../dev/cognito-token";
import { JWKS_PATH } from "../../dev/key-server";

export const ALB_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/whoami-test-alb/0123456789abcdef";
export const CLIENT_ID = "4example0client0id0abcdefg";
export const ISSUER = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example1";
export const APP_ORIGIN = "https://whoami.example.com";
/** The API's resource server scope machine clients need, and one client allowed to use it. */
export const API_SCOPE = "whoami/read";
export const MACHINE_CLIENT_ID = "7machine0client0id0abcdefgh";
export const LOGOUT_URL = "https://example-login.auth.eu-central-1.amazoncognito.com/logout?client_id=4example0client0id0abcdefg&logout_uri=https%3A%2F%2Fwhoami.example.com%2Fsigned-out";

export function testConfig(keysBaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 0,
    region: "eu-central-1",
    albArn: ALB_ARN,
    clientId: CLIENT_ID,
    issuer: ISSUER,
    logoutUrl: LOGOUT_URL,
    keysBaseUrl,
    sessionCookieName: "AWSELBAuthSessionCookie",
    appOrigin: APP_ORIGIN,
    sessionTimeoutSeconds: 8 * 3600,
    jwksUrl: `${keysBaseUrl.replace(/\/$/, "")}${JWKS_PATH}`,
    routePolicy: [{ path: "/admin/*", groups: ["admins"] }],
    apiClientIds: [MACHINE_CLIENT_ID],
    apiScope: API_SCOPE,
    shutdownTimeoutMs: 5000,
    shutdownDrainMs: 1000,
    ...overrides,
  };
}

/** The app from container/ on a real HTTP server on 127.0.0.1, collecting its log lines. */
export async function startApp(options: AppOptions): Promise<{ url: string; logs: string[]; close(): Promise<void> }> {
  const logs: string[] = [];
  const app = createApp({ log: (line) => logs.push(line), ...options });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SignedInUser {
  readonly sub: string;
  readonly username?: string;
  readonly groups?: readonly string[];
  readonly userinfo?: Record<string, unknown>;
}

/**
 * The three headers the ALB adds to a signed-in user's request: x-amzn-oidc-data (ES256,
 * fresh), x-amzn-oidc-identity, and the user's Cognito access token (RS256), plus
 * X-Forwarded-Proto: https.
 */
export function userHeaders(albKey: AlbSigningKey, cognitoKey: CognitoSigningKey, user: SignedInUser): Record<string, string> {
  const username = user.username ?? "ada";
  return {
    "x-amzn-oidc-data": albToken(albKey, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: user.sub, username, ...user.userinfo } }),
    "x-amzn-oidc-identity": user.sub,
    "x-amzn-oidc-accesstoken": accessToken(cognitoKey, { issuer: ISSUER, clientId: CLIENT_ID, sub: user.sub, username, groups: user.groups, scope: "openid email profile" }),
    "x-forwarded-proto": "https",
  };
}
