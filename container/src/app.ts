import Koa, { Context, Next } from "koa";
import { AppConfig } from "./config";
import { KeyStore } from "./keys";
import { errorPage, homePage, signedOutPage, STYLE_HASH } from "./pages";
import { AuthError, Identity, TokenVerifier } from "./verify";

export interface AppOptions {
  readonly config: AppConfig;
  /** @default - keys from config.keysBaseUrl */
  readonly keys?: KeyStore;
  /** Receives one JSON line per request. @default - stdout */
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

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: "Bad Request", 401: "Unauthorized", 503: "Service Unavailable" };

interface State {
  identity?: Identity;
  /** Why a request was refused, for the log line. */
  reason?: string;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": `default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  // Pages show personal data: never store them in shared or browser caches.
  "Cache-Control": "no-store",
};

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

/** Builds the app; listening happens in server.ts so tests can drive `app.callback()`. */
export function createApp(options: AppOptions): Koa<State> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const verifier = new TokenVerifier({ config, keys: options.keys ?? new KeyStore({ baseUrl: config.keysBaseUrl }) });

  const app = new Koa<State>();
  // The ALB terminates TLS and forwards plain HTTP with X-Forwarded-Proto: https.
  app.proxy = true;

  const shards = [...new Set([config.sessionCookieName, "AWSELBAuthSessionCookie"])].flatMap((name) =>
    [0, 1, 2, 3].map((i) => `${name}-${i}`),
  );

  const AUTHENTICATED_ROUTES: Readonly<Record<string, (ctx: Context, identity: Identity) => void>> = {
    "/": (ctx, identity) => {
      ctx.type = "html";
      ctx.body = homePage(identity, Math.floor(now() / 1000));
    },
    "/api/me": (ctx, identity) => {
      ctx.body = { sub: identity.sub, username: identity.username, email: identity.email ?? null, expiresAt: identity.exp, claims: identity.claims };
    },
    "/logout": (ctx) => {
      // The session cookies are Secure: a browser ignores a Secure cookie set over plain
      // HTTP (and Koa refuses to send one), so sign-out cannot work there. Behind the ALB
      // every request carries X-Forwarded-Proto: https; anything else did not come through it.
      if (!ctx.secure) throw new BadRequestError("sign-out works over HTTPS only");
      // The ALB splits a large session into -0, -1, ... shards: expire all of them,
      // or the ALB may still find a session.
      for (const name of shards) {
        ctx.cookies.set(name, "", { expires: new Date(0), path: "/", secure: true, httpOnly: true, overwrite: true });
      }
      ctx.redirect(config.logoutUrl);
    },
  };

  async function requestLog(ctx: Context, next: Next) {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const state = ctx.state as State;
      log(
        JSON.stringify({
          time: new Date(now()).toISOString(),
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Number((process.hrtime.bigint() - start) / 1000n) / 1000,
          sub: state.identity?.sub,
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
      const known = error instanceof AuthError || error instanceof BadRequestError;
      const status = known ? error.status : 500;
      (ctx.state as State).reason = known ? error.reason : "internal error";
      ctx.status = status;
      const message = STATUS_TEXT[status] ?? "Internal Server Error";
      // Only a bad request's reason is for the client; token problems stay in the log.
      const detail = error instanceof BadRequestError ? error.reason : undefined;
      if (ctx.path.startsWith("/api/") || ctx.accepts("html", "json") === "json") {
        ctx.body = detail ? { error: message, detail } : { error: message };
      } else {
        ctx.type = "html";
        ctx.body = errorPage(status, message, detail);
      }
      if (!known) ctx.app.emit("error", error, ctx);
    }
  }

  async function securityHeaders(ctx: Context, next: Next) {
    ctx.set(SECURITY_HEADERS);
    await next();
  }

  async function routes(ctx: Context) {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") {
      ctx.status = 405;
      ctx.set("Allow", "GET, HEAD");
      return;
    }
    const publicRoute = PUBLIC_ROUTES[ctx.path];
    if (publicRoute) return publicRoute(ctx);
    const route = AUTHENTICATED_ROUTES[ctx.path];
    if (!route) {
      ctx.status = 404;
      ctx.body = ctx.accepts("html", "json") === "json" ? { error: "Not Found" } : "Not Found";
      return;
    }
    const identity = await verifier.verify(ctx.get("x-amzn-oidc-data") || undefined, ctx.get("x-amzn-oidc-identity") || undefined);
    (ctx.state as State).identity = identity;
    route(ctx, identity);
  }

  app.on("error", (error: unknown) => {
    log(JSON.stringify({ time: new Date(now()).toISOString(), level: "error", error: error instanceof Error ? error.message : String(error) }));
  });
  app.use(requestLog);
  app.use(errors);
  app.use(securityHeaders);
  app.use(routes);
  return app;
}
