/** How often to look; a second at most between the parent's death and the stop. */
const INTERVAL_MS = 500;

/**
 * Calls `onGone` once, when the process that started this one has exited, however it
 * died (even SIGKILL, which nobody can forward). The kernel then hands this process to
 * init or a subreaper, so its parent pid changes; `process.ppid` is read afresh each time.
 * The timer never keeps the process alive by itself.
 */
export function whenParentExits(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, INTERVAL_MS);
  timer.unref();
}
