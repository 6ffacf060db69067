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
 * An event Graph could not take as meant is refused before anything is sent, naming the field, by the check
 * both back ends share (shared/mailbox/oofCalendarEvent.ts).
 */
import type { OofCalendarEvent } from '../mailboxOperations';
import { checkOofCalendarEvent } from '../oofCalendarEvent';
import type { DateTimeTimeZone } from './timeZones';

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

/**
 * The Graph body for this event, checked first (shared/mailbox/oofCalendarEvent.ts: a ConfigError names the
 * field at fault, nothing is sent); `withTransactionId` on create.
 */
export function toGraphOofEvent(event: OofCalendarEvent, withTransactionId: boolean): GraphOofEvent {
  const checked = checkOofCalendarEvent(event);
  // The Windows name: Graph takes every zone Windows knows but only a short list of IANA names, and
  // "methods such as create or update might not support all" of those (dateTimeTimeZone reference page).
  const timeZone = checked.windowsTimeZone;
  return {
    subject: checked.subject,
    body: { contentType: 'text', content: checked.body },
    isAllDay: true,
    showAs: 'oof',
    isReminderOn: false,
    responseRequested: false,
    attendees: [],
    start: { dateTime: `${checked.firstDay}T00:00:00`, timeZone },
    end: { dateTime: `${checked.firstDayBack}T00:00:00`, timeZone },
    ...(withTransactionId && { transactionId: checked.tag }),
  };
}
