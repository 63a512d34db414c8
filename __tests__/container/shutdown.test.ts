import { Agent, request } from "node:http";
import { albToken, createSigningKey } from "../../dev/alb-token";
import { startAppProcess } from "../../dev/app-process";
import { ALB_ARN, CLIENT_ID, ISSUER, LOGOUT_URL } from "../helpers/app-server";
import { startKeyServer } from "../../dev/key-server";

/** Long enough that reaching it means the keep-alive connection kept the server open. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

describe("SIGTERM", () => {
  it("stops accepting, finishes the in-flight request, then exits 0", async () => {
    // GIVEN the real server process, and a key endpoint slow enough to keep a request in flight
    const key = createSigningKey();
    const keys = await startKeyServer([key]);
    keys.delayMs = 800;
    const { child, port } = await startAppProcess({
      PORT: "0",
      AWS_REGION: "eu-central-1",
      ALB_ARN,
      COGNITO_CLIENT_ID: CLIENT_ID,
      COGNITO_ISSUER: ISSUER,
      LOGOUT_URL,
      ELB_PUBLIC_KEYS_URL: keys.baseUrl,
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    try {
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

      // WHEN SIGTERM arrives while a request waits for the key
      const token = albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: "s-1", username: "ada" } });
      // A keep-alive connection, as the ALB uses.
      const agent = new Agent({ keepAlive: true });
      const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: "127.0.0.1", port, path: "/api/me", agent, headers: { "x-amzn-oidc-data": token, "x-amzn-oidc-identity": "s-1" } }, (res) => {
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
});
