import { DevSession, eventually, killGroup, processesInGroup, startNpmRunDev, takenPorts } from "./npm-run-dev";

/** A liveness bound, not a speed claim: the app drains for up to 2 s, the dev process gives up after 3 s. */
const STOPPED_WITHIN_MS = 10_000;

let session: DevSession | undefined;
afterEach(() => {
  killGroup(session);
  session = undefined;
});

async function expectEverythingStopped(dev: DevSession) {
  const stopped = await eventually(async () => (await takenPorts(dev.ports)).length === 0 && processesInGroup(dev.pid).length === 0, STOPPED_WITHIN_MS);
  if (!stopped) {
    const left = processesInGroup(dev.pid).map((p) => `${p.pid} ${p.args}`);
    throw new Error(`still taken: ports ${(await takenPorts(dev.ports)).join(", ") || "none"}; processes:\n${left.join("\n") || "none"}\n${dev.output()}`);
  }
}

describe("stopping npm run dev", () => {
  // An IDE's stop button, `kill <pid>`, a process manager: the signal reaches npm only, not its process group.
  it.each(["SIGINT", "SIGTERM"] as const)("frees every port and leaves no process when only the npm process gets %s", async (signal) => {
    // GIVEN
    session = await startNpmRunDev();
    // WHEN
    process.kill(session.pid, signal);
    // THEN
    await expectEverythingStopped(session);
  }, 60_000);

  it("frees every port and leaves no process on Ctrl-C in a terminal (SIGINT to the whole process group)", async () => {
    session = await startNpmRunDev();
    process.kill(-session.pid, "SIGINT");
    await expectEverythingStopped(session);
  }, 60_000);

  it("frees every port and leaves no process when the npm process is killed with SIGKILL", async () => {
    session = await startNpmRunDev();
    process.kill(session.pid, "SIGKILL");
    await expectEverythingStopped(session);
  }, 60_000);

  it("stops the container app when the dev process itself is killed with SIGKILL", async () => {
    // GIVEN the process that runs dev/index.ts: the parent of the container app
    session = await startNpmRunDev();
    const app = processesInGroup(session.pid).find((p) => p.args.includes("container/src/server.ts"));
    expect(app).toBeDefined();
    // WHEN
    process.kill(app?.ppid ?? 0, "SIGKILL");
    // THEN
    await expectEverythingStopped(session);
  }, 60_000);
});
