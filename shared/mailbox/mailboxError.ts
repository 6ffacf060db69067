/**
 * What the caller should do about a failed mailbox call:
 * - `transient`: retry after a pause (server busy elsewhere, store unavailable, 503, timeout);
 * - `throttled`: Exchange asked us to back off (ErrorServerBusy, too many connections); retry after the wait;
 * - `permanent`: wrong for this mailbox, retrying will not help (denied, no such mailbox, no archive);
 * - `bug`: the request itself is wrong (schema, impersonation header): our fault, never retried.
 */
export type ErrorClass = 'transient' | 'throttled' | 'permanent' | 'bug';

export interface MailboxErrorDetails {
  /** EWS ResponseCode (e.g. ErrorServerBusy), or HTTP_503, TIMEOUT, CONNECTION for transport failures. */
  code: string;
  errorClass: ErrorClass;
  message: string;
  httpStatus?: number;
  mailbox?: string;
  /** Wait asked for by the server (BackOffMilliseconds or Retry-After), in ms. */
  backOffMs?: number;
  /** For ErrorInternalServerError: the InnerErrorResponseCode. */
  innerCode?: string;
  /** client-request-id we sent, for correlating with the server's logs. */
  requestId?: string;
  /** request-id the server answered (Microsoft Graph), what Microsoft support asks for. */
  serverRequestId?: string;
  /** How many attempts were made before giving up (set by the retrying client). */
  attempts?: number;
  /**
   * The request may have reached the server and been carried out although no answer came: a timeout or a
   * lost connection after the request was being written. Asking again repeats what it did, if it did.
   */
  outcomeUnknown?: boolean;
}

/** A failed mailbox operation, typed with the server's code and what kind of failure it is. */
export class MailboxError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  readonly httpStatus?: number;
  readonly mailbox?: string;
  readonly backOffMs?: number;
  readonly innerCode?: string;
  readonly requestId?: string;
  readonly serverRequestId?: string;
  readonly outcomeUnknown?: boolean;
  attempts?: number;

  constructor(details: MailboxErrorDetails) {
    super(details.message);
    this.name = 'MailboxError';
    this.code = details.code;
    this.errorClass = details.errorClass;
    this.httpStatus = details.httpStatus;
    this.mailbox = details.mailbox;
    this.backOffMs = details.backOffMs;
    this.innerCode = details.innerCode;
    this.requestId = details.requestId;
    this.serverRequestId = details.serverRequestId;
    this.attempts = details.attempts;
    this.outcomeUnknown = details.outcomeUnknown;
  }

  get retryable(): boolean {
    return this.errorClass === 'transient' || this.errorClass === 'throttled';
  }

  toJSON(): MailboxErrorDetails {
    return {
      code: this.code,
      errorClass: this.errorClass,
      message: this.message,
      httpStatus: this.httpStatus,
      mailbox: this.mailbox,
      backOffMs: this.backOffMs,
      innerCode: this.innerCode,
      requestId: this.requestId,
      serverRequestId: this.serverRequestId,
      attempts: this.attempts,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}

/**
 * The codes that mean "this mailbox has no archive mailbox", from any operation (the one set: the EWS
 * client's archive probe and the sweep's per-mailbox run both read it).
 */
export const NO_ARCHIVE_CODES: ReadonlySet<string> = new Set([
  'ErrorArchiveMailboxNotEnabled',
  'ErrorArchiveMailboxServiceDiscoveryFailed',
]);

/** The mailbox has no archive mailbox: a reason to skip it, not a failure. */
export function isNoArchiveError(error: unknown): boolean {
  return isMailboxError(error) && NO_ARCHIVE_CODES.has(error.code);
}

export function isMailboxError(value: unknown): value is MailboxError {
  return value instanceof MailboxError;
}
