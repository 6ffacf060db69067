/**
 * The dev host's clock: real time plus an offset that can only grow. Advancing it (DEV_CLOCK=virtual
 * and POST /dev/clock/advance) makes durable timers and timer triggers due at once, so a leave's end
 * arrives in a demo or a test without waiting weeks.
 */
export class DevClock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock forward by `ms` (negative values are ignored: time never goes back). */
  advance(ms: number): number {
    if (ms > 0) {
      this.offsetMs += ms;
      for (const l of this.listeners) l();
    }
    return this.now();
  }

  /** Moves the clock forward to `epochMs` if that is later than now. */
  advanceTo(epochMs: number): number {
    return this.advance(epochMs - this.now());
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
