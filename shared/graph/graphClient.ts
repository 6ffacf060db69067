/**
 * The Microsoft Graph implementation of MailboxOperations, for Exchange Online once EWS is blocked:
 * automatic replies through `/users/{id}/mailboxSettings`, address resolution and transitive group
 * expansion through the directory. Graph addresses a user by object id or user principal name only
 * (user-get reference page), and a UPN need not be the mail address (hybrid and non-routable UPNs), so
 * each address is resolved to its user's object id once (a `mail` filter, then `proxyAddresses`), kept
 * for the life of the client, and every mailbox path uses the id. Graph v1.0 cannot reach the In-Place Archive, so the archive
 * operations throw NotSupportedByGraph (permanent): archiving stays on the EWS back end.
 *
 * One instance per process, like the EWS client: one undici pool, one token cache (the same
 * @azure/identity credential code as EWS, Graph scope), one endpoint back-off gate, in-flight caps.
 */
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { Pool } from 'undici';
import type { GraphSettings } from '../config';
import { ConfigError } from '../configError';
import { createTokenCredential, TokenAuthorization } from '../ews/auth';
import {
  BackOffGate,
  jitteredBackOff,
  KeyedSemaphore,
  mapWithLimit,
  Semaphore,
  sleep,
} from '../ews/concurrency';
import { postAndCollect, ResponseTooLargeError } from '../ews/httpExchange';
import { validateOofSettings } from '../ews/oofValidation';
import { MailboxError } from '../mailbox/mailboxError';
import { callWithRetries, type MailboxCallEvent } from '../mailbox/retryingCall';
import type {
  BatchOutcome,
  FolderInfo,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofReadResult,
  OofSettings,
} from '../mailbox/mailboxOperations';
import { errorFromGraphAnswer, header, isRecord, notSupportedByGraph } from './graphErrors';
import { fromGraphAutomaticReplies, toGraphAutomaticReplies, UnmappableOofError } from './oofMapping';

/** One structured line per HTTP attempt to Graph, with Graph's own request id. */
export interface GraphCallEvent extends MailboxCallEvent {
  /** request-id Graph answered (what Microsoft support asks for). */
  serverRequestId?: string;
  status?: number;
}

export interface GraphClientOptions {
  /** Overrides the credential the settings describe (tests, or one shared with the EWS client). */
  credential?: TokenCredential;
  onCall?: (event: GraphCallEvent) => void;
  /** Base and cap of the exponential back-off when Graph names no wait. */
  backOffBaseMs?: number;
  backOffCapMs?: number;
  /** Requests per `$batch` (Graph allows at most 20). */
  batchSize?: number;
}

/** Graph's JSON batching limit. */
export const MAX_BATCH_REQUESTS = 20;
/** Most resolved object ids kept; an address seen after that is resolved again. */
const MAX_CACHED_IDS = 100_000;
/** Answers bigger than this are not a Graph answer we asked for. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

interface GraphRequest {
  method: 'GET' | 'PATCH' | 'POST';
  /** Path under the version segment, with its query: `/users/a%40b.com/mailboxSettings`. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface GraphAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  requestId: string;
  serverRequestId?: string;
}

const AUTOMATIC_REPLIES = '/mailboxSettings/automaticRepliesSetting';
const userPath = (id: string): string => `/users/${encodeURIComponent(id)}`;
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
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly authorization: TokenAuthorization;
  /** 503: the service as a whole asked us to wait. */
  private readonly gate = new BackOffGate();
  /** 429: Outlook's limits are per app and mailbox, so the wait applies to that mailbox. */
  private readonly mailboxPauses = new Map<string, number>();
  private readonly endpointSlots: Semaphore;
  private readonly mailboxSlots: KeyedSemaphore;
  private readonly batchSize: number;
  /** Object id by lower-case address: resolved once (in flight shared), kept for the client's life. */
  private readonly userIds = new Map<string, Promise<string>>();

  constructor(
    readonly settings: GraphSettings,
    private readonly options: GraphClientOptions = {},
  ) {
    const ca = settings.caFile ? readCaFile(settings.caFile) : undefined;
    this.pool = new Pool(settings.url.origin, {
      connections: settings.connections,
      connectTimeout: settings.connectTimeoutMs,
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      keepAliveTimeout: 30_000,
      ...(ca ? { connect: { ca } } : {}),
    });
    this.basePath = settings.url.pathname.replace(/\/+$/, '');
    this.authorization = new TokenAuthorization(
      options.credential ?? createTokenCredential(settings.auth, { ca }),
      settings.auth.scope,
    );
    this.endpointSlots = new Semaphore(settings.maxInFlightPerEndpoint);
    this.mailboxSlots = new KeyedSemaphore(settings.maxInFlightPerMailbox);
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? MAX_BATCH_REQUESTS, MAX_BATCH_REQUESTS));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async getOof(mailbox: string): Promise<OofSettings> {
    const id = await this.userIdOf('GetOof', mailbox);
    const answer = await this.call('GetOof', mailbox, {
      method: 'GET',
      path: userPath(id) + AUTOMATIC_REPLIES,
    });
    return this.readOof('GetOof', mailbox, answer.body, answer);
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
   * One batch of automatic-reply reads. A batch that fails as a whole (its envelope is not 200 once the
   * retries of `call` are spent) loses nothing: each of its mailboxes is then read on its own, with its
   * own retries, and gets its own result.
   */
  private async readBatch(
    mailboxes: readonly string[],
    ids: readonly (string | undefined)[],
    indexes: number[],
    results: OofReadResult[],
  ): Promise<void> {
    let pending = indexes;
    let waited = 0;
    for (let round = 1; pending.length > 0; round++) {
      let answer: GraphAnswer;
      try {
        answer = await this.call('GetOofBatch', '', {
          method: 'POST',
          path: '/$batch',
          body: {
            requests: pending.map((index) => ({
              id: String(index),
              method: 'GET',
              url: userPath(ids[index] ?? '') + AUTOMATIC_REPLIES,
            })),
          },
        });
      } catch (error) {
        if (!(error instanceof MailboxError)) throw error;
        await mapWithLimit(pending, 4, async (index) => {
          const mailbox = mailboxes[index] ?? '';
          try {
            results[index] = { mailbox, settings: await this.getOof(mailbox) };
          } catch (itemError) {
            results[index] = { mailbox, error: itemError as Error };
          }
        });
        return;
      }
      const responses =
        isRecord(answer.body) && Array.isArray(answer.body.responses) ? answer.body.responses : [];
      const byId = new Map<string, Record<string, unknown>>();
      for (const r of responses) if (isRecord(r) && typeof r.id === 'string') byId.set(r.id, r);
      const retry: number[] = [];
      let wait = 0;
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
        const headers = isRecord(response.headers)
          ? Object.fromEntries(
              Object.entries(response.headers).map(([k, v]) => [
                k.toLowerCase(),
                typeof v === 'string' ? v : undefined,
              ]),
            )
          : {};
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
        const error = errorFromGraphAnswer(status, headers, response.body, 'GetOofBatch', {
          mailbox,
          requestId: answer.requestId,
          serverRequestId: answer.serverRequestId,
        });
        error.attempts = round;
        const itemWait = error.retryable ? this.retryWait(error, round) : undefined;
        if (
          itemWait === undefined ||
          round >= this.settings.maxAttempts ||
          waited + itemWait > this.settings.maxTotalWaitMs
        ) {
          results[index] = { mailbox, error };
        } else {
          retry.push(index);
          wait = Math.max(wait, itemWait);
        }
      }
      pending = retry;
      if (pending.length > 0) {
        waited += wait;
        await sleep(wait);
      }
    }
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

  private retryWait(error: MailboxError, attempt: number): number {
    const computed = jitteredBackOff(
      attempt,
      this.options.backOffBaseMs ?? 500,
      this.options.backOffCapMs ?? 30_000,
    );
    // Retry-After is a minimum: never sooner, a little later to spread the callers that waited together.
    return error.backOffMs !== undefined ? error.backOffMs + Math.round(computed / 10) : computed;
  }

  private mailboxPause(key: string): number {
    const until = this.mailboxPauses.get(key);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left <= 0) this.mailboxPauses.delete(key);
    return Math.max(0, left);
  }

  /**
   * One Graph request as `mailbox`, retried on 429 / 503 (after Retry-After) and other 5xx (back-off with
   * jitter) within the deadline, attempt and total-wait limits. 4xx other than 429 surface at once.
   */
  private async call(operation: string, mailbox: string, request: GraphRequest): Promise<GraphAnswer> {
    const key = mailbox.toLowerCase();
    const release = key ? await this.mailboxSlots.acquire(key) : () => undefined;
    try {
      return await callWithRetries<GraphAnswer>({
        limits: this.settings,
        pauseBefore: () => Math.max(this.gate.remaining(), key ? this.mailboxPause(key) : 0),
        pausePastDeadline: (pause) =>
          new MailboxError({
            code: 'Throttled',
            errorClass: 'throttled',
            message: `${operation}: Microsoft Graph asked to wait ${pause} ms, beyond this call's deadline`,
            mailbox,
            backOffMs: pause,
          }),
        attempt: async (requestId, deadline) => {
          await this.endpointSlots.acquire();
          let answer: GraphAnswer;
          try {
            answer = await this.send(request, operation, mailbox, requestId, deadline);
          } finally {
            this.endpointSlots.release();
          }
          if (answer.status < 200 || answer.status >= 300) {
            throw errorFromGraphAnswer(answer.status, answer.headers, answer.body, operation, {
              mailbox,
              requestId,
              serverRequestId: answer.serverRequestId,
            });
          }
          return answer;
        },
        retryWait: (error, attempt) => this.retryWait(error, attempt),
        learn: (error) => {
          if (error.backOffMs === undefined) return;
          // Outlook's limits are per app and mailbox: a 429 pauses that mailbox; a 503 the whole endpoint.
          if (error.httpStatus === 429 && key) {
            this.mailboxPauses.set(
              key,
              Math.max(this.mailboxPauses.get(key) ?? 0, Date.now() + error.backOffMs),
            );
          } else if (error.httpStatus === 503 || error.httpStatus === 429 || error.httpStatus === 509) {
            this.gate.backOff(error.backOffMs);
          }
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
    } finally {
      release();
    }
  }

  private async send(
    request: GraphRequest,
    operation: string,
    mailbox: string,
    requestId: string,
    deadline: number,
    authRetried = false,
  ): Promise<GraphAnswer> {
    const remaining = deadline - Date.now();
    const transport = (code: 'TIMEOUT' | 'CONNECTION', message: string): MailboxError =>
      new MailboxError({
        code,
        errorClass: 'transient',
        message: `${operation}: ${message}`,
        mailbox,
        requestId,
      });
    if (remaining <= 0) throw transport('TIMEOUT', `no answer within ${this.settings.timeoutMs} ms`);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    let statusCode: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    // Outside the try: a credential failure (wrong secret, unreadable certificate) is not a connection
    // problem to retry, and surfaces as what it is (as in the EWS client).
    const authorization = await this.authorization.header(authRetried);
    try {
      // The same collector as the EWS client: no stream per answer, and the size limit holds for chunked
      // answers too (content-length alone would not catch them).
      const answer = await postAndCollect(this.pool, {
        method: request.method,
        path: this.basePath + request.path,
        headers: {
          accept: 'application/json',
          authorization,
          'client-request-id': requestId,
          'return-client-request-id': 'true',
          // Times in answers in UTC where Graph honours it; any other zone is converted anyway.
          prefer: 'outlook.timezone="UTC"',
          'user-agent': 'mailbox-automation',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        body,
        timeoutMs: remaining,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      });
      statusCode = answer.statusCode;
      headers = answer.headers;
      text = answer.body;
    } catch (error) {
      if (error instanceof MailboxError) throw error;
      if (error instanceof ResponseTooLargeError) {
        // Fetching it again would bring the same oversized answer: not a connection problem to retry.
        throw new MailboxError({
          code: 'ResponseTooLarge',
          errorClass: 'permanent',
          message: `${operation}: Microsoft Graph sent more than ${error.limit} bytes, more than any answer this client asks for (check that GRAPH_URL reaches Graph directly, not through a proxy)`,
          mailbox,
          requestId,
        });
      }
      const err = error as { name?: string; code?: string; message?: string };
      if (
        err.name === 'TimeoutError' ||
        err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        err.code === 'UND_ERR_BODY_TIMEOUT'
      ) {
        throw transport('TIMEOUT', `no answer from Microsoft Graph within ${this.settings.timeoutMs} ms`);
      }
      throw transport(
        'CONNECTION',
        `connection to Microsoft Graph failed: ${err.code ?? err.message ?? String(error)}`,
      );
    }
    if (statusCode === 401 && !authRetried) {
      // A revoked or rotated token: one fresh token before calling it a failure.
      return this.send(request, operation, mailbox, requestId, deadline, true);
    }
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Gateways answer 5xx with HTML: the status says what happened.
        parsed = undefined;
        if (statusCode >= 200 && statusCode < 300) {
          throw transport('CONNECTION', 'the answer is not JSON');
        }
      }
    }
    return {
      status: statusCode,
      headers,
      body: parsed,
      requestId,
      serverRequestId: header(headers, 'request-id'),
    };
  }
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `GRAPH_CA_FILE "${path}" cannot be read: ${(error as Error).message}`,
      'GRAPH_CA_FILE',
    );
  }
}
