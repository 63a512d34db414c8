import Koa, { Context, Next } from "koa";
import { AccessTokenVerifier } from "./access-token";
import { AppConfig } from "./config";
import { JwksStore } from "./jwks";
import { KeyStore } from "./keys";
import { stdoutLine } from "./log";
import { adminPage, errorPage, homePage, signedOutPage, signOutPage, STYLE_HASH } from "./pages";
import { Authenticator, bearerToken, ForbiddenError, Principal, UserPrincipal } from "./principal";
import { requiredGroups } from "./route-policy";
import { AuthError, TokenVerifier } from "./verify";

export interface AppOptions {
  readonly config: AppConfig;
  /** @default - keys from config.keysBaseUrl */
  readonly keys?: KeyStore;
  /** @default - the user pool's key set from config.jwksUrl */
  readonly jwks?: JwksStore;
  /** Receives one JSON line per request. @default - stdout, batched per event-loop turn (log.ts) */
  readonly log?: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** A request the app cannot serve as sent (400); the reason is shown to the client and logged. */
class BadRequestError extends Error {
  readonly status = 400;
  constructor(readonly reason: string) {
    super(reason);
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  503: "Service Unavailable",
};

interface State {
  principal?: Principal;
  /** Why a request was refused, for the log line. */
  reason?: string;
}

type Route = (ctx: Context, principal: Principal) => void;

/** Routes the ALB lets through without a login; the app does not ask for a token either. */
const PUBLIC_ROUTES: Readonly<Record<string, (ctx: Context) => void>> = {
  "/health": (ctx) => {
    ctx.body = { status: "ok" };
  },
  "/signed-out": (ctx) => {
    ctx.type = "html";
    ctx.body = signedOutPage();
  },
};

function userOnly(principal: Principal): UserPrincipal {
  if (principal.kind !== "user") throw new ForbiddenError("a machine client asked for a page", "this page is for people signed in with a browser");
  return principal;
}

/** Builds the app; listening happens in server.ts so tests can drive `app.callback()`. */
export function createApp(options: AppOptions): Koa<State> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? stdoutLine;
  const authenticator = new Authenticator({
    config,
    albTokens: new TokenVerifier({ config, keys: options.keys ?? new KeyStore({ baseUrl: config.keysBaseUrl }), now }),
    accessTokens: new AccessTokenVerifier({ issuer: config.issuer, keys: options.jwks ?? new JwksStore({ url: config.jwksUrl }), now }),
  });

  const securityHeaders: Readonly<Record<string, string>> = {
    // The sign-out form posts here, and its redirect goes on to Cognito's /logout:
    // browsers check form-action against every step of that redirect chain.
    "Content-Security-Policy": `default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'self' ${new URL(config.logoutUrl).origin}; frame-ancestors 'none'`,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the
    // sign-out POST, and the same-origin check could not tell this app's page from any other.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    // Pages show personal data: never store them in shared or browser caches.
    "Cache-Control": "no-store",
  };

  const shards = [...new Set([config.sessionCookieName, "AWSELBAuthSessionCookie"])].flatMap((name) =>
    [0, 1, 2, 3].map((i) => `${name}-${i}`),
  );

  function signOut(ctx: Context) {
    // The session cookies are Secure: a browser ignores a Secure cookie set over plain
    // HTTP (and Koa refuses to send one), so sign-out cannot work there. Behind the ALB
    // every request carries X-Forwarded-Proto: https; anything else did not come through it.
    if (!ctx.secure) throw new BadRequestError("sign-out works over HTTPS only");
    // A cross-site form could otherwise sign a user out. Browsers send Origin on every
    // POST and Sec-Fetch-Site where they can; neither can be set by a page's script.
    const origin = ctx.get("origin");
    const site = ctx.get("sec-fetch-site");
    const sameOrigin = origin ? origin === config.appOrigin : site === "same-origin";
    if (!sameOrigin || (site && site !== "same-origin")) {
      throw new ForbiddenError(`sign-out from another origin (${(origin || site || "none").slice(0, 64)})`, "sign out with the button on this app's own page");
    }
    // The ALB splits a large session into -0, -1, ... shards: expire all of them,
    // or the ALB may still find a session.
    for (const name of shards) {
      ctx.cookies.set(name, "", { expires: new Date(0), path: "/", secure: true, httpOnly: true, overwrite: true });
    }
    ctx.status = 303;
    ctx.redirect(config.logoutUrl);
  }

  const GET_ROUTES: Readonly<Record<string, Route>> = {
    "/": (ctx, principal) => {
      ctx.type = "html";
      ctx.body = homePage({ user: userOnly(principal), now: Math.floor(now() / 1000), sessionTimeoutSeconds: config.sessionTimeoutSeconds });
    },
    "/admin": (ctx, principal) => {
      ctx.type = "html";
      ctx.body = adminPage(userOnly(principal), config.routePolicy);
    },
    "/api/me": (ctx, principal) => {
      if (principal.kind === "machine") {
        ctx.body = { kind: "machine", clientId: principal.access.clientId, scopes: principal.access.scopes, expiresAt: principal.access.exp };
        return;
      }
      const { identity, access } = principal;
      ctx.body = {
        kind: "user",
        sub: identity.sub,
        username: identity.username,
        name: identity.displayName,
        email: identity.email ?? null,
        groups: access.groups,
        signedInAt: access.authTime ?? null,
        sessionSeconds: config.sessionTimeoutSeconds,
        claims: identity.claims,
      };
    },
    "/logout": (ctx) => {
      ctx.type = "html";
      ctx.body = signOutPage();
    },
  };
  const POST_ROUTES: Readonly<Record<string, Route>> = { "/logout": (ctx) => signOut(ctx) };

  async function requestLog(ctx: Context, next: Next) {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const state = ctx.state as State;
      const principal = state.principal;
      log(
        JSON.stringify({
          time: new Date(now()).toISOString(),
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Number((process.hrtime.bigint() - start) / 1000n) / 1000,
          sub: principal?.kind === "user" ? principal.identity.sub : undefined,
          client: principal?.kind === "machine" ? principal.access.clientId : undefined,
          reason: state.reason,
          // The ALB's request id, to find the same request in its access logs and X-Ray.
          trace: ctx.get("x-amzn-trace-id") || undefined,
        }),
      );
    }
  }

  async function errors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (error) {
      const known = error instanceof AuthError || error instanceof BadRequestError || error instanceof ForbiddenError;
      const status = known ? error.status : 500;
      (ctx.state as State).reason = known ? error.reason : "internal error";
      ctx.status = status;
      if (error instanceof ForbiddenError) ctx.set(error.headers);
      if (error instanceof AuthError && status === 401 && machineBearer(ctx) !== undefined) {
        ctx.set("WWW-Authenticate", 'Bearer error="invalid_token"');
      }
      const message = STATUS_TEXT[status] ?? "Internal Server Error";
      // A bad request's or a refusal's reason is for the client; token problems stay in the log.
      const detail = error instanceof BadRequestError ? error.reason : error instanceof ForbiddenError ? error.detail : undefined;
      if (ctx.path.startsWith("/api/") || ctx.accepts("html", "json") === "json") {
        ctx.body = detail ? { error: message, detail } : { error: message };
      } else {
        ctx.type = "html";
        ctx.body = errorPage(status, message, detail);
      }
      if (!known) ctx.app.emit("error", error, ctx);
    }
  }

  async function withSecurityHeaders(ctx: Context, next: Next) {
    ctx.set(securityHeaders);
    await next();
  }

  /**
   * A machine client's bearer token on /api/*, when machine clients are configured. Without
   * them the ALB has no bearer rule either, and an Authorization header is nothing to the
   * app: the request is a person's, signed in by the ALB.
   */
  function machineBearer(ctx: Context): string | undefined {
    return config.apiClientIds.length > 0 && ctx.path.startsWith("/api/") ? bearerToken(ctx.get("authorization")) : undefined;
  }

  function authorize(ctx: Context, principal: Principal) {
    for (const groups of requiredGroups(config.routePolicy, ctx.path)) {
      const member = principal.kind === "user" && principal.access.groups.some((g) => groups.includes(g));
      if (!member) {
        const names = groups.join(" or ");
        throw new ForbiddenError(`needs group ${names}`, `this page needs membership in the group ${names}`);
      }
    }
  }

  async function routes(ctx: Context) {
    const publicRoute = Object.hasOwn(PUBLIC_ROUTES, ctx.path) ? PUBLIC_ROUTES[ctx.path] : undefined;
    if (publicRoute && (ctx.method === "GET" || ctx.method === "HEAD")) return publicRoute(ctx);
    const table = ctx.method === "GET" || ctx.method === "HEAD" ? GET_ROUTES : ctx.method === "POST" ? POST_ROUTES : {};
    const route = Object.hasOwn(table, ctx.path) ? table[ctx.path] : undefined;
    if (!route) {
      const allowed = [Object.hasOwn(GET_ROUTES, ctx.path) || publicRoute ? "GET, HEAD" : "", Object.hasOwn(POST_ROUTES, ctx.path) ? "POST" : ""]
        .filter(Boolean)
        .join(", ");
      if (allowed) {
        ctx.status = 405;
        ctx.set("Allow", allowed);
        return;
      }
      ctx.status = 404;
      ctx.body = ctx.accepts("html", "json") === "json" ? { error: "Not Found" } : "Not Found";
      return;
    }
    const bearer = machineBearer(ctx);
    const principal =
      bearer !== undefined
        ? await authenticator.machine(bearer)
        : await authenticator.user({
            data: ctx.get("x-amzn-oidc-data") || undefined,
            identity: ctx.get("x-amzn-oidc-identity") || undefined,
            accessToken: ctx.get("x-amzn-oidc-accesstoken") || undefined,
          });
    (ctx.state as State).principal = principal;
    authorize(ctx, principal);
    route(ctx, principal);
  }

  const app = new Koa<State>();
  // The ALB terminates TLS and forwards plain HTTP with X-Forwarded-Proto: https.
  app.proxy = true;
  app.on("error", (error: unknown) => {
    log(JSON.stringify({ time: new Date(now()).toISOString(), level: "error", error: error instanceof Error ? error.message : String(error) }));
  });
  app.use(requestLog);
  app.use(errors);
  app.use(withSecurityHeaders);
  app.use(routes);
  return app;
}
