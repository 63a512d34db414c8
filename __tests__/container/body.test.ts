import { once } from "node:events";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { boundedText } from "../../container/src/body";
import { JwksStore } from "../../container/src/jwks";
import { KeyStore, KeysUnavailableError, UnknownKeyError } from "../../container/src/keys";

/**
 * Key endpoints that answer more than a key: the app reads at most a bound and hangs up,
 * against real HTTP servers on 127.0.0.1.
 */
let server: Server;
let url: string;
/** Set by a handler when the client hung up before the response ended. */
let hungUp: Promise<void>;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  let onClose: () => void = () => undefined;
  hungUp = new Promise((resolve) => (onClose = resolve));
  server = createServer((req, res) => {
    res.once("close", () => {
      if (!res.writableFinished) onClose();
    });
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes 1 KB chunks for as long as the client keeps reading. */
function endless(res: ServerResponse) {
  res.writeHead(200, { "content-type": "application/json" });
  const chunk = Buffer.alloc(1024, "x");
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once("drain", pump);
  };
  pump();
}

describe("boundedText", () => {
  it("returns a body within the bound, however it is chunked", async () => {
    await serve((_req, res) => {
      res.writeHead(200);
      res.write("héllo ");
      setTimeout(() => res.end("world"), 10);
    });
    expect(await boundedText(await fetch(url), 64)).toBe("héllo world");
  });

  it("refuses a body declared larger than the bound", async () => {
    await serve((_req, res) => res.writeHead(200, { "content-length": "5000" }).end("x".repeat(5000)));
    await expect(boundedText(await fetch(url), 4096)).rejects.toThrow("the response is larger than 4096 bytes");
  });

  it("stops reading a body that streams past the bound and hangs up", async () => {
    await serve((_req, res) => endless(res));
    await expect(boundedText(await fetch(url), 8192)).rejects.toThrow("the response is larger than 8192 bytes");
    // An endless body ends only because the reader cancelled it.
    await hungUp;
  });
});

describe("the key stores read a bounded body", () => {
  it("the user pool's key set: an endless answer is a key-set failure (503), not a hang", async () => {
    await serve((_req, res) => endless(res));
    const jwks = new JwksStore({ url: `${url}.well-known/jwks.json` });
    const failure = jwks.get("some-kid");
    await expect(failure).rejects.toThrow(KeysUnavailableError);
    await expect(failure).rejects.toThrow(/larger than 153600 bytes/);
    await hungUp;
  });

  it("an ALB key: an endless answer is a key failure (503); a large 403 is still an unknown kid (401)", async () => {
    await serve((req, res) => (req.url === "/big-403" ? res.writeHead(403).end("<Error>".repeat(10_000)) : endless(res)));
    const keys = new KeyStore({ baseUrl: url });
    const failure = keys.get("kid-1");
    await expect(failure).rejects.toThrow(KeysUnavailableError);
    await expect(failure).rejects.toThrow(/larger than 4096 bytes/);
    await hungUp;
    await expect(keys.get("big-403")).rejects.toThrow(UnknownKeyError);
  });
});
