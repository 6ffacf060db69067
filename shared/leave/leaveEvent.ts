/**
 * The canonical leave event every HR adapter maps to, and its schema check. The webhook answers 400
 * naming `field` when a check fails, so an HR administrator sees which field to fix.
 */
import { isSmtpAddress } from '../mailbox/address';
import type { LeaveDateBounds } from '../platform/config';
import { leaveWindow, zoneOffsetMs } from './leaveWindow';

export const LEAVE_EVENT_TYPES = ['approved', 'updated', 'cancelled'] as const;
export type LeaveEventType = (typeof LEAVE_EVENT_TYPES)[number];

export interface LeaveEvent {
  /** Unique per delivery source: the same id delivered twice is the same event. */
  eventId: string;
  type: LeaveEventType;
  /** When the change happened in the HR system (ISO 8601 with offset); orders events of one leave. */
  occurredAt: string;
  leaveId: string;
  /** First day of leave (`YYYY-MM-DD`, local to `timeZone`) or an instant (ISO 8601 with offset). */
  start?: string;
  /** Last day of leave, inclusive (`YYYY-MM-DD`), or the instant the person is back. */
  end?: string;
  /** The person's IANA time zone, e.g. Europe/Berlin. */
  timeZone: string;
  employee: { email: string; displayName: string };
  /** BCP 47 tag, e.g. en, de-DE; picks the reply templates (with a fallback). */
  locale?: string;
  delegate?: { name: string; email?: string; phone?: string };
}

/** A body that fails the schema check; `field` is the JSON path at fault (e.g. `employee.email`). */
export class LeaveEventError extends Error {
  readonly code = 'InvalidLeaveEvent';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'LeaveEventError';
  }
}

// Stryker disable next-line Regex: isDateOnly's round trip refuses anything around the date, anchored or not
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Stryker disable next-line Regex: isInstant's Date.parse refuses anything around the instant, anchored or not
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function isDateOnly(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

export function isInstant(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

export function isTimeZone(value: string): boolean {
  // Intl also takes UTC offsets (+02:00): a zone name is required, as its DST rules set the leave's window.
  if (/^[+-]/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { max?: number; optional?: boolean } = {},
): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (opts.optional) return undefined;
    throw new LeaveEventError(path, 'is required');
  }
  if (typeof value !== 'string') throw new LeaveEventError(path, 'must be a string');
  if (value.trim() === '') throw new LeaveEventError(path, 'must not be empty');
  if (value.length > (opts.max ?? 256))
    throw new LeaveEventError(path, `must be at most ${opts.max ?? 256} characters`);
  return value;
}

function required(obj: Record<string, unknown>, key: string, path: string, max?: number): string {
  return str(obj, key, path, { max }) as string;
}

const ALLOWED_TOP = new Set([
  'eventId',
  'type',
  'occurredAt',
  'leaveId',
  'start',
  'end',
  'timeZone',
  'employee',
  'locale',
  'delegate',
]);

const DAY_MS = 86_400_000;
const LAST_DATE = '9999-12-31';

/**
 * The day (days since 1970-01-01) a date is, or an instant falls on in `timeZone`; an instant after the
 * day's start counts as the next day when `roundUp` (the person is back during that day).
 */
function dayOf(value: string, timeZone: string, roundUp = false): number {
  const local = isDateOnly(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : Date.parse(value) + zoneOffsetMs(timeZone, Date.parse(value));
  return (roundUp ? Math.ceil : Math.floor)(local / DAY_MS);
}

/**
 * Refuses dates no leave has (a typo such as 1900 or 9999 in an HR system): a start more than
 * `startMaxPastDays` before today or `startMaxAheadDays` after it (today in the person's time zone), or a leave
 * longer than `maxLengthDays`, counting its first and its last day. Throws LeaveEventError naming the field.
 */
export function checkLeaveDates(
  event: Pick<LeaveEvent, 'start' | 'end' | 'timeZone'>,
  bounds: LeaveDateBounds,
  now: Date,
): void {
  const { start, end, timeZone } = event;
  if (start === undefined || end === undefined) return;
  const today = dayOf(now.toISOString(), timeZone);
  const first = dayOf(start, timeZone);
  if (today - first > bounds.startMaxPastDays) {
    throw new LeaveEventError('start', `${start} is more than ${bounds.startMaxPastDays} days ago`);
  }
  if (first - today > bounds.startMaxAheadDays) {
    throw new LeaveEventError('start', `${start} is more than ${bounds.startMaxAheadDays} days ahead`);
  }
  // A date end is the last day of leave, so the leave runs to the start of the next day.
  const back = isDateOnly(end) ? dayOf(end, timeZone) + 1 : dayOf(end, timeZone, true);
  if (back - first > bounds.maxLengthDays) {
    throw new LeaveEventError(
      'end',
      `${end} makes the leave longer than ${bounds.maxLengthDays} days (it starts ${start})`,
    );
  }
}

/** When given, the dates are also checked against `bounds` as of `now` (checkLeaveDates). */
export interface LeaveDateCheck {
  bounds: LeaveDateBounds;
  now: Date;
}

/** Refuses a key of `obj` that is not in `allowed`, naming it by its path (`employee.phone`). */
function onlyKnownKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, path = ''): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) throw new LeaveEventError(path + key, 'is not a known field');
  }
}

const ALLOWED_EMPLOYEE = new Set(['email', 'displayName']);
const ALLOWED_DELEGATE = new Set(['name', 'email', 'phone']);

/** Checks and normalises a parsed JSON body; throws LeaveEventError naming the field at fault. */
export function parseLeaveEvent(body: unknown, dates?: LeaveDateCheck): LeaveEvent {
  if (!isRecord(body)) throw new LeaveEventError('(body)', 'must be a JSON object');
  onlyKnownKeys(body, ALLOWED_TOP);
  const eventId = required(body, 'eventId', 'eventId', 128);
  if (!ID.test(eventId)) throw new LeaveEventError('eventId', 'may hold letters, digits and . _ : @ - only');
  const type = required(body, 'type', 'type') as LeaveEventType;
  if (!LEAVE_EVENT_TYPES.includes(type)) {
    throw new LeaveEventError('type', `must be one of ${LEAVE_EVENT_TYPES.join(', ')}`);
  }
  const occurredAt = required(body, 'occurredAt', 'occurredAt', 40);
  if (!isInstant(occurredAt))
    throw new LeaveEventError('occurredAt', 'must be an ISO 8601 date-time with offset');
  const leaveId = required(body, 'leaveId', 'leaveId', 128);
  if (!ID.test(leaveId)) throw new LeaveEventError('leaveId', 'may hold letters, digits and . _ : @ - only');
  const timeZone = required(body, 'timeZone', 'timeZone', 64);
  if (!isTimeZone(timeZone))
    throw new LeaveEventError('timeZone', 'must be an IANA time zone such as Europe/Berlin');

  const needsDates = type !== 'cancelled';
  const start = str(body, 'start', 'start', { max: 40, optional: !needsDates });
  const end = str(body, 'end', 'end', { max: 40, optional: !needsDates });
  for (const [field, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (value !== undefined && !isDateOnly(value) && !isInstant(value)) {
      throw new LeaveEventError(field, 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset');
    }
  }

  if (start !== undefined && end !== undefined) {
    if (dates) checkLeaveDates({ start, end, timeZone }, dates.bounds, dates.now);
    try {
      leaveWindow(start, end, timeZone);
    } catch {
      // The day after 9999-12-31 cannot be written as a date, so no reply can name the first day back.
      if (end === LAST_DATE)
        throw new LeaveEventError('end', `${LAST_DATE} is not a date a leave can end on`);
      throw new LeaveEventError('end', 'must not be before start (the end date is the last day of leave)');
    }
  }

  const employeeRaw = body.employee;
  if (!isRecord(employeeRaw))
    throw new LeaveEventError('employee', 'is required (an object with email and displayName)');
  onlyKnownKeys(employeeRaw, ALLOWED_EMPLOYEE, 'employee.');
  const email = required(employeeRaw, 'email', 'employee.email', 320).trim();
  if (!isSmtpAddress(email)) throw new LeaveEventError('employee.email', 'must be an e-mail address');
  const displayName = required(employeeRaw, 'displayName', 'employee.displayName', 256);

  const locale = str(body, 'locale', 'locale', { max: 35, optional: true });
  if (locale !== undefined && !/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(locale)) {
    throw new LeaveEventError('locale', 'must be a language tag such as en or de-DE');
  }

  let delegate: LeaveEvent['delegate'];
  if (body.delegate !== undefined && body.delegate !== null) {
    if (!isRecord(body.delegate)) throw new LeaveEventError('delegate', 'must be an object');
    onlyKnownKeys(body.delegate, ALLOWED_DELEGATE, 'delegate.');
    const name = required(body.delegate, 'name', 'delegate.name', 256);
    const delegateEmail = str(body.delegate, 'email', 'delegate.email', { max: 320, optional: true });
    if (delegateEmail !== undefined && !isSmtpAddress(delegateEmail.trim())) {
      throw new LeaveEventError('delegate.email', 'must be an e-mail address');
    }
    const phone = str(body.delegate, 'phone', 'delegate.phone', { max: 40, optional: true });
    delegate = {
      name,
      ...(delegateEmail ? { email: delegateEmail.trim() } : {}),
      ...(phone ? { phone } : {}),
    };
  }

  const event: LeaveEvent = {
    eventId,
    type,
    occurredAt,
    leaveId,
    timeZone,
    employee: { email: email.toLowerCase(), displayName },
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(locale !== undefined ? { locale } : {}),
    ...(delegate ? { delegate } : {}),
  };
  return event;
}

/** True when `a` happened strictly after `b` (by occurredAt). */
export function isNewer(a: Pick<LeaveEvent, 'occurredAt'>, b: Pick<LeaveEvent, 'occurredAt'>): boolean {
  return Date.parse(a.occurredAt) > Date.parse(b.occurredAt);
}
