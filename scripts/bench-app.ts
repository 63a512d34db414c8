/**
 * `npm run bench:app`: requests per second and p99 latency on loopback, same process,
 * for GET /health and for GET /api/me two ways:
 *
 * - one token: the same valid token on every request (the verified-token cache answers);
 * - fresh tokens: a different valid token on every request, as the ALB sends (it signs
 *   the claims per request with a 2-minute `exp`), so each costs a signature check.
 *
 * Fresh tokens are signed before the timed loops (signing is the ALB's cost, not ours) and
 * cycled from a pool far larger than the app's verified-token cache, so none is a cache hit.
 * Targets: one token at 80% or more of /health, fresh tokens at 60% or more.
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
/** Each timed loop also stops after this many requests. */
const MAX_REQUESTS = 500_000;
/** 30x the app's verified-token cache (1000). */
const FRESH_TOKENS = 30_000;

interface Result {
  readonly rps: number;
  readonly p99: number;
}

async function load(port: number, path: string, headersFor: () => Record<string, string>): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let failures = 0;
  const start = Date.now();
  const until = start + SECONDS * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const sent = process.hrtime.bigint();
      request({ host: "127.0.0.1", port, path, headers: headersFor(), agent }, (res) => {
        res.resume().on("end", () => {
          if (res.statusCode !== 200) failures++;
          latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
          resolve();
        });
      }).end();
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until && latencies.length < MAX_REQUESTS) await one();
    }),
  );
  const elapsed = (Date.now() - start) / 1000;
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} requests to ${path} failed`);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

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
  const token = (sub: string) => albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub, username: "bench" }, lifetime: 3600 });
  const one = { "x-amzn-oidc-data": token("bench-user"), "x-amzn-oidc-identity": "bench-user" };
  const fresh = Array.from({ length: FRESH_TOKENS }, (_, i) => ({ "x-amzn-oidc-data": token(`bench-user-${i}`), "x-amzn-oidc-identity": `bench-user-${i}` }));
  let next = 0;
  const nextFresh = () => fresh[next++ % fresh.length];

  // Warm-up: key fetched and cached, JIT warm.
  await load(port, "/api/me", nextFresh);

  const results = { health: [] as Result[], one: [] as Result[], fresh: [] as Result[] };
  for (let round = 0; round < ROUNDS; round++) {
    results.health.push(await load(port, "/health", () => ({})));
    results.one.push(await load(port, "/api/me", () => one));
    results.fresh.push(await load(port, "/api/me", nextFresh));
  }
  child.kill("SIGTERM");
  await keys.close();

  const health = median(results.health.map((r) => r.rps));
  const row = (name: string, rs: Result[], target?: number) => {
    const rps = median(rs.map((r) => r.rps));
    const ratio = target === undefined ? "" : `   ${(rps / health).toFixed(2)} x /health (target >= ${target.toFixed(2)})`;
    return `  ${name.padEnd(26)} median ${rps.toFixed(0).padStart(6)} req/s   p99 ${median(rs.map((r) => r.p99)).toFixed(2).padStart(5)} ms${ratio}`;
  };
  console.log(`loopback, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each, medians`);
  console.log(row("/health", results.health));
  console.log(row("/api/me, one token", results.one, 0.8));
  console.log(row("/api/me, fresh token each", results.fresh, 0.6));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
