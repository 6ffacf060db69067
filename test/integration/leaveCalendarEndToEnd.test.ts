/**
 * A person's leaves as one calendar, end to end: signed webhooks → the dev host → each person's calendar
 * owner → the EWS sandbox (or the Graph stand-in over the same tenant), with LEAVE_CALENDAR_EVENT on. The
 * host, the sandbox and the Graph stand-in share one virtual clock, so the stand-ins judge a scheduled
 * window's end as Exchange would at that time. The demo tenant's people: alice (Disabled), bob (his own
 * scheduled window, a few days from the real today, long over by 2030) and carol (Enabled, "Working from the
 * Lisbon office this week.").
 */
import type { MailboxSnapshot } from '../../dev/ews-sandbox';
import { eventually } from '../support/eventually';
import { startLeaveBackends, type LeaveBackends } from '../support/leaveBackends';

const SECRET = 'calendar-e2e-secret';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';

let backends: LeaveBackends;

const oofOf = (address: string): MailboxSnapshot['oof'] => backends.oofOf(address);

/** The person's calendar as the back end in use shows it: subject and days of each event. */
function calendarOf(address: string): string[] {
  const { graph, sandbox } = backends;
  const events = graph
    ? graph.events(address).map((e) => `${String(e.subject)} ${e.startUtc}`)
    : (sandbox.inspectCalendar(address) ?? []).map((e) => `${e.subject} ${e.start}`);
  return events.sort();
}

/**
 * Retries `check` until it passes (the owners work asynchronously), at most 30 s (a loaded 2-core machine runs
 * several suites at once); on failure the owners' lines say what they decided.
 */
function eventuallyOwners(check: () => void): Promise<void> {
  return eventually(check, {
    timeoutMs: 30_000,
    explain: () =>
      `owner lines:\n${backends.devHost.logs
        .filter((l) => l.includes('leave-calendar-'))
        .slice(-30)
        .join('\n')}`,
  });
}

async function advanceTo(iso: string): Promise<void> {
  const res = await fetch(`${backends.host.url}/dev/clock/advance?to=${iso}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

describe.each(['ews', 'graph'] as const)('leave calendar end to end (MAILBOX_BACKEND=%s)', (backend) => {
  beforeAll(async () => {
    backends = await startLeaveBackends(backend, {
      HR_WEBHOOK_SECRETS: SECRET,
      LEAVE_RETRY_FIRST_MS: '10',
      LEAVE_MAX_ATTEMPTS: '8',
      LEAVE_CALENDAR_EVENT: 'on',
    });
  });

  afterAll(() => backends.close());

  test('alice’s July and August, carol’s overlapping leaves with one cancelled, bob’s expired window', async () => {
    const before = { alice: oofOf(ALICE), carol: oofOf(CAROL), bob: oofOf(BOB) };
    const ownEvents = { alice: calendarOf(ALICE), carol: calendarOf(CAROL) };
    expect(before.alice.state).toBe('Disabled');
    expect(before.carol.state).toBe('Enabled');
    expect(before.bob.state).toBe('Scheduled');

    await backends.send('approved', ALICE, 'A-JUL', '2030-07-01', '2030-07-12');
    await backends.send('approved', ALICE, 'A-AUG', '2030-08-05', '2030-08-16');
    await backends.send('approved', CAROL, 'C-1', '2030-07-01', '2030-07-12');
    await backends.send('approved', CAROL, 'C-2', '2030-07-08', '2030-07-20');
    await backends.send('approved', BOB, 'B-SEP', '2030-09-02', '2030-09-06');

    // alice's own replies are off: July is scheduled ahead; carol and bob keep their own for now
    await eventuallyOwners(() =>
      expect(oofOf(ALICE)).toMatchObject({
        state: 'Scheduled',
        start: '2030-06-30T22:00:00.000Z',
        end: '2030-07-12T22:00:00.000Z',
      }),
    );
    expect(oofOf(ALICE).internalReply).toContain('13 July 2030');
    await eventuallyOwners(() => expect(calendarOf(ALICE)).toHaveLength(ownEvents.alice.length + 2));
    expect(calendarOf(ALICE)).toEqual(expect.arrayContaining(ownEvents.alice));
    await eventuallyOwners(() => expect(calendarOf(CAROL)).toHaveLength(ownEvents.carol.length + 1));
    expect(oofOf(CAROL)).toEqual(before.carol);
    expect(oofOf(BOB)).toEqual(before.bob);

    // carol's first leave is cancelled before it starts: her absence is now C-2 alone
    await backends.send('cancelled', CAROL, 'C-1', '2030-07-01', '2030-07-12');
    await eventuallyOwners(() =>
      expect(calendarOf(CAROL).filter((e) => e.startsWith('Out of office'))).toHaveLength(1),
    );

    await advanceTo('2030-07-10T08:00:00Z');
    await eventuallyOwners(() =>
      expect(oofOf(CAROL)).toMatchObject({ state: 'Scheduled', end: '2030-07-20T22:00:00.000Z' }),
    );
    expect(oofOf(ALICE).end).toBe('2030-07-12T22:00:00.000Z');

    await advanceTo('2030-07-14T08:00:00Z');
    await eventuallyOwners(() =>
      expect(oofOf(ALICE)).toMatchObject({
        state: 'Scheduled',
        start: '2030-08-04T22:00:00.000Z',
        end: '2030-08-16T22:00:00.000Z',
      }),
    );

    await advanceTo('2030-07-22T08:00:00Z');
    await eventuallyOwners(() => expect(oofOf(CAROL)).toEqual(before.carol));

    await advanceTo('2030-08-20T08:00:00Z');
    await eventuallyOwners(() => expect(oofOf(ALICE)).toEqual(before.alice));

    await advanceTo('2030-09-03T08:00:00Z');
    await eventuallyOwners(() =>
      expect(oofOf(BOB)).toMatchObject({ state: 'Scheduled', end: '2030-09-06T22:00:00.000Z' }),
    );
    await advanceTo('2030-09-08T08:00:00Z');
    // his own window ended in 2026: back as Disabled with his texts and audience, never a past window
    await eventuallyOwners(() =>
      expect(oofOf(BOB)).toMatchObject({
        state: 'Disabled',
        externalAudience: before.bob.externalAudience,
        internalReply: before.bob.internalReply,
        externalReply: before.bob.externalReply,
      }),
    );

    // every owner is still running and none recorded a failure
    const failures = backends.devHost.logs.filter(
      (l) => / failed: /.test(l) && l.includes('leaveCalendarOrchestrator'),
    );
    expect(failures).toEqual([]);
    expect(calendarOf(ALICE)).toEqual(expect.arrayContaining(ownEvents.alice));
    expect(calendarOf(CAROL)).toEqual(expect.arrayContaining(ownEvents.carol));
  });
});
