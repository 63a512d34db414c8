import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { createApp, AppOptions } from "../../container/src/app";
import { AppConfig } from "../../container/src/config";

export const ALB_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/whoami-test-alb/0123456789abcdef";
export const CLIENT_ID = "4example0client0id0abcdefg";
export const ISSUER = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example1";
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
