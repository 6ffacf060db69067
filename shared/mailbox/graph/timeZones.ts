/**
 * Graph's dateTimeTimeZone ({ dateTime: "2030-03-31T09:00:00.0000000", timeZone: "W. Europe Standard Time" })
 * to and from the UTC instants the mailbox operations speak. We always send UTC. Graph documents UTC
 * answers, but a mailbox whose settings were last written in its own zone can come back in that zone,
 * named the Windows way (the default) or the IANA way; either is converted here, with the offset in force
 * at that very local time, so a window that crosses a daylight-saving change maps right at both ends.
 */
import { findIana } from 'windows-iana';
import { zoneOffsetMs } from '../../leave/leaveWindow';

/** Graph's dateTimeTimeZone complex type. */
export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

/** A time zone Graph named that we cannot place: the value cannot be read safely. */
export class UnknownTimeZoneError extends Error {
  readonly code = 'UnknownTimeZone';
  constructor(readonly timeZone: string) {
    super(`unknown time zone "${timeZone}" in a Graph dateTimeTimeZone (neither a Windows nor an IANA name)`);
    this.name = 'UnknownTimeZoneError';
  }
}

const UTC_NAMES = new Set([
  'utc',
  'etc/utc',
  'gmt',
  'etc/gmt',
  'z',
  'coordinated universal time',
  'tzone://microsoft/utc',
]);

function isIana(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The IANA zone for a Windows or IANA name; undefined for UTC. Throws UnknownTimeZoneError. */
export function ianaZoneFor(timeZone: string): string | undefined {
  const name = timeZone.trim();
  if (UTC_NAMES.has(name.toLowerCase())) return undefined;
  // Windows names first: a few ("UTC", "GMT Standard Time") are not IANA names, and none is both.
  const fromWindows = findIana(name)[0];
  if (fromWindows) return fromWindows === 'Etc/UTC' ? undefined : fromWindows;
  if (isIana(name)) return name;
  throw new UnknownTimeZoneError(timeZone);
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,7}))?)?$/;

/**
 * The UTC instant (ISO, `...Z`, milliseconds) of a dateTimeTimeZone. A local time that does not exist
 * (the hour skipped in spring) is read as the same wall time after the jump, as Windows does; one that
 * happens twice (autumn) as the first of the two.
 */
export function toUtcIso(value: DateTimeTimeZone): string {
  const raw = value.dateTime.trim();
  // An explicit offset or Z wins over the zone name (Graph does not send one, but be exact if it does).
  if (/(?:Z|[+-]\d\d:\d\d)$/i.test(raw)) {
    const ms = Date.parse(raw);
    if (Number.isNaN(ms)) throw new RangeError(`"${raw}" is not a date-time`);
    return new Date(ms).toISOString();
  }
  const m = LOCAL_DATE_TIME.exec(raw);
  if (!m) throw new RangeError(`"${raw}" is not a date-time like 2030-03-31T09:00:00.0000000`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? 0),
    Number((frac ?? '0').padEnd(3, '0').slice(0, 3)),
  );
  const zone = ianaZoneFor(value.timeZone);
  if (!zone) return new Date(wall).toISOString();
  // The offsets in force a day before and a day after: a zone changes its offset at most once in between.
  const before = zoneOffsetMs(zone, wall - 86_400_000);
  const after = zoneOffsetMs(zone, wall + 86_400_000);
  const readings = [...new Set([wall - before, wall - after])]
    .filter((t) => t + zoneOffsetMs(zone, t) === wall)
    .sort((a, b) => a - b);
  // No reading: the wall time was skipped; the pre-jump offset puts it that much after the jump.
  return new Date(readings[0] ?? wall - before).toISOString();
}

/** What we send: the instant in UTC, the way Graph writes it. */
export function fromUtcIso(iso: string): DateTimeTimeZone {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`"${iso}" is not a UTC instant`);
  // Graph's own form: seven fractional digits, no zone designator (the zone is the other field).
  return { dateTime: `${new Date(ms).toISOString().slice(0, -1)}0000`, timeZone: 'UTC' };
}
