/**
 * The archive sweep's activities: discovery, a batch's mailbox list, one mailbox, a batch's rows,
 * the report. Each is short; the work is in shared/sweep and shared/archive.
 *
 * Lines about a sweep go through the invocation's logger and name the orchestration instance (the
 * sweep's id, or a batch's `<sweep id>:<start>:lane<j>:batch<n>`); mailbox calls made here report their
 * retries and failures the same way (shared/logging/invocationLog).
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { activityOutcome, type ActivityOutcome } from '../shared/app/activityOutcome';
import { discoverMailboxes } from '../shared/sweep/discovery';
import { sweepDependencies } from '../shared/sweep/sweepDependencies';
import { sweepMailbox, type SweepJobLimits } from '../shared/sweep/sweepMailbox';
import { discoverySourcesFor, sweepJobFor } from '../shared/sweep/sweepJob';
import { reportCsv, reportJson } from '../shared/sweep/sweepReport';
import type { DiscoveryCounts, MailboxRow, SweepJob, SweepSummary } from '../shared/sweep/sweepTypes';
import { instanceLog, withInvocationLog, type FromOrchestration } from '../shared/logging/invocationLog';

export const ACTIVITY = {
  discover: 'archiveSweepDiscover',
  loadBatch: 'archiveSweepLoadBatch',
  sweepMailbox: 'archiveSweepMailbox',
  saveBatch: 'archiveSweepSaveBatch',
  writeReport: 'archiveSweepWriteReport',
} as const;

export interface DiscoverInput {
  sweepId: string;
  startedAt: string;
  dryRun: boolean;
  mailboxes?: string[];
}

export interface Discovered {
  job: SweepJob;
  discovery: DiscoveryCounts;
  droppedExamples: { address: string; reason: string }[];
}

/**
 * Settings become the run's job (fixed for the whole sweep); the mailbox list goes to storage. A
 * configuration mistake or a permanent refusal will not mend itself with retries: the outcome names it
 * (a setting's with the setting) and the sweep ends; transient failures are retried by the orchestration.
 */
export async function discover(
  input: DiscoverInput,
  context: InvocationContext,
): Promise<ActivityOutcome<Discovered>> {
  const deps = sweepDependencies();
  const log = instanceLog(context, input.sweepId);
  return activityOutcome(() => discoverRun(input, deps, log), {
    permanent: (failure) => log.error(`archive sweep not started: ${failure.message}`),
    retried: (error) => log.warn(`archive sweep discovery failed, will be retried: ${error.message}`),
  });
}

async function discoverRun(
  input: DiscoverInput,
  deps: ReturnType<typeof sweepDependencies>,
  log: ReturnType<typeof instanceLog>,
): Promise<Discovered> {
  const settings = deps.settings();
  const job = sweepJobFor(settings, {
    sweepId: input.sweepId,
    startedAt: new Date(input.startedAt),
    dryRun: input.dryRun,
  });
  const operations = await deps.operations();
  const result = await withInvocationLog(log, () =>
    discoverMailboxes(operations, deps.scope(), discoverySourcesFor(settings, input.mailboxes)),
  );
  await deps.store().putMailboxes(job.reportPath, result.addresses);
  const { addresses: _addresses, droppedExamples, ...discovery } = result;
  log.info(
    `archive sweep: ${discovery.total} mailbox(es) in scope; dropped ${discovery.outOfScope} out of scope, ` +
      `${discovery.unresolved} unresolved, ${discovery.notMailboxes} not mailboxes`,
  );
  return { job, discovery, droppedExamples };
}

export async function loadBatch(input: {
  reportPath: string;
  start: number;
  end: number;
}): Promise<string[]> {
  return sweepDependencies().store().getMailboxes(input.reportPath, input.start, input.end);
}

export interface SweepMailboxInput extends FromOrchestration {
  mailbox: string;
  job: SweepJobLimits;
}

export async function archiveOneMailbox(
  input: SweepMailboxInput,
  context: InvocationContext,
): Promise<MailboxRow> {
  const log = instanceLog(context, input.instanceId);
  const operations = await sweepDependencies().operations();
  const row = await withInvocationLog(log, () => sweepMailbox(operations, input.mailbox, input.job));
  if (row.outcome === 'failed') log.error(`archive sweep: ${row.mailbox} failed (${row.errorCode ?? ''})`);
  if (row.outcome === 'partial') log.warn(`archive sweep: ${row.mailbox} partial (${row.errorCode ?? ''})`);
  return row;
}

export async function saveBatch(input: {
  reportPath: string;
  batch: number;
  rows: MailboxRow[];
}): Promise<void> {
  await sweepDependencies().store().putBatchRows(input.reportPath, input.batch, input.rows);
}

export interface WriteReportInput {
  job: SweepJob;
  batches: number;
  summary: SweepSummary;
  droppedExamples: { address: string; reason: string }[];
}

/** Gathers the batches' rows (a batch that left none: its mailboxes are BatchFailed) and writes JSON + CSV. */
export async function writeReport(
  input: WriteReportInput,
  context: InvocationContext,
): Promise<{ json: string; csv: string }> {
  const store = sweepDependencies().store();
  const { job } = input;
  const rows: MailboxRow[] = [];
  for (let batch = 0; batch < input.batches; batch++) {
    const saved = await store.getBatchRows(job.reportPath, batch);
    if (saved) {
      rows.push(...saved);
      continue;
    }
    const start = batch * job.batchSize;
    for (const mailbox of await store.getMailboxes(job.reportPath, start, start + job.batchSize)) {
      rows.push({ mailbox, outcome: 'failed', itemsPlanned: 0, itemsMoved: 0, errorCode: 'BatchFailed' });
    }
  }
  const where = await store.putReport(
    job.reportPath,
    reportJson({ summary: input.summary, droppedExamples: input.droppedExamples, rows }),
    reportCsv(rows),
  );
  await store.deleteParts(job.reportPath, input.batches);
  instanceLog(context, job.sweepId).info(`archive sweep: report ${where.json}`);
  return where;
}

df.app.activity(ACTIVITY.discover, { handler: (input, ctx) => discover(input as DiscoverInput, ctx) });
df.app.activity(ACTIVITY.loadBatch, {
  handler: (input) => loadBatch(input as { reportPath: string; start: number; end: number }),
});
df.app.activity(ACTIVITY.sweepMailbox, {
  handler: (input, ctx) => archiveOneMailbox(input as SweepMailboxInput, ctx),
});
df.app.activity(ACTIVITY.saveBatch, {
  handler: (input) => saveBatch(input as { reportPath: string; batch: number; rows: MailboxRow[] }),
});
df.app.activity(ACTIVITY.writeReport, {
  handler: (input, ctx) => writeReport(input as WriteReportInput, ctx),
});
