/**
 * The app's all-day "Out of office" calendar event (OofCalendarEvent) as EWS needs it: checked before
 * anything is sent, its days turned into the instants of the person's own midnights, its IANA zone named
 * the Windows way (EWS's TimeZoneDefinition Id), and the extended property that tags it with its absence.
 */
import { findWindows } from 'windows-iana';
import { ConfigError } from '../../platform/configError';
import { startOfLocalDay } from '../../leave/leaveWindow';
import type { OofCalendarEvent } from '../mailboxOperations';

/**
 * The extended property that carries the absence's tag (a named MAPI property in the app's own property
 * set). createOofEvent looks it up before creating, so a create retried after a lost answer finds the
 * first attempt's event. The GUID is this app's and must never change: events already written carry it.
 */
export const ABSENCE_TAG_PROPERTY = {
  propertySetId: '6f0c7e4a-2d43-4b8e-9a51-3c9e1d7b5a20',
  propertyName: 'MailboxAutomationAbsence',
  propertyType: 'String',
} as const;

const DAY = /^\d{4}-\d\d-\d\d$/;
const TAG = /^[A-Za-z0-9-]{1,64}$/;
/** Exchange keeps at most 255 characters of a subject. */
const MAX_SUBJECT = 255;

/** What the SOAP builders need: the event with its instants and the Windows zone id. */
export interface EwsOofEvent {
  subject: string;
  body: string;
  tag: string;
  /** UTC instants (ISO, `Z`) of local midnight starting firstDay and firstDayBack. */
  start: string;
  end: string;
  /** Windows time zone id, e.g. "W. Europe Standard Time". */
  windowsTimeZone: string;
}

function isCalendarDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** Checks the event and puts it in EWS's terms; a ConfigError names the field at fault, nothing is sent. */
export function toEwsOofEvent(event: OofCalendarEvent): EwsOofEvent {
  if (typeof event.tag !== 'string' || !TAG.test(event.tag)) {
    throw new ConfigError(
      `the event's tag must be 1 to 64 characters of A-Z a-z 0-9 and -, got "${String(event.tag)}"`,
      'tag',
    );
  }
  if (typeof event.subject !== 'string' || event.subject.trim() === '') {
    throw new ConfigError("the event's subject is empty", 'subject');
  }
  if (event.subject.length > MAX_SUBJECT) {
    throw new ConfigError(
      `the event's subject has ${event.subject.length} characters; Exchange keeps at most ${MAX_SUBJECT}`,
      'subject',
    );
  }
  if (typeof event.body !== 'string') throw new ConfigError("the event's body must be text", 'body');
  for (const field of ['firstDay', 'firstDayBack'] as const) {
    if (typeof event[field] !== 'string' || !isCalendarDay(event[field])) {
      throw new ConfigError(
        `the event's ${field} must be a calendar day like 2030-07-01, got "${String(event[field])}"`,
        field,
      );
    }
  }
  if (event.firstDayBack <= event.firstDay) {
    throw new ConfigError(
      `the event's firstDayBack ${event.firstDayBack} is not after its firstDay ${event.firstDay}`,
      'firstDayBack',
    );
  }
  // findWindows knows IANA names and their aliases (Asia/Calcutta); a name it cannot map has no zone
  // Exchange would accept.
  const windowsTimeZone = typeof event.timeZone === 'string' ? findWindows(event.timeZone)[0] : undefined;
  if (!windowsTimeZone) {
    throw new ConfigError(
      `the event's time zone "${String(event.timeZone)}" is not an IANA time zone with a Windows equivalent (e.g. Europe/Berlin)`,
      'timeZone',
    );
  }
  return {
    subject: event.subject,
    body: event.body,
    tag: event.tag,
    start: new Date(startOfLocalDay(event.firstDay, event.timeZone)).toISOString(),
    end: new Date(startOfLocalDay(event.firstDayBack, event.timeZone)).toISOString(),
    windowsTimeZone,
  };
}
