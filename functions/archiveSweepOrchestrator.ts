/**
 * The archive sweep: discovery, then batches of SWEEP_BATCH_SIZE mailboxes (one sub-orchestration
 * each) with at most SWEEP_MAX_BATCHES_IN_FLIGHT running, each sweeping at most
 * SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH mailboxes at once, then the report. The orchestration, not the
 * worker, is what bounds the sweep's load on Exchange: with Flex Consumption scaling out, per-process
 * limits (EWS_MAX_IN_FLIGHT, host.json's maxConcurrentActivityFunctions) multiply by the instances. Batches, lanes, limits and
 * retries follow the sweep plan (shared/sweep/sweepPlan.ts), the same one the CLI's in-process run follows;
 * what is here is how the durable side carries it out.
 *
 * The window is kept by lanes: lane j runs batches j, j+N, j+2N, ... one after another, so each lane
 * starts its next batch the moment its previous one ends and N batches are always in flight until
 * the list runs out. Why not `Task.any` over the in-flight batches in a loop: durable-functions JS 3
 * re-sends every task of a new Task.any to the extension, which schedules the already-running ones
 * again (azure-functions-durable-js#574, open; the extension's V2 replay protocol has no task ids).
 * Lanes use only `yield task` and `Task.all` of new tasks, which the protocol replays exactly.
 *
 * Histories stay small: the parent holds one event pair per lane; a lane one per batch, and after the
 * plan's batchesPerLaneGeneration batches it continues as new carrying only its cursor and running totals
 * (shared/sweep/sweepPlan.ts says why 50), so its history and the CPU of replaying it stay the same per
 * batch whatever the number of mailboxes. The parent still waits for the lane: the durable task framework
 * starts the next generation with the same parent and tells the parent only when a generation completes
 * without continuing (DurableTask.Core's TaskOrchestrationDispatcher); the dev host does the same. Mailbox
 * addresses and per-mailbox rows never enter the parent's or the lanes' histories (discovery writes
 * the list to blob storage, batches read their slice and write their rows back).
 *
 * Orchestrators are deterministic: time from context.df.currentUtcDateTime, all I/O in activities.
 * Their log lines (failures, and the sweep's and each batch's counts as metrics) are written once, not
 * on every replay, through the invocation's logger with the instance id; the counts are added to the
 * custom metrics (shared/sweep/sweepCounters) at the same moment, once too. Adding to a counter is
 * in-memory (the exporter sends in the background), so it is no I/O of the orchestrator's.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { ActivityOutcome } from '../shared/app/activityOutcome';
import { ACTIVITY, saveParts } from './archiveSweepActivities';
import type {
  DiscoverActivityInput,
  Discovered,
  SaveBatchInput,
  SweepMailboxInput,
  WriteReportActivityInput,
} from './archiveSweepActivities';
import { instanceLine } from '../shared/platform/logging/invocationLog';
import { gaveUpRow } from '../shared/sweep/sweepMailbox';
import {
  DISCOVERY_RETRY,
  laneBatches,
  mailboxesInFlight,
  mailboxLimits,
  mailboxWaves,
  nextLaneBatch,
  sweepPlanFor,
  sweepRetryPolicy,
  type RetryPolicy,
} from '../shared/sweep/sweepPlan';
import {
  summarize,
  sweepMetrics,
  sweepMetricsLine,
  type SweepMetrics,
  type SweepMetricsScope,
} from '../shared/sweep/sweepReport';
import {
  SWEEP_INSTANCE_ID,
  SWEEP_ORCHESTRATOR,
  type LaneStatus,
  type SweepCustomStatus,
  type SweepInput,
} from '../shared/sweep/sweepControl';
import { addSweepCounts } from '../shared/sweep/sweepCounters';
import {
  addCounts,
  countRow,
  emptyCounts,
  type MailboxRow,
  type SweepCounts,
  type SweepJob,
  sweepStatus,
  type SweepSummary,
} from '../shared/sweep/sweepTypes';

export const ORCHESTRATOR = {
  sweep: SWEEP_ORCHESTRATOR,
  lane: 'archiveSweepLane',
  batch: 'archiveSweepBatch',
} as const;

export { SWEEP_INSTANCE_ID, type LaneStatus, type SweepCustomStatus, type SweepInput };

export interface LaneInput {
  job: SweepJob;
  lane: number;
  lanes: number;
  batches: number;
  total: number;
  /**
   * Batches per generation (the plan's batchesPerLaneGeneration). Absent in a lane started by a version
   * without generations: it runs all its batches in one history, as it started (continuing as new where
   * its history already holds the next batch would break its replay).
   */
  batchesPerGeneration?: number;
  /** From the second generation on: where it starts and what the generations before it did. */
  resume?: LaneCursor;
}

/** What a lane carries from one generation to the next: its next batch and its running totals. */
export interface LaneCursor {
  nextBatch: number;
  done: BatchResult;
}

export interface BatchInput {
  job: SweepJob;
  batch: number;
  start: number;
  end: number;
}

/** What a batch (and, summed, a lane) returns: counts only. */
export interface BatchResult {
  batches: number;
  counts: SweepCounts;
}

/** The plan's retry policy as the durable extension takes it: it waits and retries from these fields. */
export function retryOptionsFor(policy: RetryPolicy): df.RetryOptions {
  const retry = new df.RetryOptions(policy.firstRetryMs, policy.maxAttempts);
  retry.backoffCoefficient = policy.backoffCoefficient;
  retry.maxRetryIntervalInMilliseconds = policy.maxRetryMs;
  return retry;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Writes a line once: replays run the same code again, and must not repeat it. */
function logOnce(context: OrchestrationContext, level: 'info' | 'error', text: string): void {
  if (context.df.isReplaying) return;
  context[level](instanceLine(context.df.instanceId, text));
}

/**
 * The sweep's or a batch's counts: the metrics line and the custom metrics, once. (An episode whose
 * history fails to save runs again without replaying, and would count again: rare, and the report,
 * not the metrics, is the record of a sweep.)
 */
function reportMetricsOnce(
  context: OrchestrationContext,
  scope: SweepMetricsScope,
  dryRun: boolean,
  metrics: SweepMetrics,
): void {
  if (context.df.isReplaying) return;
  context.info(instanceLine(context.df.instanceId, sweepMetricsLine(scope, dryRun, metrics)));
  addSweepCounts(scope, dryRun, metrics);
}

export const archiveSweepOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<SweepInput | undefined>() ?? {};
  const dryRun = input.dryRun === true;
  const startedAt = context.df.currentUtcDateTime;
  context.df.setCustomStatus(
    sweepStatus('discovering', dryRun, 0, emptyCounts(), { total: 0, done: 0, inFlight: 0 }),
  );

  const discoverInput: DiscoverActivityInput = {
    sweepId: context.df.instanceId,
    startedAt: startedAt.toISOString(),
    dryRun,
    mailboxList: input.mailboxList,
  };
  const found = (yield context.df.callActivityWithRetry(
    ACTIVITY.discover,
    retryOptionsFor(DISCOVERY_RETRY),
    discoverInput,
  )) as ActivityOutcome<Discovered>;
  if (!found.ok) {
    const message = `archive sweep not started: ${found.failure.message}`;
    logOnce(context, 'error', message);
    throw new Error(message);
  }
  const { job, discovery } = found.value;

  const plan = sweepPlanFor(job, discovery.total);
  const { batches, lanes } = plan;
  // Sub-orchestration ids carry the start time: a sweep never reuses the ids of an earlier one.
  const lanePrefix = `${context.df.instanceId}:${job.startedAt.replace(/[^0-9TZ]/g, '')}:lane`;
  context.df.setCustomStatus({
    ...sweepStatus('archiving', dryRun, discovery.total, emptyCounts(), {
      total: batches,
      done: 0,
      inFlight: lanes,
    }),
    lanePrefix,
    lanes,
  } satisfies SweepCustomStatus);

  const counts = emptyCounts();
  if (lanes > 0) {
    const laneTasks: Task[] = [];
    for (let lane = 0; lane < lanes; lane++) {
      const laneInput: LaneInput = {
        job,
        lane,
        lanes,
        batches,
        total: discovery.total,
        batchesPerGeneration: plan.batchesPerLaneGeneration,
      };
      laneTasks.push(context.df.callSubOrchestrator(ORCHESTRATOR.lane, laneInput, `${lanePrefix}${lane}`));
    }
    const results = (yield context.df.Task.all(laneTasks)) as BatchResult[];
    for (const r of results) addCounts(counts, r.counts);
  }

  context.df.setCustomStatus(
    sweepStatus('reporting', dryRun, discovery.total, counts, { total: batches, done: batches, inFlight: 0 }),
  );
  const summary: SweepSummary = summarize(job, discovery, counts, context.df.currentUtcDateTime);
  const reportInput: WriteReportActivityInput = {
    mailboxList: input.mailboxList,
    job,
    batches,
    summary,
    droppedExamples: found.value.droppedExamples,
  };
  try {
    summary.report = (yield context.df.callActivityWithRetry(
      ACTIVITY.writeReport,
      retryOptionsFor(sweepRetryPolicy(job)),
      reportInput,
    )) as SweepSummary['report'];
  } catch (error) {
    // The sweep itself is done; a report that cannot be written must not hide its outcome.
    summary.reportError = errorMessage(error);
    logOnce(context, 'error', `archive sweep report not written: ${summary.reportError}`);
  }
  reportMetricsOnce(context, 'sweep', dryRun, sweepMetrics(discovery.total, counts));
  context.df.setCustomStatus(
    sweepStatus('done', dryRun, discovery.total, counts, { total: batches, done: batches, inFlight: 0 }),
  );
  return summary;
};

/**
 * One lane: its batches one after another, `batchesPerGeneration` of them per generation. Its custom
 * status and its result are the running totals since the lane's first generation, so the sweep's
 * progress (readSweep) and counts read the same as if it had one history.
 */
export const archiveSweepLane: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<LaneInput>();
  const { job, lane, lanes, batches, total, resume } = input;
  const plan = { total, batchSize: job.batchSize, batches, lanes };
  const counts = emptyCounts();
  if (resume) addCounts(counts, resume.done.counts);
  let batchesDone = resume?.done.batches ?? 0;
  context.df.setCustomStatus({ batchesDone, counts } satisfies LaneStatus);
  const generation = laneBatches(plan, lane, {
    from: resume?.nextBatch ?? lane,
    count: input.batchesPerGeneration ?? Infinity,
  });
  for (const { batch, start, end } of generation) {
    const batchInput: BatchInput = { job, batch, start, end };
    try {
      const result = (yield context.df.callSubOrchestrator(
        ORCHESTRATOR.batch,
        batchInput,
        `${context.df.instanceId}:batch${batch}`,
      )) as BatchResult;
      addCounts(counts, result.counts);
    } catch (error) {
      // The batch orchestration itself failed (e.g. its list could not be read): its mailboxes count
      // as failed, the report lists them with code BatchFailed, and the other batches go on.
      counts.mailboxes.failed += end - start;
      logOnce(
        context,
        'error',
        `archive sweep batch ${batch} failed, its ${end - start} mailbox(es) count as failed: ${errorMessage(error)}`,
      );
    }
    batchesDone++;
    context.df.setCustomStatus({ batchesDone, counts } satisfies LaneStatus);
  }
  const last = generation.at(-1);
  const nextBatch = last === undefined ? undefined : nextLaneBatch(plan, last.batch);
  if (nextBatch !== undefined) {
    // Every batch of this generation has ended, so nothing is left pending for continueAsNew to drop.
    const cursor: LaneCursor = { nextBatch, done: { batches: batchesDone, counts } };
    context.df.continueAsNew({ ...input, resume: cursor } satisfies LaneInput);
    return undefined;
  }
  return { batches: batchesDone, counts } satisfies BatchResult;
};

export const archiveSweepBatch: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { job, batch, start, end } = context.df.getInput<BatchInput>();
  const retry = retryOptionsFor(sweepRetryPolicy(job));
  const mailboxes = (yield context.df.callActivityWithRetry(ACTIVITY.loadBatch, retry, {
    reportPath: job.reportPath,
    start,
    end,
  })) as string[];

  const limits = mailboxLimits(job);
  // At most the plan's mailboxes in flight per batch, wave after wave: with the lanes' batches, that
  // bounds the whole sweep's calls to Exchange however many instances run its activities.
  const tasks: Task[] = [];
  for (const wave of mailboxWaves(mailboxes, mailboxesInFlight(job))) {
    const waveTasks = wave.map((mailbox) => {
      const input: SweepMailboxInput = { mailbox, job: limits, instanceId: context.df.instanceId };
      return context.df.callActivityWithRetry(ACTIVITY.sweepMailbox, retry, input);
    });
    tasks.push(...waveTasks);
    try {
      yield context.df.Task.all(waveTasks);
    } catch {
      // Task.all fails at the first mailbox that ran out of retries; wait for the others one by one
      // (a task yielded again is not scheduled again).
      for (const task of waveTasks) {
        if (task.isCompleted || task.isFaulted) continue;
        try {
          yield task;
        } catch {
          /* recorded below */
        }
      }
    }
  }
  const rows: MailboxRow[] = tasks.map((task, i) => {
    if (!task.isFaulted) return task.result as MailboxRow;
    const row = gaveUpRow(mailboxes[i] ?? '', errorMessage(task.result));
    logOnce(context, 'error', `archive sweep: ${row.mailbox} gave up after ${job.maxAttempts} attempts`);
    return row;
  });
  // In parts, each one queue message of the extension's (SAVE_PART_BYTES), one after another.
  const parts = saveParts(rows);
  for (const [part, partRows] of parts.entries()) {
    const save: SaveBatchInput = {
      reportPath: job.reportPath,
      batch,
      part,
      parts: parts.length,
      rows: partRows,
    };
    yield context.df.callActivityWithRetry(ACTIVITY.saveBatch, retry, save);
  }
  const counts = rows.reduce(countRow, emptyCounts());
  reportMetricsOnce(context, 'batch', job.dryRun, sweepMetrics(mailboxes.length, counts));
  return { batches: 1, counts } satisfies BatchResult;
};

df.app.orchestration(ORCHESTRATOR.sweep, archiveSweepOrchestrator);
df.app.orchestration(ORCHESTRATOR.lane, archiveSweepLane);
df.app.orchestration(ORCHESTRATOR.batch, archiveSweepBatch);
