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
  MAX_FAILED_BATCHES_IN_A_ROW,
  MAX_PART_ASKS,
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

/** Each mailbox's first call (the archive check) takes `ms`; `most` is how many were ever in it at once. */
function countMailboxesInFlight(fake: FakeMailboxes, ms: number): { most: number } {
  const seen = { most: 0 };
  let now = 0;
  const inner = fake.hasArchiveMailbox.bind(fake);
  fake.hasArchiveMailbox = async (mailbox: string) => {
    now++;
    seen.most = Math.max(seen.most, now);
    await new Promise((r) => setTimeout(r, ms));
    now--;
    return inner(mailbox);
  };
  return seen;
}

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
      if ((input as { part: number }).part === 0) slowRunning = true;
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
    await useFakeSweepTenant(fake, {
      SWEEP_BATCH_SIZE: '10',
      SWEEP_MAX_BATCHES_IN_FLIGHT: '4',
      SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: '10',
    });
    const mailboxesInFlight = countMailboxesInFlight(fake, 10);
    const host = new LocalDurableHost(registrations, { timers: 'skip', maxConcurrentActivities: 6 });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    expect((run.output as SweepSummary).mailboxes.archived).toBe(40);
    // 40 mailboxes in batches of 10, 4 batches in flight: without the limit all 40 would run together.
    expect(mailboxesInFlight.most).toBe(6);
  });

  it('sweeps at most SWEEP_MAX_BATCHES_IN_FLIGHT × SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH mailboxes at once, whatever the workers allow', async () => {
    const fake = tenant(60, 1, 0);
    await useFakeSweepTenant(fake, {
      SWEEP_BATCH_SIZE: '10',
      SWEEP_MAX_BATCHES_IN_FLIGHT: '3',
      SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: '2',
    });
    const mailboxesInFlight = countMailboxesInFlight(fake, 15);
    // as if many instances ran the activities: no per-worker limit that could hide the orchestration's
    const host = new LocalDurableHost(registrations, { timers: 'skip', maxConcurrentActivities: 1000 });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    expect((run.output as SweepSummary).mailboxes).toMatchObject({ total: 60, archived: 60 });
    for (let i = 0; i < 60; i++)
      expect(archived(fake, `user${String(i).padStart(4, '0')}@contoso.com`)).toBe(1);
    // 3 lanes × 2: without the bound, the 3 batches' 30 mailboxes would all run together
    expect(mailboxesInFlight.most).toBe(6);
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
  it('a lane with more than its generation of batches continues as new, carrying its next batch and totals; the sweep reads the same', async () => {
    // 120 mailboxes, batches of 1, 2 lanes: 60 batches a lane, i.e. a generation of 50 and one of 10.
    const fake = tenant(120, 2, 1);
    const store = await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '1', SWEEP_MAX_BATCHES_IN_FLIGHT: '2' });
    const lane = registrations.get(ORCHESTRATOR.lane)!;
    const original = lane.callback;
    const generations: { instanceId: string; input: LaneInput }[] = [];
    const laneStatus = new Map<string, unknown>();
    let longestLaneHistory = 0;
    lane.callback = async (trigger, ctx) => {
      const { history, input, instanceId } = trigger as {
        history: WireEvent[];
        input: LaneInput;
        instanceId: string;
      };
      longestLaneHistory = Math.max(longestLaneHistory, history.length);
      if (history.length === 2) generations.push({ instanceId, input }); // a generation's first episode
      const state = (await original(trigger, ctx)) as { customStatus?: unknown };
      laneStatus.set(instanceId, state.customStatus);
      return state;
    };
    let run: Awaited<ReturnType<LocalDurableHost['runOrchestration']>>;
    try {
      const host = new LocalDurableHost(registrations, { timers: 'skip' });
      run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    } finally {
      lane.callback = original;
    }

    expect(run.status).toBe('Completed');
    const summary = run.output as SweepSummary;
    expect(summary.mailboxes).toMatchObject({ total: 120, archived: 120, failed: 0 });
    expect(summary).toMatchObject({ itemsPlanned: 240, itemsArchived: 240 });
    for (const address of fake.mailboxes.keys()) expect(archived(fake, address)).toBe(2); // each once
    const csv = [...store.blobs.entries()].find(([k]) => k.endsWith('.csv'))?.[1] ?? '';
    expect(csv.trim().split('\r\n')).toHaveLength(121);
    expect(run.customStatus).toMatchObject({
      phase: 'done',
      total: 120,
      done: 120,
      itemsArchived: 240,
      batches: { total: 120, done: 120, inFlight: 0 },
    });

    // each lane: a first generation of 50 batches, then one carrying its next batch and what the 50 did
    const byLane = (n: number) => generations.filter((g) => g.input.lane === n).map((g) => g.input);
    for (const n of [0, 1]) {
      const [first, second, ...more] = byLane(n);
      expect(more).toEqual([]);
      expect(first?.batchesPerGeneration).toBe(50);
      expect(first?.resume).toBeUndefined();
      expect(second?.resume?.nextBatch).toBe(100 + n); // the lane's 51st: n, n+2, ..., n+98, then n+100
      expect(second?.resume?.done.batches).toBe(50);
      expect(second?.resume?.done.counts).toMatchObject({
        mailboxes: { archived: 50 },
        itemsArchived: 100,
      });
    }
    // the lanes' progress is their running totals over both generations
    for (const [instanceId, status] of laneStatus) {
      expect(instanceId).toMatch(/:lane[01]$/);
      expect(status).toMatchObject({
        batchesDone: 60,
        counts: { mailboxes: { archived: 60 }, itemsArchived: 120 },
      });
    }
    // a generation's history holds its 50 batches at most: 2 events to start, 4 a batch
    expect(longestLaneHistory).toBeLessThanOrEqual(2 + 4 * 50);
  });
});

describe('archive sweep, episode by episode', () => {
  const t = (s: number): Date => new Date(NOW.getTime() + s * 1000);

  it('after a crash, a batch replays finished mailboxes from history and schedules none of them again', async () => {
    const input: BatchInput = { job, batch: 0 };
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

  /**
   * Runs a batch of `mailboxes` episode by episode as the extension would: each episode's new mailbox
   * calls are scheduled, then one outstanding call answers (the newest first) and the next episode
   * replays everything. (A mailbox that gives up is the whole-run tests': a failed attempt is retried
   * through the extension's timers.) Returns the most calls that were ever scheduled and not
   * yet answered, and the rows the batch saved.
   */
  async function runBatchByEpisodes(
    input: BatchInput,
    mailboxes: string[],
  ): Promise<{ mostOutstanding: number; saved: MailboxRow[]; episodes: number }> {
    const history = batchHistoryAfterLoad(input, mailboxes, t);
    const scheduled: string[] = []; // mailbox of task id i + 1 (loadBatch is task 0)
    const outstanding = new Set<number>();
    let mostOutstanding = 0;
    for (let second = 1; second < 1000; second++) {
      const episode = await replay(ORCHESTRATOR.batch, history, input);
      const save = activityCalls(episode, ACTIVITY.saveBatch);
      if (save.length > 0) {
        expect(outstanding.size).toBe(0); // rows are saved only once every mailbox has answered
        return { mostOutstanding, saved: inputOf<{ rows: MailboxRow[] }>(save[0]).rows, episodes: second };
      }
      const calls = activityCalls(episode, ACTIVITY.sweepMailbox);
      // what was scheduled before is scheduled again on replay, in the same order, and nothing twice
      expect(calls.slice(0, scheduled.length).map((a) => inputOf<{ mailbox: string }>(a).mailbox)).toEqual(
        scheduled,
      );
      for (const call of calls.slice(scheduled.length)) {
        scheduled.push(inputOf<{ mailbox: string }>(call).mailbox);
        history.push(h.taskScheduled(scheduled.length, t(second), ACTIVITY.sweepMailbox));
        outstanding.add(scheduled.length);
      }
      mostOutstanding = Math.max(mostOutstanding, outstanding.size);
      if (outstanding.size === 0) throw new Error(`episode ${second}: nothing scheduled and no rows saved`);
      const answering = Math.max(...outstanding);
      outstanding.delete(answering);
      const mailbox = scheduled[answering - 1]!;
      history.push(
        h.orchestratorCompleted(t(second)),
        h.orchestratorStarted(t(second + 1)),
        h.taskCompleted(t(second + 1), answering, {
          mailbox,
          outcome: 'archived',
          itemsPlanned: mailbox.length,
          itemsMoved: answering,
        } satisfies MailboxRow),
      );
    }
    throw new Error('the batch never saved its rows');
  }

  it('a batch never has more than SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH mailboxes scheduled and not yet answered; its rows are the same', async () => {
    const mailboxes = Array.from({ length: 7 }, (_, i) => `m${i}@contoso.com`);
    const bounded: SweepJob = { ...job, batchSize: 7, mailboxesInFlightPerBatch: 2 };
    const run = await runBatchByEpisodes({ job: bounded, batch: 0 }, mailboxes);
    expect(run.mostOutstanding).toBe(2);
    // the same rows, in the same order, as a batch that sweeps all seven at once
    const { mailboxesInFlightPerBatch: _, ...allAtOnce } = bounded;
    const before = await runBatchByEpisodes({ job: allAtOnce, batch: 0 }, mailboxes);
    expect(before.mostOutstanding).toBe(7);
    expect(run.saved).toEqual(before.saved);
    expect(run.saved.map((r) => r.mailbox)).toEqual(mailboxes);
    expect(run.saved.map((r) => r.itemsMoved)).toEqual([1, 2, 3, 4, 5, 6, 7]); // each its own answer
    // answers arriving one by one, waves add no episode: the next wave is scheduled with the last answer of the one before
    expect(run.episodes).toBe(before.episodes);
  });

  const result = (items: number): BatchResult => {
    const counts = emptyCounts();
    counts.mailboxes.archived = 3;
    counts.itemsArchived = items;
    return { batches: 1, counts };
  };
  const noMore: BatchResult = { batches: 0, counts: emptyCounts(), noMore: true };
  type LaneStep = [batch: number, answer?: BatchResult];
  /**
   * The history of a generation of lane 0 started at second `at`: each batch started in an episode of
   * its own, and answered (when a result is given) at the start of the next.
   */
  const laneHistory = (input: LaneInput, at: number, steps: LaneStep[]): WireEvent[] => {
    const history = [h.orchestratorStarted(t(at)), h.executionStarted(t(at), ORCHESTRATOR.lane, input)];
    steps.forEach(([batch, answer], i) => {
      history.push(
        h.subOrchCreated(i, t(at + i), ORCHESTRATOR.batch, `lane0:batch${batch}`),
        h.orchestratorCompleted(t(at + i)),
      );
      if (answer)
        history.push(h.orchestratorStarted(t(at + i + 1)), h.subOrchCompleted(t(at + i + 1), i, answer));
    });
    return history;
  };
  const batchesOf = (e: Awaited<ReturnType<typeof replay>>): number[] =>
    e.actions
      .filter((a) => a.actionType === ActionType.CallSubOrchestrator)
      .map((a) => inputOf<BatchInput>(a).batch);

  it('a lane resumed after a crash starts only the batch after the last one finished', async () => {
    const input: LaneInput = { job, lane: 0, lanes: 3, batchesPerGeneration: 50 };
    const history = laneHistory(input, 0, [
      [0, result(10)],
      [3, result(20)],
    ]);
    const resumed = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
    expect(batchesOf(resumed)).toEqual([0, 3, 6]); // 0 and 3 from history, 6 new
    expect(resumed.customStatus).toMatchObject({ batchesDone: 2, counts: { itemsArchived: 30 } });

    const further = laneHistory(input, 0, [
      [0, result(10)],
      [3, result(20)],
      [6, result(5)],
      [9, noMore],
    ]);
    const done = await replay(ORCHESTRATOR.lane, further, input, 'lane0');
    expect(batchesOf(done)).toEqual([0, 3, 6, 9]);
    expect(done.done).toBe(true);
    expect(done.output).toMatchObject({
      batches: 3,
      counts: { itemsArchived: 35, mailboxes: { archived: 9 } },
    });
  });

  it(`a lane stops after ${MAX_FAILED_BATCHES_IN_A_ROW} batches failed in a row, and counts only what its batches did`, async () => {
    const input: LaneInput = { job, lane: 0, lanes: 3, batchesPerGeneration: 50 };
    // batch 0 archived; batches 3, 6 and 9 failed one after another (their parts could not be read)
    const refused = new Error('reports storage: 403 AuthorizationPermissionMismatch');
    const history: WireEvent[] = [
      h.orchestratorStarted(t(0)),
      h.executionStarted(t(0), ORCHESTRATOR.lane, input),
      h.subOrchCreated(0, t(0), ORCHESTRATOR.batch, 'lane0:batch0'),
      h.orchestratorCompleted(t(0)),
      h.orchestratorStarted(t(1)),
      h.subOrchCompleted(t(1), 0, result(10)),
    ];
    [3, 6, 9].forEach((batch, i) => {
      history.push(
        h.subOrchCreated(i + 1, t(i + 1), ORCHESTRATOR.batch, `lane0:batch${batch}`),
        h.orchestratorCompleted(t(i + 1)),
        h.orchestratorStarted(t(i + 2)),
        h.subOrchFailed(t(i + 2), i + 1, refused),
      );
    });
    // after two failures in a row the lane goes on with the next batch
    const afterTwo = await replay(ORCHESTRATOR.lane, history.slice(0, -4), input, 'lane0');
    expect(batchesOf(afterTwo)).toEqual([0, 3, 6, 9]);
    expect(afterTwo.done).toBe(false);
    const done = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
    expect(batchesOf(done)).toEqual([0, 3, 6, 9]); // no batch 12
    expect(done.done).toBe(true);
    expect(done.output).toMatchObject({
      batches: 4,
      counts: { itemsArchived: 10, mailboxes: { archived: 3 } },
    });
  });

  /** A batch's history: loadBatch asked once per answer, each answered in the next episode. */
  const batchHistory = (input: BatchInput, answers: unknown[]): WireEvent[] => {
    const history = [h.orchestratorStarted(t(0)), h.executionStarted(t(0), ORCHESTRATOR.batch, input)];
    answers.forEach((answer, i) => {
      history.push(
        h.taskScheduled(i, t(i), ACTIVITY.loadBatch),
        h.orchestratorCompleted(t(i)),
        h.orchestratorStarted(t(i + 1)),
        h.taskCompleted(t(i + 1), i, answer),
      );
    });
    return history;
  };

  it('a batch whose part is not written yet asks again, and sweeps nobody until it is', async () => {
    const input: BatchInput = { job, batch: 4 };
    const waiting = await replay(ORCHESTRATOR.batch, batchHistory(input, [{ state: 'waiting' }]), input);
    expect(activityCalls(waiting, ACTIVITY.loadBatch).map((a) => inputOf<{ part: number }>(a).part)).toEqual([
      4, 4,
    ]);
    expect(activityCalls(waiting, ACTIVITY.sweepMailbox)).toHaveLength(0);
    const ready = await replay(
      ORCHESTRATOR.batch,
      batchHistory(input, [{ state: 'waiting' }, { state: 'ready', mailboxes: ['m@contoso.com'] }]),
      input,
    );
    expect(
      activityCalls(ready, ACTIVITY.sweepMailbox).map((a) => inputOf<{ mailbox: string }>(a).mailbox),
    ).toEqual(['m@contoso.com']);
  });

  it('a batch below which discovery ended tells its lane there is no more, touching nothing', async () => {
    const input: BatchInput = { job, batch: 7 };
    const e = await replay(ORCHESTRATOR.batch, batchHistory(input, [{ state: 'none' }]), input);
    expect(e.done).toBe(true);
    expect(e.output).toEqual(noMore);
    expect(activityCalls(e, ACTIVITY.sweepMailbox)).toHaveLength(0);
    expect(activityCalls(e, ACTIVITY.saveBatch)).toHaveLength(0);
  });

  it(`a batch stops waiting after ${MAX_PART_ASKS} asks and fails, naming its part`, async () => {
    const input: BatchInput = { job, batch: 2 };
    const asks = Array.from({ length: MAX_PART_ASKS }, () => ({ state: 'waiting' }));
    const e = await replay(ORCHESTRATOR.batch, batchHistory(input, asks), input);
    expect(e.failed).toBe(true);
    expect(e.error).toMatch(
      `batch 2: its part of the mailbox list was not written after ${MAX_PART_ASKS} asks`,
    );
  });

  describe('a lane in generations of 2 batches (lane 0 of 3: 0, 3 | 6, 9 | 12, then none)', () => {
    const generation = (nextBatch: number, items: number): LaneInput => {
      const done = emptyCounts();
      done.mailboxes.archived = 6;
      done.itemsArchived = items;
      return {
        job,
        lane: 0,
        lanes: 3,
        batchesPerGeneration: 2,
        resume: { nextBatch, done: { batches: 2 * (nextBatch / 6), counts: done } },
      };
    };

    it('the first generation runs its 2 batches, then continues as new from batch 6 with their totals', async () => {
      const input: LaneInput = { ...generation(6, 0), resume: undefined };
      const history = laneHistory(input, 0, [
        [0, result(10)],
        [3, result(20)],
      ]);
      const e = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
      expect(batchesOf(e)).toEqual([0, 3]); // nothing new: the generation is over
      const next = inputOf<LaneInput>(e.actions.find((a) => a.actionType === ActionType.ContinueAsNew));
      expect(next).toEqual({
        ...input,
        resume: {
          nextBatch: 6,
          done: {
            batches: 2,
            counts: {
              ...emptyCounts(),
              mailboxes: { ...emptyCounts().mailboxes, archived: 6 },
              itemsArchived: 30,
            },
          },
        },
      });
      expect(e.customStatus).toMatchObject({ batchesDone: 2, counts: { itemsArchived: 30 } });
    });

    it('replayed after a crash mid-generation, it starts nothing again and goes on from its totals', async () => {
      const input = generation(6, 30);
      // the worker crashed after starting batch 9, before it answered; the host replays the history
      const history = laneHistory(input, 3, [[6, result(5)], [9]]);
      const resumed = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
      expect(resumed.done).toBe(false);
      const subs = resumed.actions.filter((a) => a.actionType === ActionType.CallSubOrchestrator);
      expect(subs.map((a) => a.instanceId)).toEqual(['lane0:batch6', 'lane0:batch9']); // both from history
      expect(resumed.actions.some((a) => a.actionType === ActionType.ContinueAsNew)).toBe(false);
      // the status counts the first generation's 2 batches and batch 6, not batch 6 twice
      expect(resumed.customStatus).toMatchObject({
        batchesDone: 3,
        counts: { itemsArchived: 35, mailboxes: { archived: 9 } },
      });

      const ended = await replay(
        ORCHESTRATOR.lane,
        laneHistory(input, 3, [
          [6, result(5)],
          [9, result(7)],
        ]),
        input,
        'lane0',
      );
      expect(batchesOf(ended)).toEqual([6, 9]);
      const next = inputOf<LaneInput>(ended.actions.find((a) => a.actionType === ActionType.ContinueAsNew));
      expect(next.resume).toMatchObject({
        nextBatch: 12,
        done: { batches: 4, counts: { itemsArchived: 42, mailboxes: { archived: 12 } } },
      });
      expect(next).toMatchObject({ lane: 0, lanes: 3, batchesPerGeneration: 2 });
    });

    it('the last generation ends the lane with the totals of all its generations when discovery has no more parts', async () => {
      const input = generation(12, 42);
      input.resume!.done.counts.mailboxes.archived = 12;
      const history = laneHistory(input, 6, [
        [12, result(1)],
        [15, noMore],
      ]);
      const e = await replay(ORCHESTRATOR.lane, history, input, 'lane0');
      expect(batchesOf(e)).toEqual([12, 15]);
      expect(e.actions.some((a) => a.actionType === ActionType.ContinueAsNew)).toBe(false);
      expect(e.done).toBe(true);
      expect(e.output).toMatchObject({
        batches: 5,
        counts: { itemsArchived: 43, mailboxes: { archived: 15 } },
      });
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
