import { Agent, request } from "node:http";
import { ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { albToken, createSigningKey } from "../../dev/alb-token";
import { startAppProcess } from "../../dev/app-process";
import { ALB_ARN, APP_ORIGIN, CLIENT_ID, ISSUER, LOGOUT_URL } from "../helpers/app-server";
import { startKeyServer } from "../../dev/key-server";
import { accessToken, createCognitoKey } from "../../dev/cognito-token";

/** The app's environment against the local key server, with the shutdown settings of a test. */
function appEnvironment(keysBaseUrl: string, shutdown: Record<string, string>): Record<string, string> {
  return {
    PORT: "0",
    AWS_REGION: "eu-central-1",
    ALB_ARN,
    COGNITO_CLIENT_ID: CLIENT_ID,
    COGNITO_ISSUER: ISSUER,
    COGNITO_JWKS_URL: `${keysBaseUrl}.well-known/jwks.json`,
    LOGOUT_URL,
    APP_ORIGIN,
    SESSION_TIMEOUT: "28800",
    ELB_PUBLIC_KEYS_URL: keysBaseUrl,
    ...shutdown,
  };
}

/** Long enough that reaching it means the keep-alive connection kept the server open. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

describe("SIGTERM", () => {
  it("stops accepting, finishes the in-flight request, then exits 0", async () => {
    // GIVEN the real server process, and a key endpoint slow enough to keep a request in flight
    const key = createSigningKey();
    const cognito = createCognitoKey();
    const keys = await startKeyServer([key], 0, [cognito]);
    keys.delayMs = 800;
    const { child, port } = await startAppProcess(appEnvironment(keys.baseUrl, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }));
    try {
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

      // WHEN SIGTERM arrives while a request waits for the key
      const token = albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: "s-1", username: "ada" } });
      // A keep-alive connection, as the ALB uses.
      const agent = new Agent({ keepAlive: true });
      const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path: "/api/me", agent, headers: { "x-amzn-oidc-data": token, "x-amzn-oidc-identity": "s-1", "x-amzn-oidc-accesstoken": accessToken(cognito, { issuer: ISSUER, clientId: CLIENT_ID, sub: "s-1", scope: "openid" }) } }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on("error", reject)
          .end();
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 100));

      // THEN new connections are refused, the in-flight request completes, and the process
      // exits cleanly well before its shutdown timeout, although the connection was keep-alive
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { username: string }).username).toBe("ada");
      const stoppedAt = Date.now();
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      agent.destroy();
    } finally {
      child.kill("SIGKILL");
      await keys.close();
    }
  });

  it("loses no request a keep-alive client sent before the listener closed, at 32 connections, then exits 0", async () => {
    // GIVEN the real server process and 32 keep-alive connections sending requests back to back
    const keys = await startKeyServer([createSigningKey()]);
    const { child, port } = await startAppProcess(appEnvironment(keys.baseUrl, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), SHUTDOWN_DRAIN_MS: "1000" }));
    try {
      const exited = exitCode(child);
      const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
      const outcome = { answered: 0, refused: 0, failed: [] as string[] };
      let signalled = false;
      const client = async () => {
        // Bounded in count and in time; each client stops at its first refused connection.
        const until = Date.now() + 15_000;
        for (let i = 0; i < 5000 && Date.now() < until; i++) {
          const result = await get(port, agent);
          if (result === "answered") outcome.answered++;
          else if (result === "refused") {
            outcome.refused++;
            return;
          } else outcome.failed.push(result);
          if (!signalled && outcome.answered >= 2000) {
            signalled = true;
            child.kill("SIGTERM");
          }
        }
      };

      // WHEN SIGTERM arrives while they run
      await Promise.all(Array.from({ length: CONNECTIONS }, client));
      agent.destroy();

      // THEN every request that reached a connection got its answer; the only errors are
      // connections refused after the listener closed; and the process exits 0
      expect(signalled).toBe(true);
      expect(outcome.failed).toEqual([]);
      expect(outcome.refused).toBe(CONNECTIONS);
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await keys.close();
    }
  });
});

describe("SIGTERM with a half-sent request", () => {
  it("cuts it at the shutdown timeout and still exits 0: no request was being answered", async () => {
    // GIVEN a connection that sent only part of its request headers
    const { child, port } = await startAppProcess(appEnvironment("http://127.0.0.1:9/", { SHUTDOWN_TIMEOUT_MS: "1500", SHUTDOWN_DRAIN_MS: "200" }));
    const socket = connect(port, "127.0.0.1");
    try {
      const exited = exitCode(child);
      socket.on("error", () => undefined);
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      await new Promise<void>((resolve) => socket.write("GET /health HTTP/1.1\r\nHost: app\r\n", () => resolve()));

      // WHEN SIGTERM arrives and the request never completes
      child.kill("SIGTERM");

      // THEN the process cuts it at the timeout and exits 0
      expect(await exited).toBe(0);
    } finally {
      socket.destroy();
      child.kill("SIGKILL");
    }
  });
});

const CONNECTIONS = 32;

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

/** One GET /health: "answered", "refused" (no connection: never sent), or the error of a request that was sent. */
function get(port: number, agent: Agent): Promise<string> {
  return new Promise((resolve) => {
    request({ host: "127.0.0.1", port, path: "/health", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200 ? "answered" : `status ${res.statusCode}`));
      res.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    })
      .on("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED" ? "refused" : (error.code ?? error.message)))
      .end();
  });
}
