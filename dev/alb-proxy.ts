import { randomBytes } from "node:crypto";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { parse as parseCookies, serialize } from "cookie";
import httpProxy from "http-proxy";
import * as oidc from "openid-client";
import { albToken, AlbSigningKey } from "./alb-token";
import { claimHolds, RequiredClaim, verifyPoolToken } from "./jwt-validation";
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
  /** Seconds a session lasts, as the listener rule's session_timeout. */
  readonly sessionTimeout: number;
  /**
   * The API's bearer rule (the app stack's `aws_lb_listener_rule.api-bearer_jwt-validation`):
   * `Authorization: Bearer ...` on /api/* is forwarded only after the token validates.
   * @default - no bearer rule: /api/* needs a session
   */
  readonly jwtValidation?: {
    /** The pool's key set, as the action's jwks_endpoint. */
    readonly jwksUrl: string;
    readonly additionalClaims: readonly RequiredClaim[];
  };
}

interface Session {
  readonly userinfo: Record<string, unknown>;
  readonly accessToken: string;
  readonly accessTokenExpires: number;
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
  const { sessionTimeout } = options;
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

  /** The key set as fetched by the jwt-validation action; fetched again for a kid it lacks. */
  let poolKeys: Array<{ kid: string; jwk: Record<string, string> }> = [];
  async function keysFor(token: string) {
    const kid = (() => {
      try {
        return JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid as unknown;
      } catch {
        return undefined;
      }
    })();
    if (options.jwtValidation && typeof kid === "string" && !poolKeys.some((k) => k.kid === kid)) {
      const body = (await (await fetch(options.jwtValidation.jwksUrl)).json()) as { keys: Array<Record<string, string>> };
      poolKeys = body.keys.map((jwk) => ({ kid: jwk.kid, jwk }));
    }
    return poolKeys;
  }

  /**
   * The jwt-validation action. AWS documents what it checks, not the status it answers
   * with; this stand-in answers 401 for a token that does not validate and 403 for a
   * valid token that lacks a required claim value (RFC 6750's insufficient_scope).
   */
  async function validateBearer(req: IncomingMessage, res: ServerResponse, token: string) {
    const rule = options.jwtValidation;
    if (!rule) return forward(req, res);
    const claims = verifyPoolToken(token, { issuer: options.issuer, keys: await keysFor(token) });
    if (!claims) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer error="invalid_token"' }).end("401 Authorization Required");
      return;
    }
    if (!rule.additionalClaims.every((claim) => claimHolds(claims, claim))) {
      res.writeHead(403, { "content-type": "text/plain", "www-authenticate": 'Bearer error="insufficient_scope"' }).end("403 Forbidden");
      return;
    }
    return forward(req, res);
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
    const now = Math.floor(Date.now() / 1000);
    const session: Session = {
      userinfo: { ...userinfo },
      accessToken: tokens.access_token,
      accessTokenExpires: now + (tokens.expires_in ?? 0),
      expires: now + sessionTimeout,
    };
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
    // The bearer rule comes before the session rules, for /api/* with Authorization: Bearer.
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (options.jwtValidation && path.startsWith("/api/") && bearer) return validateBearer(req, res, bearer.trim());

    const sealed = unshard(cookieName, cookies);
    const session = sealed ? unseal<Session>(sessionKey, sealed) : undefined;
    // The real ALB renews an expired access token with the refresh token; this stand-in
    // signs the user in again instead (silently, while the provider's session lasts).
    if (session && session.expires > Date.now() / 1000 && session.accessTokenExpires > Date.now() / 1000) return forward(req, res, session);
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
