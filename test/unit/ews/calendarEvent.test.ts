/**
 * The Out of office event in EWS's terms: the person's own midnights as instants, the zone the Windows
 * way (bad fields are refused by the shared check: test/unit/mailbox/oofCalendarEvent.test.ts).
 */
import { toEwsOofEvent } from '../../../shared/mailbox/ews/calendarEvent';
import type { OofCalendarEvent } from '../../../shared/mailbox/mailboxOperations';

const event: OofCalendarEvent = {
  subject: 'Out of office',
  body: 'Back on 15 July',
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  tag: 'abs-1',
};

describe('toEwsOofEvent', () => {
  it("spans the person's own days: Berlin's midnights in summer time, Los Angeles' too", () => {
    expect(toEwsOofEvent(event)).toMatchObject({
      start: '2030-06-30T22:00:00.000Z',
      end: '2030-07-14T22:00:00.000Z',
      windowsTimeZone: 'W. Europe Standard Time',
    });
    expect(toEwsOofEvent({ ...event, timeZone: 'America/Los_Angeles' })).toMatchObject({
      start: '2030-07-01T07:00:00.000Z',
      end: '2030-07-15T07:00:00.000Z',
      windowsTimeZone: 'Pacific Standard Time',
    });
  });

  it('keeps a day across a daylight-saving change whole (Berlin, last Sunday of March 2030)', () => {
    const span = toEwsOofEvent({ ...event, firstDay: '2030-03-30', firstDayBack: '2030-04-01' });
    expect(span.start).toBe('2030-03-29T23:00:00.000Z'); // UTC+1 before
    expect(span.end).toBe('2030-03-31T22:00:00.000Z'); // UTC+2 after
  });
});
