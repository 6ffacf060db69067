import { randomUUID } from 'node:crypto';
import { sleep } from './concurrency';
import { MailboxError } from '../../mailbox/mailboxError';

/** Bounds of one mailbox call, retries included. */
export interface RetryLimits {
  /** Deadline of the whole call (EWS_TIMEOUT_MS / GRAPH_TIMEOUT_MS). */
  timeoutMs: number;
  maxAttempts: number;
  /** Most time spent waiting between attempts. */
  maxTotalWaitMs: number;
}

/** One structured line per HTTP attempt of a mailbox call; never a body, token or reply text. */
export interface MailboxCallEvent {
  operation: string;
  mailbox: string;
  /** client-request-id we sent. */
  requestId: string;
  attempt: number;
  durationMs: number;
  outcome: 'ok' | 'retry' | 'failed';
  code?: string;
  waitMs?: number;
}

/** What happened to one attempt, for logs and metrics. */
export type AttemptReport<T> = {
  attempt: number;
  requestId: string;
  durationMs: number;
} & ({ outcome: 'ok'; result: T } | { outcome: 'retry' | 'failed'; error: MailboxError; waitMs?: number });

/** What a back end supplies; the loop itself (deadline, attempts, waits, give-up) is shared. */
export interface RetryingCall<T> {
  limits: RetryLimits;
  /** How long callers must still hold off before sending (shared back-off gates); 0 when open. */
  pauseBefore(): number;
  /** The error to fail with when that pause reaches past the deadline. */
  pausePastDeadline(pause: number): MailboxError;
  /** One attempt; `requestId` goes out as client-request-id. Failures are MailboxErrors. */
  attempt(requestId: string, deadline: number): Promise<T>;
  /** The wait before retrying a retryable error. */
  retryWait(error: MailboxError, attempt: number): number;
  /**
   * False when sending the request again could repeat what the failed attempt did (a create whose answer
   * was lost): the error, still retryable, goes up to a caller that looks before it acts again.
   */
  mayResend?(error: MailboxError): boolean;
  /** Lessons from a failure that outlive the call: server-named pauses, a lower concurrency. */
  learn?(error: MailboxError): void;
  report?(event: AttemptReport<T>): void;
}

/**
 * Runs a mailbox call: transient and throttled failures are retried within the deadline, the attempt
 * limit and the total-wait limit; permanent errors and our own bugs surface at once, with `attempts` set.
 */
export async function callWithRetries<T>(call: RetryingCall<T>): Promise<T> {
  const { limits } = call;
  const deadline = Date.now() + limits.timeoutMs;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    // Loop: another caller may extend the pause while we wait.
    for (let pause = call.pauseBefore(); pause > 0; pause = call.pauseBefore()) {
      if (Date.now() + pause >= deadline) throw call.pausePastDeadline(pause);
      await sleep(pause);
    }
    const requestId = randomUUID();
    const started = Date.now();
    try {
      const result = await call.attempt(requestId, deadline);
      call.report?.({ attempt, requestId, durationMs: Date.now() - started, outcome: 'ok', result });
      return result;
    } catch (error) {
      if (!(error instanceof MailboxError)) throw error;
      error.attempts = attempt;
      const wait =
        error.retryable && (call.mayResend?.(error) ?? true) ? call.retryWait(error, attempt) : undefined;
      const giveUp =
        wait === undefined ||
        attempt >= limits.maxAttempts ||
        waited + wait > limits.maxTotalWaitMs ||
        Date.now() + wait >= deadline;
      call.report?.({
        attempt,
        requestId,
        durationMs: Date.now() - started,
        outcome: giveUp ? 'failed' : 'retry',
        error,
        waitMs: giveUp ? undefined : wait,
      });
      // Even when this call gives up: other callers must still honour what the server said.
      call.learn?.(error);
      if (giveUp) throw error;
      waited += wait;
      await sleep(wait);
    }
  }
}
