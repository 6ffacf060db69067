/**
 * How an error crosses the durable boundary, the one way for every activity (leave and sweep alike).
 *
 * - Permanent (the mailbox refuses, out of scope, a setting is wrong, HiBob says no): the activity
 *   returns `{ ok: false, failure }`, a result naming the code; the orchestration decides what that
 *   means (end the leave, a failed row, a sweep that does not start). Never retried.
 * - Transient (server busy, throttled, a connection dropped): the activity throws a TransientFailure.
 *   The durable extension keeps only an error's name and message across the boundary, so the code
 *   travels in the message as `[Code] …`; `transientCodeOf` reads it back, on either side.
 *
 * Who retries transient failures. The orchestration does, with callActivityWithRetry and the attempts
 * and intervals of LEAVE_MAX_ATTEMPTS / LEAVE_RETRY_FIRST_MS and SWEEP_MAX_ATTEMPTS /
 * SWEEP_RETRY_INTERVAL_MS: those are the retries that wait minutes and survive a restart. The mailbox
 * client's own attempts (EWS_MAX_ATTEMPTS, default 6) are not a second retry policy but the way one call
 * honours the waits Exchange or Graph name (BackOffMilliseconds, Retry-After) inside that call, and they
 * are bounded by time, not count: EWS_MAX_RETRY_WAIT_MS per call. So the product is bounded too — at
 * most (durable attempts) × (one call's total wait) — and that bound, not 6 × 5 attempts, is what an
 * operator tunes.
 */
import { ConfigError } from '../platform/configError';
import { isMailboxError } from '../mailbox/mailboxError';
import { OutOfScopeError } from '../mailbox/scope';

/** A failure that retrying will not mend, as an activity returns it. */
export interface PermanentFailure {
  /** The server's code (ErrorImpersonateUserDenied, HTTP_403, HibobAccessDenied), or OutOfScope, Configuration. */
  code: string;
  message: string;
  /** The setting at fault, for Configuration. */
  setting?: string;
}

/** An activity's answer: the value, or the permanent failure. Transient failures are thrown instead. */
export type ActivityOutcome<T> = { ok: true; value: T } | { ok: false; failure: PermanentFailure };

/** The one shape of a transient failure thrown out of an activity. */
export class TransientFailure extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(`[${code}] ${detail}`);
    this.name = 'TransientFailure';
  }
}

/** The code of a TransientFailure, or of the message the durable extension kept of one; else undefined. */
export function transientCodeOf(failure: unknown): string | undefined {
  if (failure instanceof TransientFailure) return failure.code;
  const message = failure instanceof Error ? failure.message : typeof failure === 'string' ? failure : '';
  // Not anchored: the durable extension may put its own words before the activity's message.
  return /\[([A-Za-z0-9_]+)\] /.exec(message)?.[1];
}

/** What the error says about itself: a code and whether it may mend. Errors that say nothing: undefined. */
function describe(error: unknown): { code: string; retryable: boolean; setting?: string } | undefined {
  if (error instanceof ConfigError)
    return { code: 'Configuration', retryable: false, setting: error.setting };
  if (isMailboxError(error)) return { code: error.code, retryable: error.retryable };
  if (error instanceof OutOfScopeError) return { code: error.code, retryable: false };
  // HibobApiError and any other error of ours that says both (a Node system error's `code` alone does not).
  const e = error as { code?: unknown; retryable?: unknown } | undefined;
  if (typeof e?.code === 'string' && typeof e.retryable === 'boolean')
    return { code: e.code, retryable: e.retryable };
  return undefined;
}

/**
 * The permanent failure an error is; throws a TransientFailure for a retryable one, and rethrows an
 * error that names no code (a bug: the durable extension retries it, and the failure keeps its message).
 */
export function permanentFailureOf(error: unknown): PermanentFailure {
  const described = describe(error);
  if (!described) throw error;
  const message = (error as Error).message;
  if (described.retryable) throw new TransientFailure(described.code, message);
  return {
    code: described.code,
    message,
    ...(described.setting !== undefined ? { setting: described.setting } : {}),
  };
}

/** The activity's lines about its failures: the one that ends the work, the one that will be retried. */
export interface FailureLines {
  permanent(failure: PermanentFailure): void;
  /** A TransientFailure, or an error that names no code (rethrown as it is). */
  retried(error: Error): void;
}

/** Runs an activity's work: its value, or its permanent failure; transient failures thrown as TransientFailure. */
export async function activityOutcome<T>(
  work: () => Promise<T>,
  lines?: FailureLines,
): Promise<ActivityOutcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    let failure: PermanentFailure;
    try {
      failure = permanentFailureOf(error);
    } catch (thrown) {
      lines?.retried(thrown as Error);
      throw thrown;
    }
    lines?.permanent(failure);
    return { ok: false, failure };
  }
}

export function failed(code: string, message: string): ActivityOutcome<never> {
  return { ok: false, failure: { code, message } };
}
