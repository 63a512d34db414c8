import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const SERVER = join(__dirname, "..", "container", "src", "server.ts");
const EXIT_WITH_PARENT = pathToFileURL(join(__dirname, "app-exits-with-parent.ts")).href;

export interface AppProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The port the app reported in its "listening" log line (PORT=0 picks a free one). */
  readonly port: number;
}

/**
 * Starts the container app as its own process, configured only through its
 * environment (as ECS runs it), and resolves once it logs that it listens.
 * It stops itself if this process dies without stopping it (app-exits-with-parent.ts).
 * `onOutput` sees everything the app writes to stdout.
 */
export function startAppProcess(env: Record<string, string>, onOutput?: (chunk: Buffer) => void): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", EXIT_WITH_PARENT, SERVER], { env: { ...process.env, ...env } });
  child.stderr.pipe(process.stderr);
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      onOutput?.(chunk);
      const match = /"event":"listening","port":(\d+)/.exec(chunk.toString());
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`the container app exited with code ${code} before listening`)));
  });
}
