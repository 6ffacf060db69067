/**
 * When a leave starts and ends as UTC instants, from the dates HR systems send in the person's own
 * time zone. The end date is the last day of leave (inclusive), so the OOF ends on the first day back
 * at 00:00 local time. Pure and deterministic: safe to call inside an orchestrator.
 */
import { isDateOnly } from './leaveEvent';

export interface LeaveWindow {
  /** UTC ISO instants ending in Z. */
  start: string;
  end: string;
  /** The first day back (`YYYY-MM-DD`, local), for the reply text. */
  firstDayBack: string;
}

/** Offset of `timeZone` from UTC at `epochMs`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The UTC instant of local midnight starting `date` in `timeZone`. When midnight does not exist (a DST
 * jump at 00:00, e.g. America/Santiago), the first instant of that day is used.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - zoneOffsetMs(timeZone, wall);
  // second pass: the offset at the guessed instant may differ (DST change near midnight)
  guess = wall - zoneOffsetMs(timeZone, guess);
  if (localDateOf(guess, timeZone) !== date) {
    // midnight skipped: the day starts an hour (or the DST delta) later
    guess += 3_600_000;
  }
  return guess;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function localDateOf(epochMs: number, timeZone: string): string {
  return new Date(epochMs + zoneOffsetMs(timeZone, epochMs)).toISOString().slice(0, 10);
}

/** The leave's window; throws RangeError when the end is not after the start. */
export function leaveWindow(start: string, end: string, timeZone: string): LeaveWindow {
  const startMs = isDateOnly(start) ? startOfLocalDay(start, timeZone) : Date.parse(start);
  let endMs: number;
  let firstDayBack: string;
  if (isDateOnly(end)) {
    firstDayBack = addDays(end, 1);
    endMs = startOfLocalDay(firstDayBack, timeZone);
  } else {
    endMs = Date.parse(end);
    firstDayBack = localDateOf(endMs, timeZone);
  }
  if (!(endMs > startMs)) throw new RangeError('the leave ends before it starts');
  return { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), firstDayBack };
}
