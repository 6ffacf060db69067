/**
 * The impersonating EWS client: the first implementation of MailboxOperations. It is EWS's codec on the
 * shared HTTP transport (shared/platform/transport/httpTransport.ts: pool, credentials, caps, back-off gates,
 * retries): it writes each operation's SOAP envelope and reads the answer, with EWS's error table
 * (shared/mailbox/ews/ewsErrors.ts).
 *
 * One instance per process: the transport's pool, token cache, gates and caps only work if shared.
 */
import type { EwsSettings } from '../../platform/config';
import { ConfigError } from '../../platform/configError';
import { MailboxError, NO_ARCHIVE_CODES } from '../mailboxError';
import type {
  BatchOutcome,
  DirectoryPage,
  FindOldItemsOptions,
  FolderInfo,
  FolderName,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofCalendarEvent,
  OofSettings,
} from '../mailboxOperations';
import type { HttpAnswer } from '../../platform/transport/httpExchange';
import {
  firstHeader,
  HttpTransport,
  type AnswerContext,
  type HttpTransportOptions,
  type ServiceProfile,
  type TransportCallEvent,
} from '../../platform/transport/httpTransport';
import { toEwsOofEvent } from './calendarEvent';
import { errorFromSoapFault, retryAfterMs, transportError } from './ewsErrors';
import { validateOofSettings } from './oofValidation';
import * as requests from './soapRequests';
import * as responses from './soapResponses';
import {
  child,
  parseSuccessElement,
  parseXml,
  XmlRefusedError,
  type ParseOptions,
  type XmlNode,
} from './xml';

/** One structured line per HTTP attempt to EWS. */
export type EwsCallEvent = TransportCallEvent;

/** The transport's options (credential, call events, back-off base and cap) and EWS's own. */
export interface EwsClientOptions extends HttpTransportOptions {
  /** How ConnectingSID names the mailbox when the settings ask for SID (a lookup the caller owns). */
  connectingSidFor?: (mailbox: string) => string;
  /** FindItem page size; Exchange caps restricted searches near 250 whatever we ask. */
  pageSize?: number;
  /** ArchiveItem/MoveItem ids per request (at most 100: Microsoft's guidance for batch operations). */
  batchSize?: number;
}

/**
 * The largest answer each operation may bring (bytes, each character reference counted as
 * ENTITY_REFERENCE_COST, shared/platform/transport/httpExchange.ts): what Exchange can legitimately send for what we
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

/**
 * GetFolder on the archive root fails with one of these when the user has no archive: the codes that
 * mean so from any operation (shared/mailbox/mailboxError.ts), and the probe's own "no such folder".
 */
const ARCHIVE_ROOT_ABSENT_CODES = new Set([
  ...NO_ARCHIVE_CODES,
  'ErrorFolderNotFound',
  'ErrorMailboxNotFound',
]);

/** EWS as the transport sees it. */
const EWS_SERVICE: ServiceProfile = {
  name: 'EWS',
  settingPrefix: 'EWS',
  pausedCode: 'ErrorServerBusy',
  // Exchange charges calls made through impersonation to the target mailbox's budget (a copy of it
  // shared by every impersonating application), not to the service account's: any wait it names
  // (BackOffMilliseconds, Retry-After) pauses that mailbox's callers. The service account's own budget
  // shows as ErrorExceededConnectionCount, handled by the endpoint cap.
  pauseScope: () => 'mailbox',
  exceedsConcurrency: (error) => error.code === 'ErrorExceededConnectionCount',
};

export class EwsClient implements MailboxOperations {
  private readonly transport: HttpTransport;
  private readonly path: string;
  private readonly pageSize: number;
  private readonly batchSize: number;

  constructor(
    readonly settings: EwsSettings,
    private readonly options: EwsClientOptions = {},
  ) {
    if (settings.connectingSid === 'SID' && !options.connectingSidFor) {
      throw new ConfigError(
        'EWS_IMPERSONATION_ID=SID needs a SID lookup; use PrimarySmtpAddress (the default) unless you have one',
        'EWS_IMPERSONATION_ID',
      );
    }
    // EWS_MAX_BACKOFF_MS (settings.maxBackOffMs), default 300 s, caps server-named waits: Exchange Online
    // suggests up to ~300 s for ErrorServerBusy
    // (test/fixtures/ews-samples/Error.ErrorServerBusy.EXO-policy-details.NOTES.txt); anything longer comes
    // from a proxy or a typo, and honouring it would stall the mailbox for days.
    this.transport = new HttpTransport(settings, EWS_SERVICE, options);
    this.path = settings.url.pathname + settings.url.search;
    this.pageSize = options.pageSize ?? 250;
    this.batchSize = Math.min(options.batchSize ?? 100, 100);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  async getOof(mailbox: string): Promise<OofSettings> {
    return this.call(
      'GetUserOofSettings',
      mailbox,
      requests.getUserOofSettingsBody(mailbox),
      responses.readOofSettings,
      { onSuccess: responses.OOF_SETTINGS_ON_SUCCESS },
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

  /**
   * The privilege audit's canary read: GetFolder of the inbox with FolderShape IdOnly, so nothing of the
   * mailbox's content (not even a count) comes back. Not on MailboxOperations: only the unscoped read-only
   * probe (shared/mailbox/mailboxBackend.ts, createUnscopedReadOnlyProbe) calls it. Resolves when
   * Exchange let us in; rejects with what Exchange answered (ErrorImpersonateUserDenied, ...).
   */
  async readInboxIdOnly(mailbox: string): Promise<void> {
    await this.call('GetFolder', mailbox, requests.getFolderBody('inbox', 'IdOnly'), (xml, ctx) =>
      responses.readFolder(xml, 'inbox', ctx),
    );
  }

  /**
   * The privilege audit's directory listing: ResolveNames of `SMTP:<prefix>` on the directory only
   * (SearchScope ActiveDirectory, ReturnFullContactData false), as `asMailbox` (an in-scope mailbox:
   * app-only EWS needs the impersonation header even for the directory). With a routing type in front,
   * Exchange matches the start of every address of that type and answers the first 100 candidates
   * (web-service-reference/resolvenames-operation, Remarks), on Exchange Server and Exchange Online alike.
   * Not on MailboxOperations: only the unscoped read-only probe calls it.
   */
  async listMailboxAddresses(prefix: string, asMailbox: string): Promise<DirectoryPage> {
    return this.call(
      'ResolveNames',
      asMailbox,
      requests.resolveNamesBody(`SMTP:${prefix}`),
      responses.readResolvedMailboxAddresses,
    );
  }

  /** The roles claim of the access token in use (app-only OAuth); undefined with Basic. */
  grantedRoles(): Promise<string[] | undefined> {
    return this.transport.grantedRoles();
  }

  async hasArchiveMailbox(mailbox: string): Promise<boolean> {
    try {
      await this.getFolder(mailbox, 'archivemsgfolderroot');
      return true;
    } catch (error) {
      if (error instanceof MailboxError && ARCHIVE_ROOT_ABSENT_CODES.has(error.code)) return false;
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

  /**
   * Looks for the event this absence's tag names first: a create retried after a lost answer finds the
   * first attempt's event instead of making a second one.
   */
  async createOofEvent(mailbox: string, event: OofCalendarEvent): Promise<string> {
    const ewsEvent = toEwsOofEvent(event);
    const found = await this.call(
      'FindItem',
      mailbox,
      requests.findOofEventBody(ewsEvent.tag),
      responses.readFindItemPage,
    );
    const existing = found.items[0];
    if (existing) return existing.id;
    // Not idempotent: a CreateItem sent again after its answer was lost makes a second event, so the
    // transport does not resend it once it may have reached Exchange; the caller's next attempt comes back
    // through the FindItem above.
    return this.call(
      'CreateItem',
      mailbox,
      requests.createOofEventBody(ewsEvent),
      (xml, ctx) => responses.readItemId(xml, 'CreateItem', ctx),
      { idempotent: false },
    );
  }

  /** Rejects with a MailboxError ErrorItemNotFound when the event no longer exists. */
  async updateOofEvent(mailbox: string, id: string, event: OofCalendarEvent): Promise<string> {
    const ewsEvent = toEwsOofEvent(event);
    requireItemId(id);
    return this.call('UpdateItem', mailbox, requests.updateOofEventBody(id, ewsEvent), (xml, ctx) =>
      responses.readItemId(xml, 'UpdateItem', ctx),
    );
  }

  async deleteOofEvent(mailbox: string, id: string): Promise<'deleted' | 'already-gone'> {
    requireItemId(id);
    return this.call('DeleteItem', mailbox, requests.deleteOofEventBody(id), responses.readDeleteOutcome);
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

  /** Calls in flight to the endpoint right now may not exceed this (lowered after ErrorExceededConnectionCount). */
  get endpointConcurrency(): number {
    return this.transport.endpointConcurrency;
  }

  /**
   * Sends one operation as `mailbox` through the transport and reads its answer with `read`;
   * `idempotent: false` for an operation Exchange must not carry out twice (TransportRequest.idempotent);
   * `onSuccess`: a plain-success answer is read from that one element (xml.ts parseSuccessElement), any
   * other answer with `read`.
   */
  private call<T>(
    operation: string,
    mailbox: string,
    body: string,
    read: (xml: XmlNode, ctx: responses.ResponseContext) => T,
    {
      idempotent = true,
      onSuccess,
    }: { idempotent?: boolean; onSuccess?: responses.SuccessElementReader<T> } = {},
  ): Promise<T> {
    const { settings } = this;
    const impersonation: requests.Impersonation = {
      kind: settings.connectingSid,
      value:
        settings.connectingSid === 'SID' && this.options.connectingSidFor
          ? this.options.connectingSidFor(mailbox)
          : mailbox,
    };
    const parseOptions = { attributesOnSuccess: responses.READS_ATTRIBUTES_ON_SUCCESS.has(operation) };
    return this.transport.call({
      operation,
      mailbox,
      method: 'POST',
      path: this.path,
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        // Routes the call to the mailbox's server: without it Exchange proxies, slower and with 500/503s.
        'x-anchormailbox': mailbox,
      },
      body: requests.envelope(settings.serverVersion, impersonation, body),
      maxResponseBytes: ANSWER_LIMITS[operation] ?? DEFAULT_ANSWER_LIMIT,
      countEntityReferences: true,
      idempotent,
      // Reading is part of the attempt: an error in a ResponseMessage (ErrorServerBusy per item,
      // ErrorInternalServerError) is retried like a fault.
      decode: (answer, ctx) => {
        const element =
          onSuccess && answer.statusCode === 200
            ? parseSuccessElement(answer.body, onSuccess.element)
            : undefined;
        if (onSuccess && element) return onSuccess.read(element);
        return read(soapAnswer(answer, parseOptions, ctx), ctx);
      },
    });
  }
}

/** An event id must be the one createOofEvent gave: a non-empty string (Exchange's ids are base64). */
function requireItemId(id: string): void {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new ConfigError(`an event id is the one createOofEvent answered, got "${String(id)}"`, 'id');
  }
}

/**
 * The SOAP document of an EWS answer, or the typed error it carries: a fault, or an HTTP answer that is
 * not EWS's.
 */
function soapAnswer(answer: HttpAnswer, options: ParseOptions, ctx: AnswerContext): XmlNode {
  const { statusCode, headers, body } = answer;
  if (statusCode === 200 || statusCode === 500) {
    const xml = parseSoap(body, options, ctx);
    if (xml) {
      const fault = errorFromSoapFault(xml, ctx);
      if (fault) throw fault;
      // Exchange also answers per-item errors (ErrorInternalServerError, ...) with HTTP 500 and a normal
      // response body: the operation's reader turns them into typed errors like any other.
      if (statusCode === 200 || hasResponseBody(xml)) return xml;
    }
  }
  throw httpFailure(statusCode, headers, body, ctx);
}

/**
 * The answer as XML; undefined when it is not XML at all (httpFailure then describes it). What is XML
 * but not something we may read (a DOCTYPE, markup where text belongs, a broken document) is a
 * permanent InvalidResponse: the same request would bring the same answer.
 */
function parseSoap(text: string, options: ParseOptions, ctx: AnswerContext): XmlNode | undefined {
  if (!text.trimStart().startsWith('<') || htmlPageTitle(text) !== undefined) return undefined;
  try {
    return parseXml(text, options);
  } catch (error) {
    const refused = error instanceof XmlRefusedError;
    throw new MailboxError({
      code: 'InvalidResponse',
      errorClass: 'permanent',
      message: `the EWS answer (HTTP ${ctx.httpStatus}) ${refused ? 'was refused' : 'could not be read'}: ${(error as Error).message}; Exchange never sends this, so something between us and Exchange (a proxy, a filter) is answering instead`,
      httpStatus: ctx.httpStatus,
      mailbox: ctx.mailbox,
      requestId: ctx.requestId,
    });
  }
}

/** EWS's table for HTTP answers that carry no SOAP answer. */
function httpFailure(
  status: number,
  headers: HttpAnswer['headers'],
  text: string,
  ctx: AnswerContext,
): MailboxError {
  const errorClass =
    status === 429
      ? 'throttled'
      : status === 503 || status === 502 || status === 504 || status === 500
        ? 'transient'
        : 'permanent';
  return transportError(`HTTP_${status}`, describeHttpAnswer(status, headers, text), {
    httpStatus: ctx.httpStatus,
    mailbox: ctx.mailbox,
    requestId: ctx.requestId,
    backOffMs: retryAfterMs(headers['retry-after']),
    errorClass,
  });
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
    const location = firstHeader(headers, 'location');
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
    const type = firstHeader(headers, 'content-type') ?? 'no content type';
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
