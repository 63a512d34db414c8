import { DevSession, killGroup, startNpmRunDev } from "./npm-run-dev";

// oidc-provider is ESM-only, which this jest setup does not load: test it inside `npm run dev`.
let session: DevSession | undefined;
let idp: string;

beforeAll(async () => {
  session = await startNpmRunDev();
  idp = `http://127.0.0.1:${session.ports[1]}`;
}, 60_000);

afterAll(() => killGroup(session));

describe("local OpenID provider", () => {
  // Offline, a page that pulls fonts or scripts from the internet stalls or breaks in the browser.
  it.each([
    ["the signed-out page", "/session/end/success"],
    ["an error page", "/auth?client_id=unknown"],
  ])("serves %s that loads nothing from the internet", async (_what, path) => {
    const response = await fetch(`${idp}${path}`);
    const html = await response.text();
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toMatch(/<main>/);
    expect(html.match(/https?:\/\/[^\s"')<]+/g) ?? []).toEqual([]);
  });
});
