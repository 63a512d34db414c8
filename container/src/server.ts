import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { createApp } from "./app";
import { AppConfig, AppConfigError, loadConfig } from "./config";
import { stdoutLine } from "./log";
import { gracefulShutdown } from "./shutdown";

/** Starts the app on config.port and drains it on SIGTERM/SIGINT (see shutdown.ts). */
export function start(config: AppConfig): Server {
  const app = createApp({ config });
  const server = createServer(app.callback());
  // Above the ALB's 60 s idle timeout, so the ALB closes idle connections, not the app.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const log = (event: Record<string, unknown>) => stdoutLine(JSON.stringify({ time: new Date().toISOString(), ...event }));
  const shutdown = gracefulShutdown(server, { drainMs: config.shutdownDrainMs, timeoutMs: config.shutdownTimeoutMs, log, exit: (code) => process.exit(code) });
  const stop = (signal: string) => {
    log({ event: "shutdown", signal, drainMs: config.shutdownDrainMs, timeoutMs: config.shutdownTimeoutMs });
    shutdown();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  server.listen(config.port, config.host, () => {
    const { port, address } = server.address() as AddressInfo;
    log({ event: "listening", port, address });
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
