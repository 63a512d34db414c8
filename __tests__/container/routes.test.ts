import { createSigningKey, AlbSigningKey } from "../../dev/alb-token";
import { CognitoSigningKey, createCognitoKey } from "../../dev/cognito-token";
import { APP_ORIGIN, LOGOUT_URL, startApp, testConfig, userHeaders } from "../helpers/app-server";
import { KeyServer, startKeyServer } from "../../dev/key-server";

const SUB = "9b2f0d1e-1111-4000-8000-0000000000ef";
let key: AlbSigningKey;
let cognito: CognitoSigningKey;
let keyServer: KeyServer;

beforeAll(async () => {
  key = createSigningKey();
  cognito = createCognitoKey();
  keyServer = await startKeyServer([key], 0, [cognito]);
});
afterAll(() => keyServer.close());

/** What the ALB adds to a signed-in user's request, and what a browser sends with the sign-out form. */
const signOutRequest = (extra: Record<string, string> = {}) => ({
  method: "POST",
  redirect: "manual" as const,
  headers: <Record<string, string>>{ ...userHeaders(key, cognito, { sub: SUB }), origin: APP_ORIGIN, "sec-fetch-site": "same-origin", ...extra },
});

function setCookies(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((c) => [c.slice(0, c.indexOf("=")), c]));
}

async function withApp(test: (app: Awaited<ReturnType<typeof startApp>>) => Promise<void>, overrides: Parameters<typeof testConfig>[1] = {}) {
  const app = await startApp({ config: testConfig(keyServer.baseUrl, overrides) });
  try {
    await test(app);
  } finally {
    await app.close();
  }
}

describe("POST /logout", () => {
  it("expires every ALB session cookie shard with Path=/, Secure, HttpOnly", () =>
    withApp(
      async (app) => {
        const res = await fetch(`${app.url}/logout`, signOutRequest());
        const cookies = setCookies(res);
        const expected = [0, 1, 2, 3].flatMap((i) => [`AWSELBAuthSessionCookie-${i}`, `MySession-${i}`]).sort();
        expect([...cookies.keys()].sort()).toEqual(expected);
        for (const cookie of cookies.values()) {
          expect(cookie).toMatch(/=;/);
          expect(cookie).toMatch(/expires=Thu, 01 Jan 1970 00:00:00 GMT/i);
          expect(cookie).toMatch(/path=\//);
          expect(cookie).toMatch(/; secure/i);
          expect(cookie).toMatch(/; httponly/i);
        }
      },
      { sessionCookieName: "MySession" },
    ));

  it("sends the browser on to Cognito's logout (303, so the browser follows with a GET)", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.url}/logout`, signOutRequest());
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(LOGOUT_URL);
    }));

  it("sends the browser to LOGOUT_URL whatever X-Forwarded-Host says", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.url}/logout`, signOutRequest({ "x-forwarded-host": "evil.example" }));
      expect(res.headers.get("location")).toBe(LOGOUT_URL);
    }));

  it("accepts a browser that sends no Origin but says the request is same-origin", () =>
    withApp(async (app) => {
      const { origin: _, ...headers } = signOutRequest().headers;
      const res = await fetch(`${app.url}/logout`, { ...signOutRequest(), headers });
      expect(res.status).toBe(303);
    }));

  it.each([
    ["another site's form", { origin: "https://evil.example", "sec-fetch-site": "cross-site" }],
    ["the app's origin over plain http", { origin: "http://whoami.example.com", "sec-fetch-site": "cross-site" }],
    ["a sibling subdomain", { origin: "https://evil.whoami.example.com", "sec-fetch-site": "same-site" }],
    ["Origin: null (a sandboxed frame)", { origin: "null", "sec-fetch-site": "cross-site" }],
    ["neither Origin nor Sec-Fetch-Site", { origin: "", "sec-fetch-site": "" }],
  ])("refuses %s with 403 and expires nothing", (_what, extra) =>
    withApp(async (app) => {
      const headers: Record<string, string> = { ...signOutRequest().headers, ...extra };
      for (const name of Object.keys(extra)) if (headers[name] === "") delete headers[name];
      const res = await fetch(`${app.url}/logout`, { method: "POST", redirect: "manual", headers: { ...headers, accept: "application/json" } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "Forbidden", detail: "sign out with the button on this app's own page" });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get("location")).toBeNull();
    }));

  it("answers 400 with a reason, and expires nothing, when the request did not come over HTTPS", () =>
    withApp(async (app) => {
      const { "x-forwarded-proto": _, ...overHttp } = signOutRequest().headers;
      const json = await fetch(`${app.url}/logout`, { method: "POST", redirect: "manual", headers: { ...overHttp, accept: "application/json" } });
      expect(json.status).toBe(400);
      expect(await json.json()).toEqual({ error: "Bad Request", detail: "sign-out works over HTTPS only" });
      expect(json.headers.getSetCookie()).toEqual([]);
      expect(json.headers.get("location")).toBeNull();
      expect(JSON.parse(app.logs[app.logs.length - 1])).toMatchObject({ path: "/logout", status: 400, reason: "sign-out works over HTTPS only" });
    }));

  it("does not log anyone out without a valid token", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.url}/logout`, { method: "POST", redirect: "manual", headers: { origin: APP_ORIGIN, "x-forwarded-proto": "https" } });
      expect(res.status).toBe(401);
      expect(res.headers.get("location")).toBeNull();
    }));
});

describe("GET /logout", () => {
  it("signs nobody out: it shows a page whose button posts the sign-out", () =>
    withApp(async (app) => {
      const res = await fetch(`${app.url}/logout`, { redirect: "manual", headers: userHeaders(key, cognito, { sub: SUB }) });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toContain('<form method="post" action="/logout"><button class="button" type="submit">Sign out</button></form>');
    }));
});

describe("public routes", () => {
  it("GET /health answers 200 with no auth headers", async () => {
    keyServer.hits.length = 0;
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const res = await fetch(`${app.url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
      expect(keyServer.hits).toHaveLength(0);
    } finally {
      await app.close();
    }
  });

  it("GET /signed-out shows the signed-out page with a sign-in link, without a token", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const res = await fetch(`${app.url}/signed-out`);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(html).toContain("You are signed out");
      expect(html).toContain('href="/"');
    } finally {
      await app.close();
    }
  });

  it("logs one JSON line per request with the ALB's trace id", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      await fetch(`${app.url}/health`, { headers: { "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678" } });
      expect(app.logs).toHaveLength(1);
      expect(JSON.parse(app.logs[0])).toMatchObject({ method: "GET", path: "/health", status: 200, trace: "Root=1-67891233-abcdef012345678912345678" });
    } finally {
      await app.close();
    }
  });

  it("answers unknown paths with 404 and other methods with 405", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      expect((await fetch(`${app.url}/nope`)).status).toBe(404);
      const post = await fetch(`${app.url}/`, { method: "POST" });
      expect(post.status).toBe(405);
      expect(post.headers.get("allow")).toBe("GET, HEAD");
      const put = await fetch(`${app.url}/logout`, { method: "PUT" });
      expect(put.status).toBe(405);
      expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
    } finally {
      await app.close();
    }
  });
});
