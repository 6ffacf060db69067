/**
 * The app's all-day "Out of office" calendar event (OofCalendarEvent) as EWS needs it: checked before
 * anything is sent (shared/mailbox/oofCalendarEvent.ts, the check both back ends share), its days turned
 * into the instants of the person's own midnights, its zone named the Windows way (EWS's
 * TimeZoneDefinition Id), and the extended property that tags it with its absence.
 */
import { startOfLocalDay } from '../../leave/leaveWindow';
import type { OofCalendarEvent } from '../mailboxOperations';
import { checkOofCalendarEvent } from '../oofCalendarEvent';

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

/** The event, checked (oofCalendarEvent.ts: a ConfigError names the field at fault, nothing is sent), in EWS's terms. */
export function toEwsOofEvent(event: OofCalendarEvent): EwsOofEvent {
  const checked = checkOofCalendarEvent(event);
  return {
    subject: checked.subject,
    body: checked.body,
    tag: checked.tag,
    start: new Date(startOfLocalDay(checked.firstDay, checked.timeZone)).toISOString(),
    end: new Date(startOfLocalDay(checked.firstDayBack, checked.timeZone)).toISOString(),
    windowsTimeZone: checked.windowsTimeZone,
  };
}
