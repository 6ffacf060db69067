/**
 * The archive sweep's plan, written once: how the discovered mailboxes are cut into batches of
 * SWEEP_BATCH_SIZE, which lane runs which batch (SWEEP_MAX_BATCHES_IN_FLIGHT lanes, each running its
 * batches one after another), how many of a batch's mailboxes are swept at once
 * (SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH, so the whole sweep has at most lanes × that many), what one mailbox may do in a run (ARCHIVE_MAX_ITEMS_PER_RUN and the
 * cutoff), and how transient failures are retried (SWEEP_MAX_ATTEMPTS attempts, SWEEP_RETRY_INTERVAL_MS
 * doubling, at most 5 minutes apart). Two executors follow it:
 * - the function app's orchestrations (functions/archiveSweepOrchestrator.ts): one sub-orchestration
 *   per lane and per batch, and the durable extension waits between attempts from the same policy;
 * - the CLI's in-process run (cli/commands/sweepArchive.ts), through runLanes and
 *   sweepMailboxWithRetries below.
 *
 * Why the CLI does not run the orchestrations on the in-process durable host (dev/host/localDurableHost.ts)
 * instead: the CLI is the package's bin and ships, while dev/ is development tooling, kept out of the
 * deployment package and built around a stand-in for the Functions host. Running the CLI on it would
 * make that tooling part of the product, and would add replays, a batch store and activity registrations
 * to a one-shot run in which nothing outlives the process. What must agree between the two — batches,
 * lanes, caps, attempts and the back-off curve — is defined here, so they cannot drift apart.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import {
  gaveUpRow,
  RetryableSweepError,
  sweepMailbox,
  type SweepJobLimits,
  type SweepJournaling,
} from './sweepMailbox';
import type { MailboxRow, SweepJob } from './sweepTypes';

/** How a sweep's mailboxes are cut up and run: `batches` batches of `batchSize`, `lanes` at once. */
export interface SweepPlan {
  total: number;
  batchSize: number;
  batches: number;
  lanes: number;
  /**
   * Mailboxes a batch sweeps at once (mailboxesInFlight): with `lanes` batches running, the sweep never
   * has more than lanes × this many mailboxes (each with one call to Exchange at a time) in flight, on
   * however many instances the function app has scaled out to.
   */
  mailboxesInFlightPerBatch: number;
}

/**
 * Batches one lane runs per generation: after this many it continues as new (`continueAsNew`),
 * carrying only its cursor (the next batch) and its running totals, so its history never holds more
 * than this many batches whatever the size of the tenant.
 *
 * Why 50. Without extended sessions every episode of a lane replays its whole history, and a lane adds
 * 4 events per batch (sub-orchestration created, episode end, episode start, sub-orchestration completed;
 * about 1 KB with the batch's input and counts). Unbounded, that is quadratic: at 1,000,000 mailboxes
 * (20,000 batches of 50 in 10 lanes) each lane ends with 8,000 events replayed 2,000 times. With 50
 * batches a generation a lane's history stays under 210 events and about 50 KB (one read of the
 * history table), and an episode replays 100 events on average. What a generation costs besides —
 * one more episode and one more message to start the next execution — comes once every 50 batches,
 * i.e. 2 % more lane episodes, against the ~4 episodes and ~110 events of every batch orchestration
 * that runs the batch itself. Fewer batches a generation would make the replays shorter still but add
 * a queue hop between a lane's batches more often; more would let the replays grow again for nothing.
 */
export const LANE_BATCHES_PER_GENERATION = 50;

/** One batch: the mailboxes at positions [start, end) of the discovered list. */
export interface BatchSpan {
  batch: number;
  start: number;
  end: number;
}

export function sweepPlanFor(
  job: Pick<SweepJob, 'batchSize' | 'maxBatchesInFlight' | 'mailboxesInFlightPerBatch'>,
  total: number,
): SweepPlan {
  const batches = Math.ceil(total / job.batchSize);
  return {
    total,
    batchSize: job.batchSize,
    batches,
    lanes: Math.min(job.maxBatchesInFlight, batches),
    mailboxesInFlightPerBatch: Math.min(mailboxesInFlight(job), job.batchSize),
  };
}

/**
 * Lanes the durable sweep starts: SWEEP_MAX_BATCHES_IN_FLIGHT. They start with discovery, before the
 * number of batches is known; a lane without a batch ends as soon as discovery has ended.
 */
export function sweepLanes(job: Pick<SweepJob, 'maxBatchesInFlight'>): number {
  return job.maxBatchesInFlight;
}

/**
 * Mailboxes one batch sweeps at once. A job fixed before SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH existed has
 * none: its batches sweep every mailbox at once, as they did when they started (a batch whose history
 * already scheduled all its mailboxes must schedule the same on replay).
 */
export function mailboxesInFlight(job: Pick<SweepJob, 'batchSize' | 'mailboxesInFlightPerBatch'>): number {
  return job.mailboxesInFlightPerBatch ?? job.batchSize;
}

/**
 * A batch's mailboxes in waves of `perWave`, swept one wave after another, every mailbox of a wave at
 * once. Why waves and not a window that starts the next mailbox the moment one ends: the orchestration
 * would need `Task.any`, which durable-functions JS 3 cannot replay (see the orchestrator's header); a
 * wave is one `Task.all` of new tasks. What it costs: a slow mailbox holds up the rest of its wave, not
 * the other batches (each lane goes on with its own).
 */
export function mailboxWaves<T>(mailboxes: readonly T[], perWave: number): T[][] {
  if (!Number.isInteger(perWave) || perWave <= 0) {
    throw new Error(`mailboxes in flight per batch must be a positive whole number, got ${perWave}`);
  }
  const waves: T[][] = [];
  for (let start = 0; start < mailboxes.length; start += perWave) {
    waves.push(mailboxes.slice(start, start + perWave));
  }
  return waves;
}

export function batchSpan(plan: Pick<SweepPlan, 'total' | 'batchSize'>, batch: number): BatchSpan {
  const start = batch * plan.batchSize;
  return { batch, start, end: Math.min(plan.total, start + plan.batchSize) };
}

/**
 * The batches lane `lane` runs, in order: lane, lane + lanes, lane + 2·lanes, ... Each lane starts its
 * next batch the moment its previous one ends, so `lanes` batches are in flight until the list runs out.
 * (Lanes rather than "start a batch whenever any ends": see the orchestrator's header for why the
 * durable side cannot wait for whichever task ends first; its lanes walk the same batches as discovery
 * writes their parts.)
 */
export function laneBatches(
  plan: Pick<SweepPlan, 'total' | 'batchSize' | 'batches' | 'lanes'>,
  lane: number,
): BatchSpan[] {
  const spans: BatchSpan[] = [];
  for (let batch = lane; batch < plan.batches; batch += plan.lanes) spans.push(batchSpan(plan, batch));
  return spans;
}

/** Runs the plan in this process: every lane at once, each lane's batches one after another. */
export async function runLanes(plan: SweepPlan, runBatch: (span: BatchSpan) => Promise<void>): Promise<void> {
  const lanes = Array.from({ length: plan.lanes }, async (_, lane) => {
    for (const span of laneBatches(plan, lane)) await runBatch(span);
  });
  await Promise.all(lanes);
}

/** What one mailbox may do in this run: the cutoff, the folders, the per-run cap, dry run or not. */
export function mailboxLimits(job: SweepJob): SweepJobLimits {
  return {
    sweepId: job.sweepId,
    dryRun: job.dryRun,
    receivedBefore: job.receivedBefore,
    folders: job.folders,
    maxItemsPerRun: job.maxItemsPerRun,
  };
}

/** Attempts and the waits between them; the fields of durable-functions' RetryOptions. */
export interface RetryPolicy {
  maxAttempts: number;
  firstRetryMs: number;
  backoffCoefficient: number;
  maxRetryMs: number;
}

/** No wait between two attempts is longer than this, however many came before. */
export const MAX_RETRY_INTERVAL_MS = 5 * 60_000;

/** The sweep's retries of its mailboxes, batch lists, batch rows and report: from the settings. */
export function sweepRetryPolicy(job: Pick<SweepJob, 'maxAttempts' | 'firstRetryMs'>): RetryPolicy {
  return {
    maxAttempts: job.maxAttempts,
    firstRetryMs: job.firstRetryMs,
    backoffCoefficient: 2,
    maxRetryMs: MAX_RETRY_INTERVAL_MS,
  };
}

/** Discovery runs before the settings are read into a job, so its retries are fixed. */
export const DISCOVERY_RETRY: RetryPolicy = {
  maxAttempts: 3,
  firstRetryMs: 10_000,
  backoffCoefficient: 2,
  maxRetryMs: MAX_RETRY_INTERVAL_MS,
};

/**
 * The wait after failed attempt number `attempt` (1-based): first · coefficient^(attempt−1), capped.
 * The durable task framework computes its retry timers the same way from the same fields.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.firstRetryMs * policy.backoffCoefficient ** (attempt - 1), policy.maxRetryMs);
}

/**
 * One mailbox, in process, with the sweep's retries: a RetryableSweepError is tried again after the
 * policy's wait, up to its attempts, then becomes the same gave-up row the orchestration writes. No wait
 * follows the last attempt (the durable framework's does, but nothing here would come after it).
 * `journaling`: where its moves are journaled (the CLI's, cli/cliJournal.ts); none for a dry run.
 */
export async function sweepMailboxWithRetries(
  ops: MailboxOperations,
  mailbox: string,
  job: SweepJob,
  wait: (ms: number) => Promise<unknown> = delay,
  journaling?: SweepJournaling,
): Promise<MailboxRow> {
  const policy = sweepRetryPolicy(job);
  for (let attempt = 1; ; attempt++) {
    try {
      return await sweepMailbox(ops, mailbox, mailboxLimits(job), journaling);
    } catch (error) {
      if (!(error instanceof RetryableSweepError)) throw error;
      if (attempt >= policy.maxAttempts) return gaveUpRow(mailbox, error.message);
      await wait(retryDelayMs(policy, attempt));
    }
  }
}
