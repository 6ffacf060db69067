/**
 * A person's leaves as one calendar (shared/leave/leaveCalendar.ts): which HR events change it, how leaves
 * become absences (and so which reply the mailbox shows, naming which first day back), what is forgotten,
 * when the owner looks again, and what the webhook may answer as a duplicate without waking the owner.
 * Alice is in Europe/Berlin (UTC+2 in summer): a leave of 1–12 July 2030 runs from 2030-06-30T22:00Z to
 * 2030-07-12T22:00Z, and 13 July is her first day back.
 */
import {
  MAX_CALENDAR_LEAVES,
  MAX_SEEN,
  absencesOf,
  alreadySeen,
  applyLeaveEvent,
  emptyCalendar,
  leaveDigest,
  nextWake,
  pruneCalendar,
  seenLeaves,
  withDecision,
  type LeaveCalendar,
} from '../../../shared/leave/leaveCalendar';
import type { LeaveEvent } from '../../../shared/leave/leaveEvent';

const ALICE = 'alice@contoso.com';
const DAY = 86_400_000;

/** An approval of `leaveId` for Alice; `changes` for anything else the HR system sent. */
function approval(
  leaveId: string,
  start: string,
  end: string,
  changes: Partial<LeaveEvent> = {},
): LeaveEvent {
  return {
    eventId: `evt-${leaveId}-${changes.occurredAt ?? 'first'}`,
    type: 'approved',
    occurredAt: '2030-05-01T09:00:00Z',
    leaveId,
    start,
    end,
    timeZone: 'Europe/Berlin',
    employee: { email: ALICE, displayName: 'Alice Ops' },
    ...changes,
  };
}

function cancellation(leaveId: string, occurredAt: string): LeaveEvent {
  return {
    eventId: `evt-${leaveId}-cancel-${occurredAt}`,
    type: 'cancelled',
    occurredAt,
    leaveId,
    timeZone: 'Europe/Berlin',
    employee: { email: ALICE, displayName: 'Alice Ops' },
  };
}

/** The calendar after each event in turn (from HiBob unless a source is given), with each outcome. */
function calendarOf(...events: (LeaveEvent | [string, LeaveEvent])[]): LeaveCalendar {
  let calendar = emptyCalendar(ALICE);
  for (const item of events) {
    const [source, event] = Array.isArray(item) ? item : ['hibob', item];
    calendar = applyLeaveEvent(calendar, source, event).calendar;
  }
  return calendar;
}

const MAY = new Date('2030-05-15T12:00:00Z');
const JULY = approval('JUL', '2030-07-01', '2030-07-12');

describe('which HR events change the calendar', () => {
  test('a first approval is kept with its window, first day in her zone and the reply details', () => {
    const { calendar, outcome } = applyLeaveEvent(emptyCalendar(ALICE), 'hibob', JULY);
    expect(outcome).toBe('applied');
    expect(calendar.leaves).toEqual([
      {
        key: 'hibob:JUL',
        occurredAt: JULY.occurredAt,
        digest: leaveDigest(JULY),
        status: 'approved',
        window: {
          start: '2030-06-30T22:00:00.000Z',
          end: '2030-07-12T22:00:00.000Z',
          firstDayBack: '2030-07-13',
        },
        // 1 July in Berlin, although the UTC start is still 30 June.
        firstDay: '2030-07-01',
        reply: { employee: JULY.employee, timeZone: 'Europe/Berlin' },
      },
    ]);
  });

  test('the language and delegate of the approval are kept for the reply', () => {
    const delegate = { name: 'Bob', email: 'bob@contoso.com' };
    const { calendar } = applyLeaveEvent(
      emptyCalendar(ALICE),
      'hibob',
      approval('JUL', '2030-07-01', '2030-07-12', { locale: 'de-DE', delegate }),
    );
    expect(calendar.leaves[0]?.reply).toEqual({
      employee: JULY.employee,
      timeZone: 'Europe/Berlin',
      locale: 'de-DE',
      delegate,
    });
  });

  test('the first day of a leave given as an instant is that instant’s day in her zone', () => {
    const { calendar } = applyLeaveEvent(
      emptyCalendar(ALICE),
      'hibob',
      approval('EVE', '2030-07-01T23:30:00+02:00', '2030-07-03T12:00:00+02:00'),
    );
    expect(calendar.leaves[0]).toMatchObject({
      firstDay: '2030-07-01',
      window: { firstDayBack: '2030-07-03' },
    });
  });

  test('the same leave id from two HR sources is two leaves', () => {
    const calendar = calendarOf(['hibob', JULY], ['bamboohr', JULY]);
    expect(calendar.leaves.map((l) => l.key)).toEqual(['hibob:JUL', 'bamboohr:JUL']);
  });

  test('a newer version of a leave replaces the one applied', () => {
    const moved = approval('JUL', '2030-07-08', '2030-07-19', { occurredAt: '2030-05-02T09:00:00Z' });
    const { calendar, outcome } = applyLeaveEvent(calendarOf(JULY), 'hibob', moved);
    expect(outcome).toBe('applied');
    expect(calendar.leaves).toHaveLength(1);
    expect(calendar.leaves[0]).toMatchObject({
      occurredAt: moved.occurredAt,
      window: { firstDayBack: '2030-07-20' },
    });
  });

  test.each([
    ['an hour later, with another event id', '2030-05-01T10:00:00Z'],
    ['sent again with an older timestamp', '2030-04-01T10:00:00Z'],
    ['at the same instant', '2030-05-01T09:00:00Z'],
  ])('a duplicate (same content %s) changes nothing', (_, occurredAt) => {
    const before = calendarOf(JULY);
    const { calendar, outcome } = applyLeaveEvent(
      before,
      'hibob',
      approval('JUL', '2030-07-01', '2030-07-12', { occurredAt, eventId: 'another-delivery' }),
    );
    expect(outcome).toBe('duplicate');
    expect(calendar).toBe(before);
  });

  test.each([
    ['an hour older', '2030-05-01T08:00:00Z'],
    ['one millisecond older', '2030-05-01T08:59:59.999Z'],
    ['at the very same instant (the version applied first stays)', '2030-05-01T09:00:00Z'],
  ])('another version of the leave %s is ignored', (_, occurredAt) => {
    const before = calendarOf(JULY);
    const { calendar, outcome } = applyLeaveEvent(
      before,
      'hibob',
      approval('JUL', '2030-08-01', '2030-08-12', { occurredAt }),
    );
    expect(outcome).toBe('older');
    expect(calendar).toBe(before);
  });

  test('a version one millisecond newer applies', () => {
    const { outcome } = applyLeaveEvent(
      calendarOf(JULY),
      'hibob',
      approval('JUL', '2030-08-01', '2030-08-12', { occurredAt: '2030-05-01T09:00:00.001Z' }),
    );
    expect(outcome).toBe('applied');
  });

  test.each<[string, Partial<LeaveEvent>]>([
    ['no end', { end: undefined }],
    ['no start', { start: undefined }],
    ['an end before its start', { start: '2030-07-12', end: '2030-07-01' }],
    ['an end at the instant it starts', { start: '2030-07-01T08:00:00Z', end: '2030-07-01T08:00:00Z' }],
    ['a time zone that does not exist', { timeZone: 'Europe/Atlantis' }],
  ])('an approval with %s is invalid and changes nothing', (_, changes) => {
    const empty = emptyCalendar(ALICE);
    const first = applyLeaveEvent(empty, 'hibob', { ...JULY, ...changes });
    expect(first).toEqual({ calendar: empty, outcome: 'invalid' });
    // A newer but invalid version of a leave keeps the version applied.
    const before = calendarOf(JULY);
    const newer = applyLeaveEvent(before, 'hibob', {
      ...JULY,
      ...changes,
      occurredAt: '2030-05-09T09:00:00Z',
    });
    expect(newer.outcome).toBe('invalid');
    expect(newer.calendar).toBe(before);
  });
});

describe('a cancellation', () => {
  test('of an approved leave ends its absence and keeps its dates as a tombstone', () => {
    const calendar = calendarOf(JULY, cancellation('JUL', '2030-05-10T09:00:00Z'));
    expect(calendar.leaves).toEqual([
      {
        key: 'hibob:JUL',
        occurredAt: '2030-05-10T09:00:00Z',
        digest: leaveDigest(cancellation('JUL', '2030-05-10T09:00:00Z')),
        status: 'cancelled',
        window: calendarOf(JULY).leaves[0]?.window,
      },
    ]);
    expect(absencesOf(calendar, MAY)).toEqual([]);
  });

  test('arriving before any approval is remembered: the older approval arriving later is ignored', () => {
    const cancelled = applyLeaveEvent(
      emptyCalendar(ALICE),
      'hibob',
      cancellation('JUL', '2030-05-02T09:00:00Z'),
    );
    expect(cancelled.outcome).toBe('applied');
    expect(cancelled.calendar.leaves).toEqual([
      expect.objectContaining({ key: 'hibob:JUL', status: 'cancelled', occurredAt: '2030-05-02T09:00:00Z' }),
    ]);
    expect(cancelled.calendar.leaves[0]).not.toHaveProperty('window');
    expect(cancelled.calendar.leaves[0]).not.toHaveProperty('firstDay');

    const late = applyLeaveEvent(cancelled.calendar, 'hibob', JULY);
    expect(late.outcome).toBe('older');
    expect(absencesOf(late.calendar, MAY)).toEqual([]);
  });

  test('a newer approval after a cancellation applies: the leave is back', () => {
    const calendar = calendarOf(
      cancellation('JUL', '2030-05-02T09:00:00Z'),
      approval('JUL', '2030-07-01', '2030-07-12', { occurredAt: '2030-05-03T09:00:00Z' }),
    );
    expect(absencesOf(calendar, MAY)).toEqual([
      expect.objectContaining({ start: '2030-06-30T22:00:00.000Z', leaves: ['hibob:JUL'] }),
    ]);
  });

  test('delivered twice is a duplicate', () => {
    const before = calendarOf(JULY, cancellation('JUL', '2030-05-02T09:00:00Z'));
    const again = applyLeaveEvent(before, 'hibob', {
      ...cancellation('JUL', '2030-05-02T09:00:00Z'),
      eventId: 'x',
    });
    expect(again).toEqual({ calendar: before, outcome: 'duplicate' });
  });
});

describe('what counts as the same content', () => {
  const base = approval('JUL', '2030-07-01', '2030-07-12', { locale: 'en', delegate: { name: 'Bob' } });
  test.each<[string, Partial<LeaveEvent>]>([
    ['the type', { type: 'cancelled' }],
    ['the start', { start: '2030-07-02' }],
    ['the end', { end: '2030-07-13' }],
    ['the time zone', { timeZone: 'Europe/Lisbon' }],
    ['the address', { employee: { email: 'alice2@contoso.com', displayName: 'Alice Ops' } }],
    ['the display name', { employee: { email: ALICE, displayName: 'Alice O.' } }],
    ['the language', { locale: 'de' }],
    ['the delegate', { delegate: { name: 'Carol' } }],
    ['no delegate any more', { delegate: undefined }],
    ['no language any more', { locale: undefined }],
  ])('a change of %s is new content', (_, changes) => {
    expect(leaveDigest({ ...base, ...changes })).not.toBe(leaveDigest(base));
  });

  test('the event id, its timestamp and the case of the address are not content', () => {
    expect(
      leaveDigest({
        ...base,
        eventId: 'other',
        occurredAt: '2031-01-01T00:00:00Z',
        employee: { email: 'Alice@Contoso.COM', displayName: 'Alice Ops' },
      }),
    ).toBe(leaveDigest(base));
  });
});

describe('leaves as absences', () => {
  test('separate leaves are separate absences, in order of their start whatever order they came in', () => {
    const august = approval('AUG', '2030-08-05', '2030-08-16');
    const absences = absencesOf(calendarOf(august, JULY), MAY);
    expect(absences.map((a) => [a.start, a.end, a.firstDay, a.firstDayBack, a.leaves])).toEqual([
      ['2030-06-30T22:00:00.000Z', '2030-07-12T22:00:00.000Z', '2030-07-01', '2030-07-13', ['hibob:JUL']],
      ['2030-08-04T22:00:00.000Z', '2030-08-16T22:00:00.000Z', '2030-08-05', '2030-08-17', ['hibob:AUG']],
    ]);
    expect(absences[0]?.tag).not.toBe(absences[1]?.tag);
  });

  test('a leave that starts on the first day back of the previous one makes one absence naming the real first day back', () => {
    const next = approval('NEXT', '2030-07-13', '2030-07-19', {
      locale: 'de',
      delegate: { name: 'Carol' },
      employee: { email: ALICE, displayName: 'Alice (back 20th)' },
    });
    const [absence, ...others] = absencesOf(calendarOf(JULY, next), MAY);
    expect(others).toEqual([]);
    expect(absence).toMatchObject({
      start: '2030-06-30T22:00:00.000Z',
      end: '2030-07-19T22:00:00.000Z',
      firstDay: '2030-07-01',
      firstDayBack: '2030-07-20',
      leaves: ['hibob:JUL', 'hibob:NEXT'],
      // The leave that ends last decides who to contact and in which language.
      reply: { locale: 'de', delegate: { name: 'Carol' }, employee: next.employee },
    });
  });

  test('touching to the instant merges; a leave starting one minute after the first day back began is a second absence', () => {
    const touching = approval('T', '2030-07-13T00:00:00+02:00', '2030-07-14T00:00:00+02:00');
    expect(absencesOf(calendarOf(JULY, touching), MAY)).toHaveLength(1);
    const later = approval('L', '2030-07-13T00:01:00+02:00', '2030-07-14T00:00:00+02:00');
    const absences = absencesOf(calendarOf(JULY, later), MAY);
    expect(absences.map((a) => a.firstDayBack)).toEqual(['2030-07-13', '2030-07-14']);
  });

  test('a leave inside another changes neither the first day back nor the reply details', () => {
    const inside = approval('IN', '2030-07-03', '2030-07-05', { delegate: { name: 'Dan' } });
    const [absence] = absencesOf(calendarOf(JULY, inside), MAY);
    expect(absence).toMatchObject({
      end: '2030-07-12T22:00:00.000Z',
      firstDayBack: '2030-07-13',
      leaves: ['hibob:JUL', 'hibob:IN'],
    });
    expect(absence?.reply).toEqual({ employee: JULY.employee, timeZone: 'Europe/Berlin' });
  });

  test('overlapping leaves merge, and a third one overlapping only the second joins them too', () => {
    const second = approval('B', '2030-07-10', '2030-07-20');
    const third = approval('C', '2030-07-18', '2030-07-25');
    const [absence, ...others] = absencesOf(calendarOf(third, JULY, second), MAY);
    expect(others).toEqual([]);
    expect(absence).toMatchObject({
      firstDayBack: '2030-07-26',
      leaves: ['hibob:JUL', 'hibob:B', 'hibob:C'],
    });
  });

  test('two leaves starting at the same instant are ordered by source and id, so the absence’s tag does not depend on arrival', () => {
    const a = approval('A', '2030-07-01', '2030-07-05');
    const b = approval('B', '2030-07-01', '2030-07-12');
    expect(absencesOf(calendarOf(b, a), MAY)).toEqual(absencesOf(calendarOf(a, b), MAY));
    expect(absencesOf(calendarOf(b, a), MAY)[0]?.leaves).toEqual(['hibob:A', 'hibob:B']);
  });

  test('the absence keeps its tag when a later leave joins it, and gets its earliest leave’s tag when an earlier one does', () => {
    const [alone] = absencesOf(calendarOf(JULY), MAY);
    const [joined] = absencesOf(calendarOf(JULY, approval('NEXT', '2030-07-13', '2030-07-19')), MAY);
    expect(joined?.tag).toBe(alone?.tag);
    const [before] = absencesOf(calendarOf(approval('EARLY', '2030-06-25', '2030-06-30')), MAY);
    const [extended] = absencesOf(calendarOf(JULY, approval('EARLY', '2030-06-25', '2030-06-30')), MAY);
    expect(extended?.tag).toBe(before?.tag);
    expect(extended?.tag).toMatch(/^abs-[0-9a-f]{24}$/);
  });

  test('a cancelled leave is no part of any absence, and cancelling the bridge splits one absence into two', () => {
    const bridge = approval('BRIDGE', '2030-07-13', '2030-08-04');
    const august = approval('AUG', '2030-08-05', '2030-08-16');
    expect(absencesOf(calendarOf(JULY, bridge, august), MAY)).toHaveLength(1);
    const split = calendarOf(JULY, bridge, august, cancellation('BRIDGE', '2030-05-05T09:00:00Z'));
    expect(absencesOf(split, MAY).map((a) => a.leaves)).toEqual([['hibob:JUL'], ['hibob:AUG']]);
  });

  test('a calendar saved by an earlier version, whose tombstones kept all of the leave’s details, shows no absence for them', () => {
    const [approved] = calendarOf(JULY).leaves;
    const saved: LeaveCalendar = {
      ...emptyCalendar(ALICE),
      leaves: [{ ...approved!, status: 'cancelled', occurredAt: '2030-05-10T09:00:00Z' }],
    };
    expect(absencesOf(saved, MAY)).toEqual([]);
  });

  test('two leaves ending at the same instant: the reply keeps the details of the one that started first', () => {
    const firstWeek = approval('LATE', '2030-07-08', '2030-07-12', { delegate: { name: 'Erin' } });
    const [absence] = absencesOf(calendarOf(JULY, firstWeek), MAY);
    expect(absence?.leaves).toEqual(['hibob:JUL', 'hibob:LATE']);
    expect(absence?.reply).toEqual({ employee: JULY.employee, timeZone: 'Europe/Berlin' });
  });

  test('an absence is listed until the instant it ends, not after', () => {
    const calendar = calendarOf(JULY);
    expect(absencesOf(calendar, new Date('2030-07-12T21:59:59.999Z'))).toHaveLength(1);
    expect(absencesOf(calendar, new Date('2030-07-12T22:00:00.000Z'))).toEqual([]);
  });
});

describe('what the calendar forgets', () => {
  const NOW = new Date('2032-01-01T00:00:00Z');
  const endingAt = (id: string, endMs: number): LeaveEvent =>
    approval(id, new Date(endMs - DAY).toISOString(), new Date(endMs).toISOString());

  test('a leave that ended exactly 400 days ago is dropped; one that ended a millisecond later is kept', () => {
    const limit = NOW.getTime() - 400 * DAY;
    const calendar = calendarOf(endingAt('OLD', limit), endingAt('KEPT', limit + 1));
    expect(pruneCalendar(calendar, NOW).leaves.map((l) => l.key)).toEqual(['hibob:KEPT']);
  });

  test('a tombstone of a future leave is kept however long ago it was cancelled', () => {
    const calendar = calendarOf(
      approval('FAR', '2032-06-01', '2032-06-10', { occurredAt: '2030-01-01T00:00:00Z' }),
      cancellation('FAR', '2030-01-02T00:00:00Z'),
    );
    expect(pruneCalendar(calendar, NOW)).toBe(calendar);
  });

  test('a cancellation that came before its approval, with the leave’s dates, is kept as long as that leave', () => {
    const calendar = calendarOf({
      ...cancellation('FAR', '2030-01-02T00:00:00Z'),
      start: '2032-06-01',
      end: '2032-06-10',
    });
    expect(calendar.leaves[0]?.window?.firstDayBack).toBe('2032-06-11');
    expect(pruneCalendar(calendar, NOW)).toBe(calendar);
  });

  test('a cancellation of a leave never seen, without dates, is kept 400 days from when it was cancelled', () => {
    const calendar = calendarOf(
      cancellation('GONE', new Date(NOW.getTime() - 400 * DAY).toISOString()),
      cancellation('RECENT', new Date(NOW.getTime() - 399 * DAY).toISOString()),
    );
    expect(pruneCalendar(calendar, NOW).leaves.map((l) => l.key)).toEqual(['hibob:RECENT']);
  });

  test(`at most ${MAX_CALENDAR_LEAVES} leaves are kept: the one that ended first goes`, () => {
    const ends = Array.from({ length: MAX_CALENDAR_LEAVES + 1 }, (_, i) => NOW.getTime() + (i + 1) * DAY);
    const calendar = calendarOf(...ends.map((end, i) => endingAt(`L${i}`, end)));
    const kept = pruneCalendar(calendar, NOW).leaves.map((l) => l.key);
    expect(kept).toHaveLength(MAX_CALENDAR_LEAVES);
    expect(kept).not.toContain('hibob:L0');
    expect(kept).toContain(`hibob:L${MAX_CALENDAR_LEAVES}`);
  });

  test(`${MAX_CALENDAR_LEAVES} recent leaves are all kept, the calendar unchanged`, () => {
    const calendar = calendarOf(
      ...Array.from({ length: MAX_CALENDAR_LEAVES }, (_, i) =>
        endingAt(`L${i}`, NOW.getTime() + (i + 1) * DAY),
      ),
    );
    expect(pruneCalendar(calendar, NOW)).toBe(calendar);
  });

  test('only the last 20 decisions are kept, the newest last', () => {
    let calendar = emptyCalendar(ALICE);
    for (let i = 1; i <= 25; i++)
      calendar = withDecision(calendar, { at: `t${i}`, decision: 'unchanged', detail: `${i}` });
    expect(calendar.decisions.map((d) => d.detail)).toEqual(Array.from({ length: 20 }, (_, i) => `${i + 6}`));
  });
});

describe('when the owner looks at the mailbox next', () => {
  const calendar = calendarOf(JULY);
  const wake = (c: LeaveCalendar, now: Date): string | undefined => nextWake(c, absencesOf(c, now), now);

  test('with nothing to come and no hands-off, never', () => {
    expect(wake(emptyCalendar(ALICE), MAY)).toBeUndefined();
  });

  test('before the next absence, at its start', () => {
    expect(wake(calendar, MAY)).toBe('2030-06-30T22:00:00.000Z');
  });

  test('at the instant the absence starts, and during it, at its end', () => {
    expect(wake(calendar, new Date('2030-06-30T22:00:00.000Z'))).toBe('2030-07-12T22:00:00.000Z');
    expect(wake(calendar, new Date('2030-07-05T12:00:00Z'))).toBe('2030-07-12T22:00:00.000Z');
  });

  test('when her own change is left alone, at the end of the hands-off if that comes first', () => {
    const handsOff = { ...calendar, handsOffUntil: '2030-06-01T00:00:00.000Z' };
    expect(wake(handsOff, MAY)).toBe('2030-06-01T00:00:00.000Z');
    const noAbsence = { ...emptyCalendar(ALICE), handsOffUntil: '2030-06-01T00:00:00.000Z' };
    expect(wake(noAbsence, MAY)).toBe('2030-06-01T00:00:00.000Z');
  });

  test('a hands-off that is over (or ends now) does not wake it', () => {
    const over = { ...emptyCalendar(ALICE), handsOffUntil: MAY.toISOString() };
    expect(wake(over, MAY)).toBeUndefined();
    expect(wake({ ...calendar, handsOffUntil: '2030-05-01T00:00:00Z' }, MAY)).toBe(
      '2030-06-30T22:00:00.000Z',
    );
  });

  test('a hands-off ending after the next start does not delay the start', () => {
    expect(wake({ ...calendar, handsOffUntil: '2030-09-01T00:00:00Z' }, MAY)).toBe(
      '2030-06-30T22:00:00.000Z',
    );
  });
});

describe('what the webhook may answer as a duplicate without waking the owner', () => {
  const calendar = calendarOf(JULY);
  const seen = seenLeaves(calendar);

  test('nothing is seen by an owner that has not reported yet, or for another leave or source', () => {
    expect(alreadySeen(undefined, 'hibob', JULY)).toBe(false);
    expect(alreadySeen(seen, 'hibob', { ...JULY, leaveId: 'AUG' })).toBe(false);
    expect(alreadySeen(seen, 'bamboohr', JULY)).toBe(false);
  });

  test('the same content, whenever it is dated, is seen', () => {
    expect(alreadySeen(seen, 'hibob', JULY)).toBe(true);
    expect(
      alreadySeen(seen, 'hibob', { ...JULY, occurredAt: '2030-06-01T00:00:00Z', eventId: 'again' }),
    ).toBe(true);
  });

  test('other content is seen when it is older or from the same instant, and delivered when newer', () => {
    const moved = { ...JULY, end: '2030-07-19' };
    expect(alreadySeen(seen, 'hibob', { ...moved, occurredAt: '2030-05-01T08:59:59.999Z' })).toBe(true);
    expect(alreadySeen(seen, 'hibob', { ...moved, occurredAt: JULY.occurredAt })).toBe(true);
    expect(alreadySeen(seen, 'hibob', { ...moved, occurredAt: '2030-05-01T09:00:00.001Z' })).toBe(false);
  });

  test('an older approval after a cancellation the owner holds is seen, so it never reaches the mailbox', () => {
    const cancelledFirst = seenLeaves(calendarOf(cancellation('JUL', '2030-05-02T09:00:00Z')));
    expect(alreadySeen(cancelledFirst, 'hibob', JULY)).toBe(true);
  });

  test('the summary names no leave id and no address', () => {
    const text = JSON.stringify(seen);
    expect(text).not.toContain('JUL');
    expect(text).not.toContain('alice');
    expect(Object.values(seen)).toEqual([`${leaveDigest(JULY)}@${Date.parse(JULY.occurredAt)}`]);
  });
});

describe('the owner’s status stays within what Durable Functions accepts', () => {
  test('a full calendar’s summary keeps the most recently changed leaves and fits 16 KB of custom status with room', () => {
    let calendar = emptyCalendar('alice@contoso.com');
    for (let i = 0; i < MAX_CALENDAR_LEAVES; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      const occurredAt = new Date(Date.UTC(2029, 0, 1) + i * 60_000).toISOString();
      calendar = applyLeaveEvent(calendar, 'generic', {
        ...JULY,
        leaveId: `L-${i}`,
        eventId: `e-${i}`,
        start: `2031-01-${day}`,
        end: `2031-01-${day}`,
        occurredAt,
      }).calendar;
    }
    const seen = seenLeaves(calendar);
    expect(Object.keys(seen)).toHaveLength(MAX_SEEN);
    // the newest leave is in it, the oldest (changed first) is not: its events are delivered to the owner
    const newest = {
      ...JULY,
      leaveId: `L-${MAX_CALENDAR_LEAVES - 1}`,
      start: '2031-01-01',
      end: '2031-01-01',
    };
    expect(alreadySeen(seen, 'generic', { ...newest, occurredAt: '2028-01-01T00:00:00Z' })).toBe(true);
    expect(
      alreadySeen(seen, 'generic', { ...JULY, leaveId: 'L-0', occurredAt: '2028-01-01T00:00:00Z' }),
    ).toBe(false);
    // 16 KB of UTF-16 is 8,192 characters; the summary leaves room for the phase and the last decisions
    expect(JSON.stringify(seen).length).toBeLessThan(5_500);
  });
});
