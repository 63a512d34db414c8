import { request } from "node:http";
import { DevSession, killGroup, startNpmRunDev } from "./npm-run-dev";

/**
 * A machine client end to end in `npm run dev`: a token from the local provider's
 * token endpoint (client credentials, as from Cognito's /oauth2/token), through the
 * local ALB's jwt-validation stand-in, to the app, which verifies it again.
 */
let session: DevSession | undefined;
let albPort: number;
let credentials: { id: string; secret: string; tokenUrl: string };

beforeAll(async () => {
  session = await startNpmRunDev();
  albPort = session.ports[0];
  // The banner prints the curl command that gets a token; the secret is new every run.
  const match = /curl -s -u ([^:\s]+):(\S+) -d grant_type=client_credentials -d scope=\S+ (\S+)/.exec(session.output());
  if (!match) throw new Error(`npm run dev printed no token command:\n${session.output()}`);
  credentials = { id: match[1], secret: match[2], tokenUrl: match[3] };
}, 60_000);

afterAll(() => killGroup(session));

async function token(scope: string, secret = credentials.secret): Promise<Response> {
  return fetch(credentials.tokenUrl, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${credentials.id}:${secret}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }),
  });
}

/** GET /api/me through the local ALB, for the app's host name (fetch cannot set Host). */
function apiMe(headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json(): unknown }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port: albPort, path: "/api/me", headers: { host: `localhost:${albPort}`, ...headers } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: () => JSON.parse(body) }));
    })
      .on("error", reject)
      .end();
  });
}

describe("a machine client with a bearer token (npm run dev)", () => {
  it("gets a token with the API scope and reads /api/me as itself: 200", async () => {
    const res = await token("api/read");
    expect(res.status).toBe(200);
    const { access_token: accessToken, token_type: type } = (await res.json()) as { access_token: string; token_type: string };
    expect(type).toBe("Bearer");
    const me = await apiMe({ authorization: `Bearer ${accessToken}` });
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ kind: "machine", clientId: credentials.id, scopes: ["api/read"] });
  });

  it("gets 401 without a token", async () => {
    expect((await apiMe()).status).toBe(401);
  });

  it("gets 401 with a token that does not validate", async () => {
    const { access_token: accessToken } = (await (await token("api/read")).json()) as { access_token: string };
    expect((await apiMe({ authorization: `Bearer ${accessToken.slice(0, -4)}AAAA` })).status).toBe(401);
  });

  it("gets 403 with a valid token that lacks the API scope", async () => {
    const { access_token: accessToken } = (await (await token("api/write")).json()) as { access_token: string };
    const me = await apiMe({ authorization: `Bearer ${accessToken}` });
    expect(me.status).toBe(403);
    expect(me.headers["www-authenticate"]).toContain("insufficient_scope");
  });

  it("gets no token with a wrong secret or a scope the client may not ask for", async () => {
    expect(await (await token("api/read", "wrong-secret")).json()).toEqual({ error: "invalid_client" });
    expect(await (await token("api/admin")).json()).toEqual({ error: "invalid_scope" });
  });
});
