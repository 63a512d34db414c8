import { createSigningKey, AlbSigningKey } from "../../dev/alb-token";
import { accessToken, CognitoSigningKey, createCognitoKey } from "../../dev/cognito-token";
import { KeyServer, startKeyServer } from "../../dev/key-server";
import { requiredGroups, routePolicyProblems } from "../../container/src/route-policy";
import { API_SCOPE, CLIENT_ID, ISSUER, MACHINE_CLIENT_ID, startApp, testConfig, userHeaders } from "../helpers/app-server";

/**
 * Who may do what: the route policy (testConfig: /admin/* needs `admins`) against users
 * whose groups come from their verified access token, and machine clients with bearer
 * tokens on /api/*.
 */
const ADMIN = { sub: "1a2b3c4d-0000-4000-8000-0000000000a1", username: "ada", groups: ["admins"] };
const PLAIN = { sub: "1a2b3c4d-0000-4000-8000-0000000000b2", username: "grace" };

let key: AlbSigningKey;
let cognito: CognitoSigningKey;
let keyServer: KeyServer;
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  key = createSigningKey();
  cognito = createCognitoKey();
  keyServer = await startKeyServer([key], 0, [cognito]);
  app = await startApp({ config: testConfig(keyServer.baseUrl) });
});
afterAll(async () => {
  await app.close();
  await keyServer.close();
});

const machineToken = (overrides: Partial<Parameters<typeof accessToken>[1]> = {}) =>
  accessToken(cognito, { issuer: ISSUER, clientId: MACHINE_CLIENT_ID, scope: API_SCOPE, ...overrides });
const lastLog = () => JSON.parse(app.logs[app.logs.length - 1]) as Record<string, unknown>;

describe("the route policy", () => {
  it("lets a member of admins open /admin and shows the policy", async () => {
    const res = await fetch(`${app.url}/admin`, { headers: userHeaders(key, cognito, ADMIN) });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Administration</h1>");
    expect(html).toContain('<td><code>/admin/*</code></td><td><span class="tag">admins</span></td>');
  });

  it("answers a user without the group 403 with an HTML page naming the group", async () => {
    const res = await fetch(`${app.url}/admin`, { headers: { ...userHeaders(key, cognito, PLAIN), accept: "text/html" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("403 Forbidden");
    expect(html).toContain('data-testid="detail">this page needs membership in the group admins<');
    expect(lastLog()).toMatchObject({ path: "/admin", status: 403, sub: PLAIN.sub, reason: "needs group admins" });
  });

  it("answers 403 as JSON to a client that asks for JSON", async () => {
    const res = await fetch(`${app.url}/admin`, { headers: { ...userHeaders(key, cognito, PLAIN), accept: "application/json" } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "Forbidden", detail: "this page needs membership in the group admins" });
  });

  it("guards the paths a pattern covers and leaves the others open", async () => {
    const strict = await startApp({ config: testConfig(keyServer.baseUrl, { routePolicy: [{ path: "/api/*", groups: ["api-users"] }] }) });
    try {
      const me = await fetch(`${strict.url}/api/me`, { headers: userHeaders(key, cognito, ADMIN) });
      expect(me.status).toBe(403);
      const home = await fetch(`${strict.url}/`, { headers: userHeaders(key, cognito, ADMIN) });
      expect(home.status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("takes the groups from the verified access token only: not from a re-signed one, the ALB's userinfo or a header", async () => {
    // GIVEN a plain user whose access token was re-signed by another key with the admins group
    const forged = accessToken(createCognitoKey(), { issuer: ISSUER, clientId: CLIENT_ID, sub: PLAIN.sub, groups: ["admins"], scope: "openid" });
    const res = await fetch(`${app.url}/admin`, { headers: { ...userHeaders(key, cognito, PLAIN), "x-amzn-oidc-accesstoken": forged } });
    expect(res.status).toBe(401);

    // GIVEN the plain user's own valid access token (no groups), with admins claimed in the
    // ALB-signed userinfo (a user pool attribute could carry it) and in request headers
    const claimed = userHeaders(key, cognito, { ...PLAIN, userinfo: { "cognito:groups": ["admins"], groups: ["admins"] } });
    const refused = await fetch(`${app.url}/admin`, { headers: { ...claimed, "x-amzn-oidc-groups": "admins", "cognito-groups": "admins" } });
    expect(refused.status).toBe(403);
    const me = await fetch(`${app.url}/api/me`, { headers: claimed }).then((r) => r.json() as Promise<{ groups: string[] }>);
    expect(me.groups).toEqual([]);
  });
});

describe("route patterns", () => {
  const policy = [{ path: "/admin/*", groups: ["admins"] }, { path: "/reports", groups: ["finance", "admins"] }];

  it.each([
    ["/admin", [["admins"]]],
    ["/admin/", [["admins"]]],
    ["/admin/users/1", [["admins"]]],
    ["/administrator", []],
    ["/Admin", []],
    ["/reports", [["finance", "admins"]]],
    ["/reports/2026", []],
  ])("%s needs %j", (path, groups) => {
    expect(requiredGroups(policy, path)).toEqual(groups);
  });

  it("refuses patterns the app could not match as meant, naming the rule", () => {
    expect(routePolicyProblems([{ path: "admin", groups: ["admins"] }])).toEqual(['rule 0: path "admin" must be like "/admin" or "/admin/*"']);
    expect(routePolicyProblems([{ path: "/a/*/b", groups: ["x"] }])[0]).toMatch(/rule 0: path/);
    expect(routePolicyProblems([{ path: "/a/../admin", groups: ["x"] }])[0]).toMatch(/rule 0: path/);
    expect(routePolicyProblems([{ path: "/admin/*", groups: [] }])).toEqual(["rule 0: groups must be a non-empty list of Cognito group names"]);
  });
});

describe("GET /api/me for a user", () => {
  it("includes the groups", async () => {
    const res = await fetch(`${app.url}/api/me`, { headers: userHeaders(key, cognito, ADMIN) });
    expect(await res.json()).toMatchObject({ kind: "user", sub: ADMIN.sub, groups: ["admins"] });
    const plain = await fetch(`${app.url}/api/me`, { headers: userHeaders(key, cognito, PLAIN) });
    expect(await plain.json()).toMatchObject({ kind: "user", sub: PLAIN.sub, groups: [] });
  });
});

describe("machine clients with a bearer token on /api/*", () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("answers /api/me with the machine identity: client id and scopes", async () => {
    const res = await fetch(`${app.url}/api/me`, { headers: bearer(machineToken({ scope: `${API_SCOPE} whoami/write` })) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: "machine", clientId: MACHINE_CLIENT_ID, scopes: [API_SCOPE, "whoami/write"] });
    expect(lastLog()).toMatchObject({ status: 200, client: MACHINE_CLIENT_ID });
  });

  it("answers a token without the API scope 403 insufficient_scope", async () => {
    const res = await fetch(`${app.url}/api/me`, { headers: bearer(machineToken({ scope: "whoami/write" })) });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer error="insufficient_scope", scope="${API_SCOPE}"`);
    expect(await res.json()).toEqual({ error: "Forbidden", detail: `this API needs the scope ${API_SCOPE}` });
  });

  it.each([
    ["an app client that is not a configured machine client", () => machineToken({ clientId: "someotherclient00000000000" }), /client_id is not an allowed app client/],
    ["a user's access token from the ALB's own client", () => machineToken({ clientId: CLIENT_ID, sub: PLAIN.sub }), /client_id is not an allowed app client/],
    ["a token signed by another key under an unknown kid", () => accessToken(createCognitoKey(), { issuer: ISSUER, clientId: MACHINE_CLIENT_ID, scope: API_SCOPE }), /unknown kid/],
    ["an expired token", () => machineToken({ now: Math.floor(Date.now() / 1000) - 7200 }), /expired/],
  ])("refuses %s with 401 invalid_token", async (_what, token, reason) => {
    const res = await fetch(`${app.url}/api/me`, { headers: bearer(token()) });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(lastLog().reason).toMatch(reason);
  });

  it("is not accepted outside /api/*: a page still needs the ALB's headers", async () => {
    const res = await fetch(`${app.url}/`, { headers: { ...bearer(machineToken()), accept: "application/json" } });
    expect(res.status).toBe(401);
    expect(lastLog().reason).toBe("missing x-amzn-oidc-data");
  });

  it("cannot open a route the policy guards: a machine is in no group", async () => {
    const guarded = await startApp({ config: testConfig(keyServer.baseUrl, { routePolicy: [{ path: "/api/*", groups: ["admins"] }] }) });
    try {
      const res = await fetch(`${guarded.url}/api/me`, { headers: bearer(machineToken()) });
      expect(res.status).toBe(403);
    } finally {
      await guarded.close();
    }
  });

  it("is refused altogether when no machine client is configured, and does not get in a signed-in user's way", async () => {
    const closed = await startApp({ config: testConfig(keyServer.baseUrl, { apiClientIds: [], apiScope: undefined }) });
    try {
      const alone = await fetch(`${closed.url}/api/me`, { headers: bearer(machineToken()) });
      expect(alone.status).toBe(401);
      expect(alone.headers.get("www-authenticate")).toBeNull();
      // A person's request through the ALB that happens to carry an Authorization header
      const person = await fetch(`${closed.url}/api/me`, { headers: { ...userHeaders(key, cognito, ADMIN), ...bearer(machineToken()) } });
      expect(person.status).toBe(200);
      expect(await person.json()).toMatchObject({ kind: "user", sub: ADMIN.sub });
    } finally {
      await closed.close();
    }
  });
});
