/**
 * The one HTTP transport under both mailbox back ends: what EWS and Microsoft Graph share, in the way
 * exchangelib keeps its Protocol (connections, credentials, throttling) apart from its services. A
 * back end (shared/mailbox/ews/ewsClient.ts, shared/mailbox/graph/graphClient.ts) is a codec on top: it writes the
 * request, reads the answer and names its errors; everything about getting a request to the endpoint and
 * an answer back is here:
 *
 * - the undici pool to the endpoint, trusting `<PREFIX>_CA_FILE` as well as the system's CAs;
 * - the Authorization header (Basic, or an @azure/identity token kept until close to expiry) and one
 *   fresh token after a 401;
 * - the in-flight caps: per mailbox, and per endpoint (halved when the server says we exceed its
 *   concurrency budget, then given back one slot per RECOVERY_SUCCESSES successes);
 * - the back-off gates a server-named wait sets, for one mailbox or the whole endpoint, never longer than
 *   the cap;
 * - what a failed exchange means (timeout, connection, untrusted certificate, oversized answer);
 * - the call's deadline (covering the answer body) and the answer-size limit;
 * - the retry loop (shared/platform/transport/retryingCall.ts) with one wait rule, and one call event per attempt.
 *
 * One instance per back-end client, one client per process: the pool, the token cache, the gates and the
 * caps only work when shared.
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { Pool, type Dispatcher } from 'undici';
import type { EwsAuthSettings, TransportSettings } from '../config';
import { ConfigError } from '../configError';
import {
  BasicAuthorization,
  createTokenCredential,
  TokenAuthorization,
  type AuthorizationProvider,
  rolesClaim,
} from './authorization';
import { MailboxError } from '../../mailbox/mailboxError';
import { callWithRetries, type MailboxCallEvent } from './retryingCall';
import { jitteredBackOff, KeyedBackOffGates, KeyedSemaphore, Semaphore, BackOffGate } from './concurrency';
import { postAndCollect, ResponseTooLargeError, type HttpAnswer } from './httpExchange';

/** One structured line per HTTP attempt, EWS or Graph; never a body, token or reply text. */
export interface TransportCallEvent extends MailboxCallEvent {
  /** request-id the server answered (Microsoft Graph's; what Microsoft support asks for). */
  serverRequestId?: string;
  /** HTTP status of the answer, when one came. */
  status?: number;
}

/** Where a wait the server named applies: one mailbox's callers, or every caller of the endpoint. */
export type PauseScope = 'mailbox' | 'endpoint';

/** What differs between the two services at the transport level; the rest is the same code. */
export interface ServiceProfile {
  /** How messages name the service: "EWS", "Microsoft Graph". */
  name: string;
  /** Prefix of the settings messages name: EWS_TIMEOUT_MS, GRAPH_CA_FILE, ... */
  settingPrefix: 'EWS' | 'GRAPH';
  /** Error code when a pause the server asked for reaches past the call's deadline. */
  pausedCode: string;
  /** Where a server-named wait in this error applies; undefined: nowhere beyond this call. */
  pauseScope(error: MailboxError, mailbox: string): PauseScope | undefined;
  /** The server says the account's concurrency budget is lower than our endpoint cap. */
  exceedsConcurrency?(error: MailboxError): boolean;
  /** Response header carrying the server's own request id. */
  serverRequestIdHeader?: string;
}

export interface HttpTransportOptions {
  /** Overrides the credential the settings describe (tests, or one shared between clients). */
  credential?: TokenCredential;
  onCall?: (event: TransportCallEvent) => void;
  /** Base and cap of the exponential back-off when the server names no wait. */
  backOffBaseMs?: number;
  backOffCapMs?: number;
}

export interface EndpointSettings extends TransportSettings {
  url: URL;
  auth: EwsAuthSettings;
  /** The longest server-named back-off honoured (EWS_MAX_BACKOFF_MS); unbounded when absent. */
  maxBackOffMs?: number;
}

/** What a codec knows of the exchange while reading its answer. */
export interface AnswerContext {
  httpStatus: number;
  mailbox: string;
  /** client-request-id we sent. */
  requestId: string;
  /** request-id the server answered, when the service sends one. */
  serverRequestId?: string;
}

/** One mailbox call as a codec describes it. */
export interface TransportRequest<T> {
  operation: string;
  /** The mailbox acted as or for; '' when the call is for many (a Graph `$batch`): no mailbox cap then. */
  mailbox: string;
  method: Dispatcher.HttpMethod;
  /** Path and query on the endpoint's origin. */
  path: string;
  /** The codec's headers; the transport adds authorization, client-request-id and user-agent. */
  headers: Record<string, string>;
  /** The request body; a function when it changes between attempts (a `$batch` asks only what is left). */
  body?: string | (() => string);
  /** Answers larger than this are refused at once as ResponseTooLarge (permanent). */
  maxResponseBytes: number;
  /** XML answers: character references count extra against the limit (see httpExchange.ts). */
  countEntityReferences?: boolean;
  /** The answer as the call's result, or the MailboxError it means (thrown; retried if retryable). */
  decode(answer: HttpAnswer, ctx: AnswerContext): T;
  /**
   * False for a request the server must not carry out twice (EWS CreateItem: a second one makes a second
   * item). Once such a request may have reached the server (a timeout or a lost connection after it was
   * being written), it is not sent again within this call: the error goes up, still transient, and the
   * caller's next attempt looks for what the first one may have made before acting. Failures that cannot
   * have reached the server (connection refused) and answers the server gave (503, throttling: it
   * carried nothing out) are retried as for any request. Default true: reads, and writes that land on the
   * same state however often they are sent (SetUserOofSettings, UpdateItem, DeleteItem; a Graph create
   * carrying its transactionId).
   */
  idempotent?: boolean;
}

/** Successful calls before one endpoint slot is given back after the server said we exceed its budget. */
const RECOVERY_SUCCESSES = 20;

/** Node's TLS verification failures: a configuration problem, not a transient one. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The decoded result with what the call event reports of the answer. */
interface Answered<T> {
  result: T;
  status: number;
  serverRequestId?: string;
}

export class HttpTransport {
  private readonly pool: Pool;
  private readonly authorization: AuthorizationProvider;
  /** Calls in flight to the endpoint: the server's concurrency budget for our account. */
  private readonly endpointSlots: Semaphore;
  private readonly mailboxSlots: KeyedSemaphore;
  /** A wait the server named for every caller (Graph's 503). */
  private readonly endpointGate = new BackOffGate();
  /**
   * Waits the server named for one mailbox's budget. Exchange charges impersonated calls to the target
   * mailbox's budget, not the service account's ("More throttling changes for Exchange Online", Exchange
   * dev blog; learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange),
   * and Outlook's Graph limits are per app and mailbox: one mailbox's wait says nothing about the others.
   */
  private readonly mailboxGates = new KeyedBackOffGates();
  private readonly maxBackOffMs: number;
  private successesSinceChange = 0;

  constructor(
    readonly settings: EndpointSettings,
    private readonly service: ServiceProfile,
    private readonly options: HttpTransportOptions = {},
  ) {
    const ca = settings.caFile ? this.readCaFile(settings.caFile) : undefined;
    this.pool = new Pool(settings.url.origin, {
      connections: settings.connections,
      connectTimeout: settings.connectTimeoutMs,
      // Defaults only: each request sets headersTimeout/bodyTimeout to what is left of its call's deadline.
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      keepAliveTimeout: 30_000,
      ...(ca ? { connect: { ca } } : {}),
    });
    this.authorization =
      settings.auth.kind === 'basic'
        ? new BasicAuthorization(settings.auth.username, settings.auth.password)
        : new TokenAuthorization(
            options.credential ?? createTokenCredential(settings.auth, { ca }),
            settings.auth.scope,
          );
    this.endpointSlots = new Semaphore(settings.maxInFlightPerEndpoint);
    this.mailboxSlots = new KeyedSemaphore(settings.maxInFlightPerMailbox);
    this.maxBackOffMs = settings.maxBackOffMs ?? Number.POSITIVE_INFINITY;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Calls in flight to the endpoint right now may not exceed this (lowered when the server says so). */
  get endpointConcurrency(): number {
    return this.endpointSlots.limit;
  }

  /**
   * The roles claim of the access token this transport sends (app-only OAuth; the token it already has,
   * or the one it would fetch for its next call): which application permissions the app holds. Undefined
   * with Basic, or when the token is not a readable JWT. For the privilege audit only.
   */
  async grantedRoles(): Promise<string[] | undefined> {
    if (this.authorization.kind !== 'oauth') return undefined;
    return rolesClaim(await this.authorization.header());
  }

  /**
   * One mailbox call: transient and throttled failures retried within the deadline, attempt and
   * total-wait limits; permanent ones surface at once with `attempts` set.
   */
  async call<T>(request: TransportRequest<T>): Promise<T> {
    const { operation, mailbox } = request;
    const key = mailbox.toLowerCase();
    const releaseMailbox = key ? await this.mailboxSlots.acquire(key) : undefined;
    const { onCall } = this.options;
    try {
      const answered = await callWithRetries<Answered<T>>({
        limits: this.settings,
        pauseBefore: () =>
          Math.max(this.endpointGate.remaining(), key ? this.mailboxGates.remaining(key) : 0),
        pausePastDeadline: (pause) =>
          new MailboxError({
            code: this.service.pausedCode,
            errorClass: 'throttled',
            message: `${operation}: ${this.service.name} asked calls for ${mailbox || 'this endpoint'} to back off for another ${pause} ms, beyond this call's deadline (${this.service.settingPrefix}_TIMEOUT_MS ${this.settings.timeoutMs} ms)`,
            mailbox,
            backOffMs: pause,
          }),
        attempt: async (requestId, deadline) => {
          try {
            const answered = await this.exchange(request, requestId, deadline);
            this.recoverConcurrency();
            return answered;
          } catch (error) {
            throw this.beyondCap(error, operation);
          }
        },
        retryWait: (error, attempt) => this.retryWait(error, attempt),
        mayResend: (error) => request.idempotent !== false || !error.outcomeUnknown,
        learn: (error) => this.learn(error, key),
        report: onCall
          ? (event) =>
              onCall({
                operation,
                mailbox,
                requestId: event.requestId,
                attempt: event.attempt,
                durationMs: event.durationMs,
                outcome: event.outcome,
                ...(event.outcome === 'ok'
                  ? { serverRequestId: event.result.serverRequestId, status: event.result.status }
                  : {
                      serverRequestId: event.error.serverRequestId,
                      status: event.error.httpStatus,
                      code: event.error.code,
                      waitMs: event.waitMs,
                    }),
              })
          : undefined,
      });
      return answered.result;
    } finally {
      releaseMailbox?.();
    }
  }

  /**
   * The wait before retrying: the server's word is a minimum, a jittered tenth of the back-off step is
   * added so callers told to wait together do not come back together; with no word from the server,
   * exponential back-off with equal jitter.
   */
  private retryWait(error: MailboxError, attempt: number): number {
    // Past the cap (see beyondCap): no wait is long enough, so the retry loop gives up.
    if (error.backOffMs !== undefined && error.backOffMs > this.maxBackOffMs) return Number.POSITIVE_INFINITY;
    const computed = jitteredBackOff(
      attempt,
      this.options.backOffBaseMs ?? 500,
      this.options.backOffCapMs ?? 30_000,
    );
    return error.backOffMs !== undefined ? error.backOffMs + Math.round(computed / 10) : computed;
  }

  /** Lessons from a failure that outlive the call (even one that gives up): pauses and a lower cap. */
  private learn(error: MailboxError, key: string): void {
    if (this.service.exceedsConcurrency?.(error)) this.lowerConcurrency();
    if (error.backOffMs === undefined) return;
    const pause = Math.min(error.backOffMs, this.maxBackOffMs);
    const scope = this.service.pauseScope(error, key);
    if (scope === 'mailbox' && key) this.mailboxGates.backOff(key, pause);
    else if (scope !== undefined) this.endpointGate.backOff(pause);
  }

  /**
   * The server's concurrency budget for this account is lower than our cap (on-premises throttling
   * policies can be). Halve the endpoint cap; successes then raise it again by one slot per
   * RECOVERY_SUCCESSES calls, up to the configured maximum (additive increase, multiplicative decrease,
   * as TCP does for the same kind of problem).
   */
  private lowerConcurrency(): void {
    this.successesSinceChange = 0;
    this.endpointSlots.setLimit(this.endpointSlots.limit / 2);
  }

  private recoverConcurrency(): void {
    if (this.endpointSlots.limit >= this.settings.maxInFlightPerEndpoint) return;
    if (++this.successesSinceChange < RECOVERY_SUCCESSES) return;
    this.successesSinceChange = 0;
    this.endpointSlots.setLimit(this.endpointSlots.limit + 1);
  }

  /**
   * A server-named wait beyond the cap ends the call: throttled, with the value and the cap named.
   * Honouring 10^12 ms would stall the mailbox for ever; retrying sooner would ignore what the server said.
   */
  private beyondCap(error: unknown, operation: string): unknown {
    if (!(error instanceof MailboxError) || error.backOffMs === undefined) return error;
    if (error.backOffMs <= this.maxBackOffMs) return error;
    const { name, settingPrefix } = this.service;
    const who = error.code.startsWith('HTTP_') ? `${name} (HTTP ${error.httpStatus ?? '?'})` : name;
    return new MailboxError({
      ...error.toJSON(),
      errorClass: 'throttled',
      message:
        `${operation}: ${who} asked to back off for ${error.backOffMs} ms, ` +
        `longer than ${settingPrefix}_MAX_BACKOFF_MS (${this.maxBackOffMs} ms) allows: this call ends here and ` +
        `${error.mailbox || 'the mailbox'} waits ${this.maxBackOffMs} ms at most (a value this large usually comes ` +
        `from a proxy or a throttling policy typo; the server said: ${error.message})`,
    });
  }

  /** One HTTP exchange (two after a 401 with a token) and its answer decoded. */
  private async exchange<T>(
    request: TransportRequest<T>,
    requestId: string,
    deadline: number,
    authRetried = false,
  ): Promise<Answered<T>> {
    const { mailbox } = request;
    // Outside the try: a credential failure (wrong secret, unreadable certificate) is not a connection
    // problem to retry, and surfaces as what it is.
    const authorization = await this.authorization.header(authRetried);
    let answer: HttpAnswer;
    let writing = false;
    // The endpoint cap is the server's concurrency budget: a slot is held while the request is at the
    // server, not while we read its answer, so the next caller goes out as soon as the server is done.
    await this.endpointSlots.acquire();
    try {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw this.transportError(
          request,
          requestId,
          'TIMEOUT',
          `no answer within ${this.settings.timeoutMs} ms`,
        );
      }
      answer = await postAndCollect(this.pool, {
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          authorization,
          'client-request-id': requestId,
          'return-client-request-id': 'true',
          'user-agent': 'mailbox-automation',
        },
        body: typeof request.body === 'function' ? request.body() : request.body,
        // The whole exchange, answer body included, ends at the call's deadline.
        timeoutMs: remaining,
        maxResponseBytes: request.maxResponseBytes,
        countEntityReferences: request.countEntityReferences,
        onWriting: () => {
          writing = true;
        },
      });
    } catch (error) {
      throw error instanceof MailboxError ? error : this.failedExchange(error, request, requestId, writing);
    } finally {
      this.endpointSlots.release();
    }
    if (answer.statusCode === 401 && this.authorization.kind === 'oauth' && !authRetried) {
      // A revoked or rotated token: fetch a fresh one once before calling it a failure.
      return this.exchange(request, requestId, deadline, true);
    }
    const serverRequestId = this.service.serverRequestIdHeader
      ? firstHeader(answer.headers, this.service.serverRequestIdHeader)
      : undefined;
    const ctx: AnswerContext = { httpStatus: answer.statusCode, mailbox, requestId, serverRequestId };
    return { result: request.decode(answer, ctx), status: answer.statusCode, serverRequestId };
  }

  /**
   * An exchange that brought no answer: what it means, and whether asking again can help. `written`: the
   * request was being written, so the server may have carried it out.
   */
  private failedExchange(
    error: unknown,
    request: TransportRequest<unknown>,
    requestId: string,
    written: boolean,
  ): MailboxError {
    const { name, settingPrefix } = this.service;
    if (error instanceof ResponseTooLargeError) {
      // Fetching it again would bring the same answer, at the same cost.
      return new MailboxError({
        code: 'ResponseTooLarge',
        errorClass: 'permanent',
        message: `${request.operation}: the ${name} answer exceeded ${error.limit} bytes${request.countEntityReferences ? ' (character references counted)' : ''}, far more than ${name} sends for this request; something between us and ${name} (a proxy, a filter) is answering instead: check ${settingPrefix}_URL`,
        mailbox: request.mailbox,
        requestId,
      });
    }
    const err = error as { name?: string; code?: string; message?: string };
    if (err.code && TLS_TRUST_CODES.has(err.code)) {
      // Retrying cannot make an untrusted certificate trusted: say what to do instead.
      return this.transportError(
        request,
        requestId,
        'TLS',
        `the ${name} server's certificate is not trusted (${err.code}); if it is issued by your own CA, set ${settingPrefix}_CA_FILE to that CA's PEM file`,
        'permanent',
      );
    }
    if (
      err.name === 'TimeoutError' ||
      err.name === 'AbortError' ||
      err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      err.code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return this.transportError(
        request,
        requestId,
        'TIMEOUT',
        `no complete answer from ${name} within the time allowed (${settingPrefix}_TIMEOUT_MS, ${this.settings.timeoutMs} ms for the whole call)${this.unknownOutcome(request, written)}`,
        'transient',
        written,
      );
    }
    return this.transportError(
      request,
      requestId,
      'CONNECTION',
      `connection to ${name} failed: ${err.code ?? err.message ?? String(error)}${this.unknownOutcome(request, written)}`,
      'transient',
      written,
    );
  }

  /** What a lost answer means for a request the server must not carry out twice, in words; else ''. */
  private unknownOutcome(request: TransportRequest<unknown>, written: boolean): string {
    if (!written || request.idempotent !== false) return '';
    return `; ${this.service.name} may have carried out the ${request.operation} before the answer was lost, so it is not sent again in this call (the next attempt looks for what it made first)`;
  }

  private transportError(
    request: TransportRequest<unknown>,
    requestId: string,
    code: 'TIMEOUT' | 'CONNECTION' | 'TLS',
    message: string,
    errorClass: 'transient' | 'permanent' = 'transient',
    outcomeUnknown = false,
  ): MailboxError {
    return new MailboxError({
      code,
      errorClass,
      message: `${request.operation}: ${message}`,
      mailbox: request.mailbox,
      requestId,
      ...(outcomeUnknown && { outcomeUnknown }),
    });
  }

  private readCaFile(path: string): string {
    const setting = `${this.service.settingPrefix}_CA_FILE`;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`${setting} "${path}" cannot be read: ${(error as Error).message}`, setting);
    }
  }
}

/** A response header's first value (undici gives repeated headers as arrays). */
export function firstHeader(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
