/**
 * A loopback stand-in of the Microsoft Graph v1.0 endpoints the Graph back end uses, over the same
 * in-memory tenant as the EWS sandbox (pass `tenant: sandbox.tenant` and both back ends see, and change,
 * the same mailboxes):
 *
 *   GET   /v1.0/users/{id|upn|smtp}/mailboxSettings[/automaticRepliesSetting]
 *   PATCH /v1.0/users/{id|upn|smtp}/mailboxSettings                 { automaticRepliesSetting }
 *   GET   /v1.0/users/{id|upn}?$select=...                           (directory: object id or UPN only)
 *   GET   /v1.0/users?$filter=mail eq '..' | userPrincipalName eq '..' | proxyAddresses/any(p:p eq 'smtp:..')
 *   GET   /v1.0/groups?$filter=mail eq '..'
 *   GET   /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user    (paged, @odata.nextLink)
 *   POST  /v1.0/$batch                                                (at most 20 requests)
 *
 * Checks as Graph makes them: a Bearer RS256 token from a trusted key (the loopback token server's),
 * audience Graph, tenant, lifetime, and the application permission each call needs
 * (MailboxSettings.Read/ReadWrite, User.Read.All, GroupMember.Read.All); then the app's mailbox scope
 * from the seed (`apps[].impersonation`), standing in for an application access policy or RBAC for
 * Applications: 403 ErrorAccessDenied outside it. Knobs: latency, per-mailbox concurrency (429 beyond it,
 * as Outlook's 4-concurrent limit), page size, the time zone answers are written in, and queued faults
 * (429 / 503 with Retry-After, 500, 502, 504). Every request is logged (ids, status, no bodies).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { loadSeedFile, validateSeed, type SandboxSeed } from '../ews-sandbox/seed';
import { TenantStore, type Group, type Mailbox, type Principal } from '../ews-sandbox/tenantStore';
import { checkBearerToken, type BearerTokenRequirements } from '../identity/bearerToken';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import { zoneOffsetMs } from '../../shared/oof/leaveWindow';
import { fromUtcIso, ianaZoneFor, toUtcIso, type DateTimeTimeZone } from '../../shared/graph/timeZones';

const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
/** Application permissions the Graph back end needs. */
export const GRAPH_ROLES = ['MailboxSettings.ReadWrite', 'User.Read.All', 'GroupMember.Read.All'];

type GraphOperation =
  | 'getMailboxSettings'
  | 'updateMailboxSettings'
  | 'getUser'
  | 'listUsers'
  | 'listGroups'
  | 'listTransitiveMembers'
  | 'batch';

/** A queued fault: answers the next matching request (inside a $batch too) with this status. */
interface GraphFault {
  status: 429 | 500 | 502 | 503 | 504;
  /** Retry-After in seconds (Graph sends it with 429 and 503). */
  retryAfterSeconds?: number;
  operation?: GraphOperation;
  /** Only requests about this mailbox (any of its addresses, UPN or id). */
  mailbox?: string;
}

interface GraphKnobs {
  latencyMs: number;
  /** Concurrent requests per mailbox before 429 (Outlook's limit is 4). */
  maxConcurrentPerMailbox: number;
  /** Retry-After (s) sent with the concurrency 429. */
  concurrencyRetryAfterSeconds: number;
  /** transitiveMembers page size cap (Graph: 100 by default, 999 at most). */
  pageSize: number;
  /**
   * Time zone the scheduled window is written in on GET (Windows or IANA name), as Graph does for some
   * mailboxes; default UTC.
   */
  answerTimeZone: string;
}

const DEFAULT_GRAPH_KNOBS: GraphKnobs = {
  latencyMs: 0,
  maxConcurrentPerMailbox: 4,
  concurrencyRetryAfterSeconds: 1,
  pageSize: 100,
  answerTimeZone: 'UTC',
};

interface GraphRequestLogEntry {
  at: string;
  method: string;
  path: string;
  operation?: GraphOperation;
  /** Primary address of the mailbox the request was about. */
  mailbox?: string;
  appId?: string;
  status: number;
  code?: string;
  clientRequestId?: string;
  requestId: string;
  /** Set for requests that came inside a $batch: the batch's request-id. */
  batchRequestId?: string;
  fault?: number;
  durationMs: number;
}

interface GraphStandInOptions {
  /** The EWS sandbox's store (`sandbox.tenant`), shared; or a seed (object or file) for a store of its own. */
  tenant?: TenantStore;
  seed?: SandboxSeed | string;
  /** Trusted token-signing keys, parsed: e.g. the token server's `signingKey`. */
  signingKeys: readonly KeyObject[];
  issuer?: string;
  port?: number;
  knobs?: Partial<GraphKnobs>;
}

export interface GraphStandIn {
  /** `http://127.0.0.1:PORT/v1.0`: GRAPH_URL. */
  url: string;
  origin: string;
  port: number;
  readonly tenant: TenantStore;
  readonly knobs: Readonly<GraphKnobs>;
  configure(knobs: Partial<GraphKnobs>): void;
  injectFaults(...faults: GraphFault[]): void;
  readonly pendingFaults: number;
  clearFaults(): void;
  readonly requests: readonly GraphRequestLogEntry[];
  clearRequests(): void;
  /** The object id the stand-in gives a mailbox's user. */
  userId(address: string): string | undefined;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  code?: string;
  fault?: number;
}

interface Caller {
  appId: string;
  roles: readonly string[];
  principal?: Principal;
}

interface Routed {
  operation?: GraphOperation;
  mailbox?: Mailbox;
  answer: () => Answer;
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
const guid = (prefix: string, n: number): string =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const graphError = (status: number, code: string, message: string, extra: Partial<Answer> = {}): Answer => ({
  status,
  code,
  body: { error: { code, message, innerError: { date: new Date().toISOString() } } },
  ...extra,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STATUS: Record<string, 'Disabled' | 'Enabled' | 'Scheduled'> = {
  disabled: 'Disabled',
  alwaysenabled: 'Enabled',
  scheduled: 'Scheduled',
};
const STATUS_OUT = { Disabled: 'disabled', Enabled: 'alwaysEnabled', Scheduled: 'scheduled' } as const;
const AUDIENCE: Record<string, 'None' | 'Known' | 'All'> = {
  none: 'None',
  contactsonly: 'Known',
  all: 'All',
};
const AUDIENCE_OUT = { None: 'none', Known: 'contactsOnly', All: 'all' } as const;
const REPLY_KEYS = new Set([
  'status',
  'externalAudience',
  'scheduledStartDateTime',
  'scheduledEndDateTime',
  'internalReplyMessage',
  'externalReplyMessage',
  '@odata.type',
]);

/** Starts the stand-in on 127.0.0.1. */
export async function startGraphStandIn(options: GraphStandInOptions): Promise<GraphStandIn> {
  let store: TenantStore;
  if (options.tenant) store = options.tenant;
  else if (options.seed !== undefined) {
    const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : validateSeed(options.seed);
    store = new TenantStore(seed, Date.now());
  } else throw new Error('startGraphStandIn needs a tenant (an EWS sandbox’s store) or a seed');
  const knobs: GraphKnobs = { ...DEFAULT_GRAPH_KNOBS, ...options.knobs };
  // No required role: Graph checks each call's permission and answers a missing one with 403 (`needs`).
  const tokenRequirements: BearerTokenRequirements = {
    signingKeys: options.signingKeys,
    audiences: GRAPH_AUDIENCES,
    issuer: options.issuer,
    tenantId: store.tenantId,
  };
  let faults: GraphFault[] = [];
  let log: GraphRequestLogEntry[] = [];
  const inFlight = new Map<string, number>();
  const userIds = new Map<string, Mailbox>();
  store.mailboxes.forEach((m) => userIds.set(guid('00000000', m.index + 1), m));
  const groups = store.allGroups();
  const groupIds = new Map<string, Group>();
  groups.forEach((g, i) => groupIds.set(guid('0000000f', i + 1), g));
  const idOfUser = (m: Mailbox): string => guid('00000000', m.index + 1);
  const idOfGroup = (g: Group): string => guid('0000000f', groups.indexOf(g) + 1);

  /** mailboxSettings are an Exchange resource: id, UPN or any SMTP address of the mailbox. */
  const exchangeUser = (id: string): Mailbox | undefined =>
    userIds.get(id.toLowerCase()) ?? store.mailboxByUpn(id) ?? store.mailboxByAddress(id);
  /** /users/{id} is the directory: object id or user principal name only. */
  const directoryUser = (id: string): Mailbox | undefined =>
    userIds.get(id.toLowerCase()) ?? store.mailboxByUpn(id);

  const authenticate = (authorization: string | undefined): Caller | Answer => {
    const [scheme, token] = (authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    }
    const checked = checkBearerToken(token, tokenRequirements);
    if ('refused' in checked) return graphError(401, 'InvalidAuthenticationToken', checked.refused);
    const { appId, roles } = checked;
    const app = store.app(appId);
    return {
      appId,
      roles,
      principal: app ? { kind: 'bearer', name: appId, app, roles } : undefined,
    };
  };

  const needs = (caller: Caller, any: string[], directory: boolean): Answer | undefined => {
    if (any.some((r) => caller.roles.includes(r))) return undefined;
    return directory
      ? graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
      : graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
  };

  /** The app's mailbox scope (application access policy / RBAC for Applications). No entry: every mailbox. */
  const mayAccess = (caller: Caller, mailbox: Mailbox): boolean =>
    caller.principal === undefined || store.mayImpersonate(caller.principal, mailbox);

  /** An instant as Graph writes it for a mailbox in `knobs.answerTimeZone`: local wall time, zone named as set. */
  const inAnswerZone = (epochMs: number): DateTimeTimeZone => {
    const zone = ianaZoneFor(knobs.answerTimeZone);
    const wallTime = zone === undefined ? epochMs : epochMs + zoneOffsetMs(zone, epochMs);
    return {
      dateTime: fromUtcIso(new Date(wallTime).toISOString()).dateTime,
      timeZone: knobs.answerTimeZone,
    };
  };

  const repliesOf = (m: Mailbox): Record<string, unknown> => ({
    status: STATUS_OUT[m.oof.state],
    externalAudience: AUDIENCE_OUT[m.oof.externalAudience],
    internalReplyMessage: m.oof.internalReply,
    externalReplyMessage: m.oof.externalReply,
    scheduledStartDateTime: inAnswerZone(m.oof.start),
    scheduledEndDateTime: inAnswerZone(m.oof.end),
  });

  const settingsOf = (m: Mailbox): Record<string, unknown> => ({
    '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${idOfUser(m)}')/mailboxSettings`,
    automaticRepliesSetting: repliesOf(m),
    timeZone: knobs.answerTimeZone,
    language: { locale: 'en-US', displayName: 'English (United States)' },
  });

  const userOf = (m: Mailbox, select: string[] | undefined): Record<string, unknown> => {
    const full: Record<string, unknown> = {
      id: idOfUser(m),
      displayName: m.displayName,
      mail: m.address,
      userPrincipalName: m.upn,
      userType: 'Member',
      proxyAddresses: m.addresses.map((a, i) => `${i === 0 ? 'SMTP' : 'smtp'}:${a}`),
    };
    if (!select) return full;
    return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
  };

  const patchReplies = (m: Mailbox, body: unknown): Answer | undefined => {
    if (!isRecord(body)) return graphError(400, 'RequestBodyRead', 'The request body is not a JSON object.');
    const unknown = Object.keys(body).find((k) => k !== 'automaticRepliesSetting' && k !== '@odata.context');
    if (unknown) {
      return graphError(
        400,
        'RequestBodyRead',
        `The property '${unknown}' is not supported by this stand-in.`,
      );
    }
    const r = body.automaticRepliesSetting;
    if (r === undefined) return undefined;
    if (!isRecord(r)) return graphError(400, 'RequestBodyRead', 'automaticRepliesSetting must be an object.');
    const bad = Object.keys(r).find((k) => !REPLY_KEYS.has(k));
    if (bad) {
      return graphError(
        400,
        'RequestBodyRead',
        `The property '${bad}' does not exist on type 'microsoft.graph.automaticRepliesSetting'.`,
      );
    }
    const next = { ...m.oof };
    if (r.status !== undefined) {
      const state = typeof r.status === 'string' ? STATUS[r.status.toLowerCase()] : undefined;
      if (!state) return graphError(400, 'RequestBodyRead', `Invalid status ${JSON.stringify(r.status)}.`);
      next.state = state;
    }
    if (r.externalAudience !== undefined) {
      const audience =
        typeof r.externalAudience === 'string' ? AUDIENCE[r.externalAudience.toLowerCase()] : undefined;
      if (!audience) {
        return graphError(
          400,
          'RequestBodyRead',
          `Invalid externalAudience ${JSON.stringify(r.externalAudience)}.`,
        );
      }
      next.externalAudience = audience;
    }
    for (const [key, field] of [
      ['scheduledStartDateTime', 'start'],
      ['scheduledEndDateTime', 'end'],
    ] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (!isRecord(v) || typeof v.dateTime !== 'string' || typeof v.timeZone !== 'string') {
        return graphError(400, 'RequestBodyRead', `${key} must be a dateTimeTimeZone.`);
      }
      try {
        next[field] = Date.parse(toUtcIso({ dateTime: v.dateTime, timeZone: v.timeZone }));
      } catch (error) {
        return graphError(400, 'ErrorInvalidTimeZone', (error as Error).message);
      }
    }
    for (const [key, field] of [
      ['internalReplyMessage', 'internalReply'],
      ['externalReplyMessage', 'externalReply'],
    ] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') return graphError(400, 'RequestBodyRead', `${key} must be a string.`);
      next[field] = v;
    }
    if (next.state === 'Scheduled' && !(next.end > next.start)) {
      return graphError(
        400,
        'ErrorOofScheduledEndTimeMustBeAfterStartTime',
        'The end time must be after the start time.',
      );
    }
    m.oof = next;
    return undefined;
  };

  /** Finds what a request is about and how to answer it; checks run in `serve`. */
  const route = (method: string, target: string, body: unknown, caller: Caller): Routed | Answer => {
    const url = new URL(target, 'http://graph.local');
    const path = decodeURIComponent(url.pathname)
      .replace(/^\/v1\.0(?=\/)/i, '')
      .replace(/\/+$/, '');
    const q = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
    const select = q('$select')
      ?.split(',')
      .map((s) => s.trim());
    let m: RegExpExecArray | null;

    if ((m = /^\/users\/([^/]+)\/mailboxSettings(\/automaticRepliesSetting)?$/i.exec(path))) {
      const id = m[1] ?? '';
      const sub = m[2] !== undefined;
      const mailbox = exchangeUser(id);
      if (method === 'GET') {
        const denied = needs(caller, ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'], false);
        return {
          operation: 'getMailboxSettings',
          mailbox,
          answer: () => {
            if (denied) return denied;
            if (!mailbox)
              return graphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`);
            if (!mayAccess(caller, mailbox))
              return graphError(
                403,
                'ErrorAccessDenied',
                'Access is denied. Check credentials and try again.',
              );
            return {
              status: 200,
              body: sub
                ? {
                    '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${idOfUser(mailbox)}')/mailboxSettings/automaticRepliesSetting`,
                    ...repliesOf(mailbox),
                  }
                : settingsOf(mailbox),
            };
          },
        };
      }
      if (method === 'PATCH' && !sub) {
        const denied = needs(caller, ['MailboxSettings.ReadWrite'], false);
        return {
          operation: 'updateMailboxSettings',
          mailbox,
          answer: () => {
            if (denied) return denied;
            if (!mailbox)
              return graphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`);
            if (!mayAccess(caller, mailbox))
              return graphError(
                403,
                'ErrorAccessDenied',
                'Access is denied. Check credentials and try again.',
              );
            return patchReplies(mailbox, body) ?? { status: 200, body: settingsOf(mailbox) };
          },
        };
      }
      return graphError(405, 'Request_BadRequest', `${method} is not supported here.`);
    }

    if ((m = /^\/users\/([^/]+)$/i.exec(path)) && method === 'GET') {
      const id = m[1] ?? '';
      const user = directoryUser(id);
      const denied = needs(caller, ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All'], true);
      return {
        operation: 'getUser',
        mailbox: user,
        answer: () =>
          denied ??
          (user
            ? { status: 200, body: userOf(user, select) }
            : graphError(
                404,
                'Request_ResourceNotFound',
                `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
              )),
      };
    }

    if (path === '/users' && method === 'GET') {
      const filter = q('$filter') ?? '';
      const denied = needs(caller, ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All'], true);
      let found: Mailbox[];
      let f: RegExpExecArray | null;
      if ((f = /^(mail|userPrincipalName) eq '((?:[^']|'')*)'$/i.exec(filter))) {
        const value = (f[2] ?? '').replace(/''/g, "'").toLowerCase();
        found = store.mailboxes.filter(
          (x) => (f?.[1]?.toLowerCase() === 'mail' ? x.address : x.upn) === value,
        );
      } else if ((f = /^proxyAddresses\/any\((\w+):\1 eq '((?:[^']|'')*)'\)$/i.exec(filter))) {
        const value = (f[2] ?? '')
          .replace(/''/g, "'")
          .replace(/^smtp:/i, '')
          .toLowerCase();
        found = store.mailboxes.filter((x) => x.addresses.includes(value));
      } else {
        return graphError(400, 'Request_UnsupportedQuery', `Unsupported query: $filter=${filter}`);
      }
      return {
        operation: 'listUsers',
        answer: () => denied ?? { status: 200, body: { value: found.map((x) => userOf(x, select)) } },
      };
    }

    if (path === '/groups' && method === 'GET') {
      const filter = q('$filter') ?? '';
      const f = /^mail eq '((?:[^']|'')*)'$/i.exec(filter);
      if (!f) return graphError(400, 'Request_UnsupportedQuery', `Unsupported query: $filter=${filter}`);
      const value = (f[1] ?? '').replace(/''/g, "'").toLowerCase();
      const denied = needs(caller, ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'], true);
      const found = groups.filter((g) => g.address === value);
      return {
        operation: 'listGroups',
        answer: () =>
          denied ?? {
            status: 200,
            body: {
              value: found.map((g) => ({ id: idOfGroup(g), mail: g.address, displayName: g.displayName })),
            },
          },
      };
    }

    if (
      (m = /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/i.exec(path)) &&
      method === 'GET'
    ) {
      const group = groupIds.get((m[1] ?? '').toLowerCase());
      const denied = needs(caller, ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'], true);
      const top = Math.min(Number(q('$top') ?? 100) || 100, 999, knobs.pageSize);
      const skip = Number(q('$skiptoken') ?? 0) || 0;
      return {
        operation: 'listTransitiveMembers',
        answer: () => {
          if (denied) return denied;
          if (!group) {
            return graphError(404, 'Request_ResourceNotFound', `Resource '${m?.[1] ?? ''}' does not exist.`);
          }
          const all = [...store.groupMailboxes(group.address)]
            .map((a) => store.mailboxByAddress(a))
            .filter((x): x is Mailbox => x !== undefined);
          const page = all.slice(skip, skip + top);
          const next = new URL(url.href);
          next.searchParams.set('$skiptoken', String(skip + top));
          return {
            status: 200,
            body: {
              value: page.map((x) => ({ '@odata.type': '#microsoft.graph.user', ...userOf(x, select) })),
              ...(skip + top < all.length && {
                '@odata.nextLink': `${origin}/v1.0${next.pathname.replace(/^\/v1\.0/i, '')}${next.search}`,
              }),
            },
          };
        },
      };
    }

    return graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`);
  };

  const takeFault = (
    operation: GraphOperation | undefined,
    mailbox: Mailbox | undefined,
  ): GraphFault | undefined => {
    const index = faults.findIndex(
      (f) =>
        (f.operation === undefined || f.operation === operation) &&
        (f.mailbox === undefined ||
          (mailbox !== undefined && store.mailboxByAddress(f.mailbox) === mailbox) ||
          (mailbox !== undefined && exchangeUser(f.mailbox) === mailbox)),
    );
    return index >= 0 ? faults.splice(index, 1)[0] : undefined;
  };

  const faultAnswer = (f: GraphFault): Answer => {
    const retry =
      f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : undefined;
    const [code, message] =
      f.status === 429
        ? ['TooManyRequests', 'Application is over its MailboxConcurrency limit.']
        : f.status === 503
          ? ['ServiceUnavailable', 'Service unavailable.']
          : f.status === 504
            ? ['GatewayTimeout', 'Gateway timeout.']
            : f.status === 502
              ? ['BadGateway', 'Bad gateway.']
              : ['InternalServerError', 'An internal server error occurred.'];
    return graphError(f.status, code, message, { headers: retry, fault: f.status });
  };

  /** One request (top level or inside a $batch): route, fault, concurrency, latency, answer; logged. */
  const serve = async (
    method: string,
    target: string,
    body: unknown,
    caller: Caller,
    entry: GraphRequestLogEntry,
  ): Promise<Answer> => {
    const routed = route(method, target, body, caller);
    if (!('answer' in routed)) return routed;
    const { operation, mailbox, answer } = routed;
    entry.operation = operation;
    entry.mailbox = mailbox?.address;
    const fault = takeFault(operation, mailbox);
    if (fault) return faultAnswer(fault);
    const key = mailbox?.address;
    if (key) {
      const busy = inFlight.get(key) ?? 0;
      if (busy >= knobs.maxConcurrentPerMailbox) {
        return graphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
          headers: { 'retry-after': String(knobs.concurrencyRetryAfterSeconds) },
        });
      }
      inFlight.set(key, busy + 1);
    }
    try {
      await sleep(knobs.latencyMs);
      return answer();
    } finally {
      if (key) {
        const left = (inFlight.get(key) ?? 1) - 1;
        if (left <= 0) inFlight.delete(key);
        else inFlight.set(key, left);
      }
    }
  };

  const record = (entry: GraphRequestLogEntry, answer: Answer, started: number): void => {
    entry.status = answer.status;
    entry.code = answer.code;
    entry.fault = answer.fault;
    entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
    log.push(entry);
    if (log.length > 10_000) log = log.slice(-5_000);
  };

  const batch = async (body: unknown, caller: Caller, batchRequestId: string): Promise<Answer> => {
    const requests = isRecord(body) ? body.requests : undefined;
    if (!Array.isArray(requests) || requests.length === 0) {
      return graphError(400, 'BadRequest', 'Invalid batch payload format.');
    }
    if (requests.length > 20)
      return graphError(400, 'BadRequest', 'Maximum number of requests in a batch is 20.');
    const ids = new Set<string>();
    const responses = await Promise.all(
      requests.map(async (r: unknown) => {
        const started = performance.now();
        const id = isRecord(r) && typeof r.id === 'string' ? r.id : '';
        const method = isRecord(r) && typeof r.method === 'string' ? r.method.toUpperCase() : '';
        const target = isRecord(r) && typeof r.url === 'string' ? r.url : '';
        const entry: GraphRequestLogEntry = {
          at: new Date().toISOString(),
          method,
          path: target,
          appId: caller.appId,
          status: 0,
          requestId: randomUUID(),
          batchRequestId,
          durationMs: 0,
        };
        let answer: Answer;
        if (!id || ids.has(id) || !method || !target || /^https?:/i.test(target)) {
          answer = graphError(
            400,
            'BadRequest',
            'Each request needs a unique id, a method and a relative url.',
          );
        } else {
          ids.add(id);
          answer = await serve(
            method,
            target.startsWith('/') ? target : `/${target}`,
            isRecord(r) ? r.body : undefined,
            caller,
            entry,
          );
        }
        record(entry, answer, started);
        return {
          id,
          status: answer.status,
          headers: { 'content-type': 'application/json', ...answer.headers },
          body: answer.body,
        };
      }),
    );
    return { status: 200, body: { responses } };
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const started = performance.now();
        const requestId = randomUUID();
        const clientRequestId =
          typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : undefined;
        const method = (req.method ?? 'GET').toUpperCase();
        const target = req.url ?? '/';
        const entry: GraphRequestLogEntry = {
          at: new Date().toISOString(),
          method,
          path: target,
          status: 0,
          clientRequestId,
          requestId,
          durationMs: 0,
        };
        let answer: Answer;
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          if (text.trim()) {
            try {
              body = JSON.parse(text);
            } catch {
              body = Symbol.for('invalid');
            }
          }
          const caller = authenticate(req.headers.authorization);
          if ('status' in caller) answer = caller;
          else {
            entry.appId = caller.appId;
            if (typeof body === 'symbol')
              answer = graphError(400, 'BadRequest', 'The request body is not JSON.');
            else if (!/^\/v1\.0\//i.test(target))
              answer = graphError(400, 'BadRequest', 'Invalid version: use /v1.0.');
            else if (method === 'POST' && /^\/v1\.0\/\$batch$/i.test(target)) {
              entry.operation = 'batch';
              const fault = takeFault('batch', undefined);
              answer = fault ? faultAnswer(fault) : await batch(body, caller, requestId);
            } else answer = await serve(method, target, body, caller, entry);
          }
        } catch (error) {
          answer = graphError(
            500,
            'InternalServerError',
            `Graph stand-in failure: ${(error as Error).message}`,
          );
        }
        record(entry, answer, started);
        const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          'content-type':
            'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false',
          'request-id': requestId,
          ...(clientRequestId !== undefined && { 'client-request-id': clientRequestId }),
          ...answer.headers,
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      })();
    });
  };

  const server = http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  const { port, origin, close } = await listenOnLoopback(server, options.port);

  return {
    url: `${origin}/v1.0`,
    origin,
    port,
    tenant: store,
    get knobs() {
      return { ...knobs };
    },
    configure(changes) {
      Object.assign(knobs, changes);
    },
    injectFaults(...more) {
      faults.push(...more);
    },
    get pendingFaults() {
      return faults.length;
    },
    clearFaults() {
      faults = [];
    },
    get requests() {
      return log;
    },
    clearRequests() {
      log = [];
    },
    userId(address) {
      const m = store.mailboxByAddress(address);
      return m ? idOfUser(m) : undefined;
    },
    close,
  };
}
