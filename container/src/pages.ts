import { createHash } from "node:crypto";
import { Identity } from "./verify";

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
.button{display:inline-block;margin-top:1rem;padding:.55rem 1.1rem;border-radius:8px;background:var(--accent);color:#fff;text-decoration:none;font-weight:600}
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

/** "1 h 4 min", "3 min 20 s", "expired". */
export function timeLeft(seconds: number): string {
  if (seconds <= 0) return "expired";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

export function utc(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} UTC`;
}

export function homePage(identity: Identity, now: number): string {
  const claims = Object.entries(identity.claims)
    .map(([name, value]) => `<tr><td><code>${escapeHtml(name)}</code></td><td><code>${escapeHtml(value)}</code></td></tr>`)
    .join("");
  return layout(
    `Signed in as ${identity.username}`,
    `<section class="card"><h1>Hello, ${escapeHtml(identity.username)}</h1>
<p class="muted">You are signed in. The load balancer checked your session; this app verified its signed token.</p>
<dl>
<dt>Username</dt><dd data-testid="username">${escapeHtml(identity.username)}</dd>
<dt>Email</dt><dd>${escapeHtml(identity.email ?? "(none)")}</dd>
<dt>Subject</dt><dd><code>${escapeHtml(identity.sub)}</code></dd>
<dt>Token expires</dt><dd>${escapeHtml(utc(identity.exp))} (${escapeHtml(timeLeft(identity.exp - now))} left)</dd>
</dl>
<a class="button" href="/logout">Sign out</a></section>
<section class="card"><h2>Claims in x-amzn-oidc-data</h2><table data-testid="claims">${claims}</table></section>`,
  );
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
  const hint = detail ?? (status === 401 ? "Your sign-in could not be verified. Reload the page to sign in again." : "Please try again in a moment.");
  return layout(`${status} ${message}`, `<section class="card"><h1>${status} ${escapeHtml(message)}</h1>
<p class="muted">${escapeHtml(hint)}</p>
<a class="button" href="/">Home</a></section>`);
}
