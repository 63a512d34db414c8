/**
 * `npm run bench:verify`: the CPU cost of verifying one fresh x-amzn-oidc-data token
 * (what every request costs in production: the ALB signs a new one per request) against
 * OpenSSL's raw P-256 verify, measured in the same run. Target: at most 1.25 x OpenSSL.
 *
 * Each round verifies a pool of distinct tokens (signed beforehand: signing is the ALB's
 * work) through the app's TokenVerifier with its key already fetched, and reads this
 * process's user+system CPU time around it.
 */
import { albToken, createSigningKey } from "../dev/alb-token";
import { startKeyServer } from "../dev/key-server";
import { KeyStore } from "../container/src/keys";
import { TokenVerifier } from "../container/src/verify";
import { ALB_ARN, CLIENT_ID, ISSUER } from "./bench-identity";
import { median, opensslVerifyMicros } from "./openssl-speed";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TOKENS = 20_000;
const TARGET = 1.25;

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function main() {
  const key = createSigningKey();
  const keys = await startKeyServer([key]);
  const verifier = new TokenVerifier({ config: { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER }, keys: new KeyStore({ baseUrl: keys.baseUrl }) });
  const userinfo = (i: number) => ({ sub: `3f1c2b4a-0000-4000-8000-${String(i).padStart(12, "0")}`, email: "ada@example.com", username: "ada", email_verified: "true", name: "Ada Lovelace" });
  const tokens = Array.from({ length: TOKENS }, (_, i) => albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: userinfo(i), lifetime: 3600 }));
  const subs = tokens.map((_, i) => userinfo(i).sub);
  // Warm-up: key fetched, JIT warm.
  for (let i = 0; i < 2000; i++) await verifier.verify(tokens[i], subs[i]);
  await keys.close();

  const ours: number[] = [];
  const openssl: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate, so both see the same machine load.
    openssl.push(opensslVerifyMicros(2));
    const start = cpuMicros();
    for (let i = 0; i < tokens.length; i++) await verifier.verify(tokens[i], subs[i]);
    ours.push((cpuMicros() - start) / tokens.length);
  }
  const [o, s] = [median(ours), median(openssl)];
  console.log(`ES256 x-amzn-oidc-data verify, CPU per token, median of ${ROUNDS} rounds (${TOKENS} distinct tokens each):`);
  console.log(`  app (node:crypto verify, prepared KeyObject)   ${o.toFixed(1).padStart(6)} us`);
  console.log(`  openssl speed ecdsap256 (raw P-256 verify)      ${s.toFixed(1).padStart(6)} us`);
  console.log(`  ratio ${(o / s).toFixed(2)} x OpenSSL (target <= ${TARGET.toFixed(2)})  rounds: app ${ours.map((v) => v.toFixed(0)).join(" ")}, openssl ${openssl.map((v) => v.toFixed(0)).join(" ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
