/**
 * The two BambooHR calls the poll makes, with the company's API key:
 * - "List Time Off Requests" (https://documentation.bamboohr.com/reference/time-off-1):
 *   `GET {BAMBOOHR_API_URL}/api/gateway.php/{companyDomain}/v1/time_off/requests/?start=&end=`, both dates
 *   required (`YYYY-MM-DD`); a request is listed when it ends on or after `start` and starts on or before
 *   `end`; without `status` every status is listed (a cancelled or superceded request included, which is
 *   how the poll sees a leave taken back);
 * - "Get Employee" (https://documentation.bamboohr.com/reference/get-employee):
 *   `GET .../v1/employees/{id}/?fields=workEmail,displayName,firstName,lastName`.
 *
 * Authentication (https://documentation.bamboohr.com/docs/getting-started#authentication): the API key
 * is the user name of HTTP Basic authentication, and the password is any string ("x"). BambooHR answers
 * XML unless asked for JSON (`Accept: application/json`).
 *
 * Errors (https://documentation.bamboohr.com/docs/api-details): 401 the key is missing or wrong, 403
 * the key's user may not do this; throttled requests get 429 with a `Retry-After` header (503 before
 * September 2026, https://documentation.bamboohr.com/docs/planned-changes-to-the-api), and 503 also
 * means BambooHR is unavailable. 429 and 5xx are retried here a few times, honouring Retry-After up to a
 * cap; a longer wait is left to the next poll.
 */
import { jitteredBackOff, mapWithLimit, sleep } from '../../platform/transport/concurrency';
import { retryAfterMs } from '../../platform/transport/retryAfter';
import { EMPLOYEE_FIELDS, type BambooHrEmployeeFields } from './bamboohr';

/** A failed BambooHR call. `retryable` failures (429, 5xx, no answer) may succeed at the next poll. */
export class BambooHrApiError extends Error {
  constructor(
    readonly code:
      | 'BambooHrAccessDenied'
      | 'BambooHrUnavailable'
      | 'BambooHrUnreachable'
      | 'BambooHrNotFound'
      | 'BambooHrRefused'
      | 'BambooHrInvalidAnswer',
    readonly retryable: boolean,
    message: string,
    /** BambooHR's HTTP status, when it answered. */
    readonly status?: number,
    /** The wait BambooHR named (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'BambooHrApiError';
  }
}

export interface BambooHrApiOptions {
  /** BAMBOOHR_API_URL (https://api.bamboohr.com). */
  apiUrl: URL;
  /** BAMBOOHR_COMPANY_DOMAIN. */
  companyDomain: string;
  /** BAMBOOHR_API_KEY's value. */
  apiKey: string;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Attempts of one call for 429 / 5xx / no answer; default 3. */
  maxAttempts?: number;
  /** The longest Retry-After (or back-off) waited out within a poll; default 60 s. */
  maxRetryWaitMs?: number;
}

const DEFAULTS = { timeoutMs: 30_000, maxAttempts: 3, maxRetryWaitMs: 60_000 };
/** First back-off step when BambooHR names no wait. */
const BACK_OFF_BASE_MS = 1_000;

/** `{apiUrl}/api/gateway.php/{companyDomain}/v1/{path}` with `query`. */
function endpoint(options: BambooHrApiOptions, path: string, query: Record<string, string>): URL {
  const base = options.apiUrl.pathname.replace(/\/+$/, '');
  const url = new URL(
    `${base}/api/gateway.php/${encodeURIComponent(options.companyDomain)}/v1/${path}`,
    options.apiUrl,
  );
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

/** What to say about a refused key: which setting to check. */
function accessDenied(status: number, what: string): BambooHrApiError {
  const why =
    status === 401
      ? 'the API key was not accepted: check the BAMBOOHR_API_KEY secret (Key Vault bamboohr-api-key) and BAMBOOHR_COMPANY_DOMAIN'
      : "the API key's user may not read this: give the user of BAMBOOHR_API_KEY access to time off and work e-mail addresses";
  return new BambooHrApiError(
    'BambooHrAccessDenied',
    false,
    `BambooHR refused ${what} (${status}): ${why}`,
    status,
  );
}

/** One attempt: the answer's JSON, or a BambooHrApiError saying whether another attempt may help. */
async function attempt(url: URL, what: string, options: BambooHrApiOptions): Promise<unknown> {
  const auth = Buffer.from(`${options.apiKey}:x`).toString('base64');
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      redirect: 'error', // a redirect could carry the API key off BambooHR's host
      headers: { accept: 'application/json', authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULTS.timeoutMs),
    });
  } catch (err) {
    throw new BambooHrApiError(
      'BambooHrUnreachable',
      true,
      `BambooHR ${url.host} for ${what}: ${(err as Error).message}`,
    );
  }
  const status = response.status;
  if (status === 401 || status === 403) {
    await response.body?.cancel();
    throw accessDenied(status, what);
  }
  if (status === 429 || status >= 500) {
    await response.body?.cancel();
    throw new BambooHrApiError(
      'BambooHrUnavailable',
      true,
      `BambooHR answered ${status} for ${what}`,
      status,
      retryAfterMs(response.headers.get('retry-after') ?? undefined),
    );
  }
  if (!response.ok) {
    // BambooHR names the problem in this header for most 4xx answers.
    const detail = response.headers.get('x-bamboohr-error-message');
    await response.body?.cancel();
    throw new BambooHrApiError(
      status === 404 ? 'BambooHrNotFound' : 'BambooHrRefused',
      false,
      `BambooHR answered ${status} for ${what}${detail ? `: ${detail}` : ''}`,
      status,
    );
  }
  try {
    return await response.json();
  } catch {
    throw new BambooHrApiError(
      'BambooHrInvalidAnswer',
      false,
      `BambooHR's answer for ${what} is not JSON`,
      status,
    );
  }
}

/** `attempt` until it succeeds, fails for good, or the attempts or the wait cap run out. */
async function call(url: URL, what: string, options: BambooHrApiOptions): Promise<unknown> {
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const cap = options.maxRetryWaitMs ?? DEFAULTS.maxRetryWaitMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(url, what, options);
    } catch (err) {
      if (!(err instanceof BambooHrApiError) || !err.retryable || n >= maxAttempts) throw err;
      const wait = err.retryAfterMs ?? jitteredBackOff(n, BACK_OFF_BASE_MS, cap);
      if (wait > cap) {
        throw new BambooHrApiError(
          err.code,
          true,
          `${err.message}, asking to wait ${Math.ceil(wait / 1000)} s (more than the ${Math.ceil(cap / 1000)} s a poll waits): the next poll tries again`,
          err.status,
        );
      }
      await sleep(wait);
    }
  }
}

/** Every time-off request, of every status, that overlaps [start, end] (`YYYY-MM-DD`). */
export async function listTimeOffRequests(
  options: BambooHrApiOptions,
  window: { start: string; end: string },
): Promise<unknown[]> {
  const url = endpoint(options, 'time_off/requests/', { start: window.start, end: window.end });
  const answer = await call(url, `the time-off requests ${window.start}..${window.end}`, options);
  if (!Array.isArray(answer)) {
    throw new BambooHrApiError(
      'BambooHrInvalidAnswer',
      false,
      "BambooHR's time-off requests answer is not a list",
    );
  }
  return answer as unknown[];
}

/** One employee's work e-mail and names. */
export async function getEmployee(
  options: BambooHrApiOptions,
  employeeId: string,
): Promise<BambooHrEmployeeFields> {
  const url = endpoint(options, `employees/${encodeURIComponent(employeeId)}/`, {
    fields: EMPLOYEE_FIELDS.join(','),
  });
  const answer = await call(url, `employee ${employeeId}`, options);
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new BambooHrApiError(
      'BambooHrInvalidAnswer',
      false,
      `BambooHR's answer for employee ${employeeId} is not an object`,
    );
  }
  const fields = answer as Record<string, unknown>;
  const read = (name: (typeof EMPLOYEE_FIELDS)[number]): string | undefined =>
    typeof fields[name] === 'string' ? fields[name] : undefined;
  return {
    workEmail: read('workEmail'),
    displayName: read('displayName'),
    firstName: read('firstName'),
    lastName: read('lastName'),
  };
}

/** How many employee look-ups a poll has in flight at once. */
export const EMPLOYEE_LOOKUP_CONCURRENCY = 4;

export type EmployeeLookup =
  { ok: true; employee: BambooHrEmployeeFields } | { ok: false; error: BambooHrApiError };

/**
 * Each of `employeeIds` looked up once (duplicates collapse), at most `concurrency` at a time; a failed
 * look-up is kept as its error so the other employees go on.
 */
export async function getEmployees(
  options: BambooHrApiOptions,
  employeeIds: Iterable<string>,
  concurrency = EMPLOYEE_LOOKUP_CONCURRENCY,
): Promise<Map<string, EmployeeLookup>> {
  const distinct = [...new Set(employeeIds)];
  const found = await mapWithLimit(distinct, concurrency, async (id): Promise<EmployeeLookup> => {
    try {
      return { ok: true, employee: await getEmployee(options, id) };
    } catch (err) {
      if (err instanceof BambooHrApiError) return { ok: false, error: err };
      throw err;
    }
  });
  return new Map(distinct.map((id, i) => [id, found[i] as EmployeeLookup]));
}
