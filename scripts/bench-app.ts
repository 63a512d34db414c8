/**
 * `npm run bench:app`: what a request costs the app, on loopback, the app built and run
 * as the image runs it (container/'s `npm run build`, then `node dist/server.js` with
 * NODE_ENV=production, on the image's Node.js version: image-node.ts) in its own
 * process. Leads with the figure production sees:
 *
 * - /api/me, fresh ALB token: a different x-amzn-oidc-data on every request (the ALB signs
 *   one per request, exp = now + 120 s), so each costs an ES256 verify; the user's access
 *   token is the same on every request, as the ALB forwards it for the whole session.
 * - /health: no token at all, the floor of a request through Koa.
 * - /api/me, fresh access token too: what the verified-access-token cache saves, with a
 *   new access token (RS256) on every request as well.
 *
 * For each: requests per second, p99 latency, and the app process's CPU time per request
 * (user + system, from /proc), with the app saturated: the same condition as
 * `openssl speed`, which runs its verify loop flat out. Target: a fresh-token request
 * costs at most the CPU of /health plus 2 x OpenSSL's raw P-256 verify, measured in the
 * same run. Each round takes those three figures back to back and its own ratio is printed
 * as well: on a shared machine they move by a fifth from one round to the next.
 *
 * A second table paces /api/me and /health at one moderate rate (half of the fresh-token
 * path's flat-out rate). Between paced requests the core idles and its caches go cold, so
 * every request costs more CPU there, the verify most (OpenSSL's P-256 tables are evicted).
 * It is shown, not held to the target.
 *
 * The load generator runs on the same machine and competes with the app for the cores,
 * which makes every figure here an upper bound of what the app costs alone. It busy-polls
 * while it measures (see load()), so that its sleeping does not bill wake-ups to the app.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { albToken, createSigningKey } from "../dev/alb-token";
import { startAppProcess } from "../dev/app-process";
import { accessToken, createCognitoKey } from "../dev/cognito-token";
import { startKeyServer } from "../dev/key-server";
import { imageNode } from "./image-node";
import { ALB_ARN, CLIENT_ID, ISSUER } from "./bench-identity";
import { median, opensslVerifyMicros } from "./openssl-speed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
const ROUNDS = 5;
/** Each timed loop also stops after this many requests. */
const MAX_REQUESTS = 500_000;
/** Distinct ALB tokens, cycled: far more than any cache would keep. */
const FRESH_TOKENS = 30_000;
/** Distinct access tokens, cycled: 3x the app's verified-access-token cache (1000), so none hits. */
const FRESH_ACCESS_TOKENS = 3000;
const SUB = "3f1c2b4a-0000-4000-8000-00000000abcd";
/** The paced rate, as a share of the fresh-token path's flat-out rate. */
const PACE = 0.5;
const CONTAINER = join(__dirname, "..", "container");

interface Result {
  readonly rps: number;
  readonly p99: number;
  /** App process CPU per request, microseconds. */
  readonly cpu: number;
}

/** user + system CPU time of a process, microseconds (Linux /proc; clock ticks are 1/100 s). */
function processCpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based 11 and 12).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** `rate` 0: flat out. Otherwise each connection sends on a fixed schedule that adds up to `rate` requests per second. */
async function load(port: number, pid: number, path: string, headersFor: () => Record<string, string>, rate = 0): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let failures = 0;
  /** Milliseconds between one connection's sends when paced. */
  const interval = rate > 0 ? (1000 * CONNECTIONS) / rate : 0;
  // Busy-poll: keep this process's event loop turning so it never sleeps in epoll. On
  // loopback a response written to a sleeping peer makes the app's write syscall pay to
  // wake it (an inter-processor interrupt; in a VM, an exit to the hypervisor), a cost
  // production's peer, the ALB on the other end of the network, does not put on the task.
  let spinning = true;
  const spin = () => {
    if (spinning) setImmediate(spin);
  };
  spin();
  const cpuStart = processCpuMicros(pid);
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
      // Connections start at random points of their interval, so they do not send in step.
      let due = Date.now() + Math.random() * interval;
      while (Date.now() < until && latencies.length < MAX_REQUESTS) {
        if (rate > 0) {
          const wait = due - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          due += interval;
        }
        await one();
      }
    }),
  );
  const elapsed = (Date.now() - start) / 1000;
  spinning = false;
  const cpu = (processCpuMicros(pid) - cpuStart) / latencies.length;
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} requests to ${path} failed`);
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)], cpu };
}

async function main() {
  const key = createSigningKey();
  const pool = createCognitoKey();
  const keys = await startKeyServer([key], 0, [pool]);
  const node = imageNode();
  execFileSync(join(CONTAINER, "node_modules", ".bin", "tsc"), ["-p", join(CONTAINER, "tsconfig.json")], { stdio: "inherit" });
  const { child, port } = await startAppProcess(
    {
      NODE_ENV: "production",
      PORT: "0",
      AWS_REGION: "eu-central-1",
      ALB_ARN,
      COGNITO_CLIENT_ID: CLIENT_ID,
      COGNITO_ISSUER: ISSUER,
      COGNITO_JWKS_URL: keys.jwksUrl,
      LOGOUT_URL: "https://login.example.com/logout",
      APP_ORIGIN: "https://app.example.com",
      SESSION_TIMEOUT: "28800",
      ELB_PUBLIC_KEYS_URL: keys.baseUrl,
    },
    undefined,
    { server: join(CONTAINER, "dist", "server.js"), node: node.path },
  );
  const pid = child.pid ?? 0;
  const userinfo = { sub: SUB, username: "bench", email: "bench@example.com", name: "Bench User" };
  const access = (n: number) =>
    accessToken(pool, { issuer: ISSUER, clientId: CLIENT_ID, sub: SUB, username: "bench", groups: ["admins"], scope: "openid email profile", lifetime: 3600 + n });
  // Signed before the timed loops: signing is the ALB's and Cognito's work, not the app's.
  const alb = Array.from({ length: FRESH_TOKENS }, (_, i) => albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { ...userinfo, n: i }, lifetime: 3600 }));
  const sessionAccess = access(0);
  const accessPool = Array.from({ length: FRESH_ACCESS_TOKENS }, (_, i) => access(i + 1));
  let next = 0;
  const fresh = () => ({ "x-amzn-oidc-data": alb[next++ % alb.length], "x-amzn-oidc-identity": SUB, "x-amzn-oidc-accesstoken": sessionAccess });
  const bothFresh = () => ({ ...fresh(), "x-amzn-oidc-accesstoken": accessPool[next % accessPool.length] });

  // Warm-up: keys fetched, JIT warm.
  await load(port, pid, "/api/me", fresh);

  const runs = { fresh: [] as Result[], health: [] as Result[], bothFresh: [] as Result[], freshPaced: [] as Result[], healthPaced: [] as Result[], openssl: [] as number[] };
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The three figures of the target back to back, so that they see the machine in the same state.
    runs.fresh.push(await load(port, pid, "/api/me", fresh));
    runs.health.push(await load(port, pid, "/health", () => ({})));
    runs.openssl.push(opensslVerifyMicros(2));
    runs.bothFresh.push(await load(port, pid, "/api/me", bothFresh));
    const rate = Math.round(PACE * runs.fresh[round].rps);
    rates.push(rate);
    runs.freshPaced.push(await load(port, pid, "/api/me", fresh, rate));
    runs.healthPaced.push(await load(port, pid, "/health", () => ({}), rate));
  }
  child.kill("SIGTERM");
  await keys.close();

  const med = (rs: Result[], field: keyof Result) => median(rs.map((r) => r[field]));
  const openssl = median(runs.openssl);
  const overHealth = (path: Result[], health: Result[]) => (med(path, "cpu") - med(health, "cpu")) / openssl;
  const row = (name: string, rs: Result[]) =>
    `  ${name.padEnd(40)} ${med(rs, "rps").toFixed(0).padStart(6)} req/s   p99 ${med(rs, "p99").toFixed(2).padStart(5)} ms   CPU ${med(rs, "cpu").toFixed(0).padStart(4)} us/req`;
  const freshCpu = med(runs.fresh, "cpu");
  const healthCpu = med(runs.health, "cpu");
  const budget = healthCpu + 2 * openssl;
  // Each round's fresh-token cost over /health in that round's OpenSSL verifies.
  const perRound = runs.openssl.map((micros, i) => (runs.fresh[i].cpu - runs.health[i].cpu) / micros);
  console.log(
    `loopback, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per row, medians; the app built with tsc and run by Node.js ${node.version}` +
      (node.fallback ? ` (not the image's: ${node.fallback})` : " (the image's)"),
  );
  console.log("Flat out (the app saturated, as openssl speed saturates its loop):");
  console.log(row("/api/me, fresh ALB token (production)", runs.fresh));
  console.log(
    `    CPU per request ${freshCpu.toFixed(0)} us = /health ${healthCpu.toFixed(0)} us + ${overHealth(runs.fresh, runs.health).toFixed(2)} x openssl ${openssl.toFixed(0)} us` +
      ` (target <= 2.00 x: ${budget.toFixed(0)} us, ${freshCpu <= budget ? "met" : "missed"})`,
  );
  console.log(`    round by round, each against its own openssl figure: ${perRound.map((r) => `${r.toFixed(2)} x`).join(", ")}`);
  console.log(row("/health", runs.health));
  console.log(row("/api/me, fresh ALB and access token", runs.bothFresh));
  console.log(
    `    the verified-access-token cache saves ${(med(runs.bothFresh, "cpu") - freshCpu).toFixed(0)} us CPU per request while a session's access token lasts`,
  );
  console.log(
    `Paced at ${median(rates)} req/s (${PACE} x the fresh-token path's flat-out rate; idle between requests, colder caches; not held to the target):`,
  );
  console.log(row("/api/me, fresh ALB token", runs.freshPaced));
  console.log(`    = /health + ${overHealth(runs.freshPaced, runs.healthPaced).toFixed(2)} x openssl`);
  console.log(row("/health", runs.healthPaced));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
