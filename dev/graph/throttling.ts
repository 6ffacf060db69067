/**
 * Throttling as the Outlook service limits page describes it for mailbox resources: evaluated per
 * application AND mailbox, at most 4 concurrent requests and 10,000 requests per 10 minutes for each pair.
 * Beyond either, 429 with Retry-After; another app, or another mailbox, is not affected. Queued faults
 * (429 / 503 with Retry-After, 500, 502, 504, 509; 424 for a $batch envelope) answer the next matching request first.
 */
import type { Mailbox } from '../ews-sandbox/tenantStore';
import { FaultQueue, ThrottleBudgets } from '../stand-in-kit/standInKit';
import { graphError, type Answer } from './graphAnswers';
import type { GraphOperation } from './operations/requestContext';

export interface ThrottleKnobs {
  /** Concurrent requests per app and mailbox before 429 (Outlook: 4). */
  maxConcurrentPerMailbox: number;
  /** Retry-After (s) sent with the concurrency 429. */
  concurrencyRetryAfterSeconds: number;
  /** Requests per app and mailbox in one window before 429 (Outlook: 10,000 per 10 minutes). */
  requestsPerWindow: number;
  windowMs: number;
}

/** A queued fault: answers the next matching request (inside a $batch too) with this status. */
export interface GraphFault {
  status: 424 | 429 | 500 | 502 | 503 | 504 | 509;
  /** Retry-After in seconds (Graph sends it with 429 and 503). */
  retryAfterSeconds?: number;
  operation?: GraphOperation;
  /** Only requests about this mailbox (its primary address). */
  mailbox?: string;
}

const FAULT_ERRORS: Record<GraphFault['status'], [string, string]> = {
  // Older throttling guidance describes a throttled $batch answered 424 as a whole.
  424: ['FailedDependency', 'Failed dependency.'],
  429: ['TooManyRequests', 'Application is over its MailboxConcurrency limit.'],
  500: ['InternalServerError', 'An internal server error occurred.'],
  502: ['BadGateway', 'Bad gateway.'],
  503: ['ServiceUnavailable', 'Service unavailable.'],
  504: ['GatewayTimeout', 'Gateway timeout.'],
  509: ['BandwidthLimitExceeded', 'Your app has been throttled for exceeding the maximum bandwidth cap.'],
};

/** Graph's answers to the stand-in kit's fault queue and throttling budgets (dev/stand-in-kit). */
export class Throttle {
  private readonly faults = new FaultQueue<GraphFault>();
  private readonly budgets = new ThrottleBudgets();

  constructor(private readonly knobs: () => ThrottleKnobs) {}

  queue(...faults: GraphFault[]): void {
    this.faults.push(...faults);
  }

  get pending(): number {
    return this.faults.pending;
  }

  clear(): void {
    this.faults.clear();
  }

  /** A new budget starts new windows (a test that lowers the limit starts from zero). */
  resetWindows(): void {
    this.budgets.resetWindows();
  }

  /** The first queued fault matching the request, taken off the queue, as an answer. */
  takeFault(operation: GraphOperation, mailbox: Mailbox | undefined): Answer | undefined {
    const fault = this.faults.take(
      operation,
      (address) => mailbox?.addresses.includes(address.toLowerCase()) === true,
    );
    if (!fault) return undefined;
    const [code, message] = FAULT_ERRORS[fault.status];
    const headers =
      fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
    return graphError(fault.status, code, message, { headers, fault: fault.status });
  }

  /** Admits a request of `appId` about `mailbox`: a release function, or the 429 that refuses it. */
  admit(appId: string, mailbox: Mailbox, now: number): (() => void) | Answer {
    const knobs = this.knobs();
    const admitted = this.budgets.admit(
      `${appId}\n${mailbox.address}`,
      {
        maxConcurrent: knobs.maxConcurrentPerMailbox,
        requestsPerWindow: knobs.requestsPerWindow,
        windowMs: knobs.windowMs,
      },
      now,
    );
    if (typeof admitted === 'function') return admitted;
    if (admitted.refused === 'window') {
      const seconds = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxRequests limit.', {
        headers: { 'Retry-After': String(seconds) },
      });
    }
    return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
      headers: { 'Retry-After': String(knobs.concurrencyRetryAfterSeconds) },
    });
  }
}
