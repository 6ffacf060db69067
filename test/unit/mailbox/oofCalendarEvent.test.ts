/**
 * The one check of the Out of office calendar event: every bad field refused naming that field, before
 * anything is sent, by both back ends alike (the EWS and the Graph codecs start with it).
 */
import { toEwsOofEvent } from '../../../shared/mailbox/ews/calendarEvent';
import { toGraphOofEvent } from '../../../shared/mailbox/graph/oofEvent';
import type { OofCalendarEvent } from '../../../shared/mailbox/mailboxOperations';
import { checkOofCalendarEvent } from '../../../shared/mailbox/oofCalendarEvent';
import { ConfigError } from '../../../shared/platform/configError';

const july: OofCalendarEvent = {
  subject: 'Out of office',
  body: 'Back on 15 July',
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  tag: 'leave-abc-1',
};

/** What `check` threw, or undefined. */
function thrownBy(check: () => unknown): unknown {
  try {
    check();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('checkOofCalendarEvent', () => {
  it("answers the event as it came, with its zone's Windows name (aliases too)", () => {
    expect(checkOofCalendarEvent(july)).toEqual({ ...july, windowsTimeZone: 'W. Europe Standard Time' });
    expect(checkOofCalendarEvent({ ...july, timeZone: 'Asia/Calcutta' }).windowsTimeZone).toBe(
      'India Standard Time',
    );
    // The edges that pass: a 64-character tag, a 255-character subject, an empty body, one day.
    expect(() =>
      checkOofCalendarEvent({
        ...july,
        tag: 'x'.repeat(64),
        subject: 's'.repeat(255),
        body: '',
        firstDayBack: '2030-07-02',
      }),
    ).not.toThrow();
  });

  it.each([
    [{ tag: 'has space' }, 'tag'],
    [{ tag: '' }, 'tag'],
    [{ tag: 'x'.repeat(65) }, 'tag'],
    [{ tag: 42 }, 'tag'],
    [{ subject: '  ' }, 'subject'],
    [{ subject: 'x'.repeat(256) }, 'subject'],
    [{ subject: undefined }, 'subject'],
    [{ body: null }, 'body'],
    [{ firstDay: '2030-02-30' }, 'firstDay'],
    [{ firstDay: '2030-7-1' }, 'firstDay'],
    [{ firstDayBack: '15.07.2030' }, 'firstDayBack'],
    [{ firstDayBack: '2030-07-01' }, 'firstDayBack'],
    [{ firstDayBack: '2030-06-30' }, 'firstDayBack'],
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    [{ timeZone: 'W. Europe Standard Time' }, 'timeZone'],
    [{ timeZone: ' Europe/Berlin' }, 'timeZone'],
  ] as [Record<string, unknown>, string][])(
    '%j is refused naming %s, by the check and by both codecs',
    (change, field) => {
      const bad = { ...july, ...change };
      const error = thrownBy(() => checkOofCalendarEvent(bad));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ setting: field });
      expect((error as Error).message).toContain(field);
      expect(thrownBy(() => toEwsOofEvent(bad))).toEqual(error);
      expect(thrownBy(() => toGraphOofEvent(bad, true))).toEqual(error);
    },
  );
});
