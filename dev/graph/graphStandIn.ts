/**
 * A loopback stand-in of the Microsoft Graph v1.0 endpoints the Graph back end uses, over the same
 * in-memory tenant as the EWS sandbox (pass `tenant: sandbox.tenant` and both back ends see, and change,
 * the same mailboxes). It is a witness: it never imports the product's code, and it refuses what Graph
 * refuses, so a client that passes here does what Graph accepts.
 *
 *   GET   /v1.0/users/{id|upn}/mailboxSettings[/automaticRepliesSetting]     operations/mailboxSettings.ts
 *   PATCH /v1.0/users/{id|upn}/mailboxSettings       { automaticRepliesSetting }
 *   GET   /v1.0/users/{id|upn}?$select=...                                    operations/directoryQueries.ts
 *   GET   /v1.0/users?$filter=mail eq '..' | userPrincipalName eq '..' | proxyAddresses/any(p:p eq 'smtp:..')
 *   GET   /v1.0/groups?$filter=mail eq '..'
 *   GET   /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user   (advanced query, paged, @odata.nextLink)
 *   POST  /v1.0/$batch                                                       batch.ts
 *   POST | GET /v1.0/users/{id|upn}/events, GET | PATCH | DELETE .../events/{eventId}   operations/events.ts
 *   GET   /stand-in/users/{address}/events   (no auth) a mailbox's calendar as stored: times as UTC instants
 *
 * Checks as Graph makes them: a Bearer RS256 token from a trusted key (the loopback token server's),
 * audience Graph, tenant, lifetime, and the application permission each call needs; then the app's
 * mailbox scope from the seed (`apps[].impersonation`), standing in for an application access policy or
 * RBAC for Applications. Throttling per app and mailbox (throttling.ts); error bodies carry innerError
 * with request-id, client-request-id and date. Plain HTTP, or HTTPS with `tls` (as the EWS sandbox).
 * Every request is logged (ids, status, no bodies).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { loadSeedFile, validateSeed, type SandboxSeed } from '../ews-sandbox/seed';
import { TenantStore } from '../ews-sandbox/tenantStore';
import { checkBearerToken, type BearerTokenRequirements } from '../identity/bearerToken';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import { Knobs, RequestLog, sleep } from '../stand-in-kit/standInKit';
import { runBatch } from './batch';
import { eventResource, GraphCalendars, type CalendarEvent } from './calendar';
import { seedCalendars, type CalendarSeed } from './calendarSeed';
import { GraphDirectory, type UserWithoutMailbox } from './directory';
import { graphError, withInnerError, type Answer } from './graphAnswers';
import { getUser, listGroups, listTransitiveMembers, listUsers } from './operations/directoryQueries';
import { createEvent, deleteEvent, getEvent, listEvents, updateEvent } from './operations/events';
import { getMailboxSettings, updateMailboxSettings } from './operations/mailboxSettings';
import type { Caller, GraphOperation, OperationHandler, RequestContext } from './operations/requestContext';
import { Throttle, type GraphFault, type ThrottleKnobs } from './throttling';

const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'];
/** Application permissions the Graph back end needs. */
export const GRAPH_ROLES = [
  'MailboxSettings.ReadWrite',
  'User.Read.All',
  'GroupMember.Read.All',
  'Calendars.ReadWrite',
];

interface GraphKnobs extends ThrottleKnobs {
  latencyMs: number;
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
  requestsPerWindow: 10_000,
  windowMs: 10 * 60_000,
  pageSize: 100,
  answerTimeZone: 'UTC',
};

/** The stand-in's own rules for knob values (names and types: the stand-in kit's Knobs). */
function graphKnobProblems(changes: Partial<GraphKnobs>): string[] {
  const problems: string[] = [];
  for (const name of ['latencyMs', 'concurrencyRetryAfterSeconds'] as const) {
    const v = changes[name];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) problems.push(`${name} must be a number >= 0`);
  }
  for (const name of ['maxConcurrentPerMailbox', 'requestsPerWindow', 'windowMs'] as const) {
    const v = changes[name];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      problems.push(`${name} must be a whole number >= 1`);
  }
  const pageSize = changes.pageSize;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 999)) {
    problems.push('pageSize must be a whole number from 1 to 999 (Graph’s $top limit)');
  }
  return problems;
}

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
  /** Users in the directory without an Exchange Online mailbox. */
  usersWithoutMailbox?: readonly UserWithoutMailbox[];
  /** Trusted token-signing keys, parsed: e.g. the token server's `signingKey`. */
  signingKeys: readonly KeyObject[];
  issuer?: string;
  port?: number;
  knobs?: Partial<GraphKnobs>;
  /** Serve HTTPS with this certificate (dev/identity/tlsCertificate.ts); plain HTTP otherwise. */
  tls?: { certPem: string; keyPem: string };
  /**
   * The stand-in's clock (epoch ms), default real time: what a scheduled window's end must be after. Pass
   * the dev host's virtual clock (`() => host.clock.now()`) so that a window that has ended on that clock
   * is refused as Exchange refuses it.
   */
  now?: () => number;
  /** The people's own calendar events (calendarSeed.ts); default dev/graph/demo-calendar.json. */
  calendar?: CalendarSeed | string;
}

/** A stored event as the inspection route shows it: the event resource with its instants in UTC. */
export type InspectedEvent = Record<string, unknown> & { id: string; startUtc: string; endUtc: string };

export interface GraphStandIn {
  /** `http(s)://127.0.0.1:PORT/v1.0`: GRAPH_URL. */
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
  /** The object id the stand-in gives the user of an address (primary or proxy). */
  userId(address: string): string | undefined;
  /** A mailbox's calendar (any of its addresses), as `GET /stand-in/users/{address}/events` shows it. */
  events(address: string): InspectedEvent[];
  close(): Promise<void>;
}

interface Route {
  method: string;
  /** Matched against the path after `/v1.0`, decoded. */
  path: RegExp;
  handler: OperationHandler;
}

/** Starts the stand-in on 127.0.0.1. */
export async function startGraphStandIn(options: GraphStandInOptions): Promise<GraphStandIn> {
  let store: TenantStore;
  if (options.tenant) store = options.tenant;
  else if (options.seed !== undefined) {
    const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : validateSeed(options.seed);
    store = new TenantStore(seed, Date.now());
  } else throw new Error('startGraphStandIn needs a tenant (an EWS sandbox’s store) or a seed');
  const knobSet = new Knobs('Graph stand-in knobs', DEFAULT_GRAPH_KNOBS, graphKnobProblems, options.knobs);
  const knobs = knobSet.current;
  const directory = new GraphDirectory(store, options.usersWithoutMailbox);
  const throttle = new Throttle(() => knobs);
  // No required role: Graph checks each call's permission and answers a missing one with 403.
  const tokenRequirements: BearerTokenRequirements = {
    signingKeys: options.signingKeys,
    audiences: GRAPH_AUDIENCES,
    issuer: options.issuer,
    tenantId: store.tenantId,
  };
  const log = new RequestLog<GraphRequestLogEntry>();
  const now = options.now ?? Date.now;
  const calendars = new GraphCalendars(now);
  seedCalendars(calendars, store, options.calendar);
  let origin = '';

  /** The operations, one handler each: the first route whose method and path match answers. */
  const ROUTES: Route[] = [
    {
      method: 'GET',
      path: /^\/users\/([^/]+)\/mailboxSettings(\/automaticRepliesSetting)?$/i,
      handler: getMailboxSettings,
    },
    { method: 'PATCH', path: /^\/users\/([^/]+)\/mailboxSettings$/i, handler: updateMailboxSettings },
    { method: 'POST', path: /^\/users\/([^/]+)\/events$/i, handler: createEvent },
    { method: 'GET', path: /^\/users\/([^/]+)\/events$/i, handler: listEvents },
    { method: 'GET', path: /^\/users\/([^/]+)\/events\/([^/]+)$/i, handler: getEvent },
    { method: 'PATCH', path: /^\/users\/([^/]+)\/events\/([^/]+)$/i, handler: updateEvent },
    { method: 'DELETE', path: /^\/users\/([^/]+)\/events\/([^/]+)$/i, handler: deleteEvent },
    { method: 'GET', path: /^\/users\/([^/]+)$/i, handler: getUser },
    { method: 'GET', path: /^\/users$/i, handler: listUsers },
    { method: 'GET', path: /^\/groups$/i, handler: listGroups },
    {
      method: 'GET',
      path: /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/i,
      handler: (ctx, match) => listTransitiveMembers(knobs.pageSize)(ctx, match),
    },
  ];

  const authenticate = (authorization: string | undefined): Caller | Answer => {
    const [scheme, token] = (authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    }
    const checked = checkBearerToken(token, tokenRequirements);
    if ('refused' in checked) return graphError(401, 'InvalidAuthenticationToken', checked.refused);
    const { appId, roles } = checked;
    const app = store.app(appId);
    return { appId, roles, principal: app ? { kind: 'bearer', name: appId, app, roles } : undefined };
  };

  /** One request (top level or a $batch item): route, fault, throttling, latency, answer. */
  const serve = async (
    method: string,
    url: URL,
    headers: Record<string, string | undefined>,
    body: unknown,
    caller: Caller,
    entry: GraphRequestLogEntry,
  ): Promise<Answer> => {
    const path = decodeURIComponent(url.pathname)
      .replace(/^\/v1\.0(?=\/)/i, '')
      .replace(/\/+$/, '');
    const ctx: RequestContext = {
      method,
      url,
      headers,
      body,
      caller,
      store,
      directory,
      origin,
      answerTimeZone: knobs.answerTimeZone,
      now: now(),
      calendars,
    };
    let match: RegExpExecArray | null = null;
    const route = ROUTES.find((r) => (match = r.path.exec(path)) !== null && r.method === method);
    if (!route || !match) {
      return ROUTES.some((r) => r.path.test(path))
        ? graphError(405, 'Request_BadRequest', `${method} is not supported here.`)
        : graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`);
    }
    const routed = route.handler(ctx, match);
    if (!('answer' in routed)) return routed;
    entry.operation = routed.operation;
    entry.mailbox = routed.mailbox?.address;
    const fault = throttle.takeFault(routed.operation, routed.mailbox);
    if (fault) return fault;
    // Throttling windows run on real time: the virtual clock only jumps forward.
    const admitted = routed.mailbox
      ? throttle.admit(caller.appId, routed.mailbox, Date.now())
      : () => undefined;
    if (typeof admitted !== 'function') return admitted;
    try {
      await sleep(knobs.latencyMs);
      return routed.answer();
    } finally {
      admitted();
    }
  };

  const record = (entry: GraphRequestLogEntry, answer: Answer, started: number): void => {
    entry.status = answer.status;
    entry.code = answer.code;
    entry.fault = answer.fault;
    entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
    log.record(entry);
  };

  const batch = (body: unknown, caller: Caller, batchRequestId: string, clientRequestId?: string) =>
    runBatch(
      body,
      async (item) => {
        const started = performance.now();
        // Item urls are relative to the version; Microsoft's SDK writes them with it (`/v1.0/me`), as Graph takes.
        const relative = `/${item.url.replace(/^\/+/, '').replace(/^v1\.0\//i, '')}`;
        const url = new URL(`${origin}/v1.0${relative}`);
        const entry: GraphRequestLogEntry = {
          at: new Date().toISOString(),
          method: item.method,
          path: item.url,
          appId: caller.appId,
          status: 0,
          requestId: randomUUID(),
          batchRequestId,
          durationMs: 0,
        };
        const answer = await serve(item.method, url, item.headers, item.body, caller, entry);
        record(entry, answer, started);
        return { answer, requestId: entry.requestId };
      },
      clientRequestId,
    );

  const inspect = (address: string): InspectedEvent[] | undefined => {
    const mailbox = store.mailboxByAddress(address);
    return mailbox
      ? calendars.events(mailbox).map((e: CalendarEvent) => ({
          ...(eventResource(e, 'UTC') as { id: string }),
          startUtc: new Date(e.startMs).toISOString(),
          endUtc: new Date(e.endMs).toISOString(),
        }))
      : undefined;
  };

  /** `GET /stand-in/users/{address}/events`: no token, read-only, like the EWS sandbox's /sandbox/mailboxes. */
  const inspection = (method: string, target: string): Answer | undefined => {
    const m = /^\/stand-in\/users\/([^/?]+)\/events(?:\?.*)?$/.exec(target);
    if (!m) return undefined;
    if (method !== 'GET') return graphError(405, 'Request_BadRequest', `${method} is not supported here.`);
    const address = decodeURIComponent(m[1] ?? '');
    const events = inspect(address);
    return events
      ? { status: 200, body: { mailbox: address.toLowerCase(), events } }
      : graphError(404, 'ErrorInvalidUser', `No mailbox has the address '${address}'.`);
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const started = performance.now();
        const requestId = randomUUID();
        const header = (name: string): string | undefined => {
          const v = req.headers[name];
          return Array.isArray(v) ? v[0] : v;
        };
        const clientRequestId = header('client-request-id');
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
          let unreadable = false;
          if (text.trim()) {
            try {
              body = JSON.parse(text);
            } catch {
              unreadable = true;
            }
          }
          const inspected = inspection(method, target);
          const caller = inspected ?? authenticate(header('authorization'));
          if ('status' in caller) answer = caller;
          else {
            entry.appId = caller.appId;
            if (unreadable) answer = graphError(400, 'BadRequest', 'The request body is not JSON.');
            else if (!/^\/v1\.0\//i.test(target)) {
              answer = graphError(400, 'BadRequest', 'Invalid version: use /v1.0.');
            } else if (method === 'POST' && /^\/v1\.0\/\$batch$/i.test(target)) {
              entry.operation = 'batch';
              answer =
                throttle.takeFault('batch', undefined) ??
                (await batch(body, caller, requestId, clientRequestId));
            } else {
              const headers = Object.fromEntries(
                Object.keys(req.headers).map((k) => [k.toLowerCase(), header(k)]),
              );
              answer = await serve(method, new URL(target, origin), headers, body, caller, entry);
            }
          }
        } catch (error) {
          answer = graphError(
            500,
            'InternalServerError',
            `Graph stand-in failure: ${(error as Error).message}`,
          );
        }
        answer = withInnerError(answer, requestId, clientRequestId);
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

  const server = options.tls
    ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, onRequest)
    : http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  const listening = await listenOnLoopback(server, options.port);
  origin = listening.origin;

  return {
    url: `${origin}/v1.0`,
    origin,
    port: listening.port,
    tenant: store,
    get knobs() {
      return knobSet.snapshot();
    },
    configure(changes) {
      knobSet.configure(changes);
      if (changes.requestsPerWindow !== undefined || changes.windowMs !== undefined) throttle.resetWindows();
    },
    injectFaults(...more) {
      throttle.queue(...more);
    },
    get pendingFaults() {
      return throttle.pending;
    },
    clearFaults() {
      throttle.clear();
    },
    get requests() {
      return log.entries;
    },
    clearRequests() {
      log.clear();
    },
    events(address) {
      return inspect(address) ?? [];
    },
    userId(address) {
      const m = store.mailboxByAddress(address);
      return m ? directory.userOfMailbox(m)?.id : undefined;
    },
    close: listening.close,
  };
}
