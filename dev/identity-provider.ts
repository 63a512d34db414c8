import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, Next } from "koa";
import Provider from "oidc-provider";
import { accessToken, CognitoSigningKey, jwks } from "./cognito-token";
import { verifyPoolToken } from "./jwt-validation";

/** A machine client of the local user pool: client credentials, the scopes it may ask for. */
export interface MachineClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
}

/** A dev user from dev/users.json. */
export interface DevUser {
  readonly sub: string;
  readonly username: string;
  readonly email: string;
  readonly name: string;
  readonly password: string;
  /** Cognito groups, as `cognito:groups` in the user's access token. */
  readonly groups?: readonly string[];
}

export interface IdentityProviderOptions {
  /** Issuer URL, e.g. http://127.0.0.1:3001 (the app checks `iss` against it). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The local ALB's callback, https://<app>/oauth2/idpresponse in AWS. */
  readonly redirectUri: string;
  /** Where /logout may send users back to (the client's logout URLs in Cognito). */
  readonly logoutUris: readonly string[];
  readonly users: readonly DevUser[];
  /** Signs the Cognito-shaped access tokens; published at /.well-known/jwks.json. */
  readonly signingKey: CognitoSigningKey;
  /** Programs that get tokens from /oauth2/token with the client credentials grant. */
  readonly machineClients: readonly MachineClient[];
  /** Access token lifetime, seconds. @default 3600 */
  readonly accessTokenSeconds?: number;
}

/** Where Cognito serves a user pool's keys, under the issuer. */
export const JWKS_PATH = "/.well-known/jwks.json";
/** Cognito's token endpoint path (on the hosted UI domain); here, client credentials only. */
export const TOKEN_PATH = "/oauth2/token";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui,sans-serif;background:#f6f7f9;margin:0}main{max-width:22rem;margin:4rem auto;background:#fff;border:1px solid #dde1e6;border-radius:12px;padding:1.5rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;width:100%;padding:.6rem;background:#2257d6;color:#fff;border:0;border-radius:8px;font-weight:600}
.error{color:#b00020}.hint{color:#5b6573;font-size:.85rem}</style></head><body><main>${body}</main></body></html>`;
}

/** The local accounts, on the sign-in page: they are made up, and finding them should take no search. */
function accountList(users: readonly DevUser[]): string {
  const rows = users.map(
    (u) => `<li><code>${escape(u.email)}</code> / <code>${escape(u.password)}</code>${u.groups?.length ? ` (${escape(u.groups.join(", "))})` : ""}</li>`,
  );
  return `<p class="hint">Local accounts (dev/users.json):</p><ul class="hint">${rows.join("")}</ul>`;
}

function loginForm(uid: string, users: readonly DevUser[], error?: string, email = ""): string {
  return page(
    "Sign in",
    `<h1>Sign in</h1><p class="hint">Local stand-in for the Cognito hosted UI.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${escape(email)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
${accountList(users)}`,
  );
}

async function formBody(ctx: Context): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) ctx.throw(413);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * panva's oidc-provider with the dev users, a password login page, and what makes it
 * answer like Cognito: RS256 access tokens with `cognito:groups` (swapped in at the
 * code exchange), the pool's key set at /.well-known/jwks.json, userinfo for those
 * tokens, client credentials tokens for machine clients at /oauth2/token, and
 * `/logout?client_id=...&logout_uri=...` mapped onto RP-initiated logout.
 */
export function createIdentityProvider(options: IdentityProviderOptions): Provider {
  const users = new Map(options.users.map((u) => [u.sub, u]));
  const provider = new Provider(options.issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [...options.logoutUris],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, username: user.username, email: user.email, email_verified: true, name: user.name };
        },
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "username"] },
    scopes: ["openid", "email", "profile"],
    cookies: { keys: [randomBytes(32).toString("hex")] },
    // ID tokens signed with the pool's key, as Cognito signs both tokens with its pool keys.
    jwks: { keys: [{ ...options.signingKey.privateKey.export({ format: "jwk" }), kid: options.signingKey.kid, alg: "RS256", use: "sig" }] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // The default page @imports Google Fonts; a local page keeps `npm run dev` offline-clean.
        async postLogoutSuccessSource(ctx) {
          ctx.body = page("Signed out", "<h1>Signed out</h1><p>You are signed out of the local OpenID provider.</p>");
        },
        // Cognito signs out without asking: submit the provider's confirmation form at once.
        async logoutSource(ctx, form) {
          ctx.body = page(
            "Signing out",
            `<p>Signing out...</p>${form}<noscript><button form="op.logoutForm" name="logout" value="yes">Sign out</button></noscript>
<script>const f=document.getElementById("op.logoutForm");const i=document.createElement("input");i.type="hidden";i.name="logout";i.value="yes";f.appendChild(i);f.submit();</script>`,
          );
        },
      },
    },
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AccessToken: options.accessTokenSeconds ?? 3600, AuthorizationCode: 60, IdToken: 3600 },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page("Sign-in error", `<h1>Sign-in error</h1><p class="error">${escape(String(out.error))}: ${escape(String(out.error_description ?? ""))}</p>`);
    },
  });
  // Plain HTTP on loopback: nothing to trust a proxy for.
  provider.proxy = false;

  const lifetime = options.accessTokenSeconds ?? 3600;
  const oauthError = (ctx: Context, status: number, error: string) => {
    ctx.status = status;
    ctx.body = { error };
  };

  provider.use(async (ctx: Context, next: Next) => {
    // The user pool's keys, where Cognito serves them: what the app and the local ALB verify access tokens with.
    if (ctx.path === JWKS_PATH && ctx.method === "GET") {
      ctx.type = "json";
      ctx.body = jwks([options.signingKey]);
      return;
    }

    // Cognito's token endpoint for machine clients: client credentials in HTTP Basic, scopes of the resource server.
    if (ctx.path === TOKEN_PATH && ctx.method === "POST") {
      const [id, secret] = Buffer.from(/^Basic (.+)$/i.exec(ctx.get("authorization"))?.[1] ?? "", "base64").toString().split(":");
      const client = options.machineClients.find((c) => c.clientId === id);
      if (!client || !secret || secret.length !== client.clientSecret.length || !timingSafeEqual(Buffer.from(secret), Buffer.from(client.clientSecret))) {
        return oauthError(ctx, 400, "invalid_client");
      }
      const form = await formBody(ctx);
      if (form.get("grant_type") !== "client_credentials") return oauthError(ctx, 400, "unsupported_grant_type");
      const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
      if (asked.some((scope) => !client.scopes.includes(scope))) return oauthError(ctx, 400, "invalid_scope");
      const scope = (asked.length > 0 ? asked : client.scopes).join(" ");
      ctx.body = { access_token: accessToken(options.signingKey, { issuer: options.issuer, clientId: client.clientId, scope, lifetime }), expires_in: lifetime, token_type: "Bearer" };
      return;
    }

    // Userinfo, as Cognito answers it: for a valid access token of a user, that user's attributes.
    if (ctx.path === "/me" && /^Bearer /i.test(ctx.get("authorization"))) {
      const claims = verifyPoolToken(ctx.get("authorization").slice(7).trim(), { issuer: options.issuer, keys: [options.signingKey] });
      const user = claims && users.get(String(claims.sub));
      if (!claims || claims.token_use !== "access" || !user) {
        ctx.status = 401;
        ctx.set("WWW-Authenticate", 'Bearer error="invalid_token"');
        return;
      }
      ctx.body = { sub: user.sub, username: user.username, email: user.email, email_verified: "true", name: user.name };
      return;
    }

    // The code exchange: oidc-provider issues an opaque access token; Cognito's is an RS256 JWT
    // with cognito:groups. Swap it, so the ALB forwards what Cognito would give it.
    if (ctx.path === "/token" && ctx.method === "POST") {
      await next();
      const body = ctx.body as { access_token?: unknown; expires_in?: number } | undefined;
      if (ctx.status !== 200 || typeof body?.access_token !== "string") return;
      const opaque = await provider.AccessToken.find(body.access_token);
      const user = opaque && users.get(opaque.accountId);
      if (!opaque || !user) return;
      body.access_token = accessToken(options.signingKey, {
        issuer: options.issuer,
        clientId: opaque.clientId ?? options.clientId,
        sub: user.sub,
        username: user.username,
        groups: user.groups,
        scope: opaque.scope ?? "openid",
        lifetime,
      });
      body.expires_in = lifetime;
      return;
    }

    // Cognito's logout endpoint: same parameters, same rule (logout_uri must be registered).
    if (ctx.path === "/logout" && ctx.method === "GET") {
      const clientId = String(ctx.query.client_id ?? "");
      const logoutUri = String(ctx.query.logout_uri ?? "");
      if (clientId !== options.clientId || !options.logoutUris.includes(logoutUri)) {
        ctx.status = 400;
        ctx.body = "logout_uri is not a logout URL of this client";
        return;
      }
      const end = new URL("/session/end", options.issuer);
      end.searchParams.set("client_id", clientId);
      end.searchParams.set("post_logout_redirect_uri", logoutUri);
      ctx.redirect(end.toString());
      return;
    }

    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { uid, prompt, params } = details;

    if (prompt.name === "login") {
      if (ctx.method === "GET") {
        ctx.type = "html";
        ctx.body = loginForm(uid, options.users);
        return;
      }
      const form = await formBody(ctx);
      const email = (form.get("email") ?? "").trim().toLowerCase();
      const user = options.users.find((u) => u.email === email && u.password === form.get("password"));
      if (!user) {
        ctx.status = 401;
        ctx.type = "html";
        ctx.body = loginForm(uid, options.users, "Incorrect email or password.", email);
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return;
    }

    // Consent: the app client is first-party, as a Cognito app client is. Grant what it asked for.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId, clientId: String(params.client_id) });
    if (!grant) ctx.throw(400, "grant not found");
    grant.addOIDCScope(String(params.scope ?? "openid"));
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.respond = false;
  });
  return provider;
}
