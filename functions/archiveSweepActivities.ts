/**
 * The archive sweep's activities: discovery, a batch's mailbox list, one mailbox, a batch's rows, the
 * report. The work is in shared/sweep/sweepSteps.ts; here each is registered, its log lines are given
 * the orchestration instance (the sweep's id, or a batch's `<sweep id>:<start>:lane<j>:batch<n>`), and
 * discovery's failures cross the durable boundary as shared/app/activityOutcome.ts says.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { activityOutcome, type ActivityOutcome } from '../shared/app/activityOutcome';
import { instanceLog } from '../shared/platform/logging/invocationLog';
import { sweepDependencies } from '../shared/sweep/sweepDependencies';
import {
  discoverSweep,
  sweepOneMailbox,
  writeSweepReport,
  type Discovered,
  type DiscoverInput,
  type SweepMailboxInput,
  type WriteReportInput,
} from '../shared/sweep/sweepSteps';
import type { MailboxRow } from '../shared/sweep/sweepTypes';

export type { Discovered, DiscoverInput, SweepMailboxInput, WriteReportInput };

export const ACTIVITY = {
  discover: 'archiveSweepDiscover',
  loadBatch: 'archiveSweepLoadBatch',
  sweepMailbox: 'archiveSweepMailbox',
  saveBatch: 'archiveSweepSaveBatch',
  writeReport: 'archiveSweepWriteReport',
} as const;

/**
 * A configuration mistake or a permanent refusal will not mend itself with retries: the outcome names it
 * (a setting's with the setting) and the sweep ends; transient failures are retried by the orchestration.
 */
export async function discover(
  input: DiscoverInput,
  context: InvocationContext,
): Promise<ActivityOutcome<Discovered>> {
  const log = instanceLog(context, input.sweepId);
  return activityOutcome(() => discoverSweep(input, sweepDependencies(), log), {
    permanent: (failure) => log.error(`archive sweep not started: ${failure.message}`),
    retried: (error) => log.warn(`archive sweep discovery failed, will be retried: ${error.message}`),
  });
}

export async function loadBatch(input: {
  reportPath: string;
  start: number;
  end: number;
}): Promise<string[]> {
  return sweepDependencies().store().getMailboxes(input.reportPath, input.start, input.end);
}

export async function archiveOneMailbox(
  input: SweepMailboxInput,
  context: InvocationContext,
): Promise<MailboxRow> {
  return sweepOneMailbox(input, sweepDependencies(), instanceLog(context, input.instanceId));
}

export async function saveBatch(input: {
  reportPath: string;
  batch: number;
  rows: MailboxRow[];
}): Promise<void> {
  await sweepDependencies().store().putBatchRows(input.reportPath, input.batch, input.rows);
}

export async function writeReport(
  input: WriteReportInput,
  context: InvocationContext,
): Promise<{ json: string; csv: string }> {
  return writeSweepReport(input, sweepDependencies().store(), instanceLog(context, input.job.sweepId));
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
