/**
 * The sweep report a person reads: JSON (summary, discovery, one row per mailbox) and CSV (mailbox,
 * outcome, items planned, items moved, error code). Same builder for the functions and the CLI.
 */
import {
  MAILBOX_OUTCOMES,
  countRow,
  emptyCounts,
  type DiscoveryCounts,
  type MailboxRow,
  type SweepCounts,
  type SweepJob,
  type SweepSummary,
} from './sweepTypes';
import { csvText } from '../platform/csv';
import { blobTimeStamp } from '../platform/blobNames';

/** `archive/<date>-<instance>`: the date carries the time too, so sweeps of one day never overwrite. */
export function reportPathFor(startedAt: Date, sweepId: string): string {
  const stamp = blobTimeStamp(startedAt);
  const safeId = sweepId.replace(/[^A-Za-z0-9._-]/g, '-');
  return `archive/${stamp}-${safeId}`;
}

export function summarize(
  job: Pick<SweepJob, 'sweepId' | 'dryRun' | 'startedAt' | 'receivedBefore' | 'folders'>,
  discovery: DiscoveryCounts,
  counts: SweepCounts,
  finishedAt: Date,
): SweepSummary {
  const total = MAILBOX_OUTCOMES.reduce((n, o) => n + counts.mailboxes[o], 0);
  return {
    sweepId: job.sweepId,
    dryRun: job.dryRun,
    startedAt: job.startedAt,
    finishedAt: finishedAt.toISOString(),
    receivedBefore: job.receivedBefore,
    folders: job.folders,
    discovery,
    mailboxes: { ...counts.mailboxes, total },
    itemsPlanned: counts.itemsPlanned,
    itemsArchived: counts.itemsArchived,
    itemsFailed: counts.itemsFailed,
  };
}

export function countRows(rows: readonly MailboxRow[]): SweepCounts {
  return rows.reduce(countRow, emptyCounts());
}

const CSV_COLUMNS = ['mailbox', 'outcome', 'itemsPlanned', 'itemsMoved', 'capped', 'errorCode'] as const;

/*
 * The report's text is written in pieces: the batches' rows as they finish, the head (summary) and the end
 * when the sweep ends (shared/sweep/reportBlocks.ts). The pieces below are the only place that text is made:
 * reportJson and reportCsv join them for a report held whole (the CLI's), the blocks for a streamed one, so
 * the two cannot drift apart.
 */

/** The CSV's first line: the column names. */
export const CSV_HEADER_TEXT = csvText(CSV_COLUMNS, []);

/** One mailbox's CSV line, with its CRLF. */
export function csvRowText(r: MailboxRow): string {
  const cells = [
    r.mailbox,
    r.outcome,
    String(r.itemsPlanned),
    String(r.itemsMoved),
    r.capped ? 'yes' : '',
    r.errorCode ?? '',
  ];
  return csvText(cells, []);
}

export function reportCsv(rows: readonly MailboxRow[]): string {
  return CSV_HEADER_TEXT + rows.map(csvRowText).join('');
}

export interface SweepReport {
  summary: SweepSummary;
  droppedExamples: { address: string; reason: string }[];
  rows: MailboxRow[];
}

/** A row inside `"rows": [`, at the depth JSON.stringify(report, null, 2) puts it (two levels in). */
const ROW_INDENT = '\n    ';

/**
 * One mailbox's JSON as `JSON.stringify(report, null, 2)` prints it inside `"rows": [ ... ]`, with the
 * comma before it unless it is the first row. (A string in JSON holds no raw line break, so every line
 * break of the row's own text is one of its indentation's.)
 */
export function jsonRowText(row: MailboxRow, first: boolean): string {
  return (first ? '' : ',') + ROW_INDENT + JSON.stringify(row, null, 2).replace(/\n/g, ROW_INDENT);
}

/** Everything before the first row: summary, droppedExamples and `"rows": [`. */
export function jsonHeadText(head: Omit<SweepReport, 'rows'>): string {
  const empty = JSON.stringify(
    { summary: head.summary, droppedExamples: head.droppedExamples, rows: [] },
    null,
    2,
  );
  const end = '[]\n}';
  if (!empty.endsWith(end)) throw new Error('the report head does not end with its empty rows');
  return empty.slice(0, -end.length) + '[';
}

/** Everything after the last row: JSON.stringify prints an empty array as `[]`, a full one on lines. */
export function jsonEndText(anyRows: boolean): string {
  return anyRows ? '\n  ]\n}\n' : ']\n}\n';
}

/** `JSON.stringify(report, null, 2)` and a final line break, from the same pieces as a streamed report. */
export function reportJson(report: SweepReport): string {
  return (
    jsonHeadText(report) +
    report.rows.map((row, i) => jsonRowText(row, i === 0)).join('') +
    jsonEndText(report.rows.length > 0)
  );
}

/** One line per outcome, for logs and the CLI. */
export function describeSummary(s: SweepSummary): string {
  const parts = MAILBOX_OUTCOMES.filter((o) => s.mailboxes[o] > 0).map((o) => `${s.mailboxes[o]} ${o}`);
  const d = s.discovery;
  const dropped = d.outOfScope + d.unresolved + d.notMailboxes;
  return (
    `${s.dryRun ? 'dry run: ' : ''}${s.mailboxes.total} mailbox(es)${parts.length ? ` (${parts.join(', ')})` : ''}; ` +
    `items ${s.dryRun ? 'to archive' : 'archived'}: ${s.dryRun ? s.itemsPlanned : s.itemsArchived}` +
    (s.dryRun ? '' : ` of ${s.itemsPlanned} planned`) +
    (dropped
      ? `; dropped: ${d.outOfScope} out of scope, ${d.unresolved} unresolved, ${d.notMailboxes} not mailboxes`
      : '')
  );
}

/**
 * The sweep's counts as metrics, one set per sweep and one per batch. Each travels twice under the same
 * names (docs/operations.md, "Logs"): as Application Insights custom metrics (shared/platform/telemetry/
 * sweepCounters, for charts and alert rules) and as one JSON log line (`sweepMetricsLine`) that also
 * names the orchestration instance.
 */
export interface SweepMetrics {
  /** Mailboxes the sweep (or batch) set out to do: discovery's total, or the batch's slice. */
  mailboxesPlanned: number;
  mailboxesArchived: number;
  mailboxesUpToDate: number;
  /** Dry run: mailboxes with old mail that a real run would move. */
  mailboxesToArchive: number;
  mailboxesSkipped: number;
  /** Some items moved, some refused. */
  mailboxesPartial: number;
  mailboxesFailed: number;
  itemsPlanned: number;
  itemsMoved: number;
  itemsFailed: number;
}

/** What each metric counts: the custom metrics' descriptions (the docs' table says the same). */
export const SWEEP_METRIC_MEANINGS: Readonly<Record<keyof SweepMetrics, string>> = {
  mailboxesPlanned: "Mailboxes the sweep set out to do (discovery's total; for a batch, its slice)",
  mailboxesArchived: 'Mailboxes whose old mail moved',
  mailboxesUpToDate: 'Mailboxes with nothing old to move',
  mailboxesToArchive: 'Dry run: mailboxes with old mail a real run would move',
  mailboxesSkipped: 'Mailboxes without an archive mailbox',
  mailboxesPartial: 'Mailboxes where some items moved and some were refused',
  mailboxesFailed: 'Mailboxes where the sweep failed (permanent error, gave up, or a failed batch)',
  itemsPlanned: 'Old items found (dry run: that would move)',
  itemsMoved: 'Items moved to the archive mailbox',
  itemsFailed: 'Items refused one by one in partial mailboxes',
};

export function sweepMetrics(mailboxesPlanned: number, counts: SweepCounts): SweepMetrics {
  const m = counts.mailboxes;
  return {
    mailboxesPlanned,
    mailboxesArchived: m.archived,
    mailboxesUpToDate: m.upToDate,
    mailboxesToArchive: m.planned,
    mailboxesSkipped: m.skipped,
    mailboxesPartial: m.partial,
    mailboxesFailed: m.failed,
    itemsPlanned: counts.itemsPlanned,
    itemsMoved: counts.itemsArchived,
    itemsFailed: counts.itemsFailed,
  };
}

/** `sweep`: the whole run's totals, once at its end; `batch`: one batch's, as it ends. */
export type SweepMetricsScope = 'sweep' | 'batch';

/** What every metrics line starts with (Kusto: `message has "archive sweep metrics"`). */
export const SWEEP_METRICS_PREFIX = 'archive sweep metrics ';

/** `archive sweep metrics {"scope":"sweep","dryRun":false,"mailboxesPlanned":49,...}` */
export function sweepMetricsLine(scope: SweepMetricsScope, dryRun: boolean, metrics: SweepMetrics): string {
  return SWEEP_METRICS_PREFIX + JSON.stringify({ scope, dryRun, ...metrics });
}
