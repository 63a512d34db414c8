/**
 * How many key fetches may start, across all kids: a token bucket (`perSecond`
 * refilled each second, up to `burst`) and a cap on fetches in flight. A flood of
 * made-up kids then costs the key endpoint at most `perSecond` requests a second.
 */
export class FetchBudget {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxInFlight: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** A release function if a fetch may start now; undefined if over budget. */
  tryStart(): (() => void) | undefined {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1 || this.inFlight >= this.maxInFlight) return undefined;
    this.tokens -= 1;
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
    };
  }
}
