/**
 * The archive sweep's steps that touch the outside world, one per activity of
 * functions/archiveSweepActivities.ts: discovery (settings become the run's job, the mailbox list goes to
 * storage), one mailbox, and the report (the batches' rows gathered and written as JSON and CSV). The
 * activities only register these and carry their outcome across the durable boundary.
 *
 * Lines about a sweep go to `log`, which names the orchestration instance; mailbox calls made here report
 * their retries and failures through the same log (shared/platform/logging/invocationLog).
 */
import {
  withInvocationLog,
  type FromOrchestration,
  type InstanceLog,
} from '../platform/logging/invocationLog';
import { sleep } from '../platform/transport/concurrency';
import { assertDiscoverable, discoverMailboxes, readWrittenParts, type MailboxPartSink } from './discovery';
import type { SweepDependencies } from './sweepDependencies';
import { discoverySourcesFor, sweepJobFor } from './sweepJob';
import { sweepMailbox, type SweepJobLimits } from './sweepMailbox';
import { commitStreamedReport } from './reportBlocks';
import type { SweepStore } from './sweepStore';
import type { DiscoveryFound, MailboxRow, SweepJob, SweepSummary } from './sweepTypes';

export interface PrepareInput {
  sweepId: string;
  startedAt: string;
  dryRun: boolean;
  /** The mailboxes a start asked for (read from its stored list), else the configured sources. */
  mailboxes?: readonly string[];
}

/**
 * Settings become the run's job, fixed for the whole sweep, and what configuration alone says is checked
 * (discovery.ts assertDiscoverable, then the mailbox back end's own settings): a mistake ends the sweep
 * before any call to Exchange and before any lane starts.
 */
export async function prepareSweep(input: PrepareInput, deps: SweepDependencies): Promise<SweepJob> {
  const settings = deps.settings();
  const job = sweepJobFor(settings, {
    sweepId: input.sweepId,
    startedAt: new Date(input.startedAt),
    dryRun: input.dryRun,
  });
  assertDiscoverable(deps.scope(), discoverySourcesFor(settings, input.mailboxes));
  await deps.operations();
  return job;
}

export interface DiscoverInput {
  job: SweepJob;
  mailboxes?: readonly string[];
}

/** The store's parts of one sweep's list, as discovery writes and reads them. */
export function mailboxPartsOf(store: SweepStore, reportPath: string): MailboxPartSink {
  return {
    write: (part, addresses) => store.putMailboxPart(reportPath, part, addresses),
    read: (part) => store.getMailboxPart(reportPath, part),
  };
}

/**
 * Writes the sweep's mailboxes in parts as it finds them (batches start on the first ones), then its
 * end marker. Run again (activities run at least once), it answers from a complete end marker, or
 * resumes after the parts an earlier attempt wrote.
 */
export async function discoverSweep(
  input: DiscoverInput,
  deps: SweepDependencies,
  log: InstanceLog,
): Promise<DiscoveryFound> {
  const { job } = input;
  const store = deps.store();
  const ended = await store.getDiscoveryEnd(job.reportPath);
  if (ended?.ended === 'complete') {
    const { ended: _ended, ...found } = ended;
    return found;
  }
  const settings = deps.settings();
  const operations = await deps.operations();
  const result = await withInvocationLog(log, () =>
    discoverMailboxes(
      operations,
      deps.scope(),
      discoverySourcesFor(settings, input.mailboxes),
      mailboxPartsOf(store, job.reportPath),
      { partSize: job.batchSize, salt: job.sweepId + job.startedAt },
    ),
  );
  const { parts, droppedExamples, ...discovery } = result;
  const found: DiscoveryFound = { discovery, parts, droppedExamples };
  await store.putDiscoveryEnd(job.reportPath, { ended: 'complete', ...found });
  log.info(
    `archive sweep: ${discovery.total} mailbox(es) in scope in ${parts} part(s); dropped ${discovery.outOfScope} out of scope, ` +
      `${discovery.unresolved} unresolved, ${discovery.notMailboxes} not mailboxes`,
  );
  return found;
}

/**
 * After discovery gave up for good: the parts it wrote (gaps filled) are all there will be; the end
 * marker says so, and the lanes waiting for more end.
 */
export async function endFailedDiscovery(
  reportPath: string,
  message: string,
  store: SweepStore,
): Promise<{ parts: number; total: number }> {
  const written = await readWrittenParts(mailboxPartsOf(store, reportPath));
  await store.putDiscoveryEnd(reportPath, { ended: 'failed', parts: written.parts, message });
  return written;
}

/** What a lane is told when it asks for a batch's mailboxes. */
export type BatchMailboxes =
  | { state: 'ready'; mailboxes: string[] }
  /** Discovery ended below this batch: the lane has no more batches. */
  | { state: 'none' }
  /** Not written yet and discovery still running: ask again. */
  | { state: 'waiting' };

/** How long one ask waits for a part before answering `waiting`, and how often it looks. */
export const PART_WAIT_MS = 30_000;
export const PART_POLL_MS = 250;

/**
 * Batch `batch`'s mailboxes: its part once discovery has written it, `none` once discovery ended below
 * it, else `waiting` after at most `waitMs` (the lane asks again: an activity never waits unbounded, and
 * the lane's history gains two events per ask). The end marker is read before the part, so a part that
 * appeared between the two reads is not missed.
 */
export async function batchMailboxes(
  store: SweepStore,
  reportPath: string,
  batch: number,
  waitMs = PART_WAIT_MS,
  pollMs = PART_POLL_MS,
): Promise<BatchMailboxes> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const ended = await store.getDiscoveryEnd(reportPath);
    const mailboxes = await store.getMailboxPart(reportPath, batch);
    if (mailboxes) return { state: 'ready', mailboxes };
    if (ended && batch >= ended.parts) return { state: 'none' };
    if (ended)
      throw new Error(
        `batch ${batch}: discovery ended with ${ended.parts} parts but part ${batch} is missing`,
      );
    if (Date.now() >= deadline) return { state: 'waiting' };
    await sleep(pollMs);
  }
}

export interface SweepMailboxInput extends FromOrchestration {
  mailbox: string;
  job: SweepJobLimits;
}

/** One mailbox's row; a failed or partial one is also a line. */
export async function sweepOneMailbox(
  input: SweepMailboxInput,
  deps: SweepDependencies,
  log: InstanceLog,
): Promise<MailboxRow> {
  const operations = await deps.operations();
  const journaling = { journal: deps.journal(), log, instanceId: input.instanceId };
  const row = await withInvocationLog(log, () =>
    sweepMailbox(operations, input.mailbox, input.job, journaling),
  );
  if (row.outcome === 'failed') log.error(`archive sweep: ${row.mailbox} failed (${row.errorCode ?? ''})`);
  if (row.outcome === 'partial') log.warn(`archive sweep: ${row.mailbox} partial (${row.errorCode ?? ''})`);
  return row;
}

export interface WriteReportInput {
  job: SweepJob;
  batches: number;
  summary: SweepSummary;
  droppedExamples: { address: string; reason: string }[];
}

/**
 * Commits the report the batches streamed into its two blobs (shared/sweep/reportBlocks.ts: a batch that
 * saved no rows has its mailboxes as BatchFailed) and removes the run's working files.
 */
export async function writeSweepReport(
  input: WriteReportInput,
  store: SweepStore,
  log: InstanceLog,
): Promise<{ json: string; csv: string }> {
  const { job } = input;
  const where = await commitStreamedReport(store, {
    reportPath: job.reportPath,
    batches: input.batches,
    summary: input.summary,
    droppedExamples: input.droppedExamples,
    mailboxesOf: async (batch) => (await store.getMailboxPart(job.reportPath, batch)) ?? [],
  });
  await store.deleteParts(job.reportPath, input.batches);
  log.info(`archive sweep: report ${where.json}`);
  return where;
}
