/**
 * The Out of office event as Graph takes it (bad fields are refused by the shared check:
 * test/unit/mailbox/oofCalendarEvent.test.ts).
 */
import type { OofCalendarEvent } from '../../../shared/mailbox/mailboxOperations';
import { toGraphOofEvent } from '../../../shared/mailbox/graph/oofEvent';

const july: OofCalendarEvent = {
  subject: 'Out of office',
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  body: 'Back on 15 July',
  tag: 'leave-abc-1',
};

describe('the Out of office event as Graph takes it', () => {
  test('all day from midnight of the first day to midnight of the first day back, in the person’s Windows zone', () => {
    expect(toGraphOofEvent(july, true)).toEqual({
      subject: 'Out of office',
      body: { contentType: 'text', content: 'Back on 15 July' },
      isAllDay: true,
      showAs: 'oof',
      isReminderOn: false,
      responseRequested: false,
      attendees: [],
      start: { dateTime: '2030-07-01T00:00:00', timeZone: 'W. Europe Standard Time' },
      end: { dateTime: '2030-07-15T00:00:00', timeZone: 'W. Europe Standard Time' },
      transactionId: 'leave-abc-1',
    });
    const la = toGraphOofEvent({ ...july, timeZone: 'America/Los_Angeles' }, true);
    expect(la.start.timeZone).toBe('Pacific Standard Time');
  });

  test('an update carries no transactionId (Graph lets no update change it)', () => {
    expect(toGraphOofEvent(july, false)).not.toHaveProperty('transactionId');
  });
});
