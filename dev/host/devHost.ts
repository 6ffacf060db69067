/**
 * The dev host: runs the function app without the Functions host. It loads every module in functions/
 * with the stand-in for `@azure/functions-core`, serves the HTTP triggers on their routes under /api,
 * fires timer triggers on their NCRONTAB schedules, and runs orchestrations in-process through
 * durable-functions' replay engine (LocalDurableHost). The real DurableClient talks to a loopback
 * stand-in of the Durable extension's HTTP API served by the same server (/durabletask/...,
 * /runtime/webhooks/durabletask/...; a purge drops the instances from memory). With a virtual clock,
 * `POST /dev/clock/advance` moves time forward so durable timers and timer triggers fall due at once.
 * Dev only: nothing persists.
 */
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenOnLoopback } from '../loopback/listenOnLoopback';
import { installFunctionsCoreStandIn, registrations, type Registration } from './functionsCoreStandIn';
import { DevClock } from './devClock';
import { InstanceConflictError, LocalDurableHost, type InstanceRecord } from './localDurableHost';
import { hostJsonFor, readDurableHostSettings } from './hostJson';
import { nextOccurrence, parseNcrontab } from './ncrontab';

export interface DevHostOptions {
  /** Default 7071; 0 picks a free port. */
  port?: number;
  /** Folder of function modules; default: functions/ beside this build (dist/functions or functions). */
  functionsDir?: string;
  /** `virtual`: time moves only with /dev/clock/advance on top of real time; timers wait for it. */
  clock?: DevClock;
  /** Settings for %NAME% in timer schedules; default process.env. */
  env?: Record<string, string | undefined>;
  /** Timers fire on their schedules (default true). */
  timers?: boolean;
  /** `level`: passed by the durable driver for orchestrator lines (their text does not show it). */
  log?: (message: string, level?: string) => void;
  /** Options passed to the durable driver. */
  durable?: ConstructorParameters<typeof LocalDurableHost>[1];
}

export interface DevHost {
  url: string;
  /** The function module files loaded, e.g. hrWebhook.js. */
  modules: string[];
  durable: LocalDurableHost;
  clock: DevClock;
  registrations: Map<string, Registration>;
  /** What a durableClient input binding receives (the extension's client data): for a client in a test. */
  durableClientData(): Record<string, unknown>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** Loads every function module in `dir` (compiled .js at runtime, .ts under ts-jest). */
export function loadFunctionModules(dir: string): string[] {
  installFunctionsCoreStandIn();
  const ext = path.extname(__filename) === '.ts' ? '.ts' : '.js';
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .sort();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads modules by path, like this
  for (const f of files) require(path.join(dir, f));
  return files;
}

/** A library as the function modules in `functionsDir` resolve it. */
function appLibrary<T>(functionsDir: string, name: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from the app's folder, not this one
  return require(require.resolve(name, { paths: [functionsDir] })) as T;
}

function defaultFunctionsDir(): string {
  return path.resolve(__dirname, '..', '..', 'functions');
}

function routeRegex(route: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = route
    .replace(/^\/+/, '')
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)(?::[^}?]*)?(\?)?\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] ?? '');
      return '([^/]+)';
    })
    .join('/');
  return { regex: new RegExp(`^/api/${pattern}/?$`, 'i'), names };
}

function statusJson(i: InstanceRecord, showInput: boolean): Json {
  return {
    name: i.name,
    instanceId: i.instanceId,
    runtimeStatus: i.runtimeStatus,
    input: showInput ? (i.input ?? null) : null,
    customStatus: i.customStatus ?? null,
    output: i.output ?? null,
    createdTime: i.createdTime.toISOString(),
    lastUpdatedTime: i.lastUpdatedTime.toISOString(),
  };
}

/**
 * OrchestrationStatus (DurableTask.Core) by name and by number: the extension parses each runtimeStatus
 * value with Enum.TryParse, which takes either, case-sensitively, and leaves out what it cannot parse.
 */
const ORCHESTRATION_STATUS = [
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Pending',
  'Suspended',
] as const;

/** `runtimeStatus` as the extension reads it: comma-separated, unparsable values left out. */
function runtimeStatuses(query: URLSearchParams): string[] {
  return query
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((v) =>
      /^\d+$/.test(v) ? ORCHESTRATION_STATUS[Number(v)] : ORCHESTRATION_STATUS.find((s) => s === v),
    )
    .filter((v): v is (typeof ORCHESTRATION_STATUS)[number] => v !== undefined);
}

/**
 * The purge-by-filter query as the Durable extension reads it (HttpApiHandler
 * .HandleDeleteHistoryWithFiltersRequestAsync in azure-functions-durable-extension): `createdTimeFrom` is
 * required (400 without it), `createdTimeTo` defaults to now, `runtimeStatus` is a comma-separated list;
 * values that are not a status are left out, and an empty list filters nothing.
 */
export function purgeFilter(
  query: URLSearchParams,
  now: number,
): { createdFrom: Date; createdTo: Date; statuses: string[] } | { error: string } {
  const from = Date.parse(query.get('createdTimeFrom') ?? '');
  if (Number.isNaN(from)) return { error: "Please provide value for 'createdTimeFrom' parameter." };
  const to = Date.parse(query.get('createdTimeTo') ?? '');
  return {
    createdFrom: new Date(from),
    createdTo: new Date(Number.isNaN(to) ? now : to),
    statuses: runtimeStatuses(query),
  };
}

/** The status query's filter (HandleGetStatusRequestAsync): each part optional. */
function matchesStatusQuery(i: InstanceRecord, query: URLSearchParams): boolean {
  const from = Date.parse(query.get('createdTimeFrom') ?? '');
  const to = Date.parse(query.get('createdTimeTo') ?? '');
  const statuses = runtimeStatuses(query);
  const created = i.createdTime.getTime();
  return (
    !(created < from) && !(created > to) && (statuses.length === 0 || statuses.includes(i.runtimeStatus))
  );
}

/**
 * The Functions host's request length limit: "The HTTP request length is limited to 100 MB (104,857,600
 * bytes)" (Azure Functions HTTP trigger reference, "Limits"). The host refuses a larger request with 413
 * before the function sees it, from the declared Content-Length or while the body streams in; so does the
 * dev host, so that tests see what Azure does and a declared 1 GB body is never buffered.
 */
export const HOST_MAX_REQUEST_BYTES = 104_857_600;

class RequestTooLarge extends Error {}

async function readBody(req: http.IncomingMessage, limit = HOST_MAX_REQUEST_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new RequestTooLarge(`declared Content-Length ${declared} is over ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new RequestTooLarge(`body is over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** ISO 8601 duration (PT2H, P30D) or milliseconds. */
export function parseAdvance(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(value);
  if (!m) throw new Error(`"${value}" is neither milliseconds nor an ISO 8601 duration such as P30D or PT2H`);
  const [, d, h, mi, s] = m;
  return (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60 + Number(s ?? 0)) * 1000;
}

export async function startDevHost(options: DevHostOptions = {}): Promise<DevHost> {
  const log = options.log ?? ((m: string) => console.log(m));
  const env = options.env ?? process.env;
  const dir = options.functionsDir ?? defaultFunctionsDir();
  const files = loadFunctionModules(dir);
  log(
    `dev host: loaded ${files.length} function modules from ${dir}: ${[...registrations.keys()].join(', ')}`,
  );
  const clock = options.clock ?? new DevClock();
  const durable = new LocalDurableHost(registrations, {
    timers: 'clock',
    clock,
    log,
    // As many activities at once as one Functions worker runs (host.json).
    maxConcurrentActivities: readDurableHostSettings(hostJsonFor(dir)).maxConcurrentActivityFunctions,
    // Activities get their extra inputs bound like every other function (contextFor, below).
    activityContext: (name) => {
      const reg = registrations.get(name);
      if (!reg) throw new Error(`No activity registered as '${name}'`);
      return contextFor(reg);
    },
    ...options.durable,
  });

  const server = http.createServer();
  let base = '';
  const clientData = (): Json => {
    const mgmt = `${base}/runtime/webhooks/durabletask/instances/INSTANCEID`;
    return {
      taskHubName: 'DevHostHub',
      rpcBaseUrl: `${base}/durabletask/`,
      baseUrl: `${base}/runtime/webhooks/durabletask`,
      requiredQueryStringParameters: '',
      creationUrls: { createNewInstancePostUri: '', createAndWaitOnNewInstancePostUri: '' },
      managementUrls: {
        id: 'INSTANCEID',
        statusQueryGetUri: `${mgmt}?taskHub=DevHostHub&connection=Storage`,
        sendEventPostUri: `${mgmt}/raiseEvent/{eventName}?taskHub=DevHostHub&connection=Storage`,
        terminatePostUri: `${mgmt}/terminate?reason={text}&taskHub=DevHostHub&connection=Storage`,
        rewindPostUri: `${mgmt}/rewind?reason={text}&taskHub=DevHostHub&connection=Storage`,
        purgeHistoryDeleteUri: `${mgmt}?taskHub=DevHostHub&connection=Storage`,
        restartPostUri: `${mgmt}/restart?taskHub=DevHostHub&connection=Storage`,
        suspendPostUri: `${mgmt}/suspend?reason={text}&taskHub=DevHostHub&connection=Storage`,
        resumePostUri: `${mgmt}/resume?reason={text}&taskHub=DevHostHub&connection=Storage`,
      },
    };
  };

  // InvocationContext the way the worker builds it, with durableClient inputs bound. The classes come from
  // the app's own copy of @azure/functions (a deployment package brings its own): a handler's HttpResponse
  // is only recognised by the class that made it.
  const { InvocationContext, HttpRequest, HttpResponse } = appLibrary<typeof import('@azure/functions')>(
    dir,
    '@azure/functions',
  );
  const contextFor = (reg: Registration): InstanceType<typeof InvocationContext> => {
    const bindings = Object.entries(reg.metadata.bindings).map(([name, b]) => ({ ...b, name }));
    const trigger = bindings.find((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
    const ctx = new InvocationContext({
      functionName: reg.metadata.name,
      invocationId: `dev-${Date.now()}-${Math.random().toString(16).slice(2)}`,
      logHandler: (level, ...args) => log(`[${reg.metadata.name}] ${level}: ${args.map(String).join(' ')}`),
      options: {
        trigger: trigger as never,
        extraInputs: bindings.filter((b) => b.direction === 'in' && b !== trigger),
        extraOutputs: [],
      },
    });
    for (const b of bindings) if (b.type === 'durableClient') ctx.extraInputs.set(b.name, clientData());
    return ctx;
  };

  const httpRoutes = [...registrations.values()]
    .filter((r) => r.triggerType === 'httpTrigger')
    .map((r) => {
      const trigger = Object.values(r.metadata.bindings).find((b) => b.type === 'httpTrigger');
      const route = (trigger?.route as string | undefined) ?? r.metadata.name;
      const methods = ((trigger?.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) =>
        m.toUpperCase(),
      );
      return { reg: r, route, methods, ...routeRegex(route) };
    });

  const send = (
    res: http.ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  };

  const durableApi = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<boolean> => {
    const p = url.pathname.replace(/^\/runtime\/webhooks\/durabletask\//, '/durabletask/');
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (m = /^\/durabletask\/orchestrators\/([^/]+)(?:\/([^/]+))?$/.exec(p))) {
      const body = (await readBody(req)).toString('utf8');
      try {
        const id = durable.startNew(
          decodeURIComponent(m[1] ?? ''),
          body ? (JSON.parse(body) as unknown) : undefined,
          m[2] ? decodeURIComponent(m[2]) : undefined,
        );
        send(res, 202, { id });
      } catch (err) {
        send(res, err instanceof InstanceConflictError ? 409 : 400, { error: (err as Error).message });
      }
      return true;
    }
    if (req.method === 'GET' && (m = /^\/durabletask\/instances\/?([^/]*)$/.exec(p))) {
      const showInput = url.searchParams.get('showInput') !== 'false';
      if (!m[1]) {
        send(
          res,
          200,
          durable
            .listInstances()
            .filter((i) => matchesStatusQuery(i, url.searchParams))
            .map((i) => statusJson(i, showInput)),
        );
        return true;
      }
      const i = durable.getStatus(decodeURIComponent(m[1]));
      if (!i) send(res, 404, { error: `no instance ${m[1]}` });
      else
        send(
          res,
          i.runtimeStatus === 'Running' || i.runtimeStatus === 'Pending' ? 202 : 200,
          statusJson(i, showInput),
        );
      return true;
    }
    if (req.method === 'DELETE' && (m = /^\/durabletask\/instances\/?([^/]*)$/.exec(p))) {
      if (m[1]) {
        // Purge by id (HttpApiHandler.HandleDeleteHistoryByIdRequestAsync): 404 for an unknown id.
        const purged = durable.purgeInstance(decodeURIComponent(m[1]));
        send(res, purged ? 200 : 404, purged ? { instancesDeleted: 1 } : undefined);
        return true;
      }
      const filter = purgeFilter(url.searchParams, clock.now());
      if ('error' in filter) {
        send(res, 400, filter.error);
        return true;
      }
      const deleted = durable.purge(filter);
      // The extension answers 404 when nothing matched (the JS client reads it as 0 deleted).
      send(res, deleted > 0 ? 200 : 404, deleted > 0 ? { instancesDeleted: deleted } : undefined);
      return true;
    }
    if (req.method === 'POST' && (m = /^\/durabletask\/instances\/([^/]+)\/raiseEvent\/([^/]+)$/.exec(p))) {
      const id = decodeURIComponent(m[1] ?? '');
      const body = (await readBody(req)).toString('utf8');
      if (!durable.getStatus(id)) send(res, 404, { error: `no instance ${id}` });
      else
        send(
          res,
          durable.raiseEvent(
            id,
            decodeURIComponent(m[2] ?? ''),
            body ? (JSON.parse(body) as unknown) : undefined,
          )
            ? 202
            : 410,
        );
      return true;
    }
    if (req.method === 'POST' && (m = /^\/durabletask\/instances\/([^/]+)\/terminate$/.exec(p))) {
      const id = decodeURIComponent(m[1] ?? '');
      if (!durable.getStatus(id)) send(res, 404, { error: `no instance ${id}` });
      else send(res, durable.terminate(id, url.searchParams.get('reason') ?? 'terminated') ? 202 : 410);
      return true;
    }
    return false;
  };

  const devApi = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname === '/dev/clock' && req.method === 'GET') {
      send(res, 200, { now: new Date(clock.now()).toISOString() });
      return true;
    }
    if (url.pathname === '/dev/clock/advance' && req.method === 'POST') {
      await readBody(req);
      try {
        const to = url.searchParams.get('to');
        const now = to
          ? clock.advanceTo(Date.parse(to))
          : clock.advance(parseAdvance(url.searchParams.get('by') ?? '0'));
        send(res, 200, { now: new Date(now).toISOString() });
      } catch (err) {
        send(res, 400, { error: (err as Error).message });
      }
      return true;
    }
    return false;
  };

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      try {
        if (await durableApi(req, res, url)) return;
        if (await devApi(req, res, url)) return;
        const match = httpRoutes.map((r) => ({ r, m: r.regex.exec(url.pathname) })).find((x) => x.m);
        if (!match?.m) return send(res, 404, { error: `no function serves ${url.pathname}` });
        if (!match.r.methods.includes(req.method ?? 'GET'))
          return send(res, 405, { error: `${req.method} not allowed` });
        const params: Record<string, string> = {};
        match.r.names.forEach((n, i) => (params[n] = decodeURIComponent(match.m?.[i + 1] ?? '')));
        const body = await readBody(req);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const request = new HttpRequest({
          method: req.method ?? 'GET',
          url: url.href,
          headers,
          params,
          query: Object.fromEntries(url.searchParams),
          ...(body.length ? { body: { bytes: body } } : {}),
        });
        const result = await match.r.reg.callback(request, contextFor(match.r.reg));
        const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => (out[k] = v));
        const bytes = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, out);
        res.end(bytes);
      } catch (err) {
        if (err instanceof RequestTooLarge) {
          // Answer at once and close: the rest of the body is not read.
          res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
          res.end(JSON.stringify({ error: `request too large: ${err.message}` }));
          req.destroy();
          return;
        }
        log(`dev host: ${req.method} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) send(res, 500, { error: 'function failed; see the dev host log' });
      }
    })();
  });

  const listener = await listenOnLoopback(server, options.port ?? 7071);
  base = listener.origin;
  // Without WEBSITE_HOSTNAME, df.getClient rewrites the status URLs to localhost:7071 (its local default).
  process.env.WEBSITE_HOSTNAME = new URL(base).host;

  // Timer triggers on their NCRONTAB schedules, against the dev clock.
  // One stop per timer and per clock subscription (a timer re-arms itself; only its current handle counts).
  const unsubscribers: (() => void)[] = [];
  if (options.timers !== false) {
    for (const reg of [...registrations.values()].filter((r) => r.triggerType === 'timerTrigger')) {
      const trigger = Object.values(reg.metadata.bindings).find((b) => b.type === 'timerTrigger');
      let schedule = typeof trigger?.schedule === 'string' ? trigger.schedule : '';
      const setting = /^%(\w+)%$/.exec(schedule);
      if (setting) {
        const value = env[setting[1] ?? ''];
        if (!value) {
          log(`dev host: timer ${reg.metadata.name} not scheduled: ${setting[1]} is not set`);
          continue;
        }
        schedule = value;
      }
      const cron = parseNcrontab(schedule);
      let due = nextOccurrence(cron, clock.now());
      let handle: NodeJS.Timeout | undefined;
      const arm = (): void => {
        if (handle) clearTimeout(handle);
        if (due === undefined) return;
        const wait = Math.max(0, Math.min(due - clock.now(), 2 ** 31 - 1));
        handle = setTimeout(() => {
          if (due === undefined || clock.now() < due) return arm();
          due = nextOccurrence(cron, clock.now());
          log(`dev host: timer ${reg.metadata.name} fires`);
          Promise.resolve(
            reg.callback({ isPastDue: false, schedule: { adjustForDST: true } }, contextFor(reg)),
          ).catch((err: unknown) => log(`dev host: timer ${reg.metadata.name} failed: ${String(err)}`));
          arm();
        }, wait);
        handle.unref();
      };
      arm();
      unsubscribers.push(clock.onChange(arm), () => clearTimeout(handle));
      log(`dev host: timer ${reg.metadata.name} on "${schedule}"`);
    }
  }

  for (const r of httpRoutes)
    log(`dev host: ${r.methods.join(',')} ${base}/api/${r.route.replace(/^\/+/, '')}`);
  return {
    url: base,
    modules: files,
    durable,
    clock,
    registrations,
    durableClientData: clientData,
    close: async () => {
      for (const u of unsubscribers) u();
      for (const i of durable.listInstances()) durable.terminate(i.instanceId, 'dev host stopped');
      await listener.close();
    },
  };
}
