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
import { discoverMailboxes } from './discovery';
import type { SweepDependencies } from './sweepDependencies';
import { discoverySourcesFor, sweepJobFor } from './sweepJob';
import { sweepMailbox, type SweepJobLimits } from './sweepMailbox';
import { reportCsv, reportJson } from './sweepReport';
import type { SweepStore } from './sweepStore';
import type { DiscoveryCounts, MailboxRow, SweepJob, SweepSummary } from './sweepTypes';

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

/** Settings become the run's job (fixed for the whole sweep); the mailbox list goes to storage. */
export async function discoverSweep(
  input: DiscoverInput,
  deps: SweepDependencies,
  log: InstanceLog,
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

/** Gathers the batches' rows (a batch that left none: its mailboxes are BatchFailed) and writes JSON + CSV. */
export async function writeSweepReport(
  input: WriteReportInput,
  store: SweepStore,
  log: InstanceLog,
): Promise<{ json: string; csv: string }> {
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
  log.info(`archive sweep: report ${where.json}`);
  return where;
}
