import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { parse as parseCookies, serialize } from "cookie";
import httpProxy from "http-proxy";
import * as oidc from "openid-client";
import { albToken, AlbSigningKey } from "./alb-token";
import { seal, shard, unseal, unshard } from "./session-cookie";

export interface AlbProxyOptions {
  /** Host header the listener rule matches, e.g. `localhost:3000` (the app domain in AWS). */
  readonly appHost: string;
  /** The app behind the proxy (the target group). */
  readonly target: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The local ALB's ARN, the token header's `signer`. */
  readonly albArn: string;
  readonly signingKey: AlbSigningKey;
  /** @default "AWSELBAuthSessionCookie" */
  readonly sessionCookieName?: string;
  /** Seconds a session lasts. @default 43200, as the app stack's listener rule */
  readonly sessionTimeout?: number;
}

interface Session {
  readonly userinfo: Record<string, unknown>;
  readonly accessToken: string;
  readonly expires: number;
}

/** What the listener rules let through without a session (plus the target group's health check). */
const PUBLIC_PATHS = new Set(["/signed-out", "/health"]);
const NONCE_COOKIE = "AWSELBAuthNonce";
const CALLBACK = "/oauth2/idpresponse";

/**
 * A local stand-in for the ALB's HTTPS listener with its authenticate-cognito rules:
 * fixed 404 for other hosts, login redirect (or 401 under /api/*) without a session,
 * the code exchange at /oauth2/idpresponse, an encrypted session cookie sharded
 * like the ALB's, and x-amzn-oidc-* headers on every authenticated request.
 */
export async function createAlbProxy(options: AlbProxyOptions): Promise<Server> {
  const cookieName = options.sessionCookieName ?? "AWSELBAuthSessionCookie";
  const sessionTimeout = options.sessionTimeout ?? 43200;
  const sessionKey = randomBytes(32);
  const redirectUri = `http://${options.appHost}${CALLBACK}`;
  const config = await oidc.discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const proxy = httpProxy.createProxyServer({ target: options.target, xfwd: true });
  proxy.on("error", (_error, _req, res) => {
    if (res instanceof ServerResponse && !res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("502 Bad Gateway");
  });

  const cookieOptions = { path: "/", secure: true, httpOnly: true, sameSite: "lax" as const };

  function forward(req: IncomingMessage, res: ServerResponse, session?: Session) {
    // The ALB replaces whatever x-amzn-oidc-* headers a client sent.
    for (const name of Object.keys(req.headers)) if (name.startsWith("x-amzn-oidc-")) delete req.headers[name];
    req.headers["x-forwarded-proto"] = "https";
    if (session) {
      const sub = String(session.userinfo.sub);
      req.headers["x-amzn-oidc-accesstoken"] = session.accessToken;
      req.headers["x-amzn-oidc-identity"] = sub;
      req.headers["x-amzn-oidc-data"] = albToken(options.signingKey, {
        albArn: options.albArn,
        clientId: options.clientId,
        issuer: options.issuer,
        userinfo: session.userinfo,
      });
    }
    proxy.web(req, res);
  }

  async function signIn(req: IncomingMessage, res: ServerResponse) {
    const state = oidc.randomState();
    const returnTo = req.url ?? "/";
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: "openid email profile", state });
    res.writeHead(302, {
      location: url.toString(),
      "set-cookie": serialize(NONCE_COOKIE, seal(sessionKey, { state, returnTo }), { ...cookieOptions, maxAge: 900 }),
    });
    res.end();
  }

  async function callback(req: IncomingMessage, res: ServerResponse, cookies: Record<string, string | undefined>) {
    const pending = cookies[NONCE_COOKIE] ? unseal<{ state: string; returnTo: string }>(sessionKey, cookies[NONCE_COOKIE] ?? "") : undefined;
    if (!pending) {
      res.writeHead(401, { "content-type": "text/plain" }).end("401 Authorization Required");
      return;
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(req.url ?? "/", `http://${options.appHost}`), { expectedState: pending.state });
    const sub = tokens.claims()?.sub;
    if (!sub) throw new Error("no sub in the ID token");
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    const session: Session = { userinfo: { ...userinfo }, accessToken: tokens.access_token, expires: Math.floor(Date.now() / 1000) + sessionTimeout };
    const setCookies = shard(cookieName, seal(sessionKey, session)).map(([name, value]) => serialize(name, value, { ...cookieOptions, maxAge: sessionTimeout }));
    setCookies.push(serialize(NONCE_COOKIE, "", { ...cookieOptions, expires: new Date(0) }));
    res.writeHead(302, { location: pending.returnTo.startsWith("/") && !pending.returnTo.startsWith("//") ? pending.returnTo : "/", "set-cookie": setCookies });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // The HTTPS listener's default action: a request for any other host never reaches the app.
    if (req.headers.host !== options.appHost) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
      return;
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const cookies = parseCookies(req.headers.cookie ?? "");
    if (path === CALLBACK) return callback(req, res, cookies);
    if (PUBLIC_PATHS.has(path)) return forward(req, res);

    const sealed = unshard(cookieName, cookies);
    const session = sealed ? unseal<Session>(sessionKey, sealed) : undefined;
    if (session && session.expires > Date.now() / 1000) return forward(req, res, session);
    // on_unauthenticated_request = deny for /api/*, authenticate elsewhere.
    if (path.startsWith("/api/")) {
      res.writeHead(401, { "content-type": "text/plain" }).end("401 Authorization Required");
      return;
    }
    return signIn(req, res);
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The ALB answers 401 when the code exchange or user info fails.
      process.stderr.write(`alb-proxy: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent) res.writeHead(401, { "content-type": "text/plain" }).end("401 Authorization Required");
    });
  });
}
