/**
 * The app's all-day "Out of office" calendar event (OofCalendarEvent) as Microsoft Graph's event resource
 * (event resource reference page; user-post-events, event-update):
 *
 *   subject, body            subject, body { contentType: text, content }
 *   firstDay, firstDayBack   start / end { dateTime: "<day>T00:00:00", timeZone: <Windows name> }, isAllDay true:
 *                            "start and end time must be set to midnight and be in the same time zone"; the
 *                            end is exclusive, so it is the first day back
 *   (always)                 showAs oof, isReminderOn false, responseRequested false, no attendees: nobody is
 *                            invited, so nothing is sent to anyone
 *   tag                      transactionId, on create only: "a custom identifier specified by a client app for
 *                            the server to avoid redundant POST operations in case of client retries to create
 *                            the same event"; "you cannot change transactionId in a subsequent update"
 *
 * An event Graph could not take as meant is refused here, naming the field, before anything is sent.
 */
import { ConfigError } from '../../platform/configError';
import type { OofCalendarEvent } from '../mailboxOperations';
import { UnknownTimeZoneError, windowsZoneFor, type DateTimeTimeZone } from './timeZones';

/** The body of `POST /users/{id}/events` and `PATCH /users/{id}/events/{eventId}`. */
export interface GraphOofEvent {
  subject: string;
  body: { contentType: 'text'; content: string };
  isAllDay: true;
  showAs: 'oof';
  isReminderOn: false;
  responseRequested: false;
  attendees: [];
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  transactionId?: string;
}

const DAY = /^(\d{4})-(\d\d)-(\d\d)$/;
/** OofCalendarEvent's tag: at most 64 of A-Z a-z 0-9 and -. */
const TAG = /^[A-Za-z0-9-]{1,64}$/;

/** Epoch ms of a `YYYY-MM-DD` that names a real day, or undefined. */
function dayOf(value: unknown): number | undefined {
  const m = typeof value === 'string' ? DAY.exec(value) : null;
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === value ? ms : undefined;
}

/** The Graph body for this event; `withTransactionId` on create. Throws ConfigError naming the bad field. */
export function toGraphOofEvent(event: OofCalendarEvent, withTransactionId: boolean): GraphOofEvent {
  if (typeof event.subject !== 'string' || event.subject.trim() === '') {
    throw new ConfigError('the calendar event needs a subject', 'subject');
  }
  if (typeof event.body !== 'string') throw new ConfigError('the calendar event body must be text', 'body');
  const first = dayOf(event.firstDay);
  if (first === undefined) {
    throw new ConfigError(
      `firstDay must be a day like 2030-07-01, got "${String(event.firstDay)}"`,
      'firstDay',
    );
  }
  const back = dayOf(event.firstDayBack);
  if (back === undefined || back <= first) {
    throw new ConfigError(
      `firstDayBack must be a day like 2030-07-13 after firstDay ${event.firstDay}, got "${String(event.firstDayBack)}"`,
      'firstDayBack',
    );
  }
  if (typeof event.tag !== 'string' || !TAG.test(event.tag)) {
    throw new ConfigError(
      `the event tag must be 1 to 64 of A-Z, a-z, 0-9 and -, got "${String(event.tag)}"`,
      'tag',
    );
  }
  let timeZone: string;
  try {
    timeZone = windowsZoneFor(String(event.timeZone));
  } catch (error) {
    if (!(error instanceof UnknownTimeZoneError)) throw error;
    throw new ConfigError(
      `timeZone must be an IANA time zone Windows knows (e.g. Europe/Berlin), got "${String(event.timeZone)}"`,
      'timeZone',
    );
  }
  return {
    subject: event.subject,
    body: { contentType: 'text', content: event.body },
    isAllDay: true,
    showAs: 'oof',
    isReminderOn: false,
    responseRequested: false,
    attendees: [],
    start: { dateTime: `${event.firstDay}T00:00:00`, timeZone },
    end: { dateTime: `${event.firstDayBack}T00:00:00`, timeZone },
    ...(withTransactionId && { transactionId: event.tag }),
  };
}
