/**
 * The Microsoft Graph implementation of MailboxOperations, for Exchange Online once EWS is blocked:
 * automatic replies through `/users/{id}/mailboxSettings`, address resolution and transitive group
 * expansion through the directory. Graph addresses a user by object id or user principal name only
 * (user-get reference page), and a UPN need not be the mail address (hybrid and non-routable UPNs), so
 * each address is resolved to its user's object id once (a `mail` filter, then `proxyAddresses`), kept
 * for the life of the client, and every mailbox path uses the id. Graph v1.0 cannot reach the In-Place Archive, so the archive
 * operations throw NotSupportedByGraph (permanent): archiving stays on the EWS back end.
 *
 * This is Graph's codec on the shared HTTP transport (shared/platform/transport/httpTransport.ts: pool, CA trust,
 * token and the retry after a 401, caps, back-off gates, the retry loop): it writes JSON requests and reads
 * JSON answers, with Graph's error table (shared/mailbox/graph/graphErrors.ts). One instance per process.
 */
import { ConfigError } from '../../platform/configError';
import { validateOofSettings } from '../ews/oofValidation';
import { MailboxError } from '../mailboxError';
import type {
  BatchOutcome,
  DirectoryPage,
  FolderInfo,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofCalendarEvent,
  OofReadResult,
  OofSettings,
} from '../mailboxOperations';
import type { GraphSettings } from '../../platform/config';
import { mapWithLimit } from '../../platform/transport/concurrency';
import type { HttpAnswer } from '../../platform/transport/httpExchange';
import {
  HttpTransport,
  type AnswerContext,
  type HttpTransportOptions,
  type ServiceProfile,
  type TransportCallEvent,
} from '../../platform/transport/httpTransport';
import { errorFromGraphAnswer, isRecord, notSupportedByGraph } from './graphErrors';
import { toGraphOofEvent } from './oofEvent';
import { fromGraphAutomaticReplies, toGraphAutomaticReplies, UnmappableOofError } from './oofMapping';

/** One structured line per HTTP attempt to Graph, with Graph's own request id and the HTTP status. */
export type GraphCallEvent = TransportCallEvent;

/** The transport's options (credential, call events, back-off base and cap) and Graph's own. */
export interface GraphClientOptions extends HttpTransportOptions {
  /** Requests per `$batch` (Graph allows at most 20). */
  batchSize?: number;
}

/** Microsoft Graph as the transport sees it. */
const GRAPH_SERVICE: ServiceProfile = {
  name: 'Microsoft Graph',
  settingPrefix: 'GRAPH',
  pausedCode: 'Throttled',
  // Outlook's limits are per app and mailbox: a 429 pauses that mailbox; a 503 or 509 (and a 429 for no
  // one mailbox) the whole endpoint.
  pauseScope: (error, mailbox) => {
    if (error.httpStatus === 429 && mailbox) return 'mailbox';
    return error.httpStatus === 503 || error.httpStatus === 429 || error.httpStatus === 509
      ? 'endpoint'
      : undefined;
  },
  serverRequestIdHeader: 'request-id',
};

/** Graph's JSON batching limit. */
export const MAX_BATCH_REQUESTS = 20;
/** Most resolved object ids kept; an address seen after that is resolved again. */
const MAX_CACHED_IDS = 100_000;
/** Answers bigger than this are not a Graph answer we asked for. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

interface GraphRequest {
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE';
  /** Path under the version segment, with its query: `/users/a%40b.com/mailboxSettings`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A successful Graph answer, its JSON read. */
interface GraphAnswer {
  status: number;
  body: unknown;
  requestId: string;
  serverRequestId?: string;
}

const AUTOMATIC_REPLIES = '/mailboxSettings/automaticRepliesSetting';
const userPath = (id: string): string => `/users/${encodeURIComponent(id)}`;
/** Graph's code for an event id that names nothing (deleted, or never there). */
const ITEM_NOT_FOUND = 'ErrorItemNotFound';
/** OData string literal: single quotes doubled. */
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;
/** An address as the caller wrote it, without an `smtp:` prefix. */
const bareAddress = (address: string): string => address.trim().replace(/^smtp:/i, '');
/** Directory advanced query (ConsistencyLevel: eventual with $count=true): proxyAddresses, OData casts. */
const ADVANCED_QUERY = { consistencylevel: 'eventual' };
const USER_FIELDS = '$select=id,mail,userPrincipalName';

function firstOf(body: unknown): Record<string, unknown> | undefined {
  const first: unknown = isRecord(body) && Array.isArray(body.value) ? body.value[0] : undefined;
  return isRecord(first) ? first : undefined;
}

function unexpected(operation: string, mailbox: string, what: string, answer?: GraphAnswer): MailboxError {
  return new MailboxError({
    code: 'InvalidResponse',
    errorClass: 'transient',
    message: `${operation}: the Microsoft Graph answer could not be read: ${what}`,
    mailbox,
    requestId: answer?.requestId,
    serverRequestId: answer?.serverRequestId,
  });
}

export class GraphClient implements MailboxOperations {
  private readonly transport: HttpTransport;
  private readonly basePath: string;
  private readonly batchSize: number;
  /** Object id by lower-case address: resolved once (in flight shared), kept for the client's life. */
  private readonly userIds = new Map<string, Promise<string>>();

  constructor(
    readonly settings: GraphSettings,
    options: GraphClientOptions = {},
  ) {
    this.transport = new HttpTransport(settings, GRAPH_SERVICE, options);
    this.basePath = settings.url.pathname.replace(/\/+$/, '');
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? MAX_BATCH_REQUESTS, MAX_BATCH_REQUESTS));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  async getOof(mailbox: string): Promise<OofSettings> {
    const id = await this.userIdOf('GetOof', mailbox);
    const answer = await this.call('GetOof', mailbox, {
      method: 'GET',
      path: userPath(id) + AUTOMATIC_REPLIES,
    });
    return this.readOof('GetOof', mailbox, answer.body, answer);
  }

  /**
   * The privilege audit's canary read: GET /users/{id}/mailboxSettings, after the directory lookup of the
   * address. Not on MailboxOperations: only the unscoped read-only probe (shared/mailbox/mailboxBackend.ts,
   * createUnscopedReadOnlyProbe) calls it. Resolves when Exchange let us read; rejects with what Graph
   * answered (403 ErrorAccessDenied outside an application access policy, UserNotFound, ...).
   */
  async readMailboxSettings(mailbox: string): Promise<void> {
    const id = await this.userIdOf('GetMailboxSettings', mailbox);
    await this.call('GetMailboxSettings', mailbox, {
      method: 'GET',
      path: `${userPath(id)}/mailboxSettings`,
    });
  }

  /**
   * The privilege audit's directory listing: one page, at most `top` users whose primary address starts
   * with `prefix`, or the first users of all with none (`GET /users?$select=mail&$filter=startswith(mail,'...')&$top=`; startsWith on mail is
   * a default query, no ConsistencyLevel needed, and $top takes 1 to 999: user-list and the user
   * resource's property table). User.Read.All, which the app holds for address resolution. Users without
   * a mailbox have no mail and are left out. Not on MailboxOperations: only the unscoped read-only probe
   * calls it.
   */
  async listMailboxAddresses(prefix: string, top: number): Promise<DirectoryPage> {
    // No prefix: the directory's first page, unfiltered (users without mail come back and are skipped).
    const filter =
      prefix === '' ? '' : `&$filter=${encodeURIComponent(`startswith(mail,${literal(prefix)})`)}`;
    const page = await this.call('ListUsers', 'directory', {
      method: 'GET',
      path: `/users?$select=mail${filter}&$top=${top}`,
    });
    const users: unknown[] = isRecord(page.body) && Array.isArray(page.body.value) ? page.body.value : [];
    const addresses = users
      .map((u) => (isRecord(u) && typeof u.mail === 'string' ? u.mail.trim().toLowerCase() : ''))
      .filter((mail) => mail !== '');
    // No nextLink: the directory had no more users for the query.
    const complete = !(isRecord(page.body) && typeof page.body['@odata.nextLink'] === 'string');
    return { addresses: [...new Set(addresses)], complete };
  }

  /** The roles claim of the access token in use: the Graph application permissions the app holds. */
  grantedRoles(): Promise<string[] | undefined> {
    return this.transport.grantedRoles();
  }

  async setOof(mailbox: string, settings: OofSettings): Promise<void> {
    validateOofSettings(settings);
    const id = await this.userIdOf('SetOof', mailbox);
    await this.call('SetOof', mailbox, {
      method: 'PATCH',
      path: `${userPath(id)}/mailboxSettings`,
      body: { automaticRepliesSetting: toGraphAutomaticReplies(settings) },
    });
  }

  /**
   * Many mailboxes' automatic replies through `$batch`, 20 per request. Each response is handled on its
   * own: throttled or transient ones are asked again (after the longest Retry-After among them), the rest
   * become that mailbox's result.
   */
  async getOofMany(mailboxes: readonly string[]): Promise<OofReadResult[]> {
    const results = new Array<OofReadResult>(mailboxes.length);
    // Object ids first: a mailbox whose address finds no user is its own result, never in a batch.
    const ids = new Array<string | undefined>(mailboxes.length);
    await mapWithLimit([...mailboxes.keys()], 8, async (index) => {
      const mailbox = mailboxes[index] ?? '';
      try {
        ids[index] = await this.userIdOf('GetOofBatch', mailbox);
      } catch (error) {
        results[index] = { mailbox, error: error as Error };
      }
    });
    const resolved = [...mailboxes.keys()].filter((index) => ids[index] !== undefined);
    const chunks: number[][] = [];
    for (let i = 0; i < resolved.length; i += this.batchSize) {
      chunks.push(resolved.slice(i, i + this.batchSize));
    }
    // A few batches at once: each is up to 20 requests against the mailboxes' budgets.
    await mapWithLimit(chunks, 4, (chunk) => this.readBatch(mailboxes, ids, chunk, results));
    return results;
  }

  /**
   * One batch of automatic-reply reads, through the transport's retry loop like any call: each attempt
   * asks for the mailboxes still pending; a throttled or transient response is asked again in the next
   * attempt (after the longest Retry-After among them), the others become that mailbox's result. A batch
   * that fails as a whole (its envelope is not 2xx once the retries are spent) loses nothing: each mailbox
   * still pending is then read on its own, with its own retries, and gets its own result.
   */
  private async readBatch(
    mailboxes: readonly string[],
    ids: readonly (string | undefined)[],
    indexes: number[],
    results: OofReadResult[],
  ): Promise<void> {
    let pending = indexes;
    let round = 0;
    /** The last answer's retryable item errors, thrown as one; what they end with if the loop gives up. */
    let askAgain: { error: MailboxError; items: Map<number, MailboxError> } | undefined;
    try {
      await this.transport.call({
        operation: 'GetOofBatch',
        mailbox: '',
        method: 'POST',
        path: `${this.basePath}/$batch`,
        headers: jsonHeaders(true),
        body: () =>
          JSON.stringify({
            requests: pending.map((index) => ({
              id: String(index),
              method: 'GET',
              url: userPath(ids[index] ?? '') + AUTOMATIC_REPLIES,
            })),
          }),
        maxResponseBytes: MAX_RESPONSE_BYTES,
        decode: (http, ctx) => {
          const answer = readJson('GetOofBatch', http, ctx);
          round++;
          const items = this.settleBatchItems(mailboxes, pending, answer, round, results);
          pending = [...items.keys()];
          askAgain =
            items.size > 0 ? { error: itemsToAskAgain(items, indexes.length, ctx), items } : undefined;
          if (askAgain) throw askAgain.error;
        },
      });
    } catch (error) {
      if (!(error instanceof MailboxError)) throw error;
      if (askAgain && error === askAgain.error) {
        // The loop gave up on the items: each keeps its own error.
        for (const [index, itemError] of askAgain.items) {
          itemError.attempts = round;
          results[index] = { mailbox: mailboxes[index] ?? '', error: itemError };
        }
        return;
      }
      await mapWithLimit(pending, 4, async (index) => {
        const mailbox = mailboxes[index] ?? '';
        try {
          results[index] = { mailbox, settings: await this.getOof(mailbox) };
        } catch (itemError) {
          results[index] = { mailbox, error: itemError as Error };
        }
      });
    }
  }

  /**
   * Each pending mailbox's response in a `$batch` answer as its result, except throttled or transient ones:
   * those are returned, by index, to be asked again.
   */
  private settleBatchItems(
    mailboxes: readonly string[],
    pending: readonly number[],
    answer: GraphAnswer,
    round: number,
    results: OofReadResult[],
  ): Map<number, MailboxError> {
    const responses =
      isRecord(answer.body) && Array.isArray(answer.body.responses) ? answer.body.responses : [];
    const byId = new Map<string, Record<string, unknown>>();
    for (const r of responses) if (isRecord(r) && typeof r.id === 'string') byId.set(r.id, r);
    const retry = new Map<number, MailboxError>();
    for (const index of pending) {
      const mailbox = mailboxes[index] ?? '';
      const response = byId.get(String(index));
      if (!response) {
        results[index] = {
          mailbox,
          error: unexpected('GetOofBatch', mailbox, 'no response for this request', answer),
        };
        continue;
      }
      const status = typeof response.status === 'number' ? response.status : 0;
      if (status >= 200 && status < 300) {
        try {
          results[index] = {
            mailbox,
            settings: this.readOof('GetOofBatch', mailbox, response.body, answer),
          };
        } catch (error) {
          results[index] = { mailbox, error: error as Error };
        }
        continue;
      }
      const headers = isRecord(response.headers)
        ? Object.fromEntries(
            Object.entries(response.headers).map(([k, v]) => [
              k.toLowerCase(),
              typeof v === 'string' ? v : undefined,
            ]),
          )
        : {};
      const error = errorFromGraphAnswer(status, headers, response.body, 'GetOofBatch', {
        mailbox,
        requestId: answer.requestId,
        serverRequestId: answer.serverRequestId,
      });
      error.attempts = round;
      if (error.retryable) retry.set(index, error);
      else results[index] = { mailbox, error };
    }
    return retry;
  }

  async resolvePrimaryAddress(nameOrAddress: string, _asMailbox: string): Promise<string | undefined> {
    const name = bareAddress(nameOrAddress);
    try {
      const answer = await this.call('ResolveAddress', name, {
        method: 'GET',
        path: `${userPath(name)}?${USER_FIELDS}`,
      });
      const mail = isRecord(answer.body) ? answer.body.mail : undefined;
      if (typeof mail === 'string' && mail) return mail.toLowerCase();
      return undefined; // a user without a mailbox
    } catch (error) {
      if (!(error instanceof MailboxError) || error.httpStatus !== 404) throw error;
    }
    // /users/{id} knows object ids and UPNs; an alias (proxy address) is found by filter.
    if (!name.includes('@')) return undefined;
    const user = await this.findUserByAddress('ResolveAddress', name);
    const mail = user?.mail;
    return typeof mail === 'string' && mail ? mail.toLowerCase() : undefined;
  }

  /**
   * The user whose primary address (`mail`) or one of whose proxy addresses is `address`, or undefined.
   * A `mail` filter is a default query; a filter on `proxyAddresses` is asked as an advanced query
   * (ConsistencyLevel: eventual, $count=true), as the user-list page and advanced-query pages describe.
   */
  private async findUserByAddress(
    operation: string,
    address: string,
  ): Promise<Record<string, unknown> | undefined> {
    const byMail = await this.call(operation, address, {
      method: 'GET',
      path: `/users?$filter=${encodeURIComponent(`mail eq ${literal(address)}`)}&${USER_FIELDS}`,
    });
    const found = firstOf(byMail.body);
    if (found) return found;
    const proxy = encodeURIComponent(`proxyAddresses/any(p:p eq ${literal(`smtp:${address}`)})`);
    const byProxy = await this.call(operation, address, {
      method: 'GET',
      path: `/users?$filter=${proxy}&${USER_FIELDS}&$count=true`,
      headers: ADVANCED_QUERY,
    });
    return firstOf(byProxy.body);
  }

  /** The object id of the user an address belongs to: asked once, then kept (see the file comment). */
  private userIdOf(operation: string, mailbox: string): Promise<string> {
    const address = bareAddress(mailbox).toLowerCase();
    const known = this.userIds.get(address);
    if (known) return known;
    const lookup = this.findUserByAddress(operation, address).then((user) => {
      const id = user?.id;
      if (typeof id === 'string' && id) return id;
      throw new MailboxError({
        code: 'UserNotFound',
        errorClass: 'permanent',
        message: `${operation}: no user with the address ${address} in the directory (Microsoft Graph searched mail and proxyAddresses)`,
        mailbox,
      });
    });
    if (this.userIds.size >= MAX_CACHED_IDS) this.userIds.clear();
    this.userIds.set(address, lookup);
    // A failed lookup is not kept: the next call asks again (the user may have been created meanwhile).
    lookup.catch(() => this.userIds.delete(address));
    return lookup;
  }

  /**
   * Every user with a mailbox in the group, nested groups included (transitive members, users only):
   * no nested group comes back, so callers expanding level by level stop at once.
   */
  async expandGroup(group: string, _asMailbox: string): Promise<GroupMember[]> {
    const address = bareAddress(group);
    const filter = encodeURIComponent(`mail eq ${literal(address)}`);
    const found = await this.call('ExpandGroup', address, {
      method: 'GET',
      path: `/groups?$filter=${filter}&$select=id,mail,displayName`,
    });
    const groupEntry: unknown =
      isRecord(found.body) && Array.isArray(found.body.value) ? found.body.value[0] : undefined;
    const id = isRecord(groupEntry) && typeof groupEntry.id === 'string' ? groupEntry.id : undefined;
    if (!id) {
      throw new MailboxError({
        code: 'GroupNotFound',
        errorClass: 'permanent',
        message: `no group with the address ${address} in the directory (check MAILBOX_SCOPE_GROUP)`,
        mailbox: address,
        requestId: found.requestId,
        serverRequestId: found.serverRequestId,
      });
    }
    const members = new Map<string, GroupMember>();
    let path: string | undefined =
      `/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user` +
      '?$select=id,mail,displayName,userPrincipalName,userType&$top=999&$count=true';
    while (path) {
      const page = await this.call('ExpandGroup', address, {
        method: 'GET',
        path,
        // The OData cast is an advanced directory query (group-list-transitivemembers): both the header
        // and $count=true, or Graph answers 400 Request_UnsupportedQuery.
        headers: ADVANCED_QUERY,
      });
      const body = isRecord(page.body) ? page.body : {};
      for (const user of Array.isArray(body.value) ? body.value : []) {
        if (!isRecord(user)) continue;
        // No mail: no mailbox. Guests carry their home address: not a mailbox of this organisation.
        if (typeof user.mail !== 'string' || !user.mail || user.userType === 'Guest') continue;
        const mail = user.mail.toLowerCase();
        if (!members.has(mail)) {
          const name = typeof user.displayName === 'string' && user.displayName ? user.displayName : mail;
          members.set(mail, { name, address: mail, kind: 'Mailbox' });
        }
      }
      const nextLink = body['@odata.nextLink'];
      path = typeof nextLink === 'string' ? this.relativePath(nextLink, address) : undefined;
    }
    return [...members.values()];
  }

  /**
   * `POST /users/{id}/events` (user-post-events) into the default calendar. Nobody is invited, so nothing is
   * sent. The absence's tag goes as transactionId: a create the transport retries after a lost answer gets
   * the first attempt's event back instead of a second one (event resource reference page).
   */
  async createOofEvent(mailbox: string, event: OofCalendarEvent): Promise<string> {
    const body = toGraphOofEvent(event, true);
    const user = await this.userIdOf('CreateOofEvent', mailbox);
    const answer = await this.call('CreateOofEvent', mailbox, {
      method: 'POST',
      path: `${userPath(user)}/events`,
      body,
    });
    const id = isRecord(answer.body) ? answer.body.id : undefined;
    if (typeof id !== 'string' || !id) throw unexpected('CreateOofEvent', mailbox, 'no event id', answer);
    return id;
  }

  /**
   * `PATCH /users/{id}/events/{eventId}` (event-update): new days, subject and body; the transactionId set
   * at create stays (Graph lets no update change it). Graph keeps the id, so the same id is answered.
   */
  async updateOofEvent(mailbox: string, id: string, event: OofCalendarEvent): Promise<string> {
    const body = toGraphOofEvent(event, false);
    const path = await this.eventPath('UpdateOofEvent', mailbox, id);
    try {
      await this.call('UpdateOofEvent', mailbox, { method: 'PATCH', path, body });
    } catch (error) {
      if (!isItemNotFound(error)) throw error;
      throw new MailboxError({
        code: ITEM_NOT_FOUND,
        errorClass: 'permanent',
        message: `UpdateOofEvent: the calendar event ${id} of ${mailbox} no longer exists (deleted in the calendar)`,
        httpStatus: 404,
        mailbox,
        requestId: error.requestId,
        serverRequestId: error.serverRequestId,
      });
    }
    return id;
  }

  /**
   * `DELETE /users/{id}/events/{eventId}` (event-delete): 204. An event already deleted (by the person, or
   * by a first attempt whose answer was lost) is `already-gone`; a 404 for the user is an error as always.
   */
  async deleteOofEvent(mailbox: string, id: string): Promise<'deleted' | 'already-gone'> {
    const path = await this.eventPath('DeleteOofEvent', mailbox, id);
    try {
      await this.call('DeleteOofEvent', mailbox, { method: 'DELETE', path });
      return 'deleted';
    } catch (error) {
      if (isItemNotFound(error)) return 'already-gone';
      throw error;
    }
  }

  /** The path of one event of the mailbox's user, the id checked first. */
  private async eventPath(operation: string, mailbox: string, id: string): Promise<string> {
    if (typeof id !== 'string' || id.trim() === '') {
      throw new ConfigError(`${operation}: the calendar event id is empty`, 'id');
    }
    const user = await this.userIdOf(operation, mailbox);
    return `${userPath(user)}/events/${encodeURIComponent(id)}`;
  }

  findItemIdsReceivedBefore(mailbox: string): Promise<ItemRef[]> {
    return Promise.reject(notSupportedByGraph('Finding items to archive', mailbox));
  }

  archiveItems(mailbox: string): Promise<BatchOutcome> {
    return Promise.reject(notSupportedByGraph('Archiving', mailbox));
  }

  moveItems(mailbox: string): Promise<BatchOutcome> {
    return Promise.reject(notSupportedByGraph('Moving items to the archive', mailbox));
  }

  getFolder(mailbox: string): Promise<FolderInfo> {
    return Promise.reject(notSupportedByGraph('Reading archive folders', mailbox));
  }

  hasArchiveMailbox(mailbox: string): Promise<boolean> {
    return Promise.reject(notSupportedByGraph('Checking for an archive mailbox', mailbox));
  }

  private readOof(operation: string, mailbox: string, body: unknown, answer: GraphAnswer): OofSettings {
    // GET .../automaticRepliesSetting answers the object itself; .../mailboxSettings wraps it.
    const value =
      isRecord(body) && isRecord(body.automaticRepliesSetting) ? body.automaticRepliesSetting : body;
    try {
      return fromGraphAutomaticReplies(value);
    } catch (error) {
      if (error instanceof UnmappableOofError) {
        // Asking again gives the same answer: permanent for this mailbox, never guessed.
        throw new MailboxError({
          code: error.code,
          errorClass: 'permanent',
          message: `${operation}: the automatic replies Microsoft Graph answered cannot be mapped: ${error.message}`,
          mailbox,
          requestId: answer.requestId,
          serverRequestId: answer.serverRequestId,
        });
      }
      throw error;
    }
  }

  /** A nextLink must stay on the configured endpoint: the token is never sent anywhere else. */
  private relativePath(link: string, mailbox: string): string {
    const url = new URL(link, this.settings.url);
    if (url.origin !== this.settings.url.origin || !url.pathname.startsWith(`${this.basePath}/`)) {
      throw unexpected('ExpandGroup', mailbox, `a next page link outside ${this.settings.url.href}`);
    }
    return url.pathname.slice(this.basePath.length) + url.search;
  }

  /** One Graph request as `mailbox` through the transport (retries, caps, gates), its JSON answer read. */
  private call(operation: string, mailbox: string, request: GraphRequest): Promise<GraphAnswer> {
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    return this.transport.call({
      operation,
      mailbox,
      method: request.method,
      path: this.basePath + request.path,
      headers: { ...jsonHeaders(body !== undefined), ...request.headers },
      body,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      decode: (answer, ctx) => readJson(operation, answer, ctx),
    });
  }
}

/** Graph's 404 for an event id (not for the user: that 404 is ErrorInvalidUser or MailboxNotEnabledForRESTAPI). */
function isItemNotFound(error: unknown): error is MailboxError {
  return error instanceof MailboxError && error.httpStatus === 404 && error.code === ITEM_NOT_FOUND;
}

function jsonHeaders(hasBody: boolean): Record<string, string> {
  return {
    accept: 'application/json',
    // Times in answers in UTC where Graph honours it; any other zone is converted anyway.
    prefer: 'outlook.timezone="UTC"',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
  };
}

/** A 2xx answer's JSON, or the MailboxError Graph's error table makes of any other answer. */
function readJson(operation: string, answer: HttpAnswer, ctx: AnswerContext): GraphAnswer {
  const { statusCode, headers, body: text } = answer;
  let parsed: unknown;
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      // Gateways answer 5xx with HTML: the status says what happened.
      parsed = undefined;
      if (statusCode >= 200 && statusCode < 300) {
        throw new MailboxError({
          code: 'CONNECTION',
          errorClass: 'transient',
          message: `${operation}: the answer is not JSON`,
          mailbox: ctx.mailbox,
          requestId: ctx.requestId,
        });
      }
    }
  }
  if (statusCode < 200 || statusCode >= 300) {
    throw errorFromGraphAnswer(statusCode, headers, parsed, operation, ctx);
  }
  return { status: statusCode, body: parsed, requestId: ctx.requestId, serverRequestId: ctx.serverRequestId };
}

/**
 * The retryable item errors of a `$batch` answer as one error for the retry loop: its wait is the longest
 * any of them named. It carries no HTTP status, so it sets no gate: each item's throttling is its own
 * mailbox's, and the batch's next attempt already waits for the longest of them.
 */
function itemsToAskAgain(
  items: Map<number, MailboxError>,
  batchSize: number,
  ctx: AnswerContext,
): MailboxError {
  const errors = [...items.values()];
  const first = errors[0] as MailboxError;
  const waits = errors.flatMap((e) => (e.backOffMs === undefined ? [] : [e.backOffMs]));
  return new MailboxError({
    code: first.code,
    errorClass: errors.some((e) => e.errorClass === 'throttled') ? 'throttled' : 'transient',
    message: `GetOofBatch: ${errors.length} of ${batchSize} mailboxes to ask again (${first.message})`,
    backOffMs: waits.length > 0 ? Math.max(...waits) : undefined,
    requestId: ctx.requestId,
    serverRequestId: ctx.serverRequestId,
  });
}
