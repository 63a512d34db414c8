import { readFileSync } from "node:fs";
import { DevSession, killGroup, startNpmRunDev } from "./npm-run-dev";

// oidc-provider is ESM-only, which this jest setup does not load: test it inside `npm run dev`.
let session: DevSession | undefined;
let idp: string;

beforeAll(async () => {
  session = await startNpmRunDev();
  idp = `http://127.0.0.1:${session.ports[1]}`;
}, 60_000);

afterAll(() => killGroup(session));

describe("npm run dev, as a newcomer meets it", () => {
  it("prints no warning to decode, and says in one line which expected ones it held back", () => {
    const output = session?.output() ?? "";
    expect(output).toContain("dev: ready");
    expect(output).not.toMatch(/WARNING/);
    expect(output).toContain("oidc-provider's expected warnings are not shown");
  });

  it("listens on 127.0.0.1 only, the container app included, not on every interface", () => {
    // The kernel's table of listening sockets (Linux): local address and port of each.
    const listening = ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((fields) => fields[3] === "0A")
        .map((fields) => fields[1].split(":")),
    );
    for (const port of session?.ports ?? []) {
      const addresses = listening.filter(([, hex]) => parseInt(hex, 16) === port).map(([address]) => address);
      // 0100007F is 127.0.0.1 in the table's byte order; 00000000 (or :: in tcp6) would be every interface.
      expect([port, addresses]).toEqual([port, ["0100007F"]]);
    }
  });
});

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
