/**
 * Log lines to a stream, written in batches: the lines logged in one turn of the event
 * loop go out in one write. Under load many requests finish in the same turn, and each
 * write into the log pipe (ECS reads the container's stdout through one) is a system call
 * that also wakes the reader, a cost per request comparable to the JSON work around it.
 *
 * A line is held for less than one turn. When the process exits (process.exit, the end
 * of the event loop, an uncaught exception) whatever is held is written first, and stdout
 * writes to a pipe or file are synchronous there; only a SIGKILL can lose a turn's lines.
 */
export function batchedLines(stream: NodeJS.WritableStream): (line: string) => void {
  let held: string[] = [];
  const flush = () => {
    if (held.length === 0) return;
    const text = held.join("");
    held = [];
    stream.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (held.length === 0) setImmediate(flush);
    held.push(`${line}\n`);
  };
}

let stdout: ((line: string) => void) | undefined;

/** The app's one writer of JSON lines to stdout, shared by the request log and the server's events. */
export function stdoutLine(line: string): void {
  stdout ??= batchedLines(process.stdout);
  stdout(line);
}
