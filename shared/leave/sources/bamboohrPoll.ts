/**
 * One BambooHR poll: BambooHR has no webhooks for time off, so a timer (functions/bamboohrPoll.ts) reads
 * every request around today, maps each to a LeaveEvent (bamboohr.ts) and delivers it through the same
 * dispatch as the webhooks. A request that is new, changed or taken back since the last poll arrives as
 * an event the leave calendar acts on; one that is unchanged arrives as a duplicate it ignores.
 *
 * No single failure stops the others: a malformed request, an employee whose look-up fails or who has no
 * work e-mail, and a delivery that throws each cost only their own requests, and the summary says which
 * and why. Only what makes the whole poll meaningless (a setting missing, the key refused, the list
 * unreadable) throws.
 */
import type { BambooHrSettings, LeaveDateBounds } from '../../platform/config';
import { ConfigError } from '../../platform/configError';
import type { SecretProvider } from '../../platform/secrets';
import type { LeaveEvent } from '../leaveEvent';
import { isTimeZone } from '../leaveEvent';
import { addDays, zoneOffsetMs } from '../leaveWindow';
import { mapBambooHrRequest, readBambooHrRequest, type BambooHrRequest, type BambooHrSkip } from './bamboohr';
import { BambooHrApiError, getEmployees, listTimeOffRequests, type BambooHrApiOptions } from './bamboohrApi';

/** The secret holding the API key (Key Vault: bamboohr-api-key). */
export const BAMBOOHR_API_KEY = 'BAMBOOHR_API_KEY';

/** How far back each poll reads: a leave that ended within the last month can still be cancelled. */
export const LOOKBACK_DAYS = 31;

export interface BambooHrPollDependencies {
  settings: BambooHrSettings;
  secrets: SecretProvider;
  now: () => Date;
  /** The dates a leave may have (LeaveSettings.dateBounds): a request outside them is skipped, naming why. */
  dateBounds: LeaveDateBounds;
  /** Hands one event to the leave dispatch; `action` 'ignored' counts as a duplicate. */
  deliver: (event: LeaveEvent) => Promise<{ action: string }>;
  log?: (line: string) => void;
  /** Attempt timeout, attempts and retry-wait cap of the BambooHR calls (defaults in bamboohrApi.ts). */
  calls?: Pick<BambooHrApiOptions, 'timeoutMs' | 'maxAttempts' | 'maxRetryWaitMs'>;
}

/** A request whose event could not be delivered (its employee's look-up or the delivery failed). */
export interface BambooHrFailure {
  requestId: string;
  error: string;
}

export interface BambooHrPollSummary {
  /** The dates read, `YYYY-MM-DD` in BAMBOOHR_TIME_ZONE. */
  window: { start: string; end: string };
  /** The poll's instant: every event it delivered carries it as occurredAt. */
  polledAt: string;
  requestsSeen: number;
  /** Events the dispatch acted on (started or forwarded). */
  delivered: number;
  /** Events the dispatch ignored: already applied, or nothing to take back. */
  ignored: number;
  skipped: BambooHrSkip[];
  failed: BambooHrFailure[];
  /** The summary in one line, as logged. */
  line: string;
}

/** [today - LOOKBACK_DAYS, today + lookaheadDays], today being `now`'s date in `timeZone`. */
export function pollWindow(
  now: Date,
  timeZone: string,
  lookaheadDays: number,
): { start: string; end: string } {
  const ms = now.getTime();
  const today = new Date(ms + zoneOffsetMs(timeZone, ms)).toISOString().slice(0, 10);
  return { start: addDays(today, -LOOKBACK_DAYS), end: addDays(today, lookaheadDays) };
}

/** The API options, or a ConfigError naming the setting that is missing or wrong. */
async function apiOptions(deps: BambooHrPollDependencies): Promise<BambooHrApiOptions> {
  const { settings } = deps;
  if (settings.companyDomain === undefined) {
    throw new ConfigError(
      "BAMBOOHR_COMPANY_DOMAIN is not set: the poll needs the company's BambooHR subdomain",
      'BAMBOOHR_COMPANY_DOMAIN',
    );
  }
  if (!isTimeZone(settings.timeZone)) {
    throw new ConfigError(
      `BAMBOOHR_TIME_ZONE must be an IANA time zone such as Europe/Berlin, got "${settings.timeZone.slice(0, 80)}"`,
      'BAMBOOHR_TIME_ZONE',
    );
  }
  const apiKey = await deps.secrets.get(BAMBOOHR_API_KEY);
  if (apiKey === undefined) {
    throw new ConfigError(
      'BAMBOOHR_API_KEY is not set (Key Vault secret bamboohr-api-key): the poll signs in with it',
      BAMBOOHR_API_KEY,
    );
  }
  return { apiUrl: settings.apiUrl, companyDomain: settings.companyDomain, apiKey, ...deps.calls };
}

function summaryLine(s: Omit<BambooHrPollSummary, 'line'>): string {
  const reasons = [
    ...s.skipped.map((x) => `${x.requestId}: ${x.reason}`),
    ...s.failed.map((x) => `${x.requestId}: ${x.error}`),
  ];
  return (
    `bamboohr poll ${s.window.start}..${s.window.end}: ${s.requestsSeen} requests seen, ${s.delivered} delivered, ` +
    `${s.ignored} ignored as duplicates, ${s.skipped.length} skipped, ${s.failed.length} failed` +
    (reasons.length > 0 ? ` (${reasons.join('; ')})` : '')
  );
}

export async function pollBambooHr(deps: BambooHrPollDependencies): Promise<BambooHrPollSummary> {
  const options = await apiOptions(deps);
  const polledAt = deps.now().toISOString();
  const window = pollWindow(new Date(polledAt), deps.settings.timeZone, deps.settings.lookaheadDays);

  let listed: unknown[];
  try {
    listed = await listTimeOffRequests(options, window);
  } catch (err) {
    // A rotated key: read it again at the next poll rather than keep sending the refused one.
    if (err instanceof BambooHrApiError && err.code === 'BambooHrAccessDenied')
      deps.secrets.invalidate(BAMBOOHR_API_KEY);
    throw err;
  }

  const skipped: BambooHrSkip[] = [];
  const failed: BambooHrFailure[] = [];
  const requests: BambooHrRequest[] = [];
  for (const raw of listed) {
    const read = readBambooHrRequest(raw);
    if (read.ok) requests.push(read.request);
    else skipped.push({ requestId: read.requestId, reason: read.reason });
  }

  const employees = await getEmployees(
    options,
    requests.map((r) => r.employeeId),
  );
  let delivered = 0;
  let ignored = 0;
  for (const request of requests) {
    const lookup = employees.get(request.employeeId);
    if (!lookup?.ok) {
      const error = lookup?.error;
      const why = `employee ${request.employeeId}: ${error?.message ?? 'not looked up'}`;
      // A transient failure is a failure (the next poll tries again); BambooHR's "no such employee" or
      // "not allowed" is a reason this request cannot be used.
      if (error?.retryable) failed.push({ requestId: request.id, error: why });
      else skipped.push({ requestId: request.id, reason: why });
      continue;
    }
    const mapped = mapBambooHrRequest(request, lookup.employee, {
      timeZone: deps.settings.timeZone,
      locale: deps.settings.locale,
      polledAt,
      dateBounds: deps.dateBounds,
    });
    if (!mapped.ok) {
      skipped.push({ requestId: mapped.requestId, reason: mapped.reason });
      continue;
    }
    try {
      const outcome = await deps.deliver(mapped.event);
      if (outcome.action === 'ignored') ignored++;
      else delivered++;
    } catch (err) {
      failed.push({ requestId: request.id, error: `delivery: ${(err as Error).message}` });
    }
  }

  const summary = { window, polledAt, requestsSeen: listed.length, delivered, ignored, skipped, failed };
  const line = summaryLine(summary);
  deps.log?.(line);
  return { ...summary, line };
}
