import { randomBytes } from "node:crypto";
import type { Context, Next } from "koa";
import Provider from "oidc-provider";

/** A dev user from dev/users.json. */
export interface DevUser {
  readonly sub: string;
  readonly username: string;
  readonly email: string;
  readonly name: string;
  readonly password: string;
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
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui,sans-serif;background:#f6f7f9;margin:0}main{max-width:22rem;margin:4rem auto;background:#fff;border:1px solid #dde1e6;border-radius:12px;padding:1.5rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;width:100%;padding:.6rem;background:#2257d6;color:#fff;border:0;border-radius:8px;font-weight:600}
.error{color:#b00020}.hint{color:#5b6573;font-size:.85rem}</style></head><body><main>${body}</main></body></html>`;
}

function loginForm(uid: string, error?: string, email = ""): string {
  return page(
    "Sign in",
    `<h1>Sign in</h1><p class="hint">Local stand-in for the Cognito hosted UI.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${escape(email)}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
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
 * panva's oidc-provider with the dev users, a password login page, and Cognito's
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
    ttl: { Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600 },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page("Sign-in error", `<h1>Sign-in error</h1><p class="error">${escape(String(out.error))}: ${escape(String(out.error_description ?? ""))}</p>`);
    },
  });
  // Plain HTTP on loopback: nothing to trust a proxy for.
  provider.proxy = false;

  provider.use(async (ctx: Context, next: Next) => {
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
        ctx.body = loginForm(uid);
        return;
      }
      const form = await formBody(ctx);
      const email = (form.get("email") ?? "").trim().toLowerCase();
      const user = options.users.find((u) => u.email === email && u.password === form.get("password"));
      if (!user) {
        ctx.status = 401;
        ctx.type = "html";
        ctx.body = loginForm(uid, "Incorrect email or password.", email);
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
