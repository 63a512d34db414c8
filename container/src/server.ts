import { createServer, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { createApp } from "./app";
import { AppConfig, AppConfigError, loadConfig } from "./config";

/** Starts the app on config.port and drains in-flight requests on SIGTERM/SIGINT. */
export function start(config: AppConfig): Server {
  const app = createApp({ config });
  const server = createServer(app.callback());
  // Above the ALB's 60 s idle timeout, so the ALB closes idle connections, not the app.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  let stopping = false;
  // A keep-alive connection that finishes a response after close() would otherwise
  // stay open until keepAliveTimeout: close each one as soon as it goes idle.
  server.on("request", (_req, res: ServerResponse) => {
    res.on("finish", () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event: "shutdown", signal })}\n`);
    // Stop accepting; idle connections close now, busy ones once their response is sent.
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  server.listen(config.port, () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event: "listening", port })}\n`);
  });
  return server;
}

if (require.main === module) {
  try {
    start(loadConfig(process.env));
  } catch (error) {
    if (!(error instanceof AppConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
