import { createHmac, randomUUID } from "node:crypto";
import { createSigningKey, AlbSigningKey } from "../../dev/alb-token";
import { accessTokenClaims, CognitoSigningKey, createCognitoKey, signCognitoToken } from "../../dev/cognito-token";
import { KeyServer, startKeyServer } from "../../dev/key-server";
import { AccessTokenVerifier } from "../../container/src/access-token";
import { JwksStore } from "../../container/src/jwks";
import { AuthError } from "../../container/src/verify";
import { CLIENT_ID, ISSUER, startApp, testConfig, userHeaders } from "../helpers/app-server";

/**
 * The user's Cognito access token (x-amzn-oidc-accesstoken), forged every way the ALB
 * token battery forges x-amzn-oidc-data, and the user pool's key set under floods and faults.
 */
const SUB = "6e5d4c3b-3333-4000-8000-0000000000cc";
let key: AlbSigningKey;
let cognito: CognitoSigningKey;
let keyServer: KeyServer;
let app: Awaited<ReturnType<typeof startApp>>;
let clock: number;

const claims = (overrides: Record<string, unknown> = {}) => ({
  ...accessTokenClaims({ issuer: ISSUER, clientId: CLIENT_ID, sub: SUB, username: "ada", groups: ["admins"], scope: "openid", now: Math.floor(clock / 1000) }),
  ...overrides,
});
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function start(jwks?: Partial<ConstructorParameters<typeof JwksStore>[0]>) {
  keyServer.hits.length = 0;
  keyServer.failWith = undefined;
  keyServer.cognitoKeys.splice(0, keyServer.cognitoKeys.length, cognito);
  clock = Date.now();
  const config = testConfig(keyServer.baseUrl);
  app = await startApp({ config, now: () => clock, jwks: new JwksStore({ url: config.jwksUrl, now: () => clock, ...jwks }) });
}

const status = async (accessToken: string) => {
  // A fresh ALB token per request, dated by the real clock (its own verifier's clock is the test's too).
  const res = await fetch(`${app.url}/api/me`, { headers: { ...userHeaders(key, cognito, { sub: SUB }), "x-amzn-oidc-accesstoken": accessToken } });
  await res.arrayBuffer();
  return res.status;
};
const reason = () => String((JSON.parse(app.logs[app.logs.length - 1]) as { reason?: string }).reason);
const jwksFetches = () => keyServer.hits.filter((h) => h === "/.well-known/jwks.json").length;

beforeAll(async () => {
  key = createSigningKey();
  cognito = createCognitoKey();
  keyServer = await startKeyServer([key], 0, [cognito]);
});
afterAll(() => keyServer.close());
afterEach(() => app.close());

describe("a forged or misdirected access token gets 401", () => {
  beforeEach(() => start());

  const cases: Array<[string, () => string, RegExp]> = [
    ["from another user pool (issuer)", () => signCognitoToken(cognito, claims({ iss: "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Other" })), /iss/],
    ["issued to another app client", () => signCognitoToken(cognito, claims({ client_id: "someotherclient00000000000" })), /client_id is not an allowed app client/],
    ["an ID token in its place", () => signCognitoToken(cognito, { ...claims({ token_use: "id", aud: CLIENT_ID }), client_id: undefined }), /token_use is id/],
    ["for another user (sub)", () => signCognitoToken(cognito, claims({ sub: "someone-else" })), /sub does not match/],
    ["expired", () => signCognitoToken(cognito, claims({ exp: Math.floor(clock / 1000) - 60 })), /expired/],
    ["alg none", () => `${b64({ alg: "none", kid: cognito.kid })}.${b64(claims())}.`, /alg none/],
    [
      "HS256 keyed with the public key",
      () => {
        const input = `${b64({ alg: "HS256", kid: cognito.kid })}.${b64(claims())}`;
        return `${input}.${createHmac("sha256", JSON.stringify(cognito.jwk)).update(input).digest("base64url")}`;
      },
      /alg HS256/,
    ],
    ["signed by a key the pool does not have (unknown kid)", () => signCognitoToken(createCognitoKey(), claims()), /unknown kid/],
    ["signed by another key under the pool's kid", () => signCognitoToken({ ...createCognitoKey(), kid: cognito.kid }, claims()), /signature/],
    [
      "with a tampered payload",
      () => {
        const [h, , s] = signCognitoToken(cognito, claims()).split(".");
        return `${h}.${b64(claims({ "cognito:groups": ["admins", "root"] }))}.${s}`;
      },
      /signature/,
    ],
    ["missing", () => "", /missing x-amzn-oidc-accesstoken/],
  ];

  it.each(cases)("%s", async (_what, token, why) => {
    expect(await status(token())).toBe(401);
    expect(reason()).toMatch(why);
  });
});

describe("verified access tokens are remembered by their exact text until they expire", () => {
  it("answers a repeat without fetching or verifying again, and refuses it once its exp has passed", async () => {
    await start();
    const token = signCognitoToken(cognito, claims({ exp: Math.floor(clock / 1000) + 300 }));
    for (let i = 0; i < 5; i++) expect(await status(token)).toBe(200);
    expect(jwksFetches()).toBe(1);

    // WHEN the clock passes exp (and the 30 s skew allowance), the remembered token counts for nothing
    clock += 331_000;
    expect(await status(token)).toBe(401);
    expect(reason()).toMatch(/expired/);
  });

  it("does not let a token that differs in one signature byte ride on a remembered one", async () => {
    await start();
    const token = signCognitoToken(cognito, claims());
    expect(await status(token)).toBe(200);
    const last = token.at(-2) === "A" ? "B" : "A";
    const altered = `${token.slice(0, -2)}${last}${token.slice(-1)}`;
    expect(await status(altered)).toBe(401);
    expect(reason()).toMatch(/signature/);
  });
});

describe("the verified-access-token cache, counted at the key lookup every signature check starts with", () => {
  /** Counts key lookups: each is one token verified from scratch. */
  class CountingJwks extends JwksStore {
    lookups = 0;
    override get(kid: string) {
      this.lookups++;
      return super.get(kid);
    }
  }
  const anyClient = () => true;

  it("verifies a repeated token once, keeps at most maxCached tokens, and still checks the client on a hit", async () => {
    clock = Date.now();
    const jwks = new CountingJwks({ url: testConfig(keyServer.baseUrl).jwksUrl });
    const verifier = new AccessTokenVerifier({ issuer: ISSUER, keys: jwks, maxCached: 2, now: () => clock });
    const [a, b, c] = ["a", "b", "c"].map((jti) => signCognitoToken(cognito, claims({ jti })));

    for (let i = 0; i < 3; i++) await verifier.verify(a, "token", anyClient);
    expect(jwks.lookups).toBe(1);

    // WHEN two more tokens arrive, the least recently used (a) makes room
    await verifier.verify(b, "token", anyClient);
    await verifier.verify(c, "token", anyClient);
    expect(jwks.lookups).toBe(3);
    await verifier.verify(c, "token", anyClient);
    expect(jwks.lookups).toBe(3);
    await verifier.verify(a, "token", anyClient);
    expect(jwks.lookups).toBe(4);

    // A remembered token answers for its claims, not for the caller's client check
    await expect(verifier.verify(a, "token", () => false)).rejects.toThrow(AuthError);
    expect(jwks.lookups).toBe(4);
  });
});

describe("the user pool's key set", () => {
  it("is fetched at most once per interval however many unknown kids arrive", async () => {
    await start({ unknownKidRefetchMs: 30_000 });
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    // 50 made-up kids (one stranger key under many kids: generating RSA keys is slow)
    const stranger = createCognitoKey();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => status(signCognitoToken({ ...stranger, kid: randomUUID() }, claims()))));
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(jwksFetches()).toBe(1);
    clock += 30_000;
    expect(await status(signCognitoToken({ ...stranger, kid: randomUUID() }, claims()))).toBe(401);
    expect(jwksFetches()).toBe(2);
  });

  it("picks up a key Cognito adds, on its first token after the interval", async () => {
    await start({ unknownKidRefetchMs: 30_000 });
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    const rotated = createCognitoKey();
    keyServer.cognitoKeys.push(rotated);
    clock += 30_000;
    expect(await status(signCognitoToken(rotated, claims()))).toBe(200);
  });

  it("fails closed with 503 while the endpoint fails, asks again only after the backoff, and recovers", async () => {
    await start({ failureBackoffMs: 5000 });
    // the ALB's key is fetched and kept (no access token: 401 before the key set is needed)
    expect(await status("")).toBe(401);
    keyServer.failWith = 500;
    for (let i = 0; i < 10; i++) expect(await status(signCognitoToken(cognito, claims({ jti: `t${i}` })))).toBe(503);
    expect(jwksFetches()).toBe(1);
    keyServer.failWith = undefined;
    clock += 5000;
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    expect(jwksFetches()).toBe(2);
  });

  it("keeps verifying with the keys it has when a refresh of an old set fails", async () => {
    await start({ maxAgeMs: 60_000 });
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    keyServer.failWith = 503;
    clock += 61_000;
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    expect(jwksFetches()).toBe(2);
  });

  it("drops a key Cognito removed once the set is refreshed", async () => {
    await start({ maxAgeMs: 60_000 });
    expect(await status(signCognitoToken(cognito, claims()))).toBe(200);
    const retired = cognito;
    keyServer.cognitoKeys.splice(0, keyServer.cognitoKeys.length, createCognitoKey());
    clock += 61_000;
    expect(await status(signCognitoToken(retired, claims()))).toBe(401);
    expect(reason()).toMatch(/unknown kid/);
  });
});
