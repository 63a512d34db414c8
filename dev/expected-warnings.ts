/**
 * oidc-provider warns on stderr about two things that are true and intended for a local
 * stand-in: it prefers Node.js 22 (it runs on the Node 20 this project supports), and it
 * keeps sessions and grants in memory (restarting `npm run dev` signs you out). They would
 * be the first lines a newcomer sees, so they are held back here and `npm run dev` says in
 * one line what they were. Any other warning still reaches stderr.
 *
 * Imported first by dev/index.ts: the runtime warning comes while oidc-provider loads.
 */
const EXPECTED = [/^oidc-provider WARNING: Unsupported runtime\./, /^oidc-provider WARNING: a quick start development-only in-memory adapter is used/];

const held: string[] = [];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  const text = args.map(String).join(" ").replace(/\x1b\[[\d;]*m/g, "");
  if (EXPECTED.some((pattern) => pattern.test(text))) held.push(text);
  else warn(...args);
};

/** What was held back, in one line, or "" when nothing was. */
export function expectedWarningsNote(): string {
  if (held.length === 0) return "";
  return "  (oidc-provider's expected warnings are not shown: it prefers Node.js 22, and keeps sessions in memory, so a restart signs you out)";
}
