/**
 * Throttling as the Outlook service limits page describes it for mailbox resources: evaluated per
 * application AND mailbox, at most 4 concurrent requests and 10,000 requests per 10 minutes for each pair.
 * Beyond either, 429 with Retry-After; another app, or another mailbox, is not affected. Queued faults
 * (429 / 503 with Retry-After, 500, 502, 504, 509; 424 for a $batch envelope) answer the next matching request first.
 */
import type { Mailbox } from '../ews-sandbox/tenantStore';
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

export class Throttle {
  private faults: GraphFault[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly knobs: () => ThrottleKnobs) {}

  queue(...faults: GraphFault[]): void {
    this.faults.push(...faults);
  }

  get pending(): number {
    return this.faults.length;
  }

  clear(): void {
    this.faults = [];
  }

  /** A new budget starts new windows (a test that lowers the limit starts from zero). */
  resetWindows(): void {
    this.windows.clear();
  }

  /** The first queued fault matching the request, taken off the queue, as an answer. */
  takeFault(operation: GraphOperation, mailbox: Mailbox | undefined): Answer | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.operation === undefined || f.operation === operation) &&
        (f.mailbox === undefined || mailbox?.addresses.includes(f.mailbox.toLowerCase()) === true),
    );
    const fault = index >= 0 ? this.faults.splice(index, 1)[0] : undefined;
    if (!fault) return undefined;
    const [code, message] = FAULT_ERRORS[fault.status];
    const headers =
      fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
    return graphError(fault.status, code, message, { headers, fault: fault.status });
  }

  /** Admits a request of `appId` about `mailbox`: a release function, or the 429 that refuses it. */
  admit(appId: string, mailbox: Mailbox, now: number): (() => void) | Answer {
    const knobs = this.knobs();
    const key = `${appId}\n${mailbox.address}`;
    let window = this.windows.get(key);
    if (!window || now - window.start >= knobs.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= knobs.requestsPerWindow) {
      const seconds = Math.max(1, Math.ceil((window.start + knobs.windowMs - now) / 1000));
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxRequests limit.', {
        headers: { 'Retry-After': String(seconds) },
      });
    }
    const busy = this.inFlight.get(key) ?? 0;
    if (busy >= knobs.maxConcurrentPerMailbox) {
      return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        headers: { 'Retry-After': String(knobs.concurrencyRetryAfterSeconds) },
      });
    }
    window.count++;
    this.inFlight.set(key, busy + 1);
    return () => {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
