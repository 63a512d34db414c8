import { albToken, AlbSigningKey, createSigningKey } from "../../dev/alb-token";
import { ALB_ARN, CLIENT_ID, ISSUER, LOGOUT_URL, startApp, testConfig } from "../helpers/app-server";
import { KeyServer, startKeyServer } from "../../dev/key-server";

const SUB = "9b2f0d1e-1111-4000-8000-0000000000ef";
let key: AlbSigningKey;
let keyServer: KeyServer;

beforeAll(async () => {
  key = createSigningKey();
  keyServer = await startKeyServer([key]);
});
afterAll(() => keyServer.close());

const signedIn = () => ({
  "x-amzn-oidc-data": albToken(key, { albArn: ALB_ARN, clientId: CLIENT_ID, issuer: ISSUER, userinfo: { sub: SUB, username: "ada" } }),
  "x-amzn-oidc-identity": SUB,
  // What the ALB adds: TLS ended at the load balancer.
  "x-forwarded-proto": "https",
});

function setCookies(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((c) => [c.slice(0, c.indexOf("=")), c]));
}

describe("GET /logout", () => {
  it("expires every ALB session cookie shard with Path=/, Secure, HttpOnly", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl, { sessionCookieName: "MySession" }) });
    try {
      const res = await fetch(`${app.url}/logout`, { redirect: "manual", headers: signedIn() });
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
    } finally {
      await app.close();
    }
  });

  it("redirects to Cognito's logout with client_id and the signed-out page as logout_uri", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const res = await fetch(`${app.url}/logout`, { redirect: "manual", headers: signedIn() });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(LOGOUT_URL);
    } finally {
      await app.close();
    }
  });

  it("sends the browser to LOGOUT_URL whatever X-Forwarded-Host says", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const res = await fetch(`${app.url}/logout`, {
        redirect: "manual",
        headers: { ...signedIn(), "x-forwarded-host": "evil.example" },
      });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(LOGOUT_URL);
    } finally {
      await app.close();
    }
  });

  it("answers 400 with a reason, and expires nothing, when the request did not come over HTTPS", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const { "x-forwarded-proto": _, ...overHttp } = signedIn();
      const json = await fetch(`${app.url}/logout`, { redirect: "manual", headers: { ...overHttp, accept: "application/json" } });
      expect(json.status).toBe(400);
      expect(await json.json()).toEqual({ error: "Bad Request", detail: "sign-out works over HTTPS only" });
      expect(json.headers.getSetCookie()).toEqual([]);
      expect(json.headers.get("location")).toBeNull();

      const page = await fetch(`${app.url}/logout`, { redirect: "manual", headers: { ...overHttp, accept: "text/html" } });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain("sign-out works over HTTPS only");
      expect(JSON.parse(app.logs[app.logs.length - 1])).toMatchObject({ path: "/logout", status: 400, reason: "sign-out works over HTTPS only" });
    } finally {
      await app.close();
    }
  });

  it("does not log anyone out without a valid token", async () => {
    const app = await startApp({ config: testConfig(keyServer.baseUrl) });
    try {
      const res = await fetch(`${app.url}/logout`, { redirect: "manual" });
      expect(res.status).toBe(401);
      expect(res.headers.get("location")).toBeNull();
    } finally {
      await app.close();
    }
  });
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
      expect((await fetch(`${app.url}/`, { method: "POST" })).status).toBe(405);
    } finally {
      await app.close();
    }
  });
});
