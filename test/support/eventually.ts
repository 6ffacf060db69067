/**
 * Waiting for something the app does asynchronously (a calendar owner, a timer-fired poll) by looking again
 * until it is so, never by a fixed sleep: the one retry loop of the integration tests. On a loaded machine
 * (2 cores, several suites at once) a look may take long, so the deadline is generous and a failure says
 * what the last look saw and, through `explain`, what the app logged meanwhile.
 */

export interface EventuallyOptions {
  /** How long to keep looking, in ms (default 15 s). */
  timeoutMs?: number;
  /** The pause between two looks, in ms (default 25). */
  intervalMs?: number;
  /** Added to the last failure's message when time is up: e.g. the host's log lines. */
  explain?: () => string;
}

/**
 * Runs `check` until it returns without throwing (a failed `expect` throws) and gives back what it returned;
 * when `timeoutMs` has passed, throws the last failure's message with `explain()`'s text under it.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) {
        const message = error instanceof Error ? error.message : String(error);
        const explanation = options.explain ? `\n${options.explain()}` : '';
        throw new Error(`still failing after ${timeoutMs} ms: ${message}${explanation}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
    }
  }
}

/** Looks with `probe` until it finds something (not undefined) and gives it back; `what` names it on failure. */
export function until<T>(
  what: string,
  probe: () => T | undefined,
  options: EventuallyOptions = {},
): Promise<T> {
  return eventually(() => {
    const found = probe();
    if (found === undefined) throw new Error(`no ${what} yet`);
    return found;
  }, options);
}
