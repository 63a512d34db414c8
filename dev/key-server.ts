import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { AlbSigningKey } from "./alb-token";
import { CognitoSigningKey, jwks } from "./cognito-token";

/** Where the key server serves the user pool's key set, as Cognito does under its issuer. */
export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * A stand-in for the regional ALB key endpoint on 127.0.0.1: GET /<kid> returns the
 * PEM, an unknown kid gets 403 as from the real endpoint. It also serves a user pool's
 * key set at JWKS_PATH. Used by the tests (which also slow it down or make it fail) and
 * the app benchmark.
 */
export interface KeyServer {
  readonly baseUrl: string;
  /** Requests received, by path. */
  readonly hits: string[];
  /** Delay before answering, in ms. */
  delayMs: number;
  /** Answer every request with this status instead. */
  failWith?: number;
  /** Answer every request with 200 and this body instead (an endpoint serving garbage). */
  garbage?: string;
  /** The PEM served per kid; tests swap one to serve a wrong key. */
  readonly pems: Map<string, string>;
  /** The user pool keys listed at JWKS_PATH; tests add and remove some. */
  readonly cognitoKeys: CognitoSigningKey[];
  /** `<base>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  close(): Promise<void>;
}

export async function startKeyServer(keys: AlbSigningKey[], port = 0, cognitoKeys: CognitoSigningKey[] = []): Promise<KeyServer> {
  const pems = new Map(keys.map((k) => [k.kid, k.publicKeyPem]));
  const state = { hits: [] as string[], delayMs: 0, failWith: undefined as number | undefined, garbage: undefined as string | undefined, pems, cognitoKeys: [...cognitoKeys] };
  const server: Server = createServer((req, res) => {
    state.hits.push(req.url ?? "");
    setTimeout(() => {
      if (state.failWith) {
        res.writeHead(state.failWith).end();
        return;
      }
      if (state.garbage !== undefined) {
        res.writeHead(200, { "content-type": "text/plain" }).end(state.garbage);
        return;
      }
      if (req.url === JWKS_PATH) {
        res.writeHead(200, { "content-type": "application/json" }).end(jwks(state.cognitoKeys));
        return;
      }
      const pem = pems.get((req.url ?? "").slice(1));
      if (!pem) res.writeHead(403, { "content-type": "application/xml" }).end("<Error><Code>AccessDenied</Code></Error>");
      else res.writeHead(200, { "content-type": "text/plain" }).end(pem);
    }, state.delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address() as AddressInfo;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${address.port}/`,
    jwksUrl: `http://127.0.0.1:${address.port}${JWKS_PATH}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
