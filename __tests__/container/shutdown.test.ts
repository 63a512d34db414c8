import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { albToken, createSigningKey } from "../../dev/alb-token";
import { ALB_ARN, CLIENT_ID, ISSUER, LOGOUT_URL } from "../helpers/app-server";
import { startKeyServer } from "../../dev/key-server";

const ROOT = join(__dirname, "..", "..");
/** Long enough that reaching it means the keep-alive connection kept the server open. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

describe("SIGTERM", () => {
  it("stops accepting, finishes the in-flight request, then exits 0", async () => {
    // GIVEN the real server process, and a key endpoint slow enough to keep a request in flight
    const key = createSigningKey();
    const keys = await startKeyServer([key]);
    keys.delayMs = 800;
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "container/src/server.ts")], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", AWS_REGION: "eu-central-1", ALB_ARN, COGNITO_CLIENT_ID: CLIENT_ID, COGNITO_ISSUER: ISSUER, LOGOUT_URL, ELB_PUBLIC_KEYS_URL: keys.baseUrl, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          const match = /"event":"listening","port":(\d+)/.exec(chunk.toString());
          if (match) resolve(Number(match[1]));
        });
        child.on("exit", () => reject(new Error("server exited before listening")));
      });
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
