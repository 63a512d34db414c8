/**
 * `npm run bench:app`: requests per second and p99 latency on loopback for
 * GET /api/me with a valid token (key cached) against GET /health, same process.
 * Target: /api/me at 80% or more of /health's throughput.
 */
import { Agent, request } from "node:http";
import { albToken, createSigningKey } from "../dev/alb-token";
import { startAppProcess } from "../dev/app-process";
import { startKeyServer } from "../dev/key-server";

const ALB_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/bench/0123456789abcdef";
const CLIENT_ID = "benchclient";
const ISSUER = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Bench";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
const ROUNDS = 3;

async function load(port: number, path: string, headers: Record<string, string>) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let failures = 0;
  const until = Date.now() + SECONDS * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = process.hrtime.bigint();
      request({ host: "127.0.0.1", port, path, headers, agent }, (res) => {
        res.resume().on("end", () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          resolve();
        });
      }).end();
    });
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < until) await one();
  }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p99: latencies[Math.floor(latencies.length * 0.99)], failures };
}

async function main() {
  const key = createSigningKey();
  const keys = await startKeyServer([key]);
  const { child, port } = await startAppProcess({
    PORT: "0",
    AWS_REGION: "eu-central-1",
    ALB_ARN,
    COGNITO_CLIENT_ID: CLIENT_ID,
    COGNITO_ISSUER: ISSUER,
    LOGOUT_URL: "https://login.example.com/logout",
    ELB_PUBLIC_KEYS_URL: keys.baseUrl,
  });
  const token = albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: "bench-user", username: "bench" }, lifetime: 3600 });
  const me = { "x-amzn-oidc-data": token, "x-amzn-oidc-identity": "bench-user" };
  await load(port, "/api/me", me); // warm-up: key fetched and cached, JIT warm

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = { health: [] as Array<{ rps: number; p99: number }>, me: [] as Array<{ rps: number; p99: number }> };
  for (let round = 0; round < ROUNDS; round++) {
    results.health.push(await load(port, "/health", {}));
    const r = await load(port, "/api/me", me);
    if (r.failures > 0) throw new Error(`${r.failures} /api/me requests failed`);
    results.me.push(r);
  }
  const row = (name: string, rs: Array<{ rps: number; p99: number }>) =>
    `  ${name.padEnd(8)} median ${median(rs.map((r) => r.rps)).toFixed(0).padStart(6)} req/s   p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms`;
  console.log(`loopback, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each`);
  console.log(row("/health", results.health));
  console.log(row("/api/me", results.me));
  console.log(`  /api/me at ${((100 * median(results.me.map((r) => r.rps))) / median(results.health.map((r) => r.rps))).toFixed(0)}% of /health (target >= 80%)`);
  child.kill("SIGTERM");
  await keys.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
