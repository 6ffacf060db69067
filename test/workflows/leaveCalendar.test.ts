/**
 * A person's leaves as one calendar, through the calendar owner on the dev host's durable engine (the real
 * replay engine, continueAsNew per generation) against an in-memory mailbox that refuses what Exchange
 * refuses, on a virtual clock. Alice is in Europe/Berlin: a leave of 1–12 July 2030 runs from
 * 2030-06-30T22:00Z to 2030-07-12T22:00Z (13 July, 00:00 in Berlin, her first day back).
 */
import { CalendarHarness, leave } from '../support/leaveCalendarHarness';
import { transient } from '../support/durableMailboxFake';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';

const ALICE = 'alice@contoso.com';
const own: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: 'Working from the Lisbon office',
  externalReply: 'Working from the Lisbon office',
};

let harness: CalendarHarness;
afterEach(() => harness.close());

test('two separate leaves: July’s reply in July, August’s in August, exactly her own replies afterwards', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(ALICE, {
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: 'mine out',
  });
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { eventId: 'aug-1' }));

  // Her own replies were Disabled (quiet): July is scheduled ahead, so it starts on time even if the app is down.
  expect(harness.oof(ALICE)).toMatchObject({
    state: 'Scheduled',
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-12T22:00:00.000Z',
  });
  expect(harness.oof(ALICE).internalReply).toMatch(/13/);

  await harness.advanceTo('2030-07-05T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });

  await harness.advanceTo('2030-07-13T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({
    state: 'Scheduled',
    start: '2030-08-04T22:00:00.000Z',
    end: '2030-08-16T22:00:00.000Z',
  });

  await harness.advanceTo('2030-08-20T10:00:00Z');
  expect(harness.oof(ALICE)).toEqual({
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: 'mine out',
  });
});

test('her own Enabled reply stays until the absence starts, and comes back after it', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(ALICE, own);
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  expect(harness.oof(ALICE)).toEqual(own);
  await harness.advanceTo('2030-07-01T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
  await harness.advanceTo('2030-07-14T10:00:00Z');
  expect(harness.oof(ALICE)).toEqual(own);
});

const CAROL = 'carol@contoso.com';
const BOB = 'bob@contoso.com';

test('overlapping and touching leaves are one absence whose reply names the real first day back', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  await harness.deliver(leave(ALICE, 'A', '2030-07-01', '2030-07-10'));
  // starts on A's first day back (11 July): touches
  await harness.deliver(leave(ALICE, 'B', '2030-07-11', '2030-07-15', { eventId: 'b' }));
  // inside B
  await harness.deliver(leave(ALICE, 'C', '2030-07-12', '2030-07-13', { eventId: 'c' }));
  expect(harness.oof(ALICE)).toMatchObject({
    state: 'Scheduled',
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-15T22:00:00.000Z',
  });
  expect(harness.oof(ALICE).internalReply).toContain('July 16, 2030');
  // a day's gap: a separate absence, not merged
  await harness.deliver(leave(ALICE, 'D', '2030-07-17', '2030-07-20', { eventId: 'd' }));
  expect(harness.oof(ALICE).end).toBe('2030-07-15T22:00:00.000Z');
});

test('a change that splits one absence into two, and one that merges them again', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  await harness.deliver(leave(ALICE, 'A', '2030-07-01', '2030-07-10'));
  await harness.deliver(leave(ALICE, 'B', '2030-07-08', '2030-07-20', { eventId: 'b1' }));
  expect(harness.oof(ALICE).end).toBe('2030-07-20T22:00:00.000Z');

  // B moved to start later: two absences, the first ends on A's first day back
  await harness.deliver(
    leave(ALICE, 'B', '2030-07-15', '2030-07-20', {
      eventId: 'b2',
      type: 'updated',
      occurredAt: '2029-02-01T09:00:00Z',
    }),
  );
  expect(harness.oof(ALICE)).toMatchObject({
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-10T22:00:00.000Z',
  });
  expect(harness.oof(ALICE).internalReply).toContain('July 11, 2030');

  // A extended to touch B: one absence again
  await harness.deliver(
    leave(ALICE, 'A', '2030-07-01', '2030-07-14', {
      eventId: 'a2',
      type: 'updated',
      occurredAt: '2029-02-02T09:00:00Z',
    }),
  );
  expect(harness.oof(ALICE)).toMatchObject({
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-20T22:00:00.000Z',
  });
});

test('cancelling one of two leaves: the other still gets its reply, then her own replies come back', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(ALICE, {
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: '',
  });
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { eventId: 'aug' }));
  await harness.deliver(
    leave(ALICE, 'JUL', '2030-07-01', '2030-07-12', {
      eventId: 'jul-x',
      type: 'cancelled',
      occurredAt: '2029-03-01T00:00:00Z',
    }),
  );
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', start: '2030-08-04T22:00:00.000Z' });
  await harness.advanceTo('2030-08-20T00:00:00Z');
  expect(harness.oof(ALICE)).toEqual({
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: '',
  });
});

test('cancelling everything before the first starts gives back exactly what she had', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const mine: OofSettings = {
    state: 'Disabled',
    externalAudience: 'All',
    internalReply: 'in',
    externalReply: 'out',
  };
  harness.mailbox.oof.set(ALICE, mine);
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { eventId: 'aug' }));
  const cancel = { type: 'cancelled' as const, occurredAt: '2029-03-01T00:00:00Z' };
  await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { ...cancel, eventId: 'aug-x' }));
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12', { ...cancel, eventId: 'jul-x' }));
  expect(harness.oof(ALICE)).toEqual(mine);
  expect(harness.decisions(ALICE).map((d) => d.decision)).toContain('restored');
});

test('carol: two overlapping leaves, the first cancelled, ends with her own Lisbon reply', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(CAROL, own);
  await harness.deliver(leave(CAROL, 'C1', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(CAROL, 'C2', '2030-07-08', '2030-07-20', { eventId: 'c2' }));
  await harness.advanceTo('2030-07-02T08:00:00Z');
  expect(harness.oof(CAROL)).toMatchObject({ state: 'Scheduled', end: '2030-07-20T22:00:00.000Z' });
  await harness.deliver(
    leave(CAROL, 'C1', '2030-07-01', '2030-07-12', {
      eventId: 'c1-x',
      type: 'cancelled',
      occurredAt: '2029-06-01T00:00:00Z',
    }),
  );
  // C2 alone now: from 8 July; until then her own reply again
  expect(harness.oof(CAROL)).toEqual(own);
  await harness.advanceTo('2030-07-09T08:00:00Z');
  expect(harness.oof(CAROL)).toMatchObject({ state: 'Scheduled', start: '2030-07-07T22:00:00.000Z' });
  await harness.advanceTo('2030-07-22T08:00:00Z');
  expect(harness.oof(CAROL)).toEqual(own);
});

test('bob: his own scheduled window is over when he is back, so it comes back as Disabled with his texts', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const bobs: OofSettings = {
    state: 'Scheduled',
    start: '2030-05-10T08:00:00.000Z',
    end: '2030-05-20T08:00:00.000Z',
    externalAudience: 'Known',
    internalReply: 'Bob at the conference',
    externalReply: 'Bob away',
  };
  harness.mailbox.oof.set(BOB, bobs);
  await harness.deliver(leave(BOB, 'B1', '2030-09-01', '2030-09-05'));
  // his window is not quiet (still to come): his reply stays until the leave starts
  expect(harness.oof(BOB)).toEqual(bobs);
  await harness.advanceTo('2030-09-02T08:00:00Z');
  expect(harness.oof(BOB)).toMatchObject({ state: 'Scheduled', end: '2030-09-05T22:00:00.000Z' });
  await harness.advanceTo('2030-09-07T08:00:00Z');
  expect(harness.oof(BOB)).toEqual({
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'Bob at the conference',
    externalReply: 'Bob away',
  });
  expect(harness.runtimeStatus(BOB)).toBe('Running');
  expect(harness.decisions(BOB).map((d) => d.decision)).toContain('restored-as-disabled');
  expect(harness.decisions(BOB).map((d) => d.decision)).not.toContain('failed');
});

test('her own change during an absence is left alone and becomes what she returns to; a later absence still applies', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(ALICE, 'SEP', '2030-09-01', '2030-09-05', { eventId: 'sep' }));
  await harness.advanceTo('2030-07-03T08:00:00Z');
  const hers: OofSettings = {
    state: 'Enabled',
    externalAudience: 'All',
    internalReply: 'Back later, call Dan',
    externalReply: 'Away',
  };
  harness.mailbox.oof.set(ALICE, hers);
  // a nudge (as the reconcile timer sends) sees the change
  harness.host.raiseEvent(harness.instanceIdOf(ALICE), 'Reconcile', {});
  await harness.settle();
  expect(harness.oof(ALICE)).toEqual(hers);
  expect(harness.decisions(ALICE).at(-1)).toMatchObject({ decision: 'left-as-changed' });

  await harness.advanceTo('2030-07-15T08:00:00Z'); // July over: her Enabled reply is what she returns to
  expect(harness.oof(ALICE)).toEqual(hers);
  await harness.advanceTo('2030-09-02T08:00:00Z'); // September still applies
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-09-05T22:00:00.000Z' });
  await harness.advanceTo('2030-09-08T08:00:00Z');
  expect(harness.oof(ALICE)).toEqual(hers);
});

test('the same event again and an older one change nothing and are answered without waking the owner', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const first = leave(ALICE, 'JUL', '2030-07-01', '2030-07-12', { occurredAt: '2029-02-01T00:00:00Z' });
  await harness.deliver(first);
  const writes = harness.mailbox.calls.filter((c) => c.startsWith('setOof')).length;
  expect(await harness.deliver(first)).toMatchObject({ action: 'ignored' });
  const older = leave(ALICE, 'JUL', '2030-07-01', '2030-07-30', {
    eventId: 'old',
    occurredAt: '2029-01-01T00:00:00Z',
  });
  expect(await harness.deliver(older)).toMatchObject({ action: 'ignored' });
  expect(harness.oof(ALICE).end).toBe('2030-07-12T22:00:00.000Z');
  expect(harness.mailbox.calls.filter((c) => c.startsWith('setOof'))).toHaveLength(writes);
});

test('a cancellation that arrives before its approval is remembered: the later-arriving approval is ignored', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const cancelled = leave(ALICE, 'L9', '2030-07-01', '2030-07-12', {
    eventId: 'x',
    type: 'cancelled',
    occurredAt: '2029-02-02T00:00:00Z',
  });
  expect(await harness.deliver(cancelled)).toMatchObject({ action: 'started' });
  const approval = leave(ALICE, 'L9', '2030-07-01', '2030-07-12', {
    eventId: 'a',
    occurredAt: '2029-02-01T00:00:00Z',
  });
  expect(await harness.deliver(approval)).toMatchObject({ action: 'ignored' });
  await harness.advanceTo('2030-07-05T00:00:00Z');
  expect(harness.oof(ALICE).state).toBe('Disabled');
  expect(harness.mailbox.calls.filter((c) => c.startsWith('setOof'))).toEqual([]);
});

test('a mailbox call that keeps failing is recorded, the owner keeps running and tries again an hour later', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const busy = () => harness.mailbox.failures.push(transient(), transient(), transient());
  busy();
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  expect(harness.runtimeStatus(ALICE)).toBe('Running');
  expect(harness.decisions(ALICE).at(-1)).toMatchObject({ decision: 'failed' });
  // one line, written once (not on every replay), naming the owner
  expect(harness.lines.filter((l) => l.includes('TransientGiveUp'))).toEqual([
    expect.stringMatching(
      /^\[leaveCalendarOrchestrator\] instance=leave-calendar-[0-9a-f]{32} failed: automatic replies: TransientGiveUp: still failing after 3 attempts/,
    ),
  ]);
  await harness.advanceTo('2030-05-01T09:30:00Z');
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
});

test('a person outside MAILBOX_SCOPE: no mailbox call, the decision says why', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  await harness.deliver(leave('eve@fabrikam.com', 'E1', '2030-07-01', '2030-07-12'));
  expect(harness.mailbox.calls).toEqual([]);
  expect(harness.decisions('eve@fabrikam.com').at(-1)).toMatchObject({ decision: 'out-of-scope' });
});

describe('LEAVE_CALENDAR_EVENT=on', () => {
  test('one Out of office event per absence, created, moved and deleted with it; her own events untouched', async () => {
    harness = await CalendarHarness.start({
      now: '2030-05-01T08:00:00Z',
      env: { LEAVE_CALENDAR_EVENT: 'on' },
    });
    const calendar = () => [...(harness.mailbox.calendars.get(ALICE)?.values() ?? [])];
    harness.mailbox.calendars.set(
      ALICE,
      new Map([
        [
          'hers',
          {
            subject: 'Dentist',
            firstDay: '2030-07-03',
            firstDayBack: '2030-07-04',
            timeZone: 'Europe/Berlin',
            body: '',
            tag: 'x',
          },
        ],
      ]),
    );
    await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
    await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { eventId: 'aug' }));
    expect(
      calendar()
        .map((e) => `${e.subject} ${e.firstDay}..${e.firstDayBack}`)
        .sort(),
    ).toEqual([
      'Dentist 2030-07-03..2030-07-04',
      'Out of office 2030-07-01..2030-07-13',
      'Out of office 2030-08-05..2030-08-17',
    ]);
    await harness.deliver(
      leave(ALICE, 'JUL', '2030-07-01', '2030-07-19', {
        eventId: 'jul2',
        type: 'updated',
        occurredAt: '2029-03-01T00:00:00Z',
      }),
    );
    await harness.deliver(
      leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', {
        eventId: 'aug-x',
        type: 'cancelled',
        occurredAt: '2029-03-01T00:00:00Z',
      }),
    );
    expect(
      calendar()
        .map((e) => `${e.subject} ${e.firstDay}..${e.firstDayBack}`)
        .sort(),
    ).toEqual(['Dentist 2030-07-03..2030-07-04', 'Out of office 2030-07-01..2030-07-20']);
    expect(harness.mailbox.calendars.get(ALICE)?.get('hers')?.subject).toBe('Dentist');
    // over: the event stays (it is what happened) and is no longer the app's to move
    await harness.advanceTo('2030-07-25T00:00:00Z');
    expect(calendar()).toHaveLength(2);
    expect(harness.calendar(ALICE).events).toEqual([]);
  });
});

test('events delivered at the same moment are all applied, none lost when the owner continues as new', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  const id = harness.instanceIdOf(ALICE);
  for (const [leaveId, start, end] of [
    ['AUG', '2030-08-05', '2030-08-16'],
    ['SEP', '2030-09-01', '2030-09-05'],
    ['OCT', '2030-10-01', '2030-10-05'],
  ] as const) {
    harness.host.raiseEvent(id, 'LeaveEvent', {
      source: 'generic',
      event: leave(ALICE, leaveId, start, end, { eventId: leaveId }),
    });
  }
  await harness.settle();
  expect(
    harness
      .calendar(ALICE)
      .leaves.map((l) => l.key)
      .sort(),
  ).toEqual(['generic:AUG', 'generic:JUL', 'generic:OCT', 'generic:SEP']);
});
