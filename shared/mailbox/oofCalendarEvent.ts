/**
 * The one check of the app's all-day "Out of office" calendar event (OofCalendarEvent, mailboxOperations.ts)
 * before either back end writes it: the EWS codec (ews/calendarEvent.ts) and the Graph codec
 * (graph/oofEvent.ts) both start here, so an event is refused for the same reasons, naming the same field,
 * whichever API the app uses; each codec then only encodes it its own way.
 */
import { findWindows } from 'windows-iana';
import { ConfigError } from '../platform/configError';
import type { OofCalendarEvent } from './mailboxOperations';

/** The event as checked, with its zone's Windows name: what EWS's TimeZoneDefinition and Graph's timeZone take. */
export interface CheckedOofCalendarEvent extends OofCalendarEvent {
  /** e.g. "W. Europe Standard Time" for Europe/Berlin. */
  windowsTimeZone: string;
}

/** The absence's tag: it goes into an EWS extended property and Graph's transactionId, unescaped. */
const TAG = /^[A-Za-z0-9-]{1,64}$/;
const DAY = /^\d{4}-\d\d-\d\d$/;
/** Exchange keeps at most 255 characters of a subject. */
export const MAX_EVENT_SUBJECT = 255;

/** `YYYY-MM-DD` naming a day that exists (not 2030-02-30). */
function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string' || !DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/**
 * The event, checked, with its zone's Windows name; a ConfigError whose `setting` names the field at
 * fault (tag, subject, body, firstDay, firstDayBack, timeZone) otherwise. Nothing is sent before this.
 */
export function checkOofCalendarEvent(event: OofCalendarEvent): CheckedOofCalendarEvent {
  if (typeof event.tag !== 'string' || !TAG.test(event.tag)) {
    throw new ConfigError(
      `the Out of office event's tag must be 1 to 64 characters of A-Z a-z 0-9 and -, got "${String(event.tag)}"`,
      'tag',
    );
  }
  if (typeof event.subject !== 'string' || event.subject.trim() === '') {
    throw new ConfigError("the Out of office event's subject is empty", 'subject');
  }
  if (event.subject.length > MAX_EVENT_SUBJECT) {
    throw new ConfigError(
      `the Out of office event's subject has ${event.subject.length} characters; Exchange keeps at most ${MAX_EVENT_SUBJECT}`,
      'subject',
    );
  }
  if (typeof event.body !== 'string') {
    throw new ConfigError("the Out of office event's body must be text", 'body');
  }
  for (const field of ['firstDay', 'firstDayBack'] as const) {
    if (!isCalendarDay(event[field])) {
      throw new ConfigError(
        `the Out of office event's ${field} must be a calendar day like 2030-07-01, got "${String(event[field])}"`,
        field,
      );
    }
  }
  if (event.firstDayBack <= event.firstDay) {
    throw new ConfigError(
      `the Out of office event's firstDayBack ${event.firstDayBack} is not after its firstDay ${event.firstDay}`,
      'firstDayBack',
    );
  }
  // findWindows knows IANA names and their aliases (Asia/Calcutta); a name it cannot map (a Windows name,
  // a typo) has no zone both services would take as the person's.
  const windowsTimeZone = typeof event.timeZone === 'string' ? findWindows(event.timeZone)[0] : undefined;
  if (!windowsTimeZone) {
    throw new ConfigError(
      `the Out of office event's timeZone "${String(event.timeZone)}" is not an IANA time zone with a Windows equivalent (e.g. Europe/Berlin)`,
      'timeZone',
    );
  }
  return { ...event, windowsTimeZone };
}
