/**
 * A loopback stand-in of the part of BambooHR's API the time-off poll reads, written from BambooHR's
 * reference (not from the app: see test/unit/dev/standInIndependence.test.ts):
 *
 * - "List Time Off Requests" (https://documentation.bamboohr.com/reference/time-off-1):
 *   `GET /api/gateway.php/{companyDomain}/v1/time_off/requests/`. `start` and `end` (YYYY-MM-DD) are
 *   required, 400 when missing or invalid; a request is listed when it ends on or after `start` and starts
 *   on or before `end`; optional `id`, `employeeId`, `type` (comma-separated type ids) and `status`
 *   (comma-separated: approved, denied, superceded, requested, canceled; all when omitted).
 * - "Get Employee" (https://documentation.bamboohr.com/reference/get-employee):
 *   `GET /api/gateway.php/{companyDomain}/v1/employees/{id}/?fields=a,b`: the fields asked for (default
 *   firstName,lastName), empty ones as null; 404 for an unknown employee; 400 above 400 fields.
 * - Authentication (https://documentation.bamboohr.com/docs/getting-started#authentication): HTTP Basic,
 *   the API key as user name, any password; anything else 401.
 * - BambooHR answers XML unless the caller accepts JSON; this stand-in serves only the JSON shapes, so
 *   a call that does not accept application/json gets 406 rather than a JSON answer it did not ask for.
 * - Errors carry BambooHR's `X-BambooHR-Error-Message` header
 *   (https://documentation.bamboohr.com/docs/api-details); throttling is 429 with `Retry-After`
 *   (https://documentation.bamboohr.com/docs/planned-changes-to-the-api).
 *
 * Knobs for tests and `npm start`: add, change, cancel a request between polls; change an employee
 * (drop the work e-mail); throttle or fail the next calls. Dev only; nothing persists.
 */
import http from 'node:http';
import { listenOnLoopback } from '../loopback/listenOnLoopback';

export const BAMBOOHR_STATUSES = ['approved', 'denied', 'superceded', 'requested', 'canceled'] as const;
export type BambooHrStatusValue = (typeof BAMBOOHR_STATUSES)[number];

export interface BambooHrEmployeeRecord {
  id: string;
  firstName: string;
  lastName: string;
  displayName?: string | null;
  /** null or absent: the employee has no work e-mail in BambooHR. */
  workEmail?: string | null;
}

/** A time-off request as List Time Off Requests answers it (ids as strings, as BambooHR writes them). */
export interface BambooHrRequestRecord {
  id: string;
  employeeId: string;
  name: string;
  status: { lastChanged: string; lastChangedByUserId: string; status: BambooHrStatusValue };
  start: string;
  end: string;
  created: string;
  type: { id: string; name: string; icon: string };
  amount: { unit: 'days'; amount: string };
  actions: Record<'view' | 'edit' | 'cancel' | 'approve' | 'deny' | 'bypass', boolean>;
  dates: Record<string, string>;
  notes: { employee?: string; manager?: string };
}

export interface NewRequest {
  employeeId: string;
  start: string;
  end: string;
  status?: BambooHrStatusValue;
  type?: { id: string; name: string };
  note?: string;
}

export interface BambooHrApiServerOptions {
  companyDomain: string;
  apiKey: string;
  employees: BambooHrEmployeeRecord[];
  /** The company's "today" (YYYY-MM-DD) for `created` and `status.lastChanged`; default the UTC date. */
  today?: () => string;
  /** How long each answer takes (ms), so tests can see calls overlap; default 0. */
  latencyMs?: number;
  port?: number;
}

export interface BambooHrCall {
  method: string;
  path: string;
  query: Record<string, string>;
  authorized: boolean;
  status: number;
}

export interface BambooHrApiServer {
  /** `http://127.0.0.1:PORT`: BAMBOOHR_API_URL. */
  url: string;
  /** Adds a request (approved unless said otherwise); returns its id. */
  addRequest(request: NewRequest): string;
  /** Changes a request's dates or status, as an approver or the employee editing it would. */
  changeRequest(id: string, changes: Partial<Pick<NewRequest, 'start' | 'end' | 'status'>>): void;
  /** The employee or a manager cancels the request: its status becomes canceled. */
  cancelRequest(id: string): void;
  /** Changes an employee's fields (e.g. `{ workEmail: null }`). */
  changeEmployee(id: string, changes: Partial<Omit<BambooHrEmployeeRecord, 'id'>>): void;
  /** The next `count` calls (matching `path`, a substring, when given) get `status`, with Retry-After when given. */
  failNext(fault: { status: number; count?: number; retryAfterSeconds?: number; path?: string }): void;
  readonly requests: readonly BambooHrRequestRecord[];
  readonly calls: readonly BambooHrCall[];
  /** The most calls this stand-in had open at once. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** The demo company: alice, bob and carol of contoso.com. */
export const DEMO_BAMBOOHR_EMPLOYEES: readonly BambooHrEmployeeRecord[] = [
  {
    id: '101',
    firstName: 'Alice',
    lastName: 'Anders',
    displayName: 'Alice Anders',
    workEmail: 'alice@contoso.com',
  },
  { id: '102', firstName: 'Bob', lastName: 'Berg', displayName: 'Bob Berg', workEmail: 'bob@contoso.com' },
  {
    id: '103',
    firstName: 'Carol',
    lastName: 'Costa',
    displayName: 'Carol Costa',
    workEmail: 'carol@contoso.com',
  },
];

const VACATION = { id: '78', name: 'Vacation', icon: 'palm-trees' };
/** Get Employee's documented field limit per request. */
const MAX_FIELDS = 400;

function isDate(value: string | undefined): value is string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** Each day of [start, end] with one day's amount (BambooHR's `dates` map). */
function daysOf(start: string, end: string): Record<string, string> {
  const dates: Record<string, string> = {};
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    dates[new Date(t).toISOString().slice(0, 10)] = '1';
  }
  return dates;
}

function checkDates(start: string, end: string): void {
  if (!isDate(start) || !isDate(end))
    throw new Error(`bamboohr stand-in: dates must be YYYY-MM-DD, got ${start}..${end}`);
  if (end < start)
    throw new Error(`bamboohr stand-in: the request ends (${end}) before it starts (${start})`);
}

export async function startBambooHrApi(options: BambooHrApiServerOptions): Promise<BambooHrApiServer> {
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  const employees = new Map(options.employees.map((e) => [e.id, { ...e }]));
  const requests = new Map<string, BambooHrRequestRecord>();
  const calls: BambooHrCall[] = [];
  const faults: { status: number; count: number; retryAfterSeconds?: number; path?: string }[] = [];
  let nextId = 1000;
  const prefix = `/api/gateway.php/${options.companyDomain}/v1/`;

  const find = (id: string): BambooHrRequestRecord => {
    const found = requests.get(id);
    if (!found) throw new Error(`bamboohr stand-in: no request ${id}`);
    return found;
  };
  const setStatus = (request: BambooHrRequestRecord, status: BambooHrStatusValue): void => {
    request.status = { lastChanged: today(), lastChangedByUserId: '1', status };
  };

  const answer = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: (status: number) => void,
  ): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const refuse = (status: number, message: string, headers: Record<string, string> = {}): void =>
      send(status, { error: message }, { 'x-bamboohr-error-message': message, ...headers });

    const fault = faults.find((f) => f.path === undefined || url.pathname.includes(f.path));
    if (fault) {
      if (--fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
      const retryAfter: Record<string, string> =
        fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      return refuse(fault.status, `fault injected (${fault.status})`, retryAfter);
    }
    if (req.method !== 'GET') return refuse(405, `${req.method} is not served here`);
    if (!url.pathname.startsWith(prefix)) return refuse(404, 'unknown company domain or path');
    if (!(req.headers.accept ?? '').includes('application/json')) {
      return refuse(
        406,
        'this stand-in answers JSON only (BambooHR answers XML without Accept: application/json)',
      );
    }
    const route = url.pathname.slice(prefix.length);
    const q = url.searchParams;

    if (route === 'time_off/requests/' || route === 'time_off/requests') {
      const start = q.get('start') ?? undefined;
      const end = q.get('end') ?? undefined;
      if (!isDate(start) || !isDate(end)) return refuse(400, 'Invalid or missing start/end date.');
      const statuses = (q.get('status') ?? '').split(',').filter((s) => s !== '');
      const unknown = statuses.filter((s) => !(BAMBOOHR_STATUSES as readonly string[]).includes(s));
      if (unknown.length > 0) return refuse(400, `Invalid status: ${unknown.join(',')}`);
      const types = (q.get('type') ?? '').split(',').filter((s) => s !== '');
      const listed = [...requests.values()].filter(
        (r) =>
          r.end >= start &&
          r.start <= end &&
          (statuses.length === 0 || statuses.includes(r.status.status)) &&
          (types.length === 0 || types.includes(r.type.id)) &&
          (!q.has('id') || q.get('id') === r.id) &&
          (!q.has('employeeId') || q.get('employeeId') === r.employeeId),
      );
      return send(200, listed);
    }

    const m = /^employees\/([^/]+)\/?$/.exec(route);
    if (m) {
      const employee = employees.get(decodeURIComponent(m[1] ?? ''));
      if (!employee) return refuse(404, 'Employee not found');
      const fields = (q.get('fields') ?? 'firstName,lastName').split(',').filter((f) => f !== '');
      if (fields.length > MAX_FIELDS) return refuse(400, `At most ${MAX_FIELDS} fields may be requested`);
      const record = employee as unknown as Record<string, unknown>;
      const body: Record<string, unknown> = { id: employee.id };
      for (const field of fields) body[field] = record[field] ?? null;
      return send(200, body);
    }
    refuse(404, `no route ${req.method} ${url.pathname}`);
  };

  const expectedKey = options.apiKey;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.on('close', () => inFlight--);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Basic credentials: the API key as user name; BambooHR ignores the password.
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const decoded = basic ? Buffer.from(basic[1] ?? '', 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const authorized = colon > 0 && decoded.slice(0, colon) === expectedKey;
    const call: BambooHrCall = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorized,
      status: 0,
    };
    calls.push(call);
    const reply = (): void => {
      if (!authorized) {
        call.status = 401;
        res.writeHead(401, {
          'content-type': 'application/json',
          'x-bamboohr-error-message': 'Invalid API key',
        });
        res.end(JSON.stringify({ error: 'Unauthorized' }));
        return;
      }
      answer(req, res, (status) => (call.status = status));
    };
    req.resume();
    req.on('end', () => setTimeout(reply, options.latencyMs ?? 0));
  });
  const listener = await listenOnLoopback(server, options.port);

  return {
    url: listener.origin,
    addRequest(request) {
      checkDates(request.start, request.end);
      const employee = employees.get(request.employeeId);
      if (!employee) throw new Error(`bamboohr stand-in: no employee ${request.employeeId}`);
      const id = String(nextId++);
      const dates = daysOf(request.start, request.end);
      requests.set(id, {
        id,
        employeeId: employee.id,
        name: `${employee.firstName} ${employee.lastName}`,
        status: { lastChanged: today(), lastChangedByUserId: '1', status: request.status ?? 'approved' },
        start: request.start,
        end: request.end,
        created: today(),
        type: { ...VACATION, ...request.type },
        amount: { unit: 'days', amount: String(Object.keys(dates).length) },
        actions: { view: true, edit: true, cancel: true, approve: true, deny: true, bypass: true },
        dates,
        notes: request.note === undefined ? {} : { employee: request.note },
      });
      return id;
    },
    changeRequest(id, changes) {
      const request = find(id);
      const start = changes.start ?? request.start;
      const end = changes.end ?? request.end;
      checkDates(start, end);
      request.start = start;
      request.end = end;
      request.dates = daysOf(start, end);
      request.amount = { unit: 'days', amount: String(Object.keys(request.dates).length) };
      setStatus(request, changes.status ?? request.status.status);
    },
    cancelRequest(id) {
      setStatus(find(id), 'canceled');
    },
    changeEmployee(id, changes) {
      const employee = employees.get(id);
      if (!employee) throw new Error(`bamboohr stand-in: no employee ${id}`);
      Object.assign(employee, changes);
    },
    failNext(fault) {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    get requests() {
      return [...requests.values()];
    },
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    close: listener.close,
  };
}
