import { createHmac } from "node:crypto";
import { albBase64, albToken, AlbSigningKey, createSigningKey, signAlbToken } from "../../dev/alb-token";
import { KeyStore } from "../../container/src/keys";
import { MAX_TOKEN_LENGTH } from "../../container/src/verify";
import { ALB_ARN, CLIENT_ID, ISSUER, startApp, testConfig } from "../helpers/app-server";
import { KeyServer, startKeyServer } from "../../dev/key-server";
import { accessToken, CognitoSigningKey, createCognitoKey } from "../../dev/cognito-token";

const SUB = "3f1c2b4a-0000-4000-8000-00000000abcd";
const USERINFO = { sub: SUB, email: "ada@example.com", username: "ada", email_verified: "true", note: "<script>alert(1)</script>" };

let key: AlbSigningKey;
let cognito: CognitoSigningKey;
let keyServer: KeyServer;
let app: Awaited<ReturnType<typeof startApp>>;

const valid = (overrides: Partial<Parameters<typeof albToken>[1]> = {}) =>
  albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: USERINFO, ...overrides });

const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, {
    redirect: "manual",
    headers: { ...(token ? { "x-amzn-oidc-data": token, "x-amzn-oidc-identity": SUB, "x-amzn-oidc-accesstoken": access } : {}), ...headers },
  });

/** The user's access token, as the ALB forwards it on every request of the session. */
let access: string;

beforeAll(async () => {
  key = createSigningKey();
  cognito = createCognitoKey();
  access = accessToken(cognito, { issuer: ISSUER, clientId: CLIENT_ID, sub: SUB, username: "ada", groups: ["admins", "staff"], scope: "openid email profile", authTime: Math.floor(Date.now() / 1000) - 754 });
  keyServer = await startKeyServer([key], 0, [cognito]);
});
afterAll(() => keyServer.close());
beforeEach(async () => {
  keyServer.delayMs = 0;
  keyServer.failWith = undefined;
  keyServer.hits.length = 0;
  app = await startApp({ config: testConfig(keyServer.baseUrl) });
});
afterEach(() => app.close());

describe("GET / with a valid ALB token", () => {
  it("shows the display name, username, email, groups, sub, every claim escaped, and the session as configured", async () => {
    const res = await get("/", valid({ userinfo: { ...USERINFO, name: "Ada Lovelace" } }));
    const html = await res.text();
    // THEN
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toContain('data-testid="display-name">Ada Lovelace<');
    expect(html).toContain('data-testid="username">ada<');
    expect(html).toContain("ada@example.com");
    expect(html).toMatch(/data-testid="groups"><span class="tag">admins<\/span><span class="tag">staff<\/span>/);
    expect(html).toContain(SUB);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    // the session length of this environment (testConfig: 8 h), not the ALB token's 2-minute exp
    expect(html).toContain('data-testid="session-length">8 h<');
    // readable times: when the user signed in (access token auth_time, 754 s ago) and when the access token expires
    expect(html).toMatch(/data-testid="signed-in">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(12 min \d+ s ago\)</);
    expect(html).toMatch(/data-testid="access-expires">expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (1 h|59 min \d+ s)\)</);
    expect(html).toContain('<form method="post" action="/logout">');
  });

  it("verifies tokens that keep the ALB's base64 '=' padding", async () => {
    const tokens = Array.from({ length: 6 }, (_, i) => valid({ userinfo: { ...USERINFO, pad: "x".repeat(i) } }));
    expect(tokens.some((t) => t.split(".").slice(0, 2).some((segment) => segment.endsWith("=")))).toBe(true);
    for (const token of tokens) expect((await get("/api/me", token)).status).toBe(200);
  });

  it("sends a strict CSP and the other security headers", async () => {
    const res = await get("/", valid());
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // same-origin: the sign-out POST then carries a real Origin; other sites still get no referrer
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(csp).toContain("form-action 'self' https://example-login.auth.eu-central-1.amazoncognito.com;");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /api/me", () => {
  it("returns the identity as JSON", async () => {
    const res = await get("/api/me", valid());
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ kind: "user", sub: SUB, username: "ada", email: "ada@example.com", groups: ["admins", "staff"], sessionSeconds: 28800, claims: { iss: ISSUER } });
  });
});

describe("rejected tokens get 401, a logged reason, and no claims", () => {
  const header = (token: string) => JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString());
  const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  const withPayload = (token: string, payload: object) => {
    const [h, , s] = token.split(".");
    return `${h}.${albBase64(JSON.stringify(payload))}.${s}`;
  };
  const now = () => Math.floor(Date.now() / 1000);

  const cases: Array<[string, () => string, RegExp]> = [
    ["alg none", () => `${albBase64(JSON.stringify({ ...header(valid()), alg: "none" }))}.${valid().split(".")[1]}.`, /alg none/],
    [
      "HS256 signed with the public key as the secret",
      () => {
        const input = `${albBase64(JSON.stringify({ ...header(valid()), alg: "HS256" }))}.${valid().split(".")[1]}`;
        return `${input}.${albBase64(createHmac("sha256", key.publicKeyPem).update(input).digest())}`;
      },
      /alg HS256/,
    ],
    ["a wrong signer ARN", () => valid({ albArn: ALB_ARN.replace("0123456789abcdef", "fedcba9876543210") }), /signer/],
    ["a wrong client", () => valid({ clientId: "someotherclient" }), /client/],
    ["a wrong issuer", () => valid({ issuer: "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Other" }), /iss/],
    ["an expired token", () => valid({ now: now() - 3600, lifetime: 60 }), /expired/],
    [
      "a token not yet valid",
      () => signAlbToken(key, { signer: ALB_ARN, client: CLIENT_ID }, { ...USERINFO, iss: ISSUER, exp: now() + 600, nbf: now() + 300 }),
      /nbf/,
    ],
    ["a tampered payload", () => withPayload(valid(), { ...payloadOf(valid()), username: "root" }), /signature/],
    ["a missing signature", () => valid().split(".").slice(0, 2).join(".") + ".", /malformed|signature/],
    ["a truncated signature", () => valid().slice(0, -12), /malformed|signature/],
    ["a kid with a path", () => signAlbToken(key, { kid: `../${key.kid}`, signer: ALB_ARN, client: CLIENT_ID }, { ...USERINFO, iss: ISSUER, exp: now() + 60 }), /kid/],
    [
      "an unknown kid",
      () => signAlbToken(createSigningKey(), { signer: ALB_ARN, client: CLIENT_ID }, { ...USERINFO, iss: ISSUER, exp: now() + 60 }),
      /unknown kid/,
    ],
    ["malformed base64", () => `!!${valid()}`, /malformed/],
    ["an oversized header", () => valid({ userinfo: { ...USERINFO, blob: "x".repeat(Math.ceil(MAX_TOKEN_LENGTH * 0.76)) } }), /longer than/],
  ];

  it.each(cases)("rejects %s", async (_name, token, reason) => {
    const res = await get("/api/me", token());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Unauthorized" });
    const line = JSON.parse(app.logs[app.logs.length - 1]);
    expect(line).toMatchObject({ path: "/api/me", status: 401 });
    expect(line.reason).toMatch(reason);
  });

  it("rejects an identity header that does not match sub", async () => {
    const res = await get("/api/me", valid(), { "x-amzn-oidc-identity": "someone-else" });
    expect(res.status).toBe(401);
    expect(JSON.parse(app.logs[0]).reason).toMatch(/identity/);
  });

  it("rejects a request with no token", async () => {
    const res = await get("/");
    expect(res.status).toBe(401);
    expect(JSON.parse(app.logs[0]).reason).toBe("missing x-amzn-oidc-data");
  });

  it("answers a browser with an HTML 401 page that shows no claims", async () => {
    const res = await get("/", valid({ clientId: "wrong" }), { accept: "text/html" });
    const html = await res.text();
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toContain("401 Unauthorized");
    expect(html).not.toContain("ada@example.com");
  });

  it("never writes a token into the log", async () => {
    const token = valid();
    await get("/api/me", token);
    await get("/api/me", valid({ clientId: "wrong" }));
    const all = app.logs.join("\n");
    expect(app.logs).toHaveLength(2);
    for (const segment of token.split(".")) expect(all).not.toContain(segment.slice(0, 20));
  });
});

describe("public keys", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("fetches a key once for concurrent requests and caches it", async () => {
    keyServer.delayMs = 100;
    const token = valid();
    const statuses = await Promise.all(Array.from({ length: 8 }, () => get("/api/me", token).then((r) => r.status)));
    expect(statuses).toEqual(Array(8).fill(200));
    await get("/api/me", valid({ userinfo: { ...USERINFO, fresh: 1 } }));
    // one fetch of the ALB key and one of the user pool's key set, for all nine requests
    expect(keyServer.hits.sort()).toEqual(["/.well-known/jwks.json", `/${key.kid}`].sort());
  });

  it("fails closed with 503 when the key endpoint is down", async () => {
    keyServer.failWith = 500;
    const res = await get("/api/me", valid());
    expect(res.status).toBe(503);
    expect(JSON.parse(app.logs[0]).reason).toMatch(/key endpoint answered 500/);
  });

  it("fails closed with 503 when the key endpoint does not answer in time", async () => {
    await app.close();
    app = await startApp({ config: testConfig(keyServer.baseUrl), keys: new KeyStore({ baseUrl: keyServer.baseUrl, timeoutMs: 100 }) });
    keyServer.delayMs = 1000;
    const res = await get("/api/me", valid());
    expect(res.status).toBe(503);
  });

  it("fails closed with 503 when the key endpoint is unreachable", async () => {
    await app.close();
    app = await startApp({ config: testConfig("http://127.0.0.1:9/") });
    expect((await get("/api/me", valid())).status).toBe(503);
  });

  it("refuses a token whose header exp has passed before fetching any key", async () => {
    const expired = now() - 3600;
    const stranger = createSigningKey();
    const token = signAlbToken(stranger, { signer: ALB_ARN, client: CLIENT_ID, exp: expired }, { ...USERINFO, iss: ISSUER, exp: expired });
    const res = await get("/api/me", token);
    expect(res.status).toBe(401);
    expect(JSON.parse(app.logs[0]).reason).toBe("token expired");
    expect(keyServer.hits).toEqual([]);
  });

  it("remembers an unknown kid instead of fetching it on every request", async () => {
    const stranger = createSigningKey();
    const forged = signAlbToken(stranger, { signer: ALB_ARN, client: CLIENT_ID }, { ...USERINFO, iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 60 });
    for (let i = 0; i < 3; i++) expect((await get("/api/me", forged)).status).toBe(401);
    expect(keyServer.hits).toEqual([`/${stranger.kid}`]);
  });
});
