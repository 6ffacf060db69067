/**
 * Reads a time-off request (and, when the request does not carry it, the employee's e-mail address) from
 * HiBob's API with the service user's Basic credentials. The `getApi` link is checked again here, so no
 * caller can send the credentials elsewhere.
 */
import {
  checkGetApi,
  employeeOf,
  isApproved,
  mapHibobRequest,
  type HibobEmployee,
  type HibobTimeOffRequest,
  type LeaveNotice,
} from './hibob';
import { LeaveEventError, type LeaveDateCheck, type LeaveEvent } from '../leaveEvent';

/** What HiBob says about the request now. */
export type HibobFetchResult =
  | { state: 'approved'; event: LeaveEvent }
  /**
   * Pending, declined, canceled or gone (404): no automatic replies for it. `employee` says whose calendar
   * to take it off (undefined when HiBob no longer knows the person either).
   */
  | { state: 'withdrawn'; status: string; employee?: HibobEmployee };

/** A failed call to HiBob; `retryable` ones (429, 5xx, network) are retried by the activity's caller. */
export class HibobApiError extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'HibobApiError';
  }
}

export interface HibobApiOptions {
  apiBase: URL;
  serviceUserId: string;
  serviceUserToken: string;
  timeZone: string;
  locale: string;
  /** The dates a leave may have, as the webhook checks them (a request outside them is HibobInvalidRequest). */
  dates?: LeaveDateCheck;
  timeoutMs?: number;
}

async function call(url: URL, init: RequestInit, options: HibobApiOptions): Promise<Response> {
  const auth = Buffer.from(`${options.serviceUserId}:${options.serviceUserToken}`).toString('base64');
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      redirect: 'error', // a redirect could lead the credentials off HiBob's host
      headers: { accept: 'application/json', authorization: `Basic ${auth}`, ...init.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    throw new HibobApiError('HibobUnreachable', true, `HiBob API ${url.host}: ${(err as Error).message}`);
  }
  if (response.status === 401 || response.status === 403) {
    throw new HibobApiError(
      'HibobAccessDenied',
      false,
      `HiBob refused the service user (${response.status}) for ${url.pathname}: check HIBOB_SERVICE_USER_ID/TOKEN and its permissions`,
    );
  }
  if (response.status === 429 || response.status >= 500) {
    throw new HibobApiError(
      'HibobUnavailable',
      true,
      `HiBob answered ${response.status} for ${url.pathname}`,
    );
  }
  return response;
}

async function json(response: Response, what: string): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new HibobApiError('HibobInvalidAnswer', false, `HiBob's answer for ${what} is not JSON`);
  }
}

async function employee(
  notice: LeaveNotice,
  request: HibobTimeOffRequest,
  options: HibobApiOptions,
): Promise<HibobEmployee> {
  if (request.employeeEmail) {
    return {
      email: request.employeeEmail,
      displayName: request.employeeDisplayName ?? request.employeeEmail,
    };
  }
  const base = options.apiBase.pathname.replace(/\/+$/, '');
  const url = new URL(`${base}/v1/people/${encodeURIComponent(notice.employeeId)}`, options.apiBase);
  const response = await call(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: ['root.email', 'root.displayName'], humanReadable: 'REPLACE' }),
    },
    options,
  );
  if (!response.ok) {
    throw new HibobApiError(
      'HibobEmployeeNotFound',
      false,
      `HiBob answered ${response.status} for employee ${notice.employeeId}`,
    );
  }
  const found = employeeOf(await json(response, `employee ${notice.employeeId}`));
  if (!found) {
    throw new HibobApiError(
      'HibobEmployeeWithoutEmail',
      false,
      `HiBob gave no e-mail address for employee ${notice.employeeId}: the service user needs read access to root.email`,
    );
  }
  return found;
}

/** A request with no leave (any more), with the person it was for when HiBob still knows them. */
async function withdrawn(
  status: string,
  notice: LeaveNotice,
  request: HibobTimeOffRequest,
  options: HibobApiOptions,
): Promise<HibobFetchResult> {
  try {
    return { state: 'withdrawn', status, employee: await employee(notice, request, options) };
  } catch (error) {
    if (error instanceof HibobApiError && !error.retryable) return { state: 'withdrawn', status };
    throw error;
  }
}

/** The request behind `notice`, as a LeaveEvent when it is approved. */
export async function fetchHibobLeave(
  notice: LeaveNotice,
  options: HibobApiOptions,
): Promise<HibobFetchResult> {
  const url = checkGetApi(notice.getApi, options.apiBase);
  const response = await call(url, { method: 'GET' }, options);
  if (response.status === 404) return withdrawn('deleted', notice, {}, options);
  if (!response.ok) {
    throw new HibobApiError(
      'HibobRequestFailed',
      false,
      `HiBob answered ${response.status} for request ${notice.leaveId}`,
    );
  }
  const request = (await json(response, `request ${notice.leaveId}`)) as HibobTimeOffRequest;
  if (typeof request !== 'object' || request === null) {
    throw new HibobApiError(
      'HibobInvalidAnswer',
      false,
      `HiBob's answer for request ${notice.leaveId} is not an object`,
    );
  }
  if (!isApproved(request)) {
    return withdrawn(String(request.status ?? 'not approved'), notice, request, options);
  }
  const person = await employee(notice, request, options);
  try {
    return {
      state: 'approved',
      event: mapHibobRequest(notice, request, person, {
        timeZone: options.timeZone,
        locale: options.locale,
        ...(options.dates ? { dates: options.dates } : {}),
      }),
    };
  } catch (err) {
    if (err instanceof LeaveEventError) {
      throw new HibobApiError(
        'HibobInvalidRequest',
        false,
        `HiBob request ${notice.leaveId}: ${err.message}`,
      );
    }
    throw err;
  }
}
