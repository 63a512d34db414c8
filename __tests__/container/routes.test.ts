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

  it("builds the logout URL from COGNITO_DOMAIN and the request's host when LOGOUT_URL is not set", async () => {
    const app = await startApp({
      config: testConfig(keyServer.baseUrl, { logoutUrl: undefined, cognitoDomain: "login.auth.eu-central-1.amazoncognito.com" }),
    });
    try {
      const res = await fetch(`${app.url}/logout`, { redirect: "manual", headers: { ...signedIn(), "x-forwarded-host": "whoami.example.com" } });
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.origin + location.pathname).toBe("https://login.auth.eu-central-1.amazoncognito.com/logout");
      expect(location.searchParams.get("client_id")).toBe(CLIENT_ID);
      expect(location.searchParams.get("logout_uri")).toBe("https://whoami.example.com/signed-out");
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
