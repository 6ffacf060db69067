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

/**
 * Discovery's input as the orchestration sends it: a start limited to some mailboxes names their stored
 * list (shared/sweep/sweepControl.ts) instead of carrying it, so the input stays small.
 */
export interface DiscoverActivityInput extends Omit<DiscoverInput, 'mailboxes'> {
  mailboxList?: string;
}

/** The report's input; the requested list, read by discovery, is removed once the report is written. */
export interface WriteReportActivityInput extends WriteReportInput {
  mailboxList?: string;
}

/** The most a requested list holds (parseSweepRequest's limit); read whole. */
const WHOLE_LIST = Number.MAX_SAFE_INTEGER;

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
  input: DiscoverActivityInput,
  context: InvocationContext,
): Promise<ActivityOutcome<Discovered>> {
  const log = instanceLog(context, input.sweepId);
  const deps = sweepDependencies();
  const { mailboxList, ...run } = input;
  const outcome = await activityOutcome(
    async () => {
      const mailboxes = mailboxList ? await deps.store().getMailboxes(mailboxList, 0, WHOLE_LIST) : undefined;
      return discoverSweep({ ...run, mailboxes }, deps, log);
    },
    {
      permanent: (failure) => log.error(`archive sweep not started: ${failure.message}`),
      retried: (error) => log.warn(`archive sweep discovery failed, will be retried: ${error.message}`),
    },
  );
  // A sweep that will not run reads its list no more.
  if (!outcome.ok && mailboxList) await deps.store().deleteParts(mailboxList, 0);
  return outcome;
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

/**
 * A batch's rows travel from its orchestration to blob storage as activity inputs, and an activity's input
 * is a queue message: DurableTask.AzureStorage sends one over 45 KB (its MessageManager's
 * MaxStorageQueuePayloadSizeInBytes: the whole message, whose input is a JSON string inside its JSON) the
 * slow way, compressed into a blob. A row is 90 to 650 bytes (an error message is most of it), so 1,000
 * rows made 95 to 648 KB. The rows are saved in parts whose input, escaped as the message carries it,
 * stays under SAVE_PART_BYTES; the 5 KB left is the message's envelope (ids, names, type tags).
 */
export const SAVE_PART_BYTES = 40 * 1024;

/** One part of a batch's rows: parts 0..parts-2 are staged, the last one writes the batch's rows whole. */
export interface SaveBatchInput {
  reportPath: string;
  batch: number;
  part: number;
  parts: number;
  rows: MailboxRow[];
}

/** Bytes `value` takes in an activity message: its JSON, escaped again as a JSON string. */
export function messageBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value)));
}

/**
 * The rows in order, cut where the next row would take a part's input past `budget` bytes. A single row
 * over the budget is a part of its own and spills (it would take an error message of some 40,000
 * characters).
 */
export function saveParts(rows: readonly MailboxRow[], budget = SAVE_PART_BYTES): MailboxRow[][] {
  const envelope = messageBytes({ reportPath: '', batch: 0, part: 0, parts: 0, rows: [] }) + 256;
  const parts: MailboxRow[][] = [];
  let current: MailboxRow[] = [];
  let size = envelope;
  for (const row of rows) {
    const bytes = messageBytes(row) - 2 + 1; // without its own quotes, with a comma
    if (current.length > 0 && size + bytes > budget) {
      parts.push(current);
      current = [];
      size = envelope;
    }
    current.push(row);
    size += bytes;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** Where a batch's earlier parts wait for its last one. */
const stagingPath = (reportPath: string, batch: number): string =>
  `${reportPath}.staging-${String(batch).padStart(6, '0')}`;

/**
 * Saves one part. The batch's rows appear whole or not at all (the report counts a batch without rows as
 * BatchFailed): the last part gathers the staged ones, writes the batch and removes the staging. Each step
 * may run again (activities run at least once): a last part that finds its staging gone and the batch
 * written whole has already run.
 */
export async function saveBatch(input: SaveBatchInput): Promise<void> {
  const store = sweepDependencies().store();
  const { reportPath, batch, part, parts, rows } = input;
  const staging = stagingPath(reportPath, batch);
  if (part < parts - 1) return store.putBatchRows(staging, part, rows);
  const all: MailboxRow[] = [];
  for (let earlier = 0; earlier < part; earlier++) {
    const staged = await store.getBatchRows(staging, earlier);
    if (!staged) {
      const saved = await store.getBatchRows(reportPath, batch);
      if (saved && saved.length >= all.length + rows.length) return;
      throw new Error(`batch ${batch}: part ${earlier} of ${parts} is not staged (${staging})`);
    }
    all.push(...staged);
  }
  all.push(...rows);
  await store.putBatchRows(reportPath, batch, all);
  if (part > 0) await store.deleteParts(staging, part);
}

export async function writeReport(
  input: WriteReportActivityInput,
  context: InvocationContext,
): Promise<{ json: string; csv: string }> {
  const { mailboxList, ...report } = input;
  const store = sweepDependencies().store();
  const where = await writeSweepReport(report, store, instanceLog(context, input.job.sweepId));
  if (mailboxList) await store.deleteParts(mailboxList, 0);
  return where;
}

df.app.activity(ACTIVITY.discover, {
  handler: (input, ctx) => discover(input as DiscoverActivityInput, ctx),
});
df.app.activity(ACTIVITY.loadBatch, {
  handler: (input) => loadBatch(input as { reportPath: string; start: number; end: number }),
});
df.app.activity(ACTIVITY.sweepMailbox, {
  handler: (input, ctx) => archiveOneMailbox(input as SweepMailboxInput, ctx),
});
df.app.activity(ACTIVITY.saveBatch, {
  handler: (input) => saveBatch(input as SaveBatchInput),
});
df.app.activity(ACTIVITY.writeReport, {
  handler: (input, ctx) => writeReport(input as WriteReportActivityInput, ctx),
});
