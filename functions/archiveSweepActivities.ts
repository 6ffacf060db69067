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
import { stageBatchPart } from '../shared/sweep/reportBlocks';
import {
  batchMailboxes,
  discoverSweep,
  endFailedDiscovery,
  prepareSweep,
  sweepOneMailbox,
  writeSweepReport,
  type BatchMailboxes,
  type PrepareInput,
  type SweepMailboxInput,
  type WriteReportInput,
} from '../shared/sweep/sweepSteps';
import type { DiscoveryFound, MailboxRow, SweepJob } from '../shared/sweep/sweepTypes';

export type { BatchMailboxes, SweepMailboxInput, WriteReportInput };

/**
 * The sweep's start and discovery as the orchestration sends them: a start limited to some mailboxes
 * names their stored list (shared/sweep/sweepControl.ts) instead of carrying it, so inputs stay small.
 */
export interface PrepareActivityInput extends Omit<PrepareInput, 'mailboxes'> {
  mailboxList?: string;
}
export interface DiscoverActivityInput {
  job: SweepJob;
  mailboxList?: string;
}

/** The report's input; the requested list, read by discovery, is removed once the report is written. */
export interface WriteReportActivityInput extends WriteReportInput {
  mailboxList?: string;
}

/** What a batch orchestration asks for: its part of the discovered list. */
export interface LoadBatchInput {
  reportPath: string;
  part: number;
}

/** The most a requested list holds (parseSweepRequest's limit); read whole. */
const WHOLE_LIST = Number.MAX_SAFE_INTEGER;

export const ACTIVITY = {
  prepare: 'archiveSweepPrepare',
  discover: 'archiveSweepDiscover',
  endDiscovery: 'archiveSweepEndDiscovery',
  loadBatch: 'archiveSweepLoadBatch',
  sweepMailbox: 'archiveSweepMailbox',
  saveBatch: 'archiveSweepSaveBatch',
  writeReport: 'archiveSweepWriteReport',
} as const;

async function requestedList(mailboxList: string | undefined): Promise<string[] | undefined> {
  return mailboxList ? sweepDependencies().store().getMailboxes(mailboxList, 0, WHOLE_LIST) : undefined;
}

/**
 * A configuration mistake will not mend itself with retries: the outcome names the setting and the sweep
 * ends before any call to Exchange. A sweep that will not run reads its requested list no more.
 */
export async function prepare(
  input: PrepareActivityInput,
  context: InvocationContext,
): Promise<ActivityOutcome<SweepJob>> {
  const log = instanceLog(context, input.sweepId);
  const { mailboxList, ...run } = input;
  const outcome = await activityOutcome(
    async () => prepareSweep({ ...run, mailboxes: await requestedList(mailboxList) }, sweepDependencies()),
    {
      permanent: (failure) => log.error(`archive sweep not started: ${failure.message}`),
      retried: (error) => log.warn(`archive sweep start failed, will be retried: ${error.message}`),
    },
  );
  if (!outcome.ok && mailboxList) await sweepDependencies().store().deleteParts(mailboxList, 0);
  return outcome;
}

/** Permanent refusals end discovery (the sweep still sweeps the parts written); transient ones are retried. */
export async function discover(
  input: DiscoverActivityInput,
  context: InvocationContext,
): Promise<ActivityOutcome<DiscoveryFound>> {
  const log = instanceLog(context, input.job.sweepId);
  const outcome = await activityOutcome(
    async () =>
      discoverSweep(
        { job: input.job, mailboxes: await requestedList(input.mailboxList) },
        sweepDependencies(),
        log,
      ),
    {
      permanent: (failure) => log.error(`archive sweep discovery failed: ${failure.message}`),
      retried: (error) => log.warn(`archive sweep discovery failed, will be retried: ${error.message}`),
    },
  );
  // A refusal ends discovery now: the lanes waiting for more parts must hear it before the sweep can
  // (it waits for them). A transient failure is retried instead; if the retries run out, the sweep ends it.
  if (!outcome.ok) {
    await endDiscovery({
      reportPath: input.job.reportPath,
      message: outcome.failure.message,
      mailboxList: input.mailboxList,
    });
  }
  return outcome;
}

/** A discovery that gave up: the run (its report path), why, and the name of a request's stored list. */
export interface EndDiscoveryInput {
  reportPath: string;
  message: string;
  mailboxList?: string;
}

/**
 * Marks discovery ended (the waiting batches stop) and counts what it wrote. A sweep that found nobody
 * will not run, so a request's stored list is removed here (otherwise the report step removes it).
 */
export async function endDiscovery(input: EndDiscoveryInput): Promise<{ parts: number; total: number }> {
  const store = sweepDependencies().store();
  const written = await endFailedDiscovery(input.reportPath, input.message, store);
  if (written.parts === 0 && input.mailboxList) await store.deleteParts(input.mailboxList, 0);
  return written;
}

export async function loadBatch(input: LoadBatchInput): Promise<BatchMailboxes> {
  return batchMailboxes(sweepDependencies().store(), input.reportPath, input.part);
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

/** One part of a batch's rows (shared/sweep/reportBlocks.ts BatchPart, as the batch orchestration sends it). */
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

/**
 * Saves one part: its rows go into the report's blobs as staged blocks (shared/sweep/reportBlocks.ts). The
 * report takes a batch's rows only once all its parts are saved, so they appear whole or not at all.
 */
export async function saveBatch(input: SaveBatchInput): Promise<void> {
  return stageBatchPart(sweepDependencies().store(), input);
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

df.app.activity(ACTIVITY.prepare, {
  handler: (input, ctx) => prepare(input as PrepareActivityInput, ctx),
});
df.app.activity(ACTIVITY.discover, {
  handler: (input, ctx) => discover(input as DiscoverActivityInput, ctx),
});
df.app.activity(ACTIVITY.endDiscovery, {
  handler: (input) => endDiscovery(input as EndDiscoveryInput),
});
df.app.activity(ACTIVITY.loadBatch, {
  handler: (input) => loadBatch(input as LoadBatchInput),
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
