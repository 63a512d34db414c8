import { IncomingMessage, Server, ServerResponse } from "node:http";
import { Server as NetServer } from "node:net";

export interface GracefulShutdownOptions {
  /** After the stop signal, requests on open connections are still served, with `Connection: close`, this long. */
  readonly drainMs: number;
  /** After the stop signal, whatever is left is cut and the process exits. */
  readonly timeoutMs: number;
  readonly log: (event: Record<string, unknown>) => void;
  readonly exit: (code: number) => void;
}

/**
 * Stops `server` in three steps when `stop()` is called (on SIGTERM):
 *
 * 1. The listener closes at once: no new connections.
 * 2. For `drainMs`, open keep-alive connections stay open. A client (the ALB) may have
 *    written its next request on one already; closing it now would reset that request
 *    (ECONNRESET). Each response in this window says `Connection: close`, so clients
 *    close the connection themselves after it.
 * 3. Then idle connections are closed, and busy ones as soon as their response is sent.
 *
 * It exits 0 once every connection is closed. At `timeoutMs` it cuts what is left and
 * exits 1 only if a request was still being answered; connections holding no request,
 * or only part of one, cost nothing.
 */
export function gracefulShutdown(server: Server, options: GracefulShutdownOptions): () => void {
  let stopping = false;
  let draining = false;
  /** Requests being answered. */
  const active = new Set<ServerResponse>();

  // Before the app's own handler, so the header is set before any response is written.
  server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
    active.add(res);
    if (stopping) res.setHeader("Connection", "close");
    res.on("close", () => {
      active.delete(res);
      // A keep-alive connection that finishes a response after the drain window would
      // otherwise stay open until keepAliveTimeout.
      if (stopping && !draining) setImmediate(() => server.closeIdleConnections());
    });
  });

  return () => {
    if (stopping) return;
    stopping = true;
    draining = true;
    for (const res of active) if (!res.headersSent) res.setHeader("Connection", "close");
    // http.Server#close() would also close idle keep-alive connections at once (Node 19+),
    // resetting requests already on their way on them: close only the listening socket.
    NetServer.prototype.close.call(server, () => options.exit(0));
    setTimeout(() => {
      draining = false;
      server.closeIdleConnections();
    }, options.drainMs).unref();
    setTimeout(() => {
      options.log({ event: "shutdown timeout", requestsInFlight: active.size });
      server.closeAllConnections();
      options.exit(active.size > 0 ? 1 : 0);
    }, options.timeoutMs).unref();
  };
}
