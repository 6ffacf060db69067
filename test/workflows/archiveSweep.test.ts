/**
 * The archive sweep through durable-functions' real replay engine: episode by episode for the replay
 * guarantees, and whole runs through the dev host's in-process driver with an in-memory tenant.
 */
import '../../functions/archiveSweep';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { h, type WireEvent } from '../../dev/host/history';
import { ActionType, LocalDurableHost } from '../../dev/host/localDurableHost';
import { ACTIVITY } from '../../functions/archiveSweepActivities';
import { startSweep } from '../../functions/archiveSweep';
import {
  ORCHESTRATOR,
  type BatchInput,
  type BatchResult,
  type LaneInput,
} from '../../functions/archiveSweepOrchestrator';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import { useAppServices } from '../../shared/app/appServices';
import { useFakeSweepTenant } from '../support/sweepStarters';
import { MemorySweepStore } from '../../shared/sweep/sweepStore';
import {
  emptyCounts,
  type MailboxRow,
  type SweepJob,
  type SweepSummary,
} from '../../shared/sweep/sweepTypes';
import { activityCalls, inputOf, replay } from '../support/durableEpisodes';
import { archived, FakeMailboxes } from '../support/fakeMailboxes';
import { batchHistoryAfterLoad } from '../support/sweepBatchHistory';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

const NOW = new Date('2026-11-25T02:00:00Z');

const job: SweepJob = {
  sweepId: 'archive-sweep',
  startedAt: NOW.toISOString(),
  dryRun: false,
  receivedBefore: '2025-11-25T02:00:00.000Z',
  folders: ['inbox'],
  maxItemsPerRun: 1000,
  batchSize: 3,
  maxBatchesInFlight: 3,
  maxAttempts: 3,
  firstRetryMs: 1000,
  reportPath: 'archive/2026-11-25T020000Z-archive-sweep',
};

function tenant(count: number, oldPerMailbox = 5, recentPerMailbox = 2): FakeMailboxes {
  const fake = new FakeMailboxes();
  for (let i = 0; i < count; i++) {
    fake.addMailbox(`user${String(i).padStart(4, '0')}@contoso.com`, {
      old: oldPerMailbox,
      recent: recentPerMailbox,
      now: NOW,
    });
  }
  return fake;
}

afterEach(() => useAppServices(undefined));

describe('archive sweep, whole runs on the in-process driver', () => {
  it('archives exactly the old mail of every mailbox and reports per outcome', async () => {
    const fake = tenant(47);
    fake.addMailbox('noarchive@contoso.com', { old: 3, archive: false, now: NOW });
    fake.addMailbox('denied@contoso.com', { old: 3, now: NOW });
    fake.failures.set('denied@contoso.com', {
      error: new MailboxError({
        code: 'ErrorImpersonateUserDenied',
        errorClass: 'permanent',
        message: 'denied',
      }),
      times: 99,
    });
    const store = await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '5', SWEEP_MAX_BATCHES_IN_FLIGHT: '3' });
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun: false }, 'archive-sweep');

    expect(run.status).toBe('Completed');
    const summary = run.output as SweepSummary;
    expect(summary.mailboxes).toMatchObject({ total: 49, archived: 47, skipped: 1, failed: 1 });
    expect(summary).toMatchObject({ itemsPlanned: 235, itemsArchived: 235 });
    for (const address of fake.mailboxes.keys()) {
      if (address === 'noarchive@contoso.com' || address === 'denied@contoso.com') {
        expect(fake.count(address, 'primary')).toBe(3);
        continue;
      }
      expect(fake.count(address, 'primary')).toBe(2); // the recent mail stays
      expect(archived(fake, address)).toBe(5);
    }
    // the permanent error was tried once: no retries for ErrorImpersonateUserDenied
    expect(fake.calls.filter((c) => c.mailbox === 'denied@contoso.com' && c.op !== 'resolve')).toHaveLength(
      1,
    );

    const csv = [...store.blobs.entries()].find(([k]) => k.endsWith('.csv'))?.[1] ?? '';
    expect(csv.split('\r\n')).toContain('denied@contoso.com,failed,0,0,,ErrorImpersonateUserDenied');
    expect(csv.split('\r\n')).toContain('noarchive@contoso.com,skipped,0,0,,NoArchiveMailbox');
    expect(csv.trim().split('\r\n')).toHaveLength(50); // header + one line per mailbox
    expect([...store.blobs.keys()].filter((k) => k.includes('.parts/'))).toEqual([]); // working files removed
  });

  it('keeps at most SWEEP_MAX_BATCHES_IN_FLIGHT batches running, and a slow batch does not hold up the others', async () => {
    const fake = tenant(60, 1, 0);
    await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '3', SWEEP_MAX_BATCHES_IN_FLIGHT: '4' });
    // user0000 (batch 0) is slow: every call to it takes 300 ms, the others 5 ms
    const inner = fake.hasArchiveMailbox.bind(fake);
    fake.hasArchiveMailbox = async (mailbox: string) => {
      await new Promise((r) => setTimeout(r, mailbox === 'user0000@contoso.com' ? 300 : 5));
      return inner(mailbox);
    };
    let inFlight = 0;
    let maxInFlight = 0;
    let finishedWhileSlowRan = 0;
    let slowRunning = false;
    const loadBatch = registrations.get(ACTIVITY.loadBatch)!;
    const saveBatch = registrations.get(ACTIVITY.saveBatch)!;
    const original = { load: loadBatch.callback, save: saveBatch.callback };
    loadBatch.callback = (input, ctx) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if ((input as { start: number }).start === 0) slowRunning = true;
      return original.load(input, ctx);
    };
    saveBatch.callback = (input, ctx) => {
      inFlight--;
      if ((input as { batch: number }).batch === 0) slowRunning = false;
      else if (slowRunning) finishedWhileSlowRan++;
      return original.save(input, ctx);
    };
    try {
      const host = new LocalDurableHost(registrations, { timers: 'skip' });
      const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
      expect(run.status).toBe('Completed');
      expect((run.output as SweepSummary).mailboxes.archived).toBe(60);
    } finally {
      loadBatch.callback = original.load;
      saveBatch.callback = original.save;
    }
    expect(maxInFlight).toBe(4);
    // in waves, only the 3 other batches of the first wave could finish while batch 0 ran
    expect(finishedWhileSlowRan).toBeGreaterThan(6);
  });

  it("works on at most the worker's activity limit of mailboxes at once, and on that many", async () => {
    const fake = tenant(40, 1, 0);
    await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '10', SWEEP_MAX_BATCHES_IN_FLIGHT: '4' });
    let inFlight = 0;
    let maxInFlight = 0;
    const inner = fake.hasArchiveMailbox.bind(fake);
    fake.hasArchiveMailbox = async (mailbox: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return inner(mailbox);
    };
    const host = new LocalDurableHost(registrations, { timers: 'skip', maxConcurrentActivities: 6 });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    expect((run.output as SweepSummary).mailboxes.archived).toBe(40);
    // 40 mailboxes in batches of 10, 4 batches in flight: without the limit all 40 would run together.
    expect(maxInFlight).toBe(6);
  });

  it('a dry run moves nothing and reports what would move', async () => {
    const fake = tenant(10, 7, 1);
    await useFakeSweepTenant(fake);
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun: true }, 'archive-sweep');
    const summary = run.output as SweepSummary;
    expect(summary).toMatchObject({ dryRun: true, itemsPlanned: 70, itemsArchived: 0 });
    expect(summary.mailboxes).toMatchObject({ planned: 10, archived: 0 });
    expect(fake.calls.filter((c) => c.op === 'archive')).toHaveLength(0);
    for (const address of fake.mailboxes.keys()) expect(fake.count(address, 'primary')).toBe(8);
  });

  it('retries a mailbox whose calls fail transiently and still archives it', async () => {
    const fake = tenant(4, 2, 0);
    fake.failures.set('user0002@contoso.com', {
      error: new MailboxError({
        code: 'ErrorServerBusy',
        errorClass: 'throttled',
        message: 'busy',
        backOffMs: 10,
      }),
      times: 2,
    });
    await useFakeSweepTenant(fake);
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect((run.output as SweepSummary).mailboxes.archived).toBe(4);
    expect(archived(fake, 'user0002@contoso.com')).toBe(2);
  });

  it('a mailbox still failing after every attempt is reported with the code, the others are archived', async () => {
    const fake = tenant(4, 2, 0);
    fake.failures.set('user0001@contoso.com', {
      error: new MailboxError({
        code: 'ErrorMailboxStoreUnavailable',
        errorClass: 'transient',
        message: 'down',
      }),
      times: 99,
    });
    const store = await useFakeSweepTenant(fake, { SWEEP_MAX_ATTEMPTS: '2' });
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    const summary = run.output as SweepSummary;
    expect(summary.mailboxes).toMatchObject({ archived: 3, failed: 1 });
    expect(fake.calls.filter((c) => c.mailbox === 'user0001@contoso.com' && c.op !== 'resolve')).toHaveLength(
      2,
    );
    const reportJson = [...store.blobs.entries()].find(([k]) => k.endsWith('.json'))?.[1] ?? '{}';
    const { rows } = JSON.parse(reportJson) as { rows: MailboxRow[] };
    expect(rows.find((r) => r.mailbox === 'user0001@contoso.com')).toMatchObject({
      outcome: 'failed',
      errorCode: 'ErrorMailboxStoreUnavailable',
    });
  });

  it('a configuration mistake ends the sweep at once, naming the setting', async () => {
    const fake = tenant(1);
    await useAppServices({
      env: { MAILBOX_SCOPE: 'contoso.com' },
      mailbox: fake,
      reports: new MemorySweepStore(),
    });
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Failed');
    expect(run.error).toMatch(/MAILBOX_SCOPE_GROUP/);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('archive sweep, episode by episode', () => {
  const t = (s: number): Date => new Date(NOW.getTime() + s * 1000);

  it('after a crash, a batch replays finished mailboxes from history and schedules none of them again', async () => {
    const input: BatchInput = { job, batch: 0, start: 0, end: 3 };
    const mailboxes = ['a@contoso.com', 'b@contoso.com', 'c@contoso.com'];
    const row = (mailbox: string): MailboxRow => ({
      mailbox,
      outcome: 'archived',
      itemsPlanned: 5,
      itemsMoved: 5,
    });
    const history: WireEvent[] = [
      ...batchHistoryAfterLoad(input, mailboxes, t),
      h.taskScheduled(1, t(1), ACTIVITY.sweepMailbox),
      h.taskScheduled(2, t(1), ACTIVITY.sweepMailbox),
      h.taskScheduled(3, t(1), ACTIVITY.sweepMailbox),
      h.orchestratorCompleted(t(1)),
      h.orchestratorStarted(t(2)),
      h.taskCompleted(t(2), 1, row('a@contoso.com')),
      h.taskCompleted(t(2), 3, row('c@contoso.com')),
      // the worker crashed here; the host replays what is in the history
    ];
    const resumed = await replay(ORCHESTRATOR.batch, history, input);
    expect(resumed.done).toBe(false);
    const mailboxCalls = activityCalls(resumed, ACTIVITY.sweepMailbox);
    // the same three calls as before the crash (ids 1..3), nothing new, no report rows yet
    expect(mailboxCalls.map((a) => inputOf<{ mailbox: string }>(a).mailbox)).toEqual(mailboxes);
    expect(activityCalls(resumed, ACTIVITY.saveBatch)).toHaveLength(0);

    history.push(
      h.orchestratorCompleted(t(2)),
      h.orchestratorStarted(t(3)),
      h.taskCompleted(t(3), 2, row('b@contoso.com')),
    );
    const finished = await replay(ORCHESTRATOR.batch, history, input);
    const save = activityCalls(finished, ACTIVITY.saveBatch);
    expect(save).toHaveLength(1);
    expect(inputOf<{ rows: MailboxRow[] }>(save[0]).rows.map((r) => r.mailbox)).toEqual(mailboxes);
  });

  it('a lane resumed after a crash starts only the batch after the last one finished', async () => {
    const input: LaneInput = { job, lane: 0, lanes: 3, batches: 9, total: 27 };
    const result = (n: number): BatchResult => {
      const counts = emptyCounts();
      counts.mailboxes.archived = 3;
      counts.itemsArchived = n;
      return { batches: 1, counts };
    };
    const history: WireEvent[] = [
      h.orchestratorStarted(t(0)),
      h.executionStarted(t(0), ORCHESTRATOR.lane, input),
      h.subOrchCreated(0, t(0), ORCHESTRATOR.batch, 'lane0:batch0'),
      h.orchestratorCompleted(t(0)),
      h.orchestratorStarted(t(1)),
      h.subOrchCompleted(t(1), 0, result(10)),
      h.subOrchCreated(1, t(1), ORCHESTRATOR.batch, 'lane0:batch3'),
      h.orchestratorCompleted(t(1)),
      h.orchestratorStarted(t(2)),
      h.subOrchCompleted(t(2), 1, result(20)),
    ];
    const resumed = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
    const subs = resumed.actions.filter((a) => a.actionType === ActionType.CallSubOrchestrator);
    expect(subs.map((a) => inputOf<BatchInput>(a).batch)).toEqual([0, 3, 6]); // 0 and 3 from history, 6 new
    expect(resumed.customStatus).toMatchObject({ batchesDone: 2, counts: { itemsArchived: 30 } });

    history.push(
      h.subOrchCreated(2, t(2), ORCHESTRATOR.batch, 'lane0:batch6'),
      h.orchestratorCompleted(t(2)),
    );
    history.push(h.orchestratorStarted(t(3)), h.subOrchCompleted(t(3), 2, result(5)));
    const done = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
    expect(done.done).toBe(true);
    expect(done.output).toMatchObject({
      batches: 3,
      counts: { itemsArchived: 35, mailboxes: { archived: 9 } },
    });
  });
});

describe('one archive sweep at a time', () => {
  function client(status: Partial<DurableOrchestrationStatus> | 'none'): {
    client: DurableClient;
    started: string[];
  } {
    const started: string[] = [];
    const fake = {
      getStatus: () =>
        status === 'none'
          ? Promise.reject(
              new Error('DurableClient error: Durable Functions extension replied with HTTP 404 response.'),
            )
          : Promise.resolve(status),
      startNew: (name: string) => {
        started.push(name);
        return Promise.resolve('archive-sweep');
      },
    };
    return { client: fake as unknown as DurableClient, started };
  }

  it('a second start while one runs is refused and starts nothing', async () => {
    const { client: c, started } = client({
      runtimeStatus: 'Running' as DurableOrchestrationStatus['runtimeStatus'],
    });
    const outcome = await startSweep(c, { dryRun: false });
    expect(outcome.started).toBe(false);
    expect(started).toEqual([]);
  });

  it('starts when the last sweep finished or none ever ran', async () => {
    for (const status of ['none', { runtimeStatus: 'Completed' }] as const) {
      const { client: c, started } = client(status as never);
      expect(await startSweep(c, {})).toEqual({ started: true, instanceId: 'archive-sweep' });
      expect(started).toEqual([ORCHESTRATOR.sweep]);
    }
  });
});
