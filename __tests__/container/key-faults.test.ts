import { randomUUID } from "node:crypto";
import { albToken, AlbSigningKey, createSigningKey, signAlbToken } from "../../dev/alb-token";
import { KeyServer, startKeyServer } from "../../dev/key-server";
import { KeyStore, KeyStoreOptions } from "../../container/src/keys";
import { ALB_ARN, CLIENT_ID, ISSUER, startApp, testConfig } from "../helpers/app-server";
import { accessToken, createCognitoKey } from "../../dev/cognito-token";

/**
 * The key store against a real key endpoint that is flooded, fails, or serves a
 * wrong key. The store's clock is a plain number the tests move, so rate limits,
 * backoff and re-fetch intervals are checked without waiting.
 */
const SUB = "5d0c1e2f-2222-4000-8000-0000000000aa";
let key: AlbSigningKey;
let stranger: AlbSigningKey;
let keyServer: KeyServer;
let app: Awaited<ReturnType<typeof startApp>>;
let clock: number;
let serial = 0;

const cognito = createCognitoKey();
/** One access token for the whole file, as the ALB forwards one per session. */
const access = accessToken(cognito, { issuer: ISSUER, clientId: CLIENT_ID, sub: SUB, username: "ada", scope: "openid" });

beforeAll(async () => {
  key = createSigningKey();
  stranger = createSigningKey();
  keyServer = await startKeyServer([key], 0, [cognito]);
});
afterAll(() => keyServer.close());
afterEach(() => app.close());

async function startWith(options: Partial<KeyStoreOptions> = {}) {
  keyServer.hits.length = 0;
  keyServer.failWith = undefined;
  keyServer.garbage = undefined;
  keyServer.pems.set(key.kid, key.publicKeyPem);
  clock = 1_000_000;
  const keys = new KeyStore({ baseUrl: keyServer.baseUrl, now: () => clock, ...options });
  app = await startApp({ config: testConfig(keyServer.baseUrl), keys });
}

/** A different valid token each call, as the ALB signs one per request. */
const validToken = () => albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: SUB, username: "ada", n: serial++ } });
/** Right signer and client, a kid the endpoint does not have: all an attacker needs. */
const madeUpToken = (kid: string) =>
  signAlbToken(stranger, { kid, signer: ALB_ARN, client: CLIENT_ID }, { sub: SUB, iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 60 });

const status = (token: string) =>
  fetch(`${app.url}/api/me`, { headers: { "x-amzn-oidc-data": token, "x-amzn-oidc-identity": SUB, "x-amzn-oidc-accesstoken": access } }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
const fetchesOf = (kid: string) => keyServer.hits.filter((hit) => hit === `/${kid}`).length;
// The ALB key endpoint's fetches only: the user pool's key set is fetched once per app.
const albKeyHits = () => keyServer.hits.filter((hit) => !hit.startsWith("/.well-known/"));

describe("public keys under a flood of made-up kids", () => {
  it("fetches each of 100 cycled made-up kids once and never pushes out the real key", async () => {
    await startWith();
    expect(await status(validToken())).toBe(200);
    const kids = Array.from({ length: 100 }, () => randomUUID());

    // WHEN 100 made-up kids (more than the old 64-entry cache) cycle three times,
    // slowly enough to stay inside the fetch rate
    const statuses: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const kid of kids) {
        clock += 200;
        statuses.push(await status(madeUpToken(kid)));
      }
    }

    // THEN each made-up kid cost one fetch, and new valid tokens still use the cached real key
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(kids.map(fetchesOf)).toEqual(kids.map(() => 1));
    for (let i = 0; i < 20; i++) expect(await status(validToken())).toBe(200);
    expect(fetchesOf(key.kid)).toBe(1);
  });

  it("bounds the key fetches a flood of fresh kids causes to the fetch rate, while valid tokens keep passing", async () => {
    await startWith({ fetchesPerSecond: 10 });
    expect(await status(validToken())).toBe(200);
    keyServer.hits.length = 0;

    // WHEN 200 requests, 20 at a time, each bring a kid never seen, all within one second
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => status(madeUpToken(randomUUID()))))));
    }
    // and one more second of the same
    clock += 1000;
    for (let batch = 0; batch < 10; batch++) {
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, () => status(madeUpToken(randomUUID()))))));
    }

    // THEN the endpoint saw at most 10 fetches per second; the rest were refused (401 or 503) without one
    expect(albKeyHits().length).toBeGreaterThan(0);
    expect(albKeyHits().length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([]);
    expect(await status(validToken())).toBe(200);
    expect(fetchesOf(key.kid)).toBe(0);
  });

  it("forgets the least recently used made-up kid first, not the oldest", async () => {
    await startWith({ maxUnknownKids: 4 });
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => randomUUID());
    for (const kid of [a, b, c, d]) {
      clock += 200;
      expect(await status(madeUpToken(kid))).toBe(401);
    }
    // a is used again, so b is now the least recently used; e pushes it out
    expect(await status(madeUpToken(a))).toBe(401);
    clock += 200;
    expect(await status(madeUpToken(e))).toBe(401);
    clock += 200;
    expect(await status(madeUpToken(a))).toBe(401);
    expect(await status(madeUpToken(b))).toBe(401);
    expect([a, b, c, d, e].map(fetchesOf)).toEqual([1, 2, 1, 1, 1]);
  });
});

describe("a failing key endpoint", () => {
  it("is asked once per kid while it answers 500; the kid gets 503 for 5 s, then the next fetch recovers", async () => {
    await startWith();
    keyServer.failWith = 500;
    for (let i = 0; i < 20; i++) expect(await status(validToken())).toBe(503);
    expect(fetchesOf(key.kid)).toBe(1);

    keyServer.failWith = undefined;
    clock += 4999;
    expect(await status(validToken())).toBe(503);
    expect(fetchesOf(key.kid)).toBe(1);
    clock += 1;
    expect(await status(validToken())).toBe(200);
    expect(fetchesOf(key.kid)).toBe(2);
  });

  it("is asked once per kid while it answers garbage instead of a PEM", async () => {
    await startWith();
    keyServer.garbage = "<html>maintenance</html>";
    for (let i = 0; i < 20; i++) expect(await status(validToken())).toBe(503);
    expect(fetchesOf(key.kid)).toBe(1);
    keyServer.garbage = undefined;
    clock += 5000;
    expect(await status(validToken())).toBe(200);
  });
});

describe("a wrong key served for the real kid", () => {
  it("is fetched again when a signature fails, at most once a minute, and valid tokens pass once the right key is served", async () => {
    // GIVEN the endpoint serves another key's PEM under the real kid
    await startWith();
    keyServer.pems.set(key.kid, createSigningKey().publicKeyPem);
    for (let i = 0; i < 10; i++) expect(await status(validToken())).toBe(401);
    expect(fetchesOf(key.kid)).toBe(1);

    // WHEN the endpoint is fixed: within the minute nothing is fetched again
    keyServer.pems.set(key.kid, key.publicKeyPem);
    clock += 59_000;
    expect(await status(validToken())).toBe(401);
    expect(fetchesOf(key.kid)).toBe(1);

    // THEN after it, the next failing signature fetches the key again, and the token passes
    clock += 1000;
    expect(await status(validToken())).toBe(200);
    expect(await status(validToken())).toBe(200);
    expect(fetchesOf(key.kid)).toBe(2);
  });

  it("re-fetches a right key on bad signatures at most once a minute", async () => {
    await startWith();
    expect(await status(validToken())).toBe(200);
    const forged = validToken().replace(/\.[^.]+$/, `.${Buffer.alloc(64, 7).toString("base64url")}`);
    for (let i = 0; i < 10; i++) {
      clock += 30_000;
      expect(await status(forged)).toBe(401);
    }
    // 300 s of bad signatures: one re-fetch a minute at most
    expect(fetchesOf(key.kid)).toBeLessThanOrEqual(1 + 5);
    expect(await status(validToken())).toBe(200);
  });
});
