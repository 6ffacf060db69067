/**
 * Synchronous code under a hard deadline, for tests that guard against runaway computation (a regular
 * expression that backtracks catastrophically, say). Such code blocks the event loop, so jest's own
 * timeout, a timer on that loop, never fires and the run hangs instead of failing. node:vm enforces its
 * `timeout` from a watchdog thread that terminates the running JavaScript, regular expression matching
 * included, so the test fails. The code runs in the calling context (the same modules ts-jest loaded);
 * the vm script only calls it.
 */
import vm from 'node:vm';

/** Thrown when the work did not finish within its deadline. */
export class DeadlineExceededError extends Error {
  constructor(what: string, limitMs: number) {
    super(`${what} did not finish within ${limitMs} ms and was stopped`);
    this.name = 'DeadlineExceededError';
  }
}

/** The result of `work()`, or DeadlineExceededError once it has run for `limitMs`. */
export function finishesWithin<T>(limitMs: number, what: string, work: () => T): T {
  const outcome: { value?: T } = {};
  try {
    vm.runInNewContext(
      'work()',
      {
        work: () => {
          outcome.value = work();
        },
      },
      { timeout: limitMs },
    );
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new DeadlineExceededError(what, limitMs);
    throw error;
  }
  return outcome.value as T;
}
