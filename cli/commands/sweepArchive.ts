/**
 * `mailbox-automation sweep archive [--dry-run] [--mailbox ADDRESS ...] [--report-dir DIR] [--json]`:
 * the archive sweep in this process, with the functions' discovery, per-mailbox code, limits and
 * report, following the same sweep plan as the orchestrations (shared/sweep/sweepPlan.ts: batches,
 * lanes, per-run cap, retries). The report goes to Blob storage when storage is configured, else to
 * files under --report-dir (default ./reports).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SingleBar } from 'cli-progress';
import {
  assertArchivingSupported,
  loadMailboxScope,
  loadSweepSettings,
  type SweepSettings,
} from '../../shared/platform/config';
import { transientCodeOf } from '../../shared/app/activityOutcome';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { discoverMailboxes } from '../../shared/sweep/discovery';
import { mailboxWaves, runLanes, sweepMailboxWithRetries, sweepPlanFor } from '../../shared/sweep/sweepPlan';
import { countRows, describeSummary, reportCsv, reportJson, summarize } from '../../shared/sweep/sweepReport';
import { BlobSweepStore } from '../../shared/sweep/sweepStore';
import { discoverySourcesFor, sweepJobFor } from '../../shared/sweep/sweepJob';
import type { MailboxRow, SweepJob, SweepSummary } from '../../shared/sweep/sweepTypes';
import { flag, listOption, mailboxArgument, parse, stringOption } from '../arguments';
import { EXIT, writeJson, type CliContext } from '../cliContext';
import { cliJournaling } from '../cliJournal';
import type { CliCommand } from '../command';

function isFailure(row: MailboxRow): boolean {
  return row.outcome === 'failed' || row.outcome === 'partial';
}

/** The run's exit code: failed mailboxes are rows of the report, not errors thrown to main's exitCodeFor. */
function exitCodeForRun(summary: SweepSummary, rows: readonly MailboxRow[]): number {
  if (summary.mailboxes.failed === 0 && summary.mailboxes.partial === 0) return EXIT.done;
  // Rows that gave up after transient errors carry the transient failure's message (gaveUpRow): worth re-running.
  const permanent = rows.some((r) => isFailure(r) && transientCodeOf(r.errorMessage) === undefined);
  return permanent ? EXIT.permanent : EXIT.gaveUp;
}

/** A progress bar on the context's terminal; none without one (a pipe, a log file, a test). */
async function progressBar(ctx: CliContext, total: number): Promise<SingleBar | undefined> {
  if (!ctx.terminal) return undefined;
  // Loaded only when drawn: scripts and --json never need it.
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: 'archive sweep [{bar}] {value}/{total} mailboxes | {items} items | {failed} failed',
      hideCursor: true,
      stream: ctx.terminal,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { items: 0, failed: 0 });
  return bar;
}

/** Saves the JSON and CSV report: Blob storage when configured, else files under `reportDir`. */
async function saveReport(
  settings: SweepSettings,
  job: SweepJob,
  reportDir: string,
  report: { json: string; csv: string },
): Promise<{ json: string; csv: string }> {
  if (settings.reports) {
    return new BlobSweepStore(settings.reports).putReport(job.reportPath, report.json, report.csv);
  }
  const base = resolve(reportDir, job.reportPath);
  await mkdir(dirname(base), { recursive: true });
  await writeFile(`${base}.json`, report.json);
  await writeFile(`${base}.csv`, report.csv);
  return { json: `${base}.json`, csv: `${base}.csv` };
}

export async function sweepArchive(
  args: string[],
  ctx: CliContext,
  ops: () => MailboxOperations,
): Promise<number> {
  const parsed = parse(args, sweepArchiveCommand);
  const dryRun = flag(parsed, 'dry-run');
  const json = flag(parsed, 'json');
  const limitTo = listOption(parsed, 'mailbox').map((m) => mailboxArgument(m, '--mailbox'));
  const settings = loadSweepSettings(ctx.env);
  const scope = loadMailboxScope(ctx.env);
  assertArchivingSupported(ctx.env); // Graph cannot reach the archive: exit 2, nothing sent
  const mailboxes = ops();

  const startedAt = new Date();
  const sweepId = `cli-${startedAt
    .toISOString()
    .replace(/[^0-9]/g, '')
    .slice(0, 14)}`;
  const job = sweepJobFor(settings, { sweepId, startedAt, dryRun });
  // Every ArchiveItem call is journaled as the app's sweep journals it, naming the operator (cli/cliJournal.ts).
  const journaling = dryRun ? undefined : cliJournaling(ctx, sweepArchiveCommand.name, sweepId);
  // The CLI's run keeps its list in memory (it sweeps what one process can): the parts land in one array.
  const listed: string[][] = [];
  const {
    parts: _parts,
    droppedExamples,
    ...discoveryCounts
  } = await discoverMailboxes(
    mailboxes,
    scope,
    discoverySourcesFor(settings, limitTo),
    {
      write: (part, found) => Promise.resolve(void (listed[part] = [...found])),
      read: () => Promise.resolve(undefined),
    },
    { partSize: job.batchSize, salt: sweepId },
  );
  const addresses = listed.flat();

  const bar = json ? undefined : await progressBar(ctx, addresses.length);
  const rows: MailboxRow[] = new Array<MailboxRow>(addresses.length);
  let done = 0;
  let items = 0;
  let failed = 0;
  const plan = sweepPlanFor(job, addresses.length);
  await runLanes(plan, async ({ start, end }) => {
    // The same waves as the batch orchestration: at most SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH of a batch at once.
    const batch = Array.from({ length: end - start }, (_, i) => start + i);
    for (const wave of mailboxWaves(batch, plan.mailboxesInFlightPerBatch)) {
      await Promise.all(
        wave.map(async (index) => {
          const mailbox = addresses[index] ?? '';
          const row = await sweepMailboxWithRetries(mailboxes, mailbox, job, undefined, journaling);
          rows[index] = row;
          done++;
          items += dryRun ? row.itemsPlanned : row.itemsMoved;
          if (isFailure(row)) failed++;
          bar?.update(done, { items, failed });
        }),
      );
    }
  });
  bar?.stop();

  const summary = summarize(job, discoveryCounts, countRows(rows), new Date());
  const report = { json: reportJson({ summary, droppedExamples, rows }), csv: reportCsv(rows) };
  try {
    summary.report = await saveReport(settings, job, stringOption(parsed, 'report-dir') ?? 'reports', report);
  } catch (error) {
    // The mailboxes were swept all the same: the summary says the report is missing, the exit code stays the run's.
    summary.reportError = (error as Error).message;
  }
  if (json) {
    writeJson(ctx, summary);
  } else {
    ctx.stdout(`${describeSummary(summary)}\n`);
    for (const r of rows.filter(isFailure).slice(0, 20)) {
      ctx.stdout(`  ${r.mailbox}\t${r.outcome}\t${r.errorCode ?? ''}\n`);
    }
    if (summary.report) ctx.stdout(`report: ${summary.report.json}\n        ${summary.report.csv}\n`);
    if (summary.reportError) ctx.stderr(`report not saved: ${summary.reportError}\n`);
  }
  return exitCodeForRun(summary, rows);
}

export const sweepArchiveCommand: CliCommand = {
  name: 'sweep archive',
  synopsis: '[--dry-run] [--mailbox ADDRESS ...] [--report-dir DIR]',
  summary: 'the nightly sweep, run once in-process, with its report (exit 3 or 4 if a mailbox failed)',
  arguments: {},
  options: {
    'dry-run': { type: 'boolean', description: 'count what would move; changes nothing' },
    mailbox: {
      type: 'string',
      multiple: true,
      value: 'ADDRESS',
      description: 'sweep only these mailboxes instead of MAILBOX_SCOPE_GROUP and SWEEP_MAILBOXES',
    },
    'report-dir': {
      type: 'string',
      value: 'DIR',
      description: 'where the JSON and CSV report go when no Blob storage is configured; default ./reports',
    },
  },
  json: {
    shape:
      '{ sweepId, dryRun, startedAt, finishedAt, receivedBefore, folders, discovery, mailboxes: { total, ' +
      'archived, upToDate, planned, skipped, partial, failed }, itemsPlanned, itemsArchived, itemsFailed, ' +
      'report?: { json, csv }, reportError? }',
    note: 'reportError instead of report when the report could not be saved',
  },
  examples: [
    'mailbox-automation sweep archive --dry-run --mailbox alice@contoso.com --report-dir /tmp/reports',
  ],
  run: sweepArchive,
};
