import { createHash } from "node:crypto";
import type { UserPrincipal } from "./principal";

/** The only style on every page, allowed by its hash under the CSP (no 'unsafe-inline'). */
const STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#f6f7f9;--card:#fff;--muted:#5b6573;--line:#dde1e6;--accent:#2257d6}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--bg:#111418;--card:#1a1f25;--muted:#9aa4b1;--line:#2b323b;--accent:#7aa2ff}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:46rem;margin:3rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem 1.75rem;margin-bottom:1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1rem;margin:0 0 .75rem;color:var(--muted);font-weight:600}
p{margin:.25rem 0}.muted{color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-all}
table{width:100%;border-collapse:collapse;font-size:.9rem}td{padding:.35rem .5rem;border-top:1px solid var(--line);vertical-align:top;word-break:break-all}
td:first-child{color:var(--muted);white-space:nowrap;width:1%}code{font:.85rem ui-monospace,SFMono-Regular,Menlo,monospace}
.button{display:inline-block;margin-top:1rem;padding:.55rem 1.1rem;border:0;border-radius:8px;background:var(--accent);color:#fff;text-decoration:none;font:inherit;font-weight:600;cursor:pointer}
.tag{display:inline-block;padding:0 .45rem;margin-right:.25rem;border:1px solid var(--line);border-radius:6px;font-size:.85rem}
`;

export const STYLE_HASH = `sha256-${createHash("sha256").update(STYLE).digest("base64")}`;

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** A duration for people: "8 h", "1 h 4 min", "3 min 20 s", "45 s". */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

/** "2026-11-30 21:05:09 UTC". */
export function utc(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} UTC`;
}

/** "2026-11-30 21:05:09 UTC (12 min ago)", "(in 1 min 58 s)" or "(just now)". */
export function when(epochSeconds: number, now: number): string {
  const delta = epochSeconds - now;
  if (Math.abs(delta) < 1) return `${utc(epochSeconds)} (just now)`;
  return `${utc(epochSeconds)} (${delta >= 0 ? `in ${duration(delta)}` : `${duration(-delta)} ago`})`;
}

const SIGN_OUT_FORM = `<form method="post" action="/logout"><button class="button" type="submit">Sign out</button></form>`;

const groupTags = (groups: readonly string[]) =>
  groups.length === 0 ? "(none)" : groups.map((g) => `<span class="tag">${escapeHtml(g)}</span>`).join("");

export interface HomePageInput {
  readonly user: UserPrincipal;
  /** Epoch seconds. */
  readonly now: number;
  /** The environment's ALB session length, seconds. */
  readonly sessionTimeoutSeconds: number;
}

export function homePage({ user, now, sessionTimeoutSeconds }: HomePageInput): string {
  const { identity, access } = user;
  const claims = Object.entries(identity.claims)
    .map(([name, value]) => `<tr><td><code>${escapeHtml(name)}</code></td><td><code>${escapeHtml(value)}</code></td></tr>`)
    .join("");
  const signedIn = access.authTime === undefined ? "" : `<dt>Signed in</dt><dd data-testid="signed-in">${escapeHtml(when(access.authTime, now))}</dd>`;
  return layout(
    `Signed in as ${identity.displayName}`,
    `<section class="card"><h1>Hello, <span data-testid="display-name">${escapeHtml(identity.displayName)}</span></h1>
<p class="muted">You are signed in. The load balancer checked your session; this app verified its signed token and your access token.</p>
<dl>
<dt>Username</dt><dd data-testid="username">${escapeHtml(identity.username)}</dd>
<dt>Email</dt><dd>${escapeHtml(identity.email ?? "(none)")}</dd>
<dt>Groups</dt><dd data-testid="groups">${groupTags(access.groups)}</dd>
<dt>Subject</dt><dd><code>${escapeHtml(identity.sub)}</code></dd>
${signedIn}
</dl>
${SIGN_OUT_FORM}</section>
<section class="card"><h2>Your session</h2>
<dl>
<dt>Session length</dt><dd data-testid="session-length">${escapeHtml(duration(sessionTimeoutSeconds))}</dd>
<dt>Access token</dt><dd data-testid="access-expires">expires ${escapeHtml(when(access.exp, now))}</dd>
</dl>
<p class="muted">The load balancer keeps you signed in for ${escapeHtml(duration(sessionTimeoutSeconds))} from the moment it signed you in, then sends you to the sign-in page again.
While the session lasts it renews your access token with Cognito whenever it expires; if your account is disabled, that renewal fails and the session ends.
The token this page was shown with is signed afresh by the load balancer for every request and expires two minutes later; that is not when your session ends.</p></section>
<section class="card"><h2>Claims in x-amzn-oidc-data</h2><table data-testid="claims">${claims}</table></section>`,
  );
}

/** /admin: what the route policy says, shown to those it lets in. */
export function adminPage(user: UserPrincipal, policy: ReadonlyArray<{ readonly path: string; readonly groups: readonly string[] }>): string {
  const rows = policy.map((rule) => `<tr><td><code>${escapeHtml(rule.path)}</code></td><td>${groupTags(rule.groups)}</td></tr>`).join("");
  return layout(
    "Administration",
    `<section class="card"><h1>Administration</h1>
<p class="muted">${escapeHtml(user.identity.displayName)}, you may open this page: your groups are ${groupTags(user.access.groups)}.</p></section>
<section class="card"><h2>Route policy of this environment</h2><table data-testid="policy">${rows || '<tr><td colspan="2">No route needs a group.</td></tr>'}</table>
<a class="button" href="/">Home</a></section>`,
  );
}

/** GET /logout: sign-out changes state, so it takes a POST from this page. */
export function signOutPage(): string {
  return layout("Sign out", `<section class="card"><h1>Sign out?</h1><p class="muted">This ends your session with this app and with the sign-in page.</p>${SIGN_OUT_FORM}</section>`);
}

export function signedOutPage(): string {
  return layout(
    "Signed out",
    `<section class="card"><h1>You are signed out</h1>
<p class="muted">Your session with this app and with the sign-in page has ended.</p>
<a class="button" href="/">Sign in again</a></section>`,
  );
}

export function errorPage(status: number, message: string, detail?: string): string {
  const hint =
    detail ?? (status === 401 ? "Your sign-in could not be verified. Reload the page to sign in again." : "Please try again in a moment.");
  return layout(`${status} ${message}`, `<section class="card"><h1>${status} ${escapeHtml(message)}</h1>
<p class="muted" data-testid="detail">${escapeHtml(hint)}</p>
<a class="button" href="/">Home</a></section>`);
}
