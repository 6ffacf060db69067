/**
 * HiBob time-off webhooks (v2). A delivery carries ids only:
 * `{ companyId, type, triggeredBy, triggeredAt, version, data: { employeeId, requestId, getApi } }`, so it
 * becomes a LeaveNotice; the leave orchestration re-reads the request from HiBob's API (`getApi`) in an
 * activity and maps it to a LeaveEvent with `mapHibobRequest`. `getApi` is accepted only on HiBob's API
 * host (HIBOB_API_URL) and under its time-off API, so a forged or mistaken link cannot make the app call
 * anywhere else with the service user's credentials.
 */
import { isLoopbackHost } from '../../platform/config';
import {
  LeaveEventError,
  isInstant,
  parseLeaveEvent,
  type LeaveDateCheck,
  type LeaveEvent,
  type LeaveEventType,
} from '../leaveEvent';

/** HiBob event type → what it means for the leave. Others (requested, declined, ...) change no reply. */
export const HIBOB_EVENT_TYPES: Readonly<Record<string, LeaveEventType>> = {
  'timeoff.request.approved': 'approved',
  'timeoff.request.updated': 'updated',
  'timeoff.request.setEndDate': 'updated',
  'timeoff.request.cancelled': 'cancelled',
  'timeoff.request.deleted': 'cancelled',
};

/** A delivery naming a leave without its details: the orchestration fetches them (`getApi`) first. */
export interface LeaveNotice {
  kind: 'notice';
  source: 'hibob';
  eventId: string;
  type: LeaveEventType;
  /** HiBob's triggeredAt, as a UTC instant: orders the deliveries of one request. */
  occurredAt: string;
  /** HiBob's requestId. */
  leaveId: string;
  employeeId: string;
  /** Absolute URL of the request on HiBob's API host (checked). */
  getApi: string;
}

/** What an accepted HiBob delivery asks for. */
export type HibobDelivery = { kind: 'notice'; notice: LeaveNotice } | { kind: 'ignored'; reason: string };

export function isLeaveNotice(value: unknown): value is LeaveNotice {
  return (value as { kind?: unknown } | null)?.kind === 'notice';
}

/**
 * HiBob checks a new webhook with a POST of the text `Ping test` (or `{"text":"Ping test"}` when that
 * failed). It may come unsigned; it starts nothing, so it is answered before the signature check.
 */
export function isHibobPing(body: Buffer): boolean {
  if (body.length > 64) return false;
  const text = body.toString('utf8').trim();
  if (text === 'Ping test' || text === '"Ping test"') return true;
  try {
    const parsed = JSON.parse(text) as unknown;
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      Object.keys(parsed).length === 1 &&
      (parsed as { text?: unknown }).text === 'Ping test'
    );
  } catch {
    return false;
  }
}

const ID = /^[A-Za-z0-9._:@-]{1,64}$/;

function idOf(value: unknown, field: string): string {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || !ID.test(id)) {
    throw new LeaveEventError(field, 'must be an id (letters, digits and . _ : @ - only)');
  }
  return id;
}

/** HiBob writes `triggeredAt` ISO-8601-style, sometimes without a zone: that is UTC. */
function instantOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 40) throw new LeaveEventError(field, 'must be a date-time');
  const zoned = /(?:Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
  if (!isInstant(zoned)) throw new LeaveEventError(field, 'must be an ISO 8601 date-time');
  return new Date(Date.parse(zoned)).toISOString();
}

/**
 * The request's URL if `getApi` points to HiBob's time-off API on `apiBase`'s host (a path alone is read
 * against `apiBase`); LeaveEventError('data.getApi') otherwise. Nothing is fetched here.
 */
export function checkGetApi(getApi: unknown, apiBase: URL): URL {
  if (typeof getApi !== 'string' || getApi.length === 0 || getApi.length > 2048) {
    throw new LeaveEventError('data.getApi', 'must be the URL of the time-off request');
  }
  let url: URL;
  try {
    url = getApi.startsWith('/') && !getApi.startsWith('//') ? new URL(getApi, apiBase) : new URL(getApi);
  } catch {
    throw new LeaveEventError('data.getApi', 'is not a URL');
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!secure || url.host !== apiBase.host || url.username || url.password) {
    throw new LeaveEventError(
      'data.getApi',
      `must point to HiBob's API at ${apiBase.origin} (HIBOB_API_URL); refused ${url.protocol}//${url.host}`,
    );
  }
  const base = apiBase.pathname.replace(/\/+$/, '');
  if (!url.pathname.startsWith(`${base}/v1/timeoff/`) || url.pathname.includes('..')) {
    throw new LeaveEventError('data.getApi', 'must be a time-off request of HiBob’s API (/v1/timeoff/...)');
  }
  return url;
}

/** Checks a parsed HiBob delivery; throws LeaveEventError naming the field at fault. */
export function parseHibobDelivery(body: unknown, apiBase: URL): HibobDelivery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new LeaveEventError('(body)', 'must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.type !== 'string' || b.type.length > 100) {
    throw new LeaveEventError('type', 'must be a HiBob event type such as timeoff.request.approved');
  }
  // Own keys only: a type named like an Object.prototype member (constructor, toString, __proto__) is not ours.
  const type = Object.hasOwn(HIBOB_EVENT_TYPES, b.type) ? HIBOB_EVENT_TYPES[b.type] : undefined;
  if (!type) return { kind: 'ignored', reason: `event type ${b.type} does not change automatic replies` };
  const occurredAt = instantOf(b.triggeredAt, 'triggeredAt');
  const data = b.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LeaveEventError('data', 'is required (employeeId, requestId, getApi)');
  }
  const d = data as Record<string, unknown>;
  const employeeId = idOf(d.employeeId, 'data.employeeId');
  const leaveId = idOf(d.requestId, 'data.requestId');
  const getApi = checkGetApi(d.getApi, apiBase).href;
  return {
    kind: 'notice',
    notice: {
      kind: 'notice',
      source: 'hibob',
      eventId: `${b.type}@${occurredAt}`,
      type,
      occurredAt,
      leaveId,
      employeeId,
      getApi,
    },
  };
}

/** The fields of HiBob's "time off request details" answer that matter here. */
export interface HibobTimeOffRequest {
  requestId?: number | string;
  employeeId?: number | string;
  status?: string;
  approved?: boolean;
  startDate?: string;
  endDate?: string | null;
  employeeEmail?: string;
  employeeDisplayName?: string;
}

/** The employee as HiBob's people API answers `POST /v1/people/{id}` for root.email and root.displayName. */
export interface HibobEmployee {
  email: string;
  displayName: string;
}

/** Reads the employee from a people-API answer (flat fields, or under `root`). */
export function employeeOf(answer: unknown): HibobEmployee | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const a = answer as Record<string, unknown>;
  const root = (typeof a.root === 'object' && a.root !== null ? a.root : {}) as Record<string, unknown>;
  const email = a.email ?? root.email;
  const displayName = a.displayName ?? root.displayName ?? email;
  return typeof email === 'string' && typeof displayName === 'string' ? { email, displayName } : undefined;
}

/** Is the request (still) approved? Anything else (pending, declined, canceled) means no replies. */
export function isApproved(request: HibobTimeOffRequest): boolean {
  const status = request.status?.toLowerCase();
  return status === undefined ? request.approved === true : status === 'approved';
}

/**
 * The LeaveEvent for an approved HiBob request, checked like a generic delivery. HiBob's dates are the
 * first and last day of leave; half-day portions count as whole days for the replies. HiBob has no time
 * zone or locale per request: `HIBOB_TIME_ZONE` / `HIBOB_LOCALE` apply.
 */
export function mapHibobRequest(
  notice: LeaveNotice,
  request: HibobTimeOffRequest,
  employee: HibobEmployee,
  settings: { timeZone: string; locale: string; dates?: LeaveDateCheck },
): LeaveEvent {
  if (request.endDate === null || request.endDate === undefined) {
    throw new LeaveEventError(
      'endDate',
      'open-ended leave has no end date: no automatic replies are scheduled',
    );
  }
  return parseLeaveEvent(
    {
      eventId: notice.eventId,
      type: notice.type === 'cancelled' ? 'updated' : notice.type,
      occurredAt: notice.occurredAt,
      leaveId: notice.leaveId,
      start: request.startDate,
      end: request.endDate,
      timeZone: settings.timeZone,
      employee: { email: employee.email, displayName: employee.displayName },
      locale: settings.locale,
    },
    settings.dates,
  );
}
