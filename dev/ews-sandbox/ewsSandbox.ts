/**
 * The EWS sandbox: an Exchange stand-in on 127.0.0.1 speaking SOAP 1.1 at /EWS/Exchange.asmx for the
 * operations the product uses, over mailboxes held in memory. Each call goes through the checks Exchange
 * makes, in this order:
 *   credentials (401/403) → well-formed, schema-valid request (ErrorSchemaValidation) → injected faults →
 *   impersonation header and right (ErrorInvalidExchangeImpersonationHeaderData, ErrorNonExistentMailbox,
 *   ErrorImpersonateUserDenied) → X-AnchorMailbox (slower, sometimes 503, when missing or wrong) →
 *   per-mailbox concurrency (ErrorServerBusy with BackOffMilliseconds) → latency → the operation.
 * See README.md beside this file for the behaviour in full.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import {
  FaultQueue,
  Knobs,
  RequestLog,
  seededRandom,
  sleep,
  ThrottleBudgets,
} from '../stand-in-kit/standInKit';
import { authenticate, isAuthFailure, type SandboxOAuthOptions } from './auth';
import { SchemaViolation, interpretEnvelope, type ConnectingSidKind, type EwsRequest } from './ewsRequest';
import {
  DEFAULT_KNOBS,
  sandboxKnobProblems,
  type FaultKind,
  type FaultSpec,
  type SandboxKnobs,
  type ThrottleForm,
} from './knobs';
import { createItem, deleteItem, getItem, updateItem } from './operations/calendarItems';
import { findItem } from './operations/findItem';
import { archiveItem, moveItem } from './operations/itemMoves';
import { getFolder } from './operations/getFolder';
import { expandDL, resolveNames } from './operations/directoryOperations';
import { getUserOofSettings, setUserOofSettings } from './operations/oofOperations';
import type { OperationContext, OperationHandler } from './operations/operationContext';
import { EwsSchemaValidator } from './schemaValidation';
import { serverVersionFault } from './serverVersions';
import { loadSeedFile, validateSeed, type SandboxSeed } from './seed';
import { FAULTS, errorResponse, faultEnvelope, type SoapFault } from './soapResponses';
import {
  TenantStore,
  encodeItemId,
  stripSmtpPrefix,
  type CalendarEvent,
  type Mailbox,
  type Principal,
} from './tenantStore';
import { NS, XmlError, parseXml } from './xml';

export interface EwsSandboxOptions {
  /** The tenant: a seed object or the path of a seed JSON file. */
  seed: SandboxSeed | string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with this certificate (see dev/identity/tlsCertificate.ts); plain HTTP otherwise. */
  tls?: { certPem: string; keyPem: string };
  /** Trust bearer tokens signed by these keys (e.g. the loopback token server's). Without it only Basic works. */
  oauth?: SandboxOAuthOptions;
  knobs?: Partial<SandboxKnobs>;
  /** Seed of the random source behind random faults and anchor 503s (default 1), so runs repeat. */
  randomSeed?: number;
  /**
   * The sandbox's clock: what "now" is for relative seed dates (receivedDaysAgo, startDaysFromNow, read at
   * start) and for the rules that depend on time (a scheduled OOF window must end in the future). A
   * number: the clock starts at that instant (epoch ms) and runs on in real time; a function: read on
   * every request (give the dev host's clock, `() => host.clock.now()`, so that advancing it moves the
   * sandbox too). Default: the wall clock.
   */
  now?: number | (() => number);
  /** Request log size; older entries are dropped (default 10,000). */
  maxLogEntries?: number;
  /** Where messages.xsd and friends live, for strictSchema (default test/fixtures/ews-schema). */
  schemaDir?: string;
  /** Largest accepted request body (default 16 MiB); bigger ones get 413. */
  maxRequestBytes?: number;
}

/** One EWS call as the sandbox saw it. */
export interface SandboxRequestLogEntry {
  at: string;
  method: string;
  path: string;
  operation?: string;
  auth: 'basic' | 'bearer' | 'none' | 'refused';
  /** Service account user name or app client id. */
  principal?: string;
  impersonation?: { kind: ConnectingSidKind; value: string };
  /** Primary SMTP address of the impersonated mailbox, once resolved. */
  mailbox?: string;
  anchorMailbox?: string;
  /** False when X-AnchorMailbox was missing or named another mailbox. */
  anchorMatches?: boolean;
  clientRequestId?: string;
  /** The request-id header the sandbox answered. */
  requestId: string;
  serverVersion?: string;
  soapAction?: string;
  userAgent?: string;
  status: number;
  /** ResponseCode of each response message, or the fault's code. */
  responseCodes: string[];
  /** Set when a fault was injected or the anchor penalty answered 503. */
  fault?: FaultKind | 'anchor503' | 'anchor500';
  /** The SOAP fault's faultstring, or why credentials were refused: what went wrong, in words. */
  message?: string;
  durationMs: number;
}

/**
 * One event of `GET /sandbox/mailboxes/{address}/calendar`: the stored event (tenantStore's CalendarEvent)
 * as JSON, with its EWS item id instead of the store's serial and version, without the body's type.
 */
export interface CalendarEventSnapshot extends Omit<
  CalendarEvent,
  'serial' | 'version' | 'bodyType' | 'start' | 'end' | 'extendedProperties'
> {
  id: string;
  /** UTC instants. */
  start: string;
  end: string;
  /** Extended properties' values by PropertyName (the app's tag is MailboxAutomationAbsence). */
  extendedProperties: Record<string, string>;
}

/** What `GET /sandbox/mailboxes/{address}` answers. */
export interface MailboxSnapshot {
  address: string;
  displayName: string;
  upn: string;
  sid: string;
  proxyAddresses: string[];
  oof: {
    state: string;
    start: string;
    end: string;
    externalAudience: string;
    internalReply: string;
    externalReply: string;
  };
  /** Item counts per primary folder. */
  folders: Record<string, number>;
  archive: { present: boolean; folders: Record<string, number> };
}

export interface EwsSandbox {
  /** `http(s)://127.0.0.1:PORT/EWS/Exchange.asmx`. */
  url: string;
  origin: string;
  port: number;
  readonly knobs: Readonly<SandboxKnobs>;
  /** Changes knobs at runtime (checked; unknown names throw). */
  configure(knobs: Partial<SandboxKnobs>): void;
  /** Queues faults, each for the next matching request. */
  injectFaults(...faults: FaultSpec[]): void;
  clearFaults(): void;
  /** How many queued faults have not fired yet. */
  readonly pendingFaults: number;
  readonly requests: readonly SandboxRequestLogEntry[];
  clearRequests(): void;
  inspectMailbox(address: string): MailboxSnapshot | undefined;
  /** The mailbox's default calendar, oldest event first; undefined for an unknown mailbox. */
  inspectCalendar(address: string): CalendarEventSnapshot[] | undefined;
  /** The in-memory organisation (for tests that need to look behind the API). */
  readonly tenant: TenantStore;
  close(): Promise<void>;
}

const HANDLERS: Record<string, OperationHandler> = {
  GetUserOofSettings: getUserOofSettings,
  SetUserOofSettings: setUserOofSettings,
  FindItem: findItem,
  ArchiveItem: archiveItem,
  MoveItem: moveItem,
  GetFolder: getFolder,
  ExpandDL: expandDL,
  ResolveNames: resolveNames,
  CreateItem: createItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  GetItem: getItem,
};

const EWS_PATH = '/ews/exchange.asmx';

/** Thrown inside the pipeline to answer early; carries the HTTP answer. */
interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
  codes: string[];
  fault?: SandboxRequestLogEntry['fault'];
  message?: string;
  /** reset: destroy the socket; hang: never answer. */
  action?: 'reset' | 'hang';
}

const fault = (f: SoapFault, extra: Partial<Answer> = {}): Answer => ({
  status: 500,
  body: faultEnvelope(f),
  codes: [f.code],
  message: f.message,
  ...extra,
});

/** How many response messages an error answer should hold: one per id for per-item operations. */
function entryCount(request: EwsRequest): number {
  const list = request.payload.children.find(
    (c) => ['ItemIds', 'FolderIds', 'ParentFolderIds'].includes(c.name) && c.ns === NS.messages,
  );
  return list?.children.length ?? 1;
}

/** Starts the sandbox on 127.0.0.1. */
export async function startEwsSandbox(options: EwsSandboxOptions): Promise<EwsSandbox> {
  const seed = typeof options.seed === 'string' ? loadSeedFile(options.seed) : validateSeed(options.seed);
  const startedAt = Date.now();
  const base = options.now;
  const clock: () => number =
    typeof base === 'function' ? base : base === undefined ? Date.now : () => base + (Date.now() - startedAt);
  const store = new TenantStore(seed, clock());
  const initial: Partial<SandboxKnobs> = {
    ...(seed.behaviour?.missingAnchor?.delayMs !== undefined && {
      missingAnchorDelayMs: seed.behaviour.missingAnchor.delayMs,
    }),
    ...(seed.behaviour?.missingAnchor?.failureRate !== undefined && {
      missingAnchorFailureRate: seed.behaviour.missingAnchor.failureRate,
    }),
    ...options.knobs,
  };
  const knobSet = new Knobs('sandbox knobs', DEFAULT_KNOBS, sandboxKnobProblems, initial);
  const knobs = knobSet.current;
  const random = seededRandom(options.randomSeed ?? 1);
  const maxBytes = options.maxRequestBytes ?? 16 * 1024 * 1024;
  const log = new RequestLog<SandboxRequestLogEntry>(options.maxLogEntries);
  const faultQueue = new FaultQueue<FaultSpec>();
  const hanging = new Set<http.ServerResponse>();
  const budgets = new ThrottleBudgets();
  let validator: EwsSchemaValidator | undefined;

  /** The first queued fault matching this call (removed from the queue), else perhaps a random one. */
  const takeFault = (operation: string, impersonated: string | undefined): FaultSpec | undefined => {
    const queued = faultQueue.take(
      operation,
      (address) =>
        impersonated !== undefined &&
        store.mailboxByAddress(address) === store.mailboxByAddress(impersonated),
    );
    if (queued) return queued;
    if (
      knobs.faultRate > 0 &&
      (knobs.faultOperations.length === 0 || knobs.faultOperations.includes(operation))
    ) {
      if (random() < knobs.faultRate) {
        const kind = knobs.faultKinds[Math.floor(random() * knobs.faultKinds.length)];
        if (kind) return { kind };
      }
    }
    return undefined;
  };

  const faultAnswer = (spec: FaultSpec, request: EwsRequest): Answer => {
    switch (spec.kind) {
      case 'http503':
        return {
          status: 503,
          body: '<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>',
          headers: {
            'content-type': 'text/html; charset=utf-8',
            ...(spec.retryAfterSeconds !== undefined && { 'retry-after': String(spec.retryAfterSeconds) }),
          },
          codes: ['HTTP_503'],
          fault: 'http503',
        };
      case 'internalServerBusy':
        return {
          status: spec.httpStatus ?? (random() < 0.5 ? 200 : 500),
          body: errorResponse(
            request.operation,
            {
              code: 'ErrorInternalServerError',
              text: 'An internal server error occurred. The operation failed.',
              values: {
                InnerErrorMessageText: 'The server cannot service this request right now. Try again later.',
                InnerErrorResponseCode: 'ErrorServerBusy',
                InnerErrorDescriptiveLinkKey: '0',
              },
            },
            entryCount(request),
          ),
          codes: ['ErrorInternalServerError'],
          fault: 'internalServerBusy',
        };
      case 'serverBusy':
      case 'serverBusyNoBackOff':
      case 'exceededConnectionCount':
        return fault(throttleFault(spec.kind, spec.backOffMs ?? knobs.throttleBackOffMs), {
          fault: spec.kind,
        });
      case 'reset':
        return { status: 0, body: '', codes: ['CONNECTION_RESET'], fault: 'reset', action: 'reset' };
      case 'hang':
        return { status: 0, body: '', codes: ['NO_ANSWER'], fault: 'hang', action: 'hang' };
    }
  };

  /** One of Exchange's throttling answers (knobs.ts ThrottleForm). */
  const throttleFault = (form: ThrottleForm, backOffMs: number): SoapFault => {
    switch (form) {
      case 'serverBusy':
        return FAULTS.serverBusy(backOffMs);
      case 'serverBusyNoBackOff':
        return FAULTS.serverBusyNoBackOff();
      case 'exceededConnectionCount':
        return FAULTS.exceededConnectionCount(knobs.maxConcurrentPerMailbox, backOffMs);
    }
  };

  /** Resolves ConnectingSID to a mailbox, or the fault Exchange answers. */
  const resolveImpersonation = (request: EwsRequest, principal: Principal): Mailbox | undefined | Answer => {
    if (request.impersonationProblem)
      return fault(FAULTS.impersonationHeaderInvalid(request.impersonationProblem));
    const imp = request.impersonation;
    if (!imp) {
      // App-only tokens must impersonate; a Basic service account acts as itself (which has no mailbox here).
      return principal.kind === 'bearer' ? fault(FAULTS.impersonationHeaderRequired()) : undefined;
    }
    let mailbox: Mailbox | undefined;
    switch (imp.kind) {
      case 'PrimarySmtpAddress':
        mailbox = store.mailboxByAddress(imp.value);
        if (mailbox && mailbox.address !== stripSmtpPrefix(imp.value).toLowerCase()) {
          return fault(FAULTS.nonPrimarySmtpAddress(mailbox.address));
        }
        break;
      case 'SmtpAddress':
        mailbox = store.mailboxByAddress(imp.value);
        break;
      case 'PrincipalName':
        mailbox = store.mailboxByUpn(imp.value);
        break;
      case 'SID':
        mailbox = store.mailboxBySid(imp.value);
        break;
    }
    if (!mailbox) return fault(FAULTS.nonExistentMailbox());
    if (!store.mayImpersonate(principal, mailbox)) return fault(FAULTS.impersonateUserDenied());
    return mailbox;
  };

  const anchorMatches = (anchor: string | undefined, mailbox: Mailbox | undefined): boolean => {
    if (!mailbox) return true; // nothing impersonated: nothing to route by
    if (!anchor) return false;
    const value = anchor
      .trim()
      .replace(/^(smtp|upn):/i, '')
      .toLowerCase();
    return mailbox.addresses.includes(value) || mailbox.upn === value || mailbox.sid.toLowerCase() === value;
  };

  /** The pipeline for one EWS POST; returns the answer and fills the log entry as it learns things. */
  const processEws = async (
    req: http.IncomingMessage,
    body: string,
    entry: SandboxRequestLogEntry,
    onMailboxSlot: (release: () => void) => void,
    arrived: number,
  ): Promise<Answer> => {
    const principal = authenticate(req.headers, store, options.oauth);
    if (isAuthFailure(principal)) {
      entry.auth = 'refused';
      const diagnostics = `2000001;reason="${principal.reason}";error_category="invalid_token"`;
      return {
        status: principal.status,
        body: '',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'x-ms-diagnostics': diagnostics,
          ...(principal.status === 401 && {
            'www-authenticate':
              'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", ' +
              'token_types="app_asserted_user_v1 service_asserted_app_v1", ' +
              'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", Basic realm="127.0.0.1"',
          }),
        },
        codes: [`HTTP_${principal.status}`],
        message: principal.reason,
      };
    }
    entry.auth = principal.kind;
    entry.principal = principal.name;

    let request: EwsRequest;
    try {
      const root = parseXml(body);
      if (knobs.strictSchema) {
        validator ??= new EwsSchemaValidator(options.schemaDir);
        const check = await validator.validate(body);
        if (!check.valid) {
          return fault(FAULTS.schemaValidation(check.errors.join(' | '), check.line ?? 1, 1));
        }
      }
      request = interpretEnvelope(root);
    } catch (err) {
      if (err instanceof XmlError) {
        return fault(FAULTS.schemaValidation(err.message, err.line ?? 1, err.column ?? 1));
      }
      if (err instanceof SchemaViolation) return fault(FAULTS.schemaValidation(err.message));
      throw err;
    }
    entry.operation = request.operation;
    entry.serverVersion = request.serverVersion;
    entry.impersonation = request.impersonation;
    const handler = HANDLERS[request.operation];
    if (!handler) {
      return fault(FAULTS.invalidRequest(`The EWS sandbox does not implement ${request.operation}.`));
    }

    const tooNew = serverVersionFault(request);
    if (tooNew) return fault(tooNew);

    const injected = takeFault(request.operation, request.impersonation?.value);
    if (injected) return faultAnswer(injected, request);

    const resolved = resolveImpersonation(request, principal);
    if (resolved !== undefined && !('index' in resolved)) return resolved;
    const mailbox = resolved;
    entry.mailbox = mailbox?.address;

    let delay = knobs.latencyMs;
    entry.anchorMatches = anchorMatches(entry.anchorMailbox, mailbox);
    if (!entry.anchorMatches) {
      // Without the anchor Exchange routes the call through the wrong server and proxies it: it takes
      // missingAnchorSlowdown times as long ("twice as long or more") and now and then fails with a 500
      // or a 503, as Microsoft warns for impersonated calls without X-AnchorMailbox.
      delay = delay * knobs.missingAnchorSlowdown + knobs.missingAnchorDelayMs;
      if (knobs.missingAnchorFailureRate > 0 && random() < knobs.missingAnchorFailureRate) {
        await sleep(delay);
        return random() < 0.5
          ? {
              status: 503,
              body: '',
              codes: ['HTTP_503'],
              fault: 'anchor503',
              headers: { 'content-type': 'text/html' },
            }
          : fault(FAULTS.internalServerError(), { fault: 'anchor500' });
      }
    }

    const budgetKey = mailbox ? `m:${mailbox.index}` : `p:${principal.name}`;
    const now = Date.now();
    const admitted = budgets.admit(
      budgetKey,
      { maxConcurrent: knobs.maxConcurrentPerMailbox, holdOffs: knobs.enforceBackOff },
      now,
    );
    if (typeof admitted !== 'function') {
      if (admitted.refused === 'backOff') return fault(FAULTS.serverBusy(admitted.retryAfterMs));
      // Exchange answers a budget overrun in several ways (knobs.ts ThrottleForm): one drawn per refusal.
      const form = knobs.throttleForms[Math.floor(random() * knobs.throttleForms.length)] ?? 'serverBusy';
      if (knobs.enforceBackOff && form === 'serverBusy')
        budgets.holdOff(budgetKey, now + knobs.throttleBackOffMs);
      return fault(throttleFault(form, knobs.throttleBackOffMs));
    }
    onMailboxSlot(admitted);

    const ctx: OperationContext = {
      store,
      request,
      mailbox,
      principal,
      limits: {
        findItemPageLimit: knobs.findItemPageLimit,
        restrictedFindItemPageLimit: knobs.restrictedFindItemPageLimit,
      },
      now: store.now,
      clock: clock(),
    };
    let answer: Answer;
    try {
      const result = handler(ctx);
      answer = { status: 200, body: result.xml, codes: result.codes };
    } catch (err) {
      if (!(err instanceof SchemaViolation)) throw err;
      answer = fault(FAULTS.schemaValidation(err.message));
    }
    // The latency knob is the whole time the server takes to answer, its own work included: the sandbox's
    // CPU hides inside it rather than adding to it, so "20 ms per call" means 20 ms (the benchmarks' bound
    // is concurrency / latency, and the sandbox is not what they measure).
    await sleep(delay - (performance.now() - arrived));
    return answer;
  };

  const handleEws = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: string,
  ): Promise<void> => {
    const started = performance.now();
    const requestId = randomUUID();
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const clientRequestId = header('client-request-id');
    const entry: SandboxRequestLogEntry = {
      at: new Date().toISOString(),
      method: req.method ?? 'POST',
      path: req.url ?? '',
      auth: 'none',
      anchorMailbox: header('x-anchormailbox'),
      clientRequestId,
      requestId,
      soapAction: header('soapaction'),
      userAgent: header('user-agent'),
      status: 0,
      responseCodes: [],
      durationMs: 0,
    };
    let release: (() => void) | undefined;
    let answer: Answer;
    try {
      answer = await processEws(req, body, entry, (r) => (release = r), started);
    } catch (err) {
      // A sandbox bug: answer like Exchange's generic failure, and say what broke.
      answer = fault({
        code: 'ErrorInternalServerError',
        message: `EWS sandbox failure: ${(err as Error).stack ?? String(err)}`,
      });
    }
    entry.status = answer.status;
    entry.responseCodes = answer.codes;
    entry.fault = answer.fault;
    entry.message = answer.message;
    const finish = (): void => {
      release?.();
      release = undefined;
      entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
    };
    log.record(entry);
    if (answer.action === 'reset') {
      finish();
      req.socket.destroy();
      return;
    }
    if (answer.action === 'hang') {
      finish();
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const headers: Record<string, string | number> = {
      'content-type': 'text/xml; charset=utf-8',
      'request-id': requestId,
      'x-feserver': 'SANDBOX-FE01',
      ...answer.headers,
    };
    if (clientRequestId !== undefined && header('return-client-request-id')?.toLowerCase() === 'true') {
      headers['client-request-id'] = clientRequestId;
    }
    headers['content-length'] = Buffer.byteLength(answer.body);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    finish();
  };

  const sendJson = (res: http.ServerResponse, status: number, value: unknown): void => {
    const text = JSON.stringify(value, null, 2);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const inspectMailbox = (address: string): MailboxSnapshot | undefined => {
    const m = store.mailboxByAddress(address);
    if (!m) return undefined;
    m.ensureItems(store.now);
    const counts = (folders: Map<string, { count: number }> | undefined): Record<string, number> =>
      Object.fromEntries(
        [...(folders ?? new Map<string, { count: number }>())].map(([k, f]) => [k, f.count]),
      );
    return {
      address: m.address,
      displayName: m.displayName,
      upn: m.upn,
      sid: m.sid,
      proxyAddresses: m.addresses.slice(1),
      oof: {
        state: m.oof.state,
        start: new Date(m.oof.start).toISOString(),
        end: new Date(m.oof.end).toISOString(),
        externalAudience: m.oof.externalAudience,
        internalReply: m.oof.internalReply,
        externalReply: m.oof.externalReply,
      },
      folders: counts(m.primary),
      archive: { present: m.archive !== undefined, folders: counts(m.archive) },
    };
  };

  const inspectCalendar = (address: string): CalendarEventSnapshot[] | undefined => {
    const m = store.mailboxByAddress(address);
    if (!m) return undefined;
    return [...m.calendar.values()].map((e) => ({
      id: encodeItemId(m.index, e.serial),
      subject: e.subject,
      body: e.body,
      start: new Date(e.start).toISOString(),
      end: new Date(e.end).toISOString(),
      isAllDay: e.isAllDay,
      freeBusy: e.freeBusy,
      reminderIsSet: e.reminderIsSet,
      ...(e.startTimeZone !== undefined && { startTimeZone: e.startTimeZone }),
      ...(e.endTimeZone !== undefined && { endTimeZone: e.endTimeZone }),
      attendees: e.attendees,
      extendedProperties: Object.fromEntries(
        [...e.extendedProperties.values()].map((p) => [p.propertyName, p.value]),
      ),
    }));
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith('/sandbox/mailboxes/') && path.endsWith('/calendar')) {
      const address = decodeURIComponent(path.slice('/sandbox/mailboxes/'.length, -'/calendar'.length));
      const events = inspectCalendar(address);
      if (events) sendJson(res, 200, events);
      else sendJson(res, 404, { error: `no mailbox ${address} in this sandbox` });
      return;
    }
    if (req.method === 'GET' && path.startsWith('/sandbox/mailboxes/')) {
      const address = decodeURIComponent(path.slice('/sandbox/mailboxes/'.length));
      const snapshot = inspectMailbox(address);
      if (snapshot) sendJson(res, 200, snapshot);
      else sendJson(res, 404, { error: `no mailbox ${address} in this sandbox` });
      return;
    }
    if (req.method === 'GET' && path === '/sandbox/health') {
      sendJson(res, 200, { ok: true, mailboxes: store.mailboxes.length });
      return;
    }
    if (path.toLowerCase() !== EWS_PATH) {
      sendJson(res, 404, { error: `nothing at ${path}; EWS lives at /EWS/Exchange.asmx` });
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' });
      res.end('EWS accepts POST only');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooBig) {
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end('request too large');
        return;
      }
      let text = Buffer.concat(chunks).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      void handleEws(req, res, text);
    });
  };

  const server = options.tls
    ? https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, onRequest)
    : http.createServer(onRequest);
  // Clients keep connections in a pool for a while; do not close them under their feet.
  server.keepAliveTimeout = 65_000;
  const listener = await listenOnLoopback(server, options.port);
  const { port, origin } = listener;

  return {
    url: `${origin}/EWS/Exchange.asmx`,
    origin,
    port,
    get knobs() {
      return knobSet.snapshot();
    },
    configure(changes) {
      knobSet.configure(changes);
    },
    injectFaults(...faults) {
      for (const f of faults) knobSet.check({ faultKinds: [f.kind] });
      faultQueue.push(...faults);
    },
    clearFaults() {
      faultQueue.clear();
    },
    get pendingFaults() {
      return faultQueue.pending;
    },
    get requests() {
      return log.entries;
    },
    clearRequests() {
      log.clear();
    },
    inspectMailbox,
    inspectCalendar,
    tenant: store,
    close: () => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      return listener.close();
    },
  };
}
