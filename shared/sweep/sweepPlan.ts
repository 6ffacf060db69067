/**
 * The archive sweep's plan, written once: how the discovered mailboxes are cut into batches of
 * SWEEP_BATCH_SIZE, which lane runs which batch (SWEEP_MAX_BATCHES_IN_FLIGHT lanes, each running its
 * batches one after another), what one mailbox may do in a run (ARCHIVE_MAX_ITEMS_PER_RUN and the
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
import { gaveUpRow, RetryableSweepError, sweepMailbox, type SweepJobLimits } from './sweepMailbox';
import type { MailboxRow, SweepJob } from './sweepTypes';

/** How a sweep's mailboxes are cut up and run: `batches` batches of `batchSize`, `lanes` at once. */
export interface SweepPlan {
  total: number;
  batchSize: number;
  batches: number;
  lanes: number;
}

/** One batch: the mailboxes at positions [start, end) of the discovered list. */
export interface BatchSpan {
  batch: number;
  start: number;
  end: number;
}

export function sweepPlanFor(
  job: Pick<SweepJob, 'batchSize' | 'maxBatchesInFlight'>,
  total: number,
): SweepPlan {
  const batches = Math.ceil(total / job.batchSize);
  return { total, batchSize: job.batchSize, batches, lanes: Math.min(job.maxBatchesInFlight, batches) };
}

export function batchSpan(plan: Pick<SweepPlan, 'total' | 'batchSize'>, batch: number): BatchSpan {
  const start = batch * plan.batchSize;
  return { batch, start, end: Math.min(plan.total, start + plan.batchSize) };
}

/**
 * The batches lane `lane` runs, in order: lane, lane + lanes, lane + 2·lanes, ... Each lane starts its
 * next batch the moment its previous one ends, so `lanes` batches are in flight until the list runs out.
 * (Lanes rather than "start a batch whenever any ends": see the orchestrator's header for why the
 * durable side cannot wait for whichever task ends first.)
 */
export function laneBatches(plan: SweepPlan, lane: number): BatchSpan[] {
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
 */
export async function sweepMailboxWithRetries(
  ops: MailboxOperations,
  mailbox: string,
  job: SweepJob,
  wait: (ms: number) => Promise<unknown> = delay,
): Promise<MailboxRow> {
  const policy = sweepRetryPolicy(job);
  for (let attempt = 1; ; attempt++) {
    try {
      return await sweepMailbox(ops, mailbox, mailboxLimits(job));
    } catch (error) {
      if (!(error instanceof RetryableSweepError)) throw error;
      if (attempt >= policy.maxAttempts) return gaveUpRow(mailbox, error.message);
      await wait(retryDelayMs(policy, attempt));
    }
  }
}
