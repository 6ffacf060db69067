/**
 * The impersonating EWS client: the first implementation of MailboxOperations.
 *
 * One instance per process (DESIGN.md): it owns the undici connection pool to the endpoint, the token
 * cache, the endpoint's shared back-off gate and the in-flight caps, all of which only work if shared.
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { EwsSettings } from '../config';
import { ConfigError } from '../configError';
import { MailboxError } from '../mailbox/mailboxError';
import { callWithRetries, type MailboxCallEvent } from '../mailbox/retryingCall';
import type {
  BatchOutcome,
  FindOldItemsOptions,
  FolderInfo,
  FolderName,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofSettings,
} from '../mailbox/mailboxOperations';
import {
  BasicAuthorization,
  createTokenCredential,
  TokenAuthorization,
  type AuthorizationProvider,
} from './auth';
import { jitteredBackOff, KeyedBackOffGates, KeyedSemaphore, Semaphore } from './concurrency';
import { errorFromSoapFault, retryAfterMs, transportError } from './ewsErrors';
import { postAndCollect, ResponseTooLargeError } from './httpExchange';
import { validateOofSettings } from './oofValidation';
import * as requests from './soapRequests';
import * as responses from './soapResponses';
import { child, parseXml, XmlRefusedError, type ParseOptions, type XmlNode } from './xml';
import type { TokenCredential } from '@azure/identity';

/** One structured line per HTTP attempt to EWS. */
export type EwsCallEvent = MailboxCallEvent;

export interface EwsClientOptions {
  /** Overrides the credential the settings describe (tests, or a credential shared with other clients). */
  credential?: TokenCredential;
  /** How ConnectingSID names the mailbox when the settings ask for SID (a lookup the caller owns). */
  connectingSidFor?: (mailbox: string) => string;
  onCall?: (event: EwsCallEvent) => void;
  /** Base and cap of the exponential back-off when the server gives no wait. */
  backOffBaseMs?: number;
  backOffCapMs?: number;
  /** FindItem page size; Exchange caps restricted searches near 250 whatever we ask. */
  pageSize?: number;
  /** ArchiveItem/MoveItem ids per request (DESIGN.md: at most 100). */
  batchSize?: number;
}

/** Successful calls before one endpoint slot is given back after ErrorExceededConnectionCount. */
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

/**
 * The largest answer each operation may bring (bytes, each character reference counted as
 * ENTITY_REFERENCE_COST, shared/ews/httpExchange.ts): what Exchange can legitimately send for what we
 * ask, with ample room. Anything larger is not an EWS answer to our request, and reading it would only
 * cost memory: it fails at once as ResponseTooLarge, and is not fetched again.
 */
export const ANSWER_LIMITS: Readonly<Record<string, number>> = {
  // A page of at most 1,000 ids (Exchange's and the sandbox's cap; we ask for 250) is ~300 KB.
  FindItem: 4 * 1024 * 1024,
  // One level of a group, members with name, address and type: ~300 bytes each, so ~25,000 members.
  ExpandDL: 8 * 1024 * 1024,
  // GetUserOofSettings: two reply texts of HTML. ResolveNames: at most 100 candidates. ArchiveItem and
  // MoveItem: one short message per id, 100 ids per batch. GetFolder, SetUserOofSettings: one message.
};
const DEFAULT_ANSWER_LIMIT = 1024 * 1024;

/** Archive-mailbox folders: GetFolder on one of these fails when the user has no archive. */
const NO_ARCHIVE_CODES = new Set([
  'ErrorFolderNotFound',
  'ErrorArchiveMailboxNotEnabled',
  'ErrorMailboxNotFound',
]);

export class EwsClient implements MailboxOperations {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly authorization: AuthorizationProvider;
  /**
   * Server-named pauses, per impersonated mailbox. Exchange charges calls made through impersonation to
   * the target mailbox's budget (a copy of it shared by every impersonating application), not to the
   * service account's ("More throttling changes for Exchange Online", Exchange dev blog, and
   * learn.microsoft.com/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange):
   * a BackOffMilliseconds for one mailbox says nothing about the others. The service account's own
   * budget shows as ErrorExceededConnectionCount, handled by the endpoint cap (lowerConcurrency).
   */
  private readonly mailboxGates = new KeyedBackOffGates();
  private readonly maxBackOffMs: number;
  private readonly endpointSlots: Semaphore;
  private readonly mailboxSlots: KeyedSemaphore;
  private readonly pageSize: number;
  private successesSinceChange = 0;
  private readonly batchSize: number;

  constructor(
    readonly settings: EwsSettings,
    private readonly options: EwsClientOptions = {},
  ) {
    const ca = settings.caFile ? readCaFile(settings.caFile) : undefined;
    if (settings.connectingSid === 'SID' && !options.connectingSidFor) {
      throw new ConfigError(
        'EWS_IMPERSONATION_ID=SID needs a SID lookup; use PrimarySmtpAddress (the default) unless you have one',
        'EWS_IMPERSONATION_ID',
      );
    }
    this.pool = new Pool(settings.url.origin, {
      connections: settings.connections,
      connectTimeout: settings.connectTimeoutMs,
      // Defaults only: each request sets headersTimeout/bodyTimeout to what is left of its call's deadline.
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      keepAliveTimeout: 30_000,
      ...(ca ? { connect: { ca } } : {}),
    });
    this.path = settings.url.pathname + settings.url.search;
    this.authorization =
      settings.auth.kind === 'basic'
        ? new BasicAuthorization(settings.auth.username, settings.auth.password)
        : new TokenAuthorization(
            options.credential ?? createTokenCredential(settings.auth, { ca }),
            settings.auth.scope,
          );
    this.endpointSlots = new Semaphore(settings.maxInFlightPerEndpoint);
    this.mailboxSlots = new KeyedSemaphore(settings.maxInFlightPerMailbox);
    this.pageSize = options.pageSize ?? 250;
    this.batchSize = Math.min(options.batchSize ?? 100, 100);
    // EWS_MAX_BACKOFF_MS, default 300 s: Exchange Online suggests up to ~300 s for ErrorServerBusy
    // (test/fixtures/ews-samples/Error.ErrorServerBusy.EXO-policy-details.NOTES.txt); anything longer comes
    // from a proxy or a typo, and honouring it would stall the mailbox for days.
    this.maxBackOffMs = settings.maxBackOffMs;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async getOof(mailbox: string): Promise<OofSettings> {
    return this.call(
      'GetUserOofSettings',
      mailbox,
      requests.getUserOofSettingsBody(mailbox),
      responses.readOofSettings,
    );
  }

  async setOof(mailbox: string, settings: OofSettings): Promise<void> {
    validateOofSettings(settings);
    await this.call(
      'SetUserOofSettings',
      mailbox,
      requests.setUserOofSettingsBody(mailbox, settings),
      responses.readSetOofResult,
    );
  }

  async findItemIdsReceivedBefore(
    mailbox: string,
    folder: FolderName,
    receivedBefore: Date,
    options: FindOldItemsOptions = {},
  ): Promise<ItemRef[]> {
    const limit = options.maxItems ?? Number.POSITIVE_INFINITY;
    const ids: ItemRef[] = [];
    for (let offset = 0; ids.length < limit;) {
      const pageSize = Math.min(this.pageSize, limit - ids.length);
      const page = await this.call(
        'FindItem',
        mailbox,
        requests.findItemsReceivedBeforeBody(folder, receivedBefore, offset, pageSize),
        responses.readFindItemPage,
      );
      ids.push(...page.items);
      // The server may return fewer than asked (restricted searches cap near 250): advance by what came.
      offset += page.items.length;
      if (page.includesLast || page.items.length === 0) break;
    }
    return ids.length > limit ? ids.slice(0, limit) : ids;
  }

  archiveItems(mailbox: string, sourceFolder: FolderName, items: ItemRef[]): Promise<BatchOutcome> {
    return this.inBatches(items, (batch) =>
      this.call('ArchiveItem', mailbox, requests.archiveItemBody(sourceFolder, batch), (xml, ctx) =>
        responses.readBatchOutcome(xml, 'ArchiveItem', batch, ctx),
      ),
    );
  }

  moveItems(mailbox: string, items: ItemRef[], destination: FolderName): Promise<BatchOutcome> {
    return this.inBatches(items, (batch) =>
      this.call('MoveItem', mailbox, requests.moveItemBody(batch, destination), (xml, ctx) =>
        responses.readBatchOutcome(xml, 'MoveItem', batch, ctx),
      ),
    );
  }

  async getFolder(mailbox: string, folder: FolderName): Promise<FolderInfo> {
    return this.call('GetFolder', mailbox, requests.getFolderBody(folder), (xml, ctx) =>
      responses.readFolder(xml, folder, ctx),
    );
  }

  async hasArchiveMailbox(mailbox: string): Promise<boolean> {
    try {
      await this.getFolder(mailbox, 'archivemsgfolderroot');
      return true;
    } catch (error) {
      if (error instanceof MailboxError && NO_ARCHIVE_CODES.has(error.code)) return false;
      throw error;
    }
  }

  async expandGroup(group: string, asMailbox: string): Promise<GroupMember[]> {
    return this.call('ExpandDL', asMailbox, requests.expandDlBody(group), responses.readGroupMembers);
  }

  async resolvePrimaryAddress(nameOrAddress: string, asMailbox: string): Promise<string | undefined> {
    return this.call('ResolveNames', asMailbox, requests.resolveNamesBody(nameOrAddress), (xml, ctx) =>
      responses.readResolvedAddress(xml, nameOrAddress, ctx),
    );
  }

  private async inBatches(
    items: ItemRef[],
    send: (batch: ItemRef[]) => Promise<BatchOutcome>,
  ): Promise<BatchOutcome> {
    const total: BatchOutcome = { moved: 0, failed: [] };
    for (let i = 0; i < items.length; i += this.batchSize) {
      const outcome = await send(items.slice(i, i + this.batchSize));
      total.moved += outcome.moved;
      total.failed.push(...outcome.failed);
    }
    return total;
  }

  /**
   * Sends one operation as `mailbox` through the shared retry loop (shared/mailbox/retryingCall.ts), with
   * what is particular to EWS: the endpoint's shared back-off gate, the per-mailbox and endpoint caps, and
   * a lower cap after ErrorExceededConnectionCount.
   */
  private async call<T>(
    operation: string,
    mailbox: string,
    body: string,
    read: (xml: XmlNode, ctx: responses.ResponseContext) => T,
  ): Promise<T> {
    const { settings } = this;
    const impersonation: requests.Impersonation = {
      kind: settings.connectingSid,
      value:
        settings.connectingSid === 'SID' && this.options.connectingSidFor
          ? this.options.connectingSidFor(mailbox)
          : mailbox,
    };
    const document = requests.envelope(settings.serverVersion, impersonation, body);
    const parseOptions = { attributesOnSuccess: responses.READS_ATTRIBUTES_ON_SUCCESS.has(operation) };
    const key = mailbox.toLowerCase();
    const exchange: Exchange = {
      document,
      parseOptions,
      mailbox,
      maxResponseBytes: ANSWER_LIMITS[operation] ?? DEFAULT_ANSWER_LIMIT,
    };
    const releaseMailbox = await this.mailboxSlots.acquire(key);
    try {
      return await callWithRetries<T>({
        limits: settings,
        pauseBefore: () => this.mailboxGates.remaining(key),
        pausePastDeadline: (pause) =>
          new MailboxError({
            code: 'ErrorServerBusy',
            errorClass: 'throttled',
            message: `${operation}: Exchange asked calls for ${mailbox} to back off for another ${pause} ms, beyond this call's deadline (EWS_TIMEOUT_MS ${settings.timeoutMs} ms)`,
            mailbox,
            backOffMs: pause,
          }),
        attempt: async (requestId, deadline) => {
          try {
            const { xml, ctx } = await this.send(exchange, requestId, deadline);
            // Reading is part of the attempt: an error in a ResponseMessage (ErrorServerBusy per item,
            // ErrorInternalServerError) is retried like a fault.
            const result = read(xml, ctx);
            this.recoverConcurrency();
            return result;
          } catch (error) {
            throw this.beyondCap(error, operation);
          }
        },
        retryWait: (error, attempt) => this.retryWait(error, attempt),
        learn: (error) => {
          if (error.code === 'ErrorExceededConnectionCount') this.lowerConcurrency();
          // A wait the server named (BackOffMilliseconds, Retry-After) pauses this mailbox's callers too,
          // never for longer than the cap.
          if (error.backOffMs !== undefined)
            this.mailboxGates.backOff(key, Math.min(error.backOffMs, this.maxBackOffMs));
        },
        report: this.options.onCall
          ? (event) =>
              this.options.onCall?.({
                operation,
                mailbox,
                requestId: event.requestId,
                attempt: event.attempt,
                durationMs: event.durationMs,
                outcome: event.outcome,
                ...(event.outcome !== 'ok' && { code: event.error.code, waitMs: event.waitMs }),
              })
          : undefined,
      });
    } finally {
      releaseMailbox();
    }
  }

  /**
   * ErrorExceededConnectionCount: the server's concurrency budget for this account is lower than our cap
   * (on-premises throttling policies can be). Halve the endpoint cap; successes then raise it again by one
   * slot per RECOVERY_SUCCESSES calls, up to the configured EWS_MAX_IN_FLIGHT (additive increase,
   * multiplicative decrease, as TCP does for the same kind of problem).
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

  /** Calls in flight to the endpoint right now may not exceed this (lowered after ErrorExceededConnectionCount). */
  get endpointConcurrency(): number {
    return this.endpointSlots.limit;
  }

  /**
   * A server-named wait beyond the cap ends the call: throttled, with the value and the cap named.
   * Honouring 10^12 ms would stall the mailbox for ever; retrying sooner would ignore what the server said.
   */
  private beyondCap(error: unknown, operation: string): unknown {
    if (!(error instanceof MailboxError) || error.backOffMs === undefined) return error;
    if (error.backOffMs <= this.maxBackOffMs) return error;
    return new MailboxError({
      ...error.toJSON(),
      errorClass: 'throttled',
      message:
        `${operation}: ${error.code === 'ErrorServerBusy' || error.innerCode ? 'Exchange' : `EWS (HTTP ${error.httpStatus ?? '?'})`} asked to back off for ${error.backOffMs} ms, ` +
        `longer than EWS_MAX_BACKOFF_MS (${this.maxBackOffMs} ms) allows: this call ends here and ` +
        `${error.mailbox ?? 'the mailbox'} waits ${this.maxBackOffMs} ms at most (a value this large usually comes ` +
        `from a proxy or a throttling policy typo; the server said: ${error.message})`,
    });
  }

  private retryWait(error: MailboxError, attempt: number): number {
    // Past the cap (see beyondCap): no wait is long enough, so the retry loop gives up.
    if (error.backOffMs !== undefined && error.backOffMs > this.maxBackOffMs) return Number.POSITIVE_INFINITY;
    const computed = jitteredBackOff(
      attempt,
      this.options.backOffBaseMs ?? 500,
      this.options.backOffCapMs ?? 30_000,
    );
    // The server's word is a minimum, not a suggestion.
    return error.backOffMs !== undefined ? Math.max(error.backOffMs, computed / 10) : computed;
  }

  private async send(
    exchange: Exchange,
    requestId: string,
    deadline: number,
    authRetried = false,
  ): Promise<{ xml: XmlNode; ctx: responses.ResponseContext }> {
    const { mailbox } = exchange;
    let statusCode: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    // Outside the try: a credential failure (wrong secret, unreadable certificate) is not a connection
    // problem to retry, and surfaces as what it is.
    const authorization = await this.authorization.header(authRetried);
    // The endpoint cap is Exchange's concurrency budget: a slot is held while the request is at the server,
    // not while we read its answer, so the next caller goes out as soon as the server is done.
    await this.endpointSlots.acquire();
    try {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw transportError('TIMEOUT', `no answer within ${this.settings.timeoutMs} ms`, {
          mailbox,
          requestId,
        });
      }
      const answer = await postAndCollect(this.pool, {
        path: this.path,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          authorization,
          // Routes the call to the mailbox's server: without it Exchange proxies, slower and with 500/503s.
          'x-anchormailbox': mailbox,
          'client-request-id': requestId,
          'return-client-request-id': 'true',
          'user-agent': 'mailbox-automation',
        },
        body: exchange.document,
        // The whole exchange, answer body included, ends at the call's deadline.
        timeoutMs: remaining,
        maxResponseBytes: exchange.maxResponseBytes,
        countEntityReferences: true,
      });
      statusCode = answer.statusCode;
      headers = answer.headers;
      text = answer.body;
    } catch (error) {
      throw error instanceof MailboxError ? error : this.transportFailure(error, mailbox, requestId);
    } finally {
      this.endpointSlots.release();
    }
    const ctx = { httpStatus: statusCode, mailbox, requestId };
    if (statusCode === 401 && this.authorization.kind === 'oauth' && !authRetried) {
      // A revoked or rotated token: fetch a fresh one once before calling it a failure.
      return this.send(exchange, requestId, deadline, true);
    }
    if (statusCode === 200 || statusCode === 500) {
      const xml = this.parse(text, exchange.parseOptions, ctx);
      if (xml) {
        const fault = errorFromSoapFault(xml, ctx);
        if (fault) throw fault;
        // Exchange also answers per-item errors (ErrorInternalServerError, ...) with HTTP 500 and a normal
        // response body: the operation's reader turns them into typed errors like any other.
        if (statusCode === 200 || hasResponseBody(xml)) return { xml, ctx };
      }
    }
    throw this.httpFailure(statusCode, headers, text, ctx);
  }

  /**
   * The answer as XML; undefined when it is not XML at all (httpFailure then describes it). What is XML
   * but not something we may read (a DOCTYPE, markup where text belongs, a broken document) is a
   * permanent InvalidResponse: the same request would bring the same answer.
   */
  private parse(text: string, options: ParseOptions, ctx: responses.ResponseContext): XmlNode | undefined {
    if (!text.trimStart().startsWith('<') || htmlPageTitle(text) !== undefined) return undefined;
    try {
      return parseXml(text, options);
    } catch (error) {
      const refused = error instanceof XmlRefusedError;
      throw new MailboxError({
        code: 'InvalidResponse',
        errorClass: 'permanent',
        message: `the EWS answer (HTTP ${ctx.httpStatus ?? '?'}) ${refused ? 'was refused' : 'could not be read'}: ${(error as Error).message}; Exchange never sends this, so something between us and Exchange (a proxy, a filter) is answering instead`,
        ...ctx,
      });
    }
  }

  private httpFailure(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
    ctx: responses.ResponseContext,
  ): MailboxError {
    const backOffMs = retryAfterMs(headers['retry-after']);
    const errorClass =
      status === 429
        ? 'throttled'
        : status === 503 || status === 502 || status === 504 || status === 500
          ? 'transient'
          : 'permanent';
    return transportError(`HTTP_${status}`, describeHttpAnswer(status, headers, text), {
      ...ctx,
      backOffMs,
      errorClass,
    });
  }

  private transportFailure(error: unknown, mailbox: string, requestId: string): MailboxError {
    if (error instanceof ResponseTooLargeError) {
      // Fetching it again would bring the same answer, at the same cost.
      return new MailboxError({
        code: 'ResponseTooLarge',
        errorClass: 'permanent',
        message: `the EWS answer exceeded ${error.limit} bytes (character references counted), far more than Exchange sends for this request; something between us and Exchange (a proxy, a filter) is answering instead: check EWS_URL`,
        mailbox,
        requestId,
      });
    }
    const err = error as { name?: string; code?: string; message?: string };
    if (err.code && TLS_TRUST_CODES.has(err.code)) {
      // Retrying cannot make an untrusted certificate trusted: say what to do instead.
      return transportError(
        'TLS',
        `the EWS server's certificate is not trusted (${err.code}); if it is issued by your own CA, set EWS_CA_FILE to that CA's PEM file`,
        {
          mailbox,
          requestId,
          errorClass: 'permanent',
        },
      );
    }
    if (
      err.name === 'TimeoutError' ||
      err.name === 'AbortError' ||
      err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      err.code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return transportError(
        'TIMEOUT',
        `no complete answer from EWS within the time allowed (EWS_TIMEOUT_MS, ${this.settings.timeoutMs} ms for the whole call)`,
        {
          mailbox,
          requestId,
        },
      );
    }
    return transportError(
      'CONNECTION',
      `connection to EWS failed: ${err.code ?? err.message ?? String(error)}`,
      {
        mailbox,
        requestId,
      },
    );
  }
}

/** What one attempt sends, and the most it may read back. */
interface Exchange {
  document: string;
  parseOptions: ParseOptions;
  mailbox: string;
  maxResponseBytes: number;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The title of an HTML page (a proxy's or login page's answer), '' when it has none; undefined for non-HTML. */
function htmlPageTitle(text: string): string | undefined {
  const start = text.trimStart().slice(0, 512);
  if (!/^(?:<!doctype\s+html|<html[\s>])/i.test(start)) return undefined;
  const title = /<title[^>]*>([^<]{0,200})<\/title>/i.exec(text.slice(0, 64 * 1024));
  return title ? (title[1] ?? '').trim().replace(/\s+/g, ' ') : '';
}

/** An answer that is not an EWS SOAP answer, in words: what came, and what to check. */
function describeHttpAnswer(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): string {
  if (status >= 300 && status < 400) {
    const location = header(headers, 'location');
    return (
      `EWS answered HTTP ${status}, a redirect to ${location ? `"${location}"` : 'no Location'}: ` +
      'the client does not follow redirects (they would carry the credentials elsewhere); set EWS_URL to the ' +
      'EWS endpoint itself (…/EWS/Exchange.asmx)'
    );
  }
  if (status === 401)
    return 'EWS answered HTTP 401: the credentials were refused (check EWS_AUTH and the account or app registration)';
  if (status === 403)
    return 'EWS answered HTTP 403: blocked by policy (EWS disabled for the tenant or app, or an access policy)';
  const title = htmlPageTitle(text);
  if (title !== undefined) {
    return (
      `EWS answered HTTP ${status} with an HTML error page${title ? ` ("${title}")` : ''} instead of a SOAP answer: ` +
      'a proxy, load balancer or sign-in page answered, not Exchange; check EWS_URL and what sits in front of Exchange'
    );
  }
  if (status === 200 || status === 500) {
    const type = header(headers, 'content-type') ?? 'no content type';
    return (
      `EWS answered HTTP ${status} with something that is not a SOAP answer (${type}, ${text.length} bytes${text ? `, starting "${text.slice(0, 40).replace(/\s+/g, ' ')}"` : ''}): ` +
      'check that EWS_URL is the EWS endpoint (…/EWS/Exchange.asmx), not a web page or another service'
    );
  }
  return `EWS answered HTTP ${status}`;
}

function hasResponseBody(xml: XmlNode): boolean {
  const body = child(child(xml, 'Envelope'), 'Body');
  return body !== undefined && Object.keys(body).some((name) => name.endsWith('Response'));
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`EWS_CA_FILE "${path}" cannot be read: ${(error as Error).message}`, 'EWS_CA_FILE');
  }
}
