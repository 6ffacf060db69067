/**
 * The archive sweep: its job fixed from the settings, then discovery and the batches at once — discovery
 * writes the mailbox list in parts of SWEEP_BATCH_SIZE as it expands the groups, and batch k (one
 * sub-orchestration) sweeps part k as soon as it is written — with at most SWEEP_MAX_BATCHES_IN_FLIGHT
 * batches running, each sweeping at most SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH mailboxes at once, then the
 * report. The orchestration, not the
 * worker, is what bounds the sweep's load on Exchange: with Flex Consumption scaling out, per-process
 * limits (EWS_MAX_IN_FLIGHT, host.json's maxConcurrentActivityFunctions) multiply by the instances. Batches, lanes, limits and
 * retries follow the sweep plan (shared/sweep/sweepPlan.ts), the same one the CLI's in-process run follows;
 * what is here is how the durable side carries it out.
 *
 * The window is kept by lanes: lane j runs batches j, j+N, j+2N, ... one after another, so each lane
 * starts its next batch the moment its previous one ends and N batches are always in flight until the
 * list runs out. A batch waits for its part (each ask of ACTIVITY.loadBatch waits up to 30 s) and ends
 * its lane when discovery's end marker says there is none. Why not `Task.any` over the in-flight batches in a loop: durable-functions JS 3
 * re-sends every task of a new Task.any to the extension, which schedules the already-running ones
 * again (azure-functions-durable-js#574, open; the extension's V2 replay protocol has no task ids).
 * Lanes use only `yield task` and `Task.all` of new tasks, which the protocol replays exactly.
 *
 * Histories stay small: the parent holds one event pair per lane; a lane one per batch, and after the
 * LANE_BATCHES_PER_GENERATION batches it continues as new carrying only its cursor and running totals
 * (shared/sweep/sweepPlan.ts says why 50), so its history and the CPU of replaying it stay the same per
 * batch whatever the number of mailboxes. The parent still waits for the lane: the durable task framework
 * starts the next generation with the same parent and tells the parent only when a generation completes
 * without continuing (DurableTask.Core's TaskOrchestrationDispatcher); the dev host does the same. Mailbox
 * addresses and per-mailbox rows never enter the parent's or the lanes' histories (discovery writes
 * the list to blob storage in parts, batches read their part and write their rows back).
 *
 * Upgrades: an instance replays its history against the code deployed; this flow (a start step, then
 * discovery beside the lanes) does not replay a sweep started before it. Deploy it when no sweep runs
 * (docs/operations.md, "Deploying while a sweep runs").
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
  BatchMailboxes,
  DiscoverActivityInput,
  EndDiscoveryInput,
  LoadBatchInput,
  PrepareActivityInput,
  SaveBatchInput,
  SweepMailboxInput,
  WriteReportActivityInput,
} from './archiveSweepActivities';
import { instanceLine } from '../shared/platform/logging/invocationLog';
import { gaveUpRow } from '../shared/sweep/sweepMailbox';
import {
  DISCOVERY_RETRY,
  LANE_BATCHES_PER_GENERATION,
  mailboxesInFlight,
  mailboxLimits,
  mailboxWaves,
  sweepLanes,
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
  mailboxesDone,
  type DiscoveryFound,
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
  /** Batches per generation (LANE_BATCHES_PER_GENERATION). */
  batchesPerGeneration: number;
  /** From the second generation on: where it starts and what the generations before it did. */
  resume?: LaneCursor;
}

/** What a lane carries from one generation to the next: its next batch and its running totals. */
export interface LaneCursor {
  nextBatch: number;
  done: BatchResult;
  /** Batches that failed one after another just before nextBatch (see MAX_FAILED_BATCHES_IN_A_ROW). */
  failedInARow?: number;
}

/**
 * A lane stops after this many of its batches failed one after another. A lane ends when a batch finds
 * discovery's end below it; when the batches cannot even read their parts (the reports storage refuses
 * the app, say), none ever would, and the lane would go on failing batch after batch for ever. Its
 * remaining batches count as failed (the sweep counts every discovered mailbox) and the report lists
 * them as BatchFailed.
 */
export const MAX_FAILED_BATCHES_IN_A_ROW = 3;

/** Batch `batch` sweeps part `batch` of the discovered list. */
export interface BatchInput {
  job: SweepJob;
  batch: number;
}

/** What a batch (and, summed, a lane) returns: counts only. */
export interface BatchResult {
  batches: number;
  counts: SweepCounts;
  /** The batch found that discovery ended below it: its lane has no more batches. */
  noMore?: boolean;
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

  const prepareInput: PrepareActivityInput = {
    sweepId: context.df.instanceId,
    startedAt: startedAt.toISOString(),
    dryRun,
    mailboxList: input.mailboxList,
  };
  const prepared = (yield context.df.callActivityWithRetry(
    ACTIVITY.prepare,
    retryOptionsFor(DISCOVERY_RETRY),
    prepareInput,
  )) as ActivityOutcome<SweepJob>;
  if (!prepared.ok) {
    const message = `archive sweep not started: ${prepared.failure.message}`;
    logOnce(context, 'error', message);
    throw new Error(message);
  }
  const job = prepared.value;
  const retry = retryOptionsFor(sweepRetryPolicy(job));

  // Discovery and the lanes start together: discovery writes the list in parts, lane j sweeps parts j,
  // j+N, ... as they appear, and ends when discovery's end marker says there are no more.
  const lanes = sweepLanes(job);
  // Sub-orchestration ids carry the start time: a sweep never reuses the ids of an earlier one.
  const lanePrefix = `${context.df.instanceId}:${job.startedAt.replace(/[^0-9TZ]/g, '')}:lane`;
  // 'archiving' from here on: the total and the batches count up while discovery still runs (the parent
  // hears of discovery's end only with the lanes').
  context.df.setCustomStatus({
    ...sweepStatus('archiving', dryRun, 0, emptyCounts(), { total: 0, done: 0, inFlight: lanes }),
    lanePrefix,
    lanes,
  } satisfies SweepCustomStatus);
  const discoverInput: DiscoverActivityInput = { job, mailboxList: input.mailboxList };
  const discovering = context.df.callActivityWithRetry(
    ACTIVITY.discover,
    retryOptionsFor(DISCOVERY_RETRY),
    discoverInput,
  );
  const laneTasks: Task[] = [];
  for (let lane = 0; lane < lanes; lane++) {
    const laneInput: LaneInput = { job, lane, lanes, batchesPerGeneration: LANE_BATCHES_PER_GENERATION };
    laneTasks.push(context.df.callSubOrchestrator(ORCHESTRATOR.lane, laneInput, `${lanePrefix}${lane}`));
  }
  try {
    yield context.df.Task.all([discovering, ...laneTasks]);
  } catch {
    // Task.all fails at the first failure; what failed is read below.
  }
  if (!discovering.isCompleted && !discovering.isFaulted) {
    try {
      yield discovering;
    } catch {
      /* read below */
    }
  }
  let found: DiscoveryFound;
  let discoveryError: string | undefined;
  const outcome = discovering.isFaulted ? undefined : (discovering.result as ActivityOutcome<DiscoveryFound>);
  if (outcome?.ok) {
    found = outcome.value;
  } else {
    // Discovery gave up. The parts it wrote are all there will be: the end marker tells the lanes, which
    // sweep those and stop; the report shows them and the sweep's summary names the error.
    discoveryError = outcome ? outcome.failure.message : errorMessage(discovering.result);
    logOnce(
      context,
      'error',
      `archive sweep discovery failed, sweeping only what it found: ${discoveryError}`,
    );
    const written = (yield context.df.callActivityWithRetry(ACTIVITY.endDiscovery, retry, {
      reportPath: job.reportPath,
      message: discoveryError,
      mailboxList: input.mailboxList,
    } satisfies EndDiscoveryInput)) as { parts: number; total: number };
    found = {
      discovery: { ...noDiscoveryCounts(), total: written.total },
      parts: written.parts,
      droppedExamples: [],
    };
  }
  const { discovery, parts } = found;

  const counts = emptyCounts();
  for (const [lane, task] of laneTasks.entries()) {
    try {
      if (!task.isCompleted && !task.isFaulted) yield task;
      if (task.isFaulted) throw task.result;
      addCounts(counts, (task.result as BatchResult).counts);
    } catch (error) {
      logOnce(context, 'error', `archive sweep lane ${lane} failed: ${errorMessage(error)}`);
    }
  }
  // Every discovered mailbox is in the counts: one a failed batch or lane left out counts as failed (the
  // report lists it with BatchFailed).
  const unaccounted = discovery.total - mailboxesDone(counts);
  if (unaccounted > 0) {
    counts.mailboxes.failed += unaccounted;
    logOnce(context, 'error', `archive sweep: ${unaccounted} mailbox(es) in failed batches count as failed`);
  }
  if (discoveryError !== undefined && parts === 0) {
    const message = `archive sweep not started: ${discoveryError}`;
    logOnce(context, 'error', message);
    throw new Error(message);
  }

  context.df.setCustomStatus(
    sweepStatus('reporting', dryRun, discovery.total, counts, { total: parts, done: parts, inFlight: 0 }),
  );
  const summary: SweepSummary = summarize(job, discovery, counts, context.df.currentUtcDateTime);
  if (discoveryError !== undefined) summary.discoveryError = discoveryError;
  const reportInput: WriteReportActivityInput = {
    mailboxList: input.mailboxList,
    job,
    batches: parts,
    summary,
    droppedExamples: found.droppedExamples,
  };
  try {
    summary.report = (yield context.df.callActivityWithRetry(
      ACTIVITY.writeReport,
      retry,
      reportInput,
    )) as SweepSummary['report'];
  } catch (error) {
    // The sweep itself is done; a report that cannot be written must not hide its outcome.
    summary.reportError = errorMessage(error);
    logOnce(context, 'error', `archive sweep report not written: ${summary.reportError}`);
  }
  reportMetricsOnce(context, 'sweep', dryRun, sweepMetrics(discovery.total, counts));
  context.df.setCustomStatus(
    sweepStatus('done', dryRun, discovery.total, counts, { total: parts, done: parts, inFlight: 0 }),
  );
  return summary;
};

/** Discovery's counts when it gave up: only the total of what it wrote is known. */
function noDiscoveryCounts(): DiscoveryFound['discovery'] {
  return { total: 0, groupsExpanded: 0, notMailboxes: 0, duplicates: 0, unresolved: 0, outOfScope: 0 };
}

/**
 * One lane: batches lane, lane + lanes, ... one after another, `batchesPerGeneration` of them per
 * generation, until a batch finds that discovery ended below it. Its custom status and its result are the
 * running totals since the lane's first generation, so the sweep's progress (readSweep) and counts read
 * the same as if it had one history.
 */
export const archiveSweepLane: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<LaneInput>();
  const { job, lane, lanes, resume } = input;
  const counts = emptyCounts();
  if (resume) addCounts(counts, resume.done.counts);
  let batchesDone = resume?.done.batches ?? 0;
  context.df.setCustomStatus({ batchesDone, counts } satisfies LaneStatus);
  let batch = resume?.nextBatch ?? lane;
  let failedInARow = resume?.failedInARow ?? 0;
  for (let ran = 0; ran < input.batchesPerGeneration; ran++) {
    const batchInput: BatchInput = { job, batch };
    try {
      const result = (yield context.df.callSubOrchestrator(
        ORCHESTRATOR.batch,
        batchInput,
        `${context.df.instanceId}:batch${batch}`,
      )) as BatchResult;
      if (result.noMore) return { batches: batchesDone, counts } satisfies BatchResult;
      addCounts(counts, result.counts);
      failedInARow = 0;
    } catch (error) {
      failedInARow++;
      // The batch orchestration itself failed (e.g. its rows could not be saved): its mailboxes count as
      // failed in the sweep's totals, the report lists them with code BatchFailed, and the others go on.
      logOnce(
        context,
        'error',
        `archive sweep batch ${batch} failed, its mailboxes count as failed: ${errorMessage(error)}`,
      );
    }
    batchesDone++;
    batch += lanes;
    context.df.setCustomStatus({ batchesDone, counts } satisfies LaneStatus);
    if (failedInARow >= MAX_FAILED_BATCHES_IN_A_ROW) {
      logOnce(
        context,
        'error',
        `archive sweep lane ${lane} stops after ${failedInARow} batches failed in a row; its batches from ${batch} on count as failed`,
      );
      return { batches: batchesDone, counts } satisfies BatchResult;
    }
  }
  // Every batch of this generation has ended, so nothing is left pending for continueAsNew to drop.
  const cursor: LaneCursor = {
    nextBatch: batch,
    done: { batches: batchesDone, counts },
    ...(failedInARow > 0 ? { failedInARow } : {}),
  };
  context.df.continueAsNew({ ...input, resume: cursor } satisfies LaneInput);
  return undefined;
};

/**
 * Asks for its part a batch makes while discovery has not written it yet, each waiting up to
 * PART_WAIT_MS (30 s): two hours in all. A discovery slower than that ends the batch as failed.
 */
export const MAX_PART_ASKS = 240;

/**
 * One batch: its part of the list once discovery has written it (or, when discovery ended below it,
 * nothing: the lane's last), its mailboxes in waves, its rows saved.
 */
export const archiveSweepBatch: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { job, batch } = context.df.getInput<BatchInput>();
  const retry = retryOptionsFor(sweepRetryPolicy(job));
  let part: BatchMailboxes = { state: 'waiting' };
  for (let asks = 0; part.state === 'waiting'; asks++) {
    if (asks === MAX_PART_ASKS) {
      throw new Error(`batch ${batch}: its part of the mailbox list was not written after ${asks} asks`);
    }
    part = (yield context.df.callActivityWithRetry(ACTIVITY.loadBatch, retry, {
      reportPath: job.reportPath,
      part: batch,
    } satisfies LoadBatchInput)) as BatchMailboxes;
  }
  if (part.state === 'none') return { batches: 0, counts: emptyCounts(), noMore: true } satisfies BatchResult;
  const { mailboxes } = part;
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
