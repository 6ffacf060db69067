/**
 * The sweep plan: batches, lanes, the per-run cap and the retry policy, as the CLI's in-process run
 * carries them out and as the orchestrations hand them to the durable extension.
 */
import { h } from '../../../dev/host/history';
import { ActionType, type WireAction } from '../../../dev/host/localDurableHost';
import { ACTIVITY } from '../../../functions/archiveSweepActivities';
import { ORCHESTRATOR, type BatchInput } from '../../../functions/archiveSweepOrchestrator';
import { MailboxError } from '../../../shared/mailbox/mailboxError';
import {
  DISCOVERY_RETRY,
  laneBatches,
  mailboxesInFlight,
  mailboxLimits,
  mailboxWaves,
  retryDelayMs,
  runLanes,
  sweepMailboxWithRetries,
  sweepLanes,
  sweepPlanFor,
  sweepRetryPolicy,
  type BatchSpan,
  type RetryPolicy,
} from '../../../shared/sweep/sweepPlan';
import { loadSweepSettings } from '../../../shared/platform/config';
import { sweepJobFor } from '../../../shared/sweep/sweepJob';
import type { SweepJob } from '../../../shared/sweep/sweepTypes';
import { activityCalls, inputOf, replay } from '../../support/durableEpisodes';
import { archived, FakeMailboxes } from '../../support/fakeMailboxes';
import { batchHistoryAfterLoad } from '../../support/sweepBatchHistory';

const NOW = new Date('2026-11-25T02:00:00Z');

// The job as a run fixes it from the settings the plan's limits are named after.
const job: SweepJob = sweepJobFor(
  loadSweepSettings({
    SWEEP_MAILBOXES: 'a@contoso.com',
    SWEEP_BATCH_SIZE: '3',
    SWEEP_MAX_BATCHES_IN_FLIGHT: '2',
    ARCHIVE_MAX_ITEMS_PER_RUN: '2',
    SWEEP_MAX_ATTEMPTS: '3',
    SWEEP_RETRY_INTERVAL_MS: '1000',
  }),
  { sweepId: 'archive-sweep', startedAt: NOW, dryRun: false },
);

const spans = (list: BatchSpan[]): string[] => list.map((s) => `${s.batch}:${s.start}-${s.end}`);

describe('batches and lanes', () => {
  it('cuts the mailboxes into batches of SWEEP_BATCH_SIZE and deals them to the lanes in turn', () => {
    const plan = sweepPlanFor(job, 10);
    expect(plan).toEqual({
      total: 10,
      batchSize: 3,
      batches: 4,
      lanes: 2,
      mailboxesInFlightPerBatch: 2, // SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH's default
    });
    expect(spans(laneBatches(plan, 0))).toEqual(['0:0-3', '2:6-9']);
    expect(spans(laneBatches(plan, 1))).toEqual(['1:3-6', '3:9-10']); // the last batch is short
  });

  it('the durable sweep starts SWEEP_MAX_BATCHES_IN_FLIGHT lanes before it knows how many batches there are', () => {
    expect(sweepLanes(job)).toBe(2);
    expect(sweepLanes({ maxBatchesInFlight: 10 })).toBe(10);
  });

  it('runs no more lanes than batches, and none for an empty list', async () => {
    expect(sweepPlanFor({ batchSize: 50, maxBatchesInFlight: 10 }, 120)).toMatchObject({
      batches: 3,
      lanes: 3,
    });
    const empty = sweepPlanFor(job, 0);
    expect(empty).toMatchObject({ batches: 0, lanes: 0 });
    const ran: BatchSpan[] = [];
    await runLanes(empty, (span) => {
      ran.push(span);
      return Promise.resolve();
    });
    expect(ran).toEqual([]);
  });

  it('in process, keeps at most SWEEP_MAX_BATCHES_IN_FLIGHT batches running; a slow batch holds up only its lane', async () => {
    const plan = sweepPlanFor({ batchSize: 1, maxBatchesInFlight: 2 }, 5);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await runLanes(plan, async ({ batch }) => {
      running++;
      most = Math.max(most, running);
      // batch 0 (lane 0) is slow; lane 1 goes through batches 1 and 3 meanwhile
      await new Promise((r) => setTimeout(r, batch === 0 ? 60 : 5));
      order.push(batch);
      running--;
    });
    expect(most).toBe(2);
    expect(order.slice(0, 2)).toEqual([1, 3]);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('mailboxes in flight per batch', () => {
  it('SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH defaults to 2, so the default 10 lanes have at most 20 mailboxes in flight', () => {
    const settings = loadSweepSettings({ SWEEP_MAILBOXES: 'a@contoso.com' });
    expect(settings).toMatchObject({ maxBatchesInFlight: 10, mailboxesInFlightPerBatch: 2 });
    const plan = sweepPlanFor(settings, 10_000);
    // 20 ≤ 27, Exchange Online's EWSMaxConcurrency (docs/operations.md)
    expect(plan.lanes * plan.mailboxesInFlightPerBatch).toBe(20);
    const set = loadSweepSettings({
      SWEEP_MAILBOXES: 'a@contoso.com',
      SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: '5',
    });
    expect(sweepPlanFor(set, 10_000).mailboxesInFlightPerBatch).toBe(5);
  });

  it('a bad SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH is refused, naming the setting and the value', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '1001']) {
      expect(() =>
        loadSweepSettings({ SWEEP_MAILBOXES: 'a@contoso.com', SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: bad }),
      ).toThrow(new RegExp(`SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH must be .*${bad.replace('.', '\\.')}`));
    }
  });

  it('never more than the batch: a batch of 3 with 5 in flight sweeps its 3 at once', () => {
    expect(sweepPlanFor({ ...job, mailboxesInFlightPerBatch: 5 }, 10).mailboxesInFlightPerBatch).toBe(3);
  });

  it('a job fixed before the setting existed sweeps its whole batch at once, as its batches started', () => {
    const { mailboxesInFlightPerBatch: _, ...older } = job;
    expect(mailboxesInFlight(older)).toBe(3);
    expect(sweepPlanFor(older, 10).mailboxesInFlightPerBatch).toBe(3);
  });

  it("cuts a batch's mailboxes into waves of that many, in order, each once", () => {
    const list = ['a', 'b', 'c', 'd', 'e'];
    expect(mailboxWaves(list, 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(mailboxWaves(list, 5)).toEqual([list]);
    expect(mailboxWaves(list, 9)).toEqual([list]);
    expect(mailboxWaves([], 2)).toEqual([]);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => mailboxWaves(list, bad)).toThrow(
        `mailboxes in flight per batch must be a positive whole number, got ${bad}`,
      );
    }
  });
});

describe('retry policy', () => {
  it('doubles the wait from SWEEP_RETRY_INTERVAL_MS and never waits more than 5 minutes', () => {
    const policy = sweepRetryPolicy({ maxAttempts: 12, firstRetryMs: 1000 });
    const waits = Array.from({ length: 11 }, (_, i) => retryDelayMs(policy, i + 1));
    expect(waits).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000,
    ]);
    expect(retryDelayMs(DISCOVERY_RETRY, 1)).toBe(10_000);
    expect(retryDelayMs(DISCOVERY_RETRY, 2)).toBe(20_000);
  });

  /** One mailbox with 3 old items, swept in process after `failure`; the waits return at once, recorded. */
  async function sweepAfter(failure: { error: MailboxError; times: number }) {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, now: NOW });
    fake.failures.set('a@contoso.com', failure);
    const waits: number[] = [];
    const row = await sweepMailboxWithRetries(fake, 'a@contoso.com', job, (ms) => {
      waits.push(ms);
      return Promise.resolve();
    });
    return { fake, row, waits };
  }

  const busy = new MailboxError({ code: 'ErrorServerBusy', errorClass: 'throttled', message: 'busy' });

  it('in process, a mailbox throttled every time is tried SWEEP_MAX_ATTEMPTS times, then gives up with its code', async () => {
    const { fake, row, waits } = await sweepAfter({ error: busy, times: 9 });
    expect(waits).toEqual([1000, 2000]); // none after the last attempt
    expect(row).toMatchObject({ outcome: 'failed', errorCode: 'ErrorServerBusy', itemsMoved: 0 });
    expect(fake.calls.filter((c) => c.mailbox === 'a@contoso.com')).toHaveLength(3);
  });

  it('in process, a mailbox throttled once is archived on the next attempt, up to ARCHIVE_MAX_ITEMS_PER_RUN', async () => {
    const { fake, row, waits } = await sweepAfter({ error: busy, times: 1 });
    expect(waits).toEqual([1000]);
    expect(row).toMatchObject({ outcome: 'archived', itemsMoved: 2, capped: true });
    expect(archived(fake, 'a@contoso.com')).toBe(2);
  });

  it('in process, a permanent failure is not retried', async () => {
    const denied = new MailboxError({ code: 'ErrorAccessDenied', errorClass: 'permanent', message: 'no' });
    const { row, waits } = await sweepAfter({ error: denied, times: 9 });
    expect(waits).toEqual([]);
    expect(row).toMatchObject({ outcome: 'failed', errorCode: 'ErrorAccessDenied' });
  });
});

describe('the orchestrations hand the same plan to the durable extension', () => {
  const t = (s: number): Date => new Date(NOW.getTime() + s * 1000);
  /** The fields the extension's retry interceptor reads, as the plan's policy gives them. */
  const onTheWire = (policy: RetryPolicy): WireAction['retryOptions'] => ({
    firstRetryIntervalInMilliseconds: policy.firstRetryMs,
    maxNumberOfAttempts: policy.maxAttempts,
    backoffCoefficient: policy.backoffCoefficient,
    maxRetryIntervalInMilliseconds: policy.maxRetryMs,
  });

  it('the start and discovery are retried by DISCOVERY_RETRY', async () => {
    const started = [
      h.orchestratorStarted(t(0)),
      h.executionStarted(t(0), ORCHESTRATOR.sweep, { dryRun: true }),
    ];
    const first = await replay(ORCHESTRATOR.sweep, started, { dryRun: true });
    const [prepare] = activityCalls(first, ACTIVITY.prepare);
    expect(prepare?.retryOptions).toMatchObject(onTheWire(DISCOVERY_RETRY)!);
    const prepared = [
      ...started,
      h.taskScheduled(0, t(0), ACTIVITY.prepare),
      h.orchestratorCompleted(t(0)),
      h.orchestratorStarted(t(1)),
      h.taskCompleted(t(1), 0, { ok: true, value: job }),
    ];
    const second = await replay(ORCHESTRATOR.sweep, prepared, { dryRun: true });
    const [discover] = activityCalls(second, ACTIVITY.discover);
    expect(discover?.retryOptions).toMatchObject(onTheWire(DISCOVERY_RETRY)!);
    // the lanes start in the same episode as discovery, one per SWEEP_MAX_BATCHES_IN_FLIGHT
    expect(second.actions.filter((a) => a.actionType === ActionType.CallSubOrchestrator)).toHaveLength(2);
  });

  it("a batch's activities are retried by the sweep's policy and its mailboxes get the plan's limits", async () => {
    const input: BatchInput = { job, batch: 1 };
    const mailboxes = ['d@contoso.com', 'e@contoso.com'];
    const episode = await replay(ORCHESTRATOR.batch, batchHistoryAfterLoad(input, mailboxes, t), input);
    const [load] = activityCalls(episode, ACTIVITY.loadBatch);
    expect(inputOf<{ part: number }>(load)).toMatchObject({ part: 1 });
    const calls = activityCalls(episode, ACTIVITY.sweepMailbox);
    expect(calls).toHaveLength(2);
    for (const call of [load, ...calls]) {
      expect(call?.retryOptions).toMatchObject(onTheWire(sweepRetryPolicy(job))!);
    }
    for (const call of calls) expect(inputOf<{ job: unknown }>(call).job).toEqual(mailboxLimits(job));
  });
});
