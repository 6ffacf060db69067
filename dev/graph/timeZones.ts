/**
 * The stand-in's own reading and writing of Graph's dateTimeTimeZone ({ dateTime, timeZone }), Windows or
 * IANA zone names, independent of the product's code (the stand-in is a witness: it must not share the
 * client's mistakes). A zone name neither Windows nor IANA knows is refused as Graph refuses it.
 */
import { findIana } from 'windows-iana';

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

const UTC = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'coordinated universal time']);

/** The IANA zone of a Windows or IANA name; 'UTC' for UTC; undefined when neither knows it. */
export function ianaZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (UTC.has(trimmed.toLowerCase())) return 'UTC';
  const windows = findIana(trimmed)[0];
  if (windows) return windows;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Wall time minus UTC, in ms, in `zone` at the instant `epochMs`. */
function offsetMs(zone: string, epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** The instant a dateTimeTimeZone names. Throws a RangeError naming what cannot be read. */
export function instantOf(value: DateTimeTimeZone): number {
  const zone = ianaZone(value.timeZone);
  if (!zone) throw new RangeError(`unknown time zone '${value.timeZone}'`);
  const wall = Date.parse(`${value.dateTime.replace(/(\.\d{3})\d*$/, '$1')}Z`);
  if (Number.isNaN(wall)) throw new RangeError(`'${value.dateTime}' is not a date-time`);
  // Two passes settle the offset in force at that wall time (one off by the DST jump at most).
  const first = wall - offsetMs(zone, wall);
  return wall - offsetMs(zone, first);
}

/** An instant as Graph writes it in `timeZone` (name kept as given): local wall time, seven decimals. */
export function inZone(epochMs: number, timeZone: string): DateTimeTimeZone {
  const zone = ianaZone(timeZone) ?? 'UTC';
  const wall = new Date(epochMs + offsetMs(zone, epochMs)).toISOString();
  return { dateTime: `${wall.slice(0, -1)}0000`, timeZone };
}
