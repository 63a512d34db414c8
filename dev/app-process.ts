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
 * `onOutput` sees everything the app writes to stdout.
 *
 * By default it runs the TypeScript source through tsx and stops itself if this process
 * dies without stopping it (app-exits-with-parent.ts). Given `compiled` (a server.js
 * built by container/'s `npm run build`, and the node binary to run it), it runs that as
 * the image does, and is killed when this process exits.
 */
export function startAppProcess(
  env: Record<string, string>,
  onOutput?: (chunk: Buffer) => void,
  compiled?: { readonly server: string; readonly node: string },
): Promise<AppProcess> {
  const [node, args] = compiled ? [compiled.node, [compiled.server]] : [process.execPath, ["--import", "tsx", "--import", EXIT_WITH_PARENT, SERVER]];
  const child = spawn(node, args, { env: { ...process.env, ...env } });
  if (compiled) process.once("exit", () => child.kill());
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
