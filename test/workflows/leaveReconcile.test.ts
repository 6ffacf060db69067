/**
 * The daily reconcile against calendar owners on the dev host's durable engine: it repairs the app's own
 * misses (a set that failed for good, an owner that was terminated) and leaves a person's own change alone.
 */
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { reconcileCsv, reconcileReport, startReconcile } from '../../shared/leave/leaveReconcile';
import { permanent } from '../support/durableMailboxFake';
import { CalendarHarness, leave } from '../support/leaveCalendarHarness';

const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';
let harness: CalendarHarness;
afterEach(() => harness.close());

async function reconcile(): Promise<Awaited<ReturnType<typeof reconcileReport>>> {
  const startedAt = new Date(harness.clock.now()).toISOString();
  const start = await startReconcile(harness.reconcileInstances, new Date(startedAt));
  await harness.settle();
  return reconcileReport(harness.reconcileInstances, start, startedAt);
}

test('a set that failed for good is repaired; a person’s own change is left alone; the report says which', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  // alice: the mailbox refused the set once, permanently (no retry of its own)
  harness.mailbox.failures.push(permanent('ErrorMailboxMoveInProgress'));
  await harness.deliver(leave(ALICE, 'A1', '2030-07-01', '2030-07-12'));
  expect(harness.oof(ALICE).state).toBe('Disabled');
  // bob: his leave runs, and he changed his own reply during it
  await harness.deliver(leave(BOB, 'B1', '2030-05-01', '2030-05-20'));
  const bobs: OofSettings = {
    state: 'Enabled',
    externalAudience: 'All',
    internalReply: 'Mine',
    externalReply: 'Mine',
  };
  harness.mailbox.oof.set(BOB, bobs);
  // carol: nothing running or to come
  await harness.deliver(leave(CAROL, 'C1', '2030-07-01', '2030-07-03', { type: 'cancelled' }));

  const report = await reconcile();

  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
  expect(harness.oof(BOB)).toEqual(bobs);
  expect(report.rows.map((r) => `${r.mailbox} ${r.action} ${r.outcome}`).sort()).toEqual([
    `${ALICE} nudged repaired`,
    `${BOB} nudged left-as-changed`,
  ]);
  expect(report.counts).toEqual({ nudged: 2, restarted: 0, failed: 0, idle: 1 });
  expect(report.summary).toBe(
    'leave reconcile: 3 calendars, 2 looked at again, 0 restarted, 0 failed, 1 with nothing to do; outcomes: 1 left-as-changed, 1 repaired',
  );
  expect(reconcileCsv(report).split('\r\n')[0]).toBe('mailbox,action,outcome,detail');
});

test('an owner that was terminated is started again from its last state and keeps the mailbox in step', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  const own: OofSettings = {
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'x',
    externalReply: 'y',
  };
  harness.mailbox.oof.set(ALICE, own);
  await harness.deliver(leave(ALICE, 'A1', '2030-07-01', '2030-07-12'));
  harness.host.terminate(harness.instanceIdOf(ALICE), 'lost');
  await harness.host.waitForCompletion(harness.instanceIdOf(ALICE));

  const report = await reconcile();

  expect(report.rows).toEqual([
    expect.objectContaining({ mailbox: ALICE, action: 'restarted', outcome: 'unchanged' }),
  ]);
  expect(harness.runtimeStatus(ALICE)).toBe('Running');
  await harness.advanceTo('2030-07-14T00:00:00Z');
  expect(harness.oof(ALICE)).toEqual(own);
});
