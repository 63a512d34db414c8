import { ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { createServer, Server } from "node:net";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
/** Generous: a cold start compiles TypeScript on a shared machine. */
const READY_TIMEOUT_MS = 45_000;

/** `npm run dev` as a terminal or an IDE starts it: its own process group, led by npm. */
export interface DevSession {
  readonly npm: ChildProcessWithoutNullStreams;
  /** npm's pid, which is also the process group of everything it started. */
  readonly pid: number;
  readonly ports: readonly number[];
  /** Everything printed so far, for failure messages. */
  output(): string;
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Ports the system hands out as free right now. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listenOn(0)));
  const ports = servers.map((s) => {
    const address = s?.address();
    if (!address || typeof address === "string") throw new Error("no free port");
    return address.port;
  });
  await Promise.all(servers.map((s) => (s ? close(s) : undefined)));
  return ports;
}

/** The ports among `ports` that something still listens on (127.0.0.1 conflicts with a wildcard listener too). */
export async function takenPorts(ports: readonly number[]): Promise<number[]> {
  const taken: number[] = [];
  for (const port of ports) {
    const server = await listenOn(port);
    if (server) await close(server);
    else taken.push(port);
  }
  return taken;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

/** Live (not zombie) processes in the process group `pgid`. */
export function processesInGroup(pgid: number): ProcessInfo[] {
  const table = execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,stat=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , group, stat]) => Number(group) === pgid && stat !== undefined && !stat.startsWith("Z"))
    .map(([pid, ppid, , , ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(" ") }));
}

/** Starts `npm run dev` on free ports and resolves once it prints "dev: ready". */
export async function startNpmRunDev(): Promise<DevSession> {
  const ports = await freePorts(4);
  const [alb, idp, app, keys] = ports.map(String);
  const npm = spawn("npm", ["run", "dev"], {
    cwd: ROOT,
    env: { ...process.env, DEV_PORT: alb, DEV_IDP_PORT: idp, DEV_APP_PORT: app, DEV_KEYS_PORT: keys, DEV_QUIET: "1" },
    detached: true,
  });
  const pid = npm.pid;
  if (pid === undefined) throw new Error("npm did not start");
  let output = "";
  const session = { npm, pid, ports, output: () => output };
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    const fail = (why: string) => {
      if (ready) return;
      killGroup(session);
      reject(new Error(`npm run dev ${why} before it was ready:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not print "dev: ready" within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    npm.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (ready || !output.includes("dev: ready")) return;
      ready = true;
      clearTimeout(timer);
      resolve();
    });
    npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    npm.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(`exited (${code ?? signal})`);
    });
  });
  return session;
}

/** Polls `check` every 200 ms until it returns true or `timeoutMs` passes; returns its last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whatever a failed test left behind: kill the whole group. */
export function killGroup(session: DevSession | undefined): void {
  if (!session) return;
  try {
    process.kill(-session.pid, "SIGKILL");
  } catch {
    // Nothing left in the group.
  }
}
