/**
 * The archive sweep's data: what one run is asked to do (job), what happened to each mailbox (row),
 * and the counts the orchestrations pass around (compact, so histories stay small).
 */
import type { FolderName } from '../mailbox/mailboxOperations';

/** Everything a sweep run needs, fixed when it starts (orchestrations must not read settings). */
export interface SweepJob {
  /** Stable id of this run: `<instance>` for the functions, `cli-<time>` for the CLI. */
  sweepId: string;
  startedAt: string;
  dryRun: boolean;
  /** ISO instant: items received before it are archived. */
  receivedBefore: string;
  folders: FolderName[];
  maxItemsPerRun: number;
  batchSize: number;
  maxBatchesInFlight: number;
  /**
   * Mailboxes a batch sweeps at once (SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH). Absent in a job fixed by a
   * version without it: its batches sweep all their mailboxes at once, as they started.
   */
  mailboxesInFlightPerBatch?: number;
  maxAttempts: number;
  firstRetryMs: number;
  /** Blob path prefix of this run's report, e.g. `archive/2026-11-25T020000Z-archive-sweep`. */
  reportPath: string;
}

/**
 * What happened to one mailbox:
 * - `archived`: old items moved (possibly capped: the rest moves next run);
 * - `upToDate`: nothing older than the cutoff;
 * - `planned`: dry run, items counted, nothing moved;
 * - `skipped`: no archive mailbox;
 * - `partial`: some items moved, Exchange refused others;
 * - `failed`: a permanent error, or transient ones beyond the retries; nothing more was tried.
 */
export type MailboxOutcome = 'archived' | 'upToDate' | 'planned' | 'skipped' | 'partial' | 'failed';
export const MAILBOX_OUTCOMES: readonly MailboxOutcome[] = [
  'archived',
  'upToDate',
  'planned',
  'skipped',
  'partial',
  'failed',
];

export interface MailboxRow {
  mailbox: string;
  outcome: MailboxOutcome;
  /** Dry run: old items counted. Real run: items the run found to archive (moved, or refused one by one). */
  itemsPlanned: number;
  itemsMoved: number;
  /** More old items remain beyond ARCHIVE_MAX_ITEMS_PER_RUN. */
  capped?: boolean;
  errorCode?: string;
  errorMessage?: string;
}

/** Counts per outcome plus items: what batches return and the parent adds up. */
export interface SweepCounts {
  mailboxes: Record<MailboxOutcome, number>;
  itemsPlanned: number;
  itemsArchived: number;
  itemsFailed: number;
}

export function emptyCounts(): SweepCounts {
  return {
    mailboxes: { archived: 0, upToDate: 0, planned: 0, skipped: 0, partial: 0, failed: 0 },
    itemsPlanned: 0,
    itemsArchived: 0,
    itemsFailed: 0,
  };
}

export function countRow(counts: SweepCounts, row: MailboxRow): SweepCounts {
  counts.mailboxes[row.outcome] += 1;
  counts.itemsPlanned += row.itemsPlanned;
  counts.itemsArchived += row.itemsMoved;
  if (row.outcome === 'partial') counts.itemsFailed += Math.max(0, row.itemsPlanned - row.itemsMoved);
  return counts;
}

export function addCounts(into: SweepCounts, more: SweepCounts): SweepCounts {
  for (const o of MAILBOX_OUTCOMES) into.mailboxes[o] += more.mailboxes[o];
  into.itemsPlanned += more.itemsPlanned;
  into.itemsArchived += more.itemsArchived;
  into.itemsFailed += more.itemsFailed;
  return into;
}

export function mailboxesDone(counts: SweepCounts): number {
  return MAILBOX_OUTCOMES.reduce((n, o) => n + counts.mailboxes[o], 0);
}

/** The sweep's progress as the orchestration's custom status shows it. */
export function sweepStatus(
  phase: SweepStatus['phase'],
  dryRun: boolean,
  total: number,
  counts: SweepCounts,
  batches: SweepStatus['batches'],
): SweepStatus {
  return {
    phase,
    dryRun,
    total,
    done: mailboxesDone(counts),
    failed: counts.mailboxes.failed + counts.mailboxes.partial,
    skipped: counts.mailboxes.skipped,
    itemsArchived: counts.itemsArchived,
    itemsPlanned: counts.itemsPlanned,
    batches,
  };
}

/** What discovery found and dropped (the report shows it; the orchestration keeps only these numbers). */
export interface DiscoveryCounts {
  /** Mailboxes to sweep, after dedupe and scope. */
  total: number;
  groupsExpanded: number;
  /** Group members that are not user mailboxes (contacts, public folders, ...). */
  notMailboxes: number;
  duplicates: number;
  /** Names that resolve to no mailbox. */
  unresolved: number;
  /** Resolved mailboxes outside MAILBOX_SCOPE: dropped, never touched. */
  outOfScope: number;
}

/** What discovery found, as its activity returns it and its end marker keeps it. */
export interface DiscoveryFound {
  discovery: DiscoveryCounts;
  /** Parts written: batch k sweeps part k, for k below this. */
  parts: number;
  droppedExamples: { address: string; reason: string }[];
}

/**
 * Discovery's last word, stored after its last part (shared/sweep/sweepStore.ts): the lanes read it to
 * know when there are no more batches. `failed`: written by the sweep when discovery gave up; the parts
 * written until then are still swept.
 */
export type DiscoveryEnd =
  ({ ended: 'complete' } & DiscoveryFound) | { ended: 'failed'; parts: number; message: string };

/** The custom status while a sweep runs. */
export interface SweepStatus {
  phase: 'discovering' | 'archiving' | 'reporting' | 'done';
  dryRun: boolean;
  total: number;
  done: number;
  failed: number;
  skipped: number;
  itemsArchived: number;
  itemsPlanned: number;
  batches: { total: number; done: number; inFlight: number };
}

/** The orchestration's output and the report's summary. */
export interface SweepSummary {
  sweepId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  receivedBefore: string;
  folders: FolderName[];
  discovery: DiscoveryCounts;
  mailboxes: Record<MailboxOutcome, number> & { total: number };
  itemsPlanned: number;
  itemsArchived: number;
  itemsFailed: number;
  report?: { json: string; csv: string };
  reportError?: string;
  /** Discovery gave up part-way: the mailboxes it had found were swept, the rest were not looked for. */
  discoveryError?: string;
}
