/**
 * BambooHR's time-off requests as our LeaveEvent. Pure: the HTTP calls are in bamboohrApi.ts, the poll
 * that ties them together in bamboohrPoll.ts.
 *
 * The shapes are BambooHR's own, from its API reference:
 * - "List Time Off Requests", `GET /api/gateway.php/{companyDomain}/v1/time_off/requests/`
 *   (https://documentation.bamboohr.com/reference/time-off-1): an array of requests, each
 *   `{ id, employeeId, name, status: { lastChanged, lastChangedByUserId, status }, start, end, created,
 *   type: { id, name, icon }, amount: { unit, amount }, actions, dates: { "YYYY-MM-DD": amount }, notes }`,
 *   dates as `YYYY-MM-DD` in the company's time zone; statuses approved, denied, superceded (BambooHR's
 *   spelling), requested and canceled.
 * - "Get Employee", `GET /api/gateway.php/{companyDomain}/v1/employees/{id}/?fields=...`
 *   (https://documentation.bamboohr.com/reference/get-employee): the fields asked for; fields the
 *   caller may not see are left out, and empty ones are null.
 * BambooHR's JSON writes ids as strings ("123"); its SDK models them as integers, so both are read.
 */
import { LeaveEventError, parseLeaveEvent, isDateOnly, type LeaveEvent } from '../leaveEvent';
import type { LeaveDateBounds } from '../../platform/config';

/** BambooHR's request statuses (List Time Off Requests, `status` parameter). */
export const BAMBOOHR_STATUSES = ['approved', 'denied', 'superceded', 'requested', 'canceled'] as const;
export type BambooHrStatus = (typeof BAMBOOHR_STATUSES)[number];

/** The fields of a time-off request this app reads, checked. */
export interface BambooHrRequest {
  id: string;
  employeeId: string;
  status: BambooHrStatus;
  start: string;
  end: string;
  /** The employee's full name as BambooHR lists it with the request. */
  name?: string;
}

/** What "Get Employee" answers for the fields the poll asks for (`EMPLOYEE_FIELDS`). */
export interface BambooHrEmployeeFields {
  workEmail?: string | null;
  displayName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/** The fields the poll asks "Get Employee" for. */
export const EMPLOYEE_FIELDS = ['workEmail', 'displayName', 'firstName', 'lastName'] as const;

/** A request the poll cannot use, and why (naming the field at fault). */
export interface BambooHrSkip {
  /** The request's id when it has a readable one, else `(unknown)`. */
  requestId: string;
  reason: string;
}

export type BambooHrRead = { ok: true; request: BambooHrRequest } | ({ ok: false } & BambooHrSkip);

export type BambooHrMapping = { ok: true; event: LeaveEvent } | ({ ok: false } & BambooHrSkip);

export interface BambooHrMappingOptions {
  /** BAMBOOHR_TIME_ZONE: BambooHR's dates carry none. */
  timeZone: string;
  /** BAMBOOHR_LOCALE. */
  locale: string;
  /** The instant of the poll that saw the request (ISO 8601, Z). */
  polledAt: string;
  /** The dates a leave may have (LEAVE_START_MAX_PAST_DAYS, …), as for the webhook's events. */
  dateBounds: LeaveDateBounds;
}

const DIGITS = /^\d{1,20}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id as BambooHR writes it: a string of digits, or a non-negative integer. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && DIGITS.test(value)) return value;
  return undefined;
}

function isStatus(value: unknown): value is BambooHrStatus {
  return typeof value === 'string' && (BAMBOOHR_STATUSES as readonly string[]).includes(value);
}

/** Checks one element of the List Time Off Requests answer; a malformed one names its field. */
export function readBambooHrRequest(raw: unknown): BambooHrRead {
  if (!isRecord(raw)) return { ok: false, requestId: '(unknown)', reason: 'the request is not an object' };
  const id = idOf(raw.id);
  if (id === undefined) return { ok: false, requestId: '(unknown)', reason: 'id: must be a number' };
  const skip = (reason: string): BambooHrRead => ({ ok: false, requestId: id, reason });
  const employeeId = idOf(raw.employeeId);
  if (employeeId === undefined) return skip('employeeId: must be a number');
  const status = isRecord(raw.status) ? raw.status.status : undefined;
  if (!isStatus(status)) return skip(`status.status: must be one of ${BAMBOOHR_STATUSES.join(', ')}`);
  for (const field of ['start', 'end'] as const) {
    const value = raw[field];
    if (typeof value !== 'string' || !isDateOnly(value)) return skip(`${field}: must be a date (YYYY-MM-DD)`);
  }
  const name = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name.trim() : undefined;
  return {
    ok: true,
    request: {
      id,
      employeeId,
      status,
      start: raw.start as string,
      end: raw.end as string,
      ...(name === undefined ? {} : { name }),
    },
  };
}

function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The name the reply shows: BambooHR's display name, else first and last name, else the request's name. */
function displayNameOf(request: BambooHrRequest, employee: BambooHrEmployeeFields): string | undefined {
  const full = [text(employee.firstName), text(employee.lastName)].filter(Boolean).join(' ');
  return text(employee.displayName) ?? text(full) ?? request.name;
}

/**
 * The LeaveEvent for `request` as one poll saw it: approved → `approved` with its dates; every other
 * status (canceled, denied, superceded by a changed request, requested and not yet approved) →
 * `cancelled`, which takes back whatever was applied for this request (and is a duplicate when nothing was).
 *
 * `occurredAt` is the poll's instant, not BambooHR's `status.lastChanged`: that is a date only, so two
 * changes of one request on one day (approved, then its dates moved) would carry the same time and the
 * second would be taken as no newer than the first. The poll's instant orders them instead: polls never
 * overlap (the timer runs one at a time), so a later poll saw a later state; and a poll that sees nothing
 * changed sends an event whose content the leave calendar already holds, which it ignores as a duplicate.
 */
export function mapBambooHrRequest(
  request: BambooHrRequest,
  employee: BambooHrEmployeeFields,
  options: BambooHrMappingOptions,
): BambooHrMapping {
  const skip = (reason: string): BambooHrMapping => ({ ok: false, requestId: request.id, reason });
  const email = text(employee.workEmail);
  if (email === undefined) {
    return skip(
      `employee ${request.employeeId} has no workEmail in BambooHR (or the API key may not read it)`,
    );
  }
  const approved = request.status === 'approved';
  const candidate = {
    eventId: `bamboohr-${request.id}-${options.polledAt}`,
    type: approved ? 'approved' : 'cancelled',
    occurredAt: options.polledAt,
    leaveId: request.id,
    ...(approved ? { start: request.start, end: request.end } : {}),
    timeZone: options.timeZone,
    employee: { email, displayName: displayNameOf(request, employee) ?? email },
    locale: options.locale,
  };
  try {
    // The one check every source's events pass (the webhook's too): bounds, lengths, address form.
    return {
      ok: true,
      event: parseLeaveEvent(candidate, { bounds: options.dateBounds, now: new Date(options.polledAt) }),
    };
  } catch (err) {
    if (err instanceof LeaveEventError) return skip(err.message);
    throw err;
  }
}
