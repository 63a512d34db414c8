import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { batchedLines } from "../../container/src/log";

/** A real stream that records each write it is given. */
function recordingStream(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString());
      callback();
    },
  });
  return { stream, writes };
}

/** Runs a script in a fresh node (through tsx) that logs with the app's stdout writer. */
function runWithStdoutLine(body: string) {
  const log = join(__dirname, "..", "..", "container", "src", "log.ts");
  const script = `const { stdoutLine } = require(${JSON.stringify(log)});\n${body}`;
  return spawnSync(process.execPath, ["--import", "tsx", "--eval", script], { encoding: "utf8", timeout: 20_000 });
}

describe("batched log lines", () => {
  it("writes the lines of one event-loop turn in one write, in order, each ending in a newline", async () => {
    // GIVEN a writer over a recording stream
    const { stream, writes } = recordingStream();
    const log = batchedLines(stream);

    // WHEN three lines are logged in one turn, then one more in a later turn
    log('{"n":1}');
    log('{"n":2}');
    log('{"n":3}');
    expect(writes).toEqual([]); // held until the turn ends
    await nextTurn();
    log('{"n":4}');
    await nextTurn();

    // THEN the first turn's lines went out together, the later one on its own
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  it("writes nothing when nothing was logged", async () => {
    const { stream, writes } = recordingStream();
    batchedLines(stream);
    await nextTurn();
    expect(writes).toEqual([]);
  });

  it("writes held lines before process.exit ends the process", () => {
    // WHEN a process logs and exits in the same turn
    const run = runWithStdoutLine(`stdoutLine('{"event":"a"}'); stdoutLine('{"event":"b"}'); process.exit(3);`);

    // THEN both lines reached stdout, and the exit code is the one asked for
    expect(run.stdout).toBe('{"event":"a"}\n{"event":"b"}\n');
    expect(run.status).toBe(3);
  });

  it("writes held lines when an uncaught exception ends the process", () => {
    const run = runWithStdoutLine(`stdoutLine('{"event":"before the crash"}'); throw new Error("boom");`);

    expect(run.stdout).toBe('{"event":"before the crash"}\n');
    expect(run.stderr).toContain("boom");
    expect(run.status).toBe(1);
  });
});
