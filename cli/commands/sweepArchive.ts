/**
 * `mailbox-automation sweep archive [--dry-run] [--json] [--mailbox A ...] [--report-dir DIR]`:
 * the archive sweep in this process, with the functions' discovery, per-mailbox code, limits and
 * report. Batches of SWEEP_BATCH_SIZE, at most SWEEP_MAX_BATCHES_IN_FLIGHT at once (a sliding window);
 * transient failures retried SWEEP_MAX_ATTEMPTS times. The report goes to Blob storage when storage is
 * configured, else to files under --report-dir (default ./reports).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertArchivingSupported, loadMailboxScope, loadSweepSettings, type Env } from '../../shared/config';
import { ConfigError } from '../../shared/configError';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { isSmtpAddress } from '../../shared/address';
import { discoverMailboxes } from '../../shared/sweep/discovery';
import { gaveUpRow, RetryableSweepError, sweepMailbox } from '../../shared/sweep/sweepMailbox';
import { countRows, describeSummary, reportCsv, reportJson, summarize } from '../../shared/sweep/sweepReport';
import { mapWithLimit, sleep } from '../../shared/ews/concurrency';
import { BlobSweepStore } from '../../shared/sweep/sweepStore';
import { discoverySourcesFor, sweepJobFor } from '../../shared/sweep/sweepJob';
import type { MailboxRow, SweepJob, SweepSummary } from '../../shared/sweep/sweepTypes';

export interface SweepArchiveIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress bar on a terminal (default: stderr is a TTY and not --json). */
  progress?: boolean;
  now?: () => Date;
}

const USAGE =
  'usage: mailbox-automation sweep archive [--dry-run] [--json] [--mailbox ADDRESS ...] [--report-dir DIR]';

/** Runs `items` through `fn` in batches of `size`, at most `window` batches at once; a finished batch lets the next start. */
export async function inSlidingWindow<T>(
  items: readonly T[],
  size: number,
  window: number,
  fn: (batch: T[], index: number) => Promise<void>,
): Promise<void> {
  const batches = Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
  await mapWithLimit(batches, window, fn);
}

async function withRetries(
  job: SweepJob,
  mailbox: string,
  ops: MailboxOperations,
  limits: Parameters<typeof sweepMailbox>[2],
): Promise<MailboxRow> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sweepMailbox(ops, mailbox, limits);
    } catch (error) {
      if (!(error instanceof RetryableSweepError)) throw error;
      if (attempt >= job.maxAttempts) return gaveUpRow(mailbox, error.message);
      const wait = Math.min(job.firstRetryMs * 2 ** (attempt - 1), 5 * 60_000);
      await sleep(wait);
    }
  }
}

function exitCodeFor(summary: SweepSummary, rows: readonly MailboxRow[]): number {
  if (summary.mailboxes.failed === 0 && summary.mailboxes.partial === 0) return 0;
  // 4: every failure was transient (worth re-running); 3: some mailbox failed for good.
  const permanent = rows.some(
    (r) => (r.outcome === 'failed' || r.outcome === 'partial') && r.errorMessage?.startsWith('[') !== true,
  );
  return permanent ? 3 : 4;
}

export async function sweepArchive(
  args: string[],
  env: Env,
  ops?: MailboxOperations,
  io: SweepArchiveIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        mailbox: { type: 'string', multiple: true },
        'report-dir': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(`${(error as Error).message.split('\n')[0]}\n${USAGE}\n`);
    return 2;
  }
  const dryRun = parsed['dry-run'] === true;
  const json = parsed.json === true;
  const limitTo = (parsed.mailbox ?? []).map((m) => m.trim().toLowerCase());
  const bad = limitTo.find((m) => !isSmtpAddress(m));
  if (bad) {
    io.stderr(`--mailbox "${bad}" is not an e-mail address\n`);
    return 2;
  }

  let settings, scope;
  try {
    settings = loadSweepSettings(env);
    scope = loadMailboxScope(env);
    assertArchivingSupported(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let close: (() => Promise<void>) | undefined;
  if (!ops) {
    const { createMailboxBackend } = await import('../../shared/mailbox/mailboxBackend');
    const backend = createMailboxBackend(env);
    ops = backend.operations;
    close = () => backend.close();
  }

  try {
    const startedAt = (io.now ?? (() => new Date()))();
    const sweepId = `cli-${startedAt
      .toISOString()
      .replace(/[^0-9]/g, '')
      .slice(0, 14)}`;
    const job = sweepJobFor(settings, { sweepId, startedAt, dryRun });
    let discovery;
    try {
      discovery = await discoverMailboxes(ops, scope, discoverySourcesFor(settings, limitTo));
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`${error.message}\n`);
        return 2;
      }
      throw error;
    }
    const { addresses, droppedExamples, ...discoveryCounts } = discovery;

    const showBar = io.progress ?? (!json && process.stderr.isTTY === true);
    let bar: import('cli-progress').SingleBar | undefined;
    if (showBar) {
      const { SingleBar, Presets } = await import('cli-progress');
      bar = new SingleBar(
        {
          format: 'archive sweep [{bar}] {value}/{total} mailboxes | {items} items | {failed} failed',
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(addresses.length, 0, { items: 0, failed: 0 });
    }
    const rows: MailboxRow[] = new Array<MailboxRow>(addresses.length);
    let done = 0;
    let items = 0;
    let failed = 0;
    const limits = {
      dryRun,
      receivedBefore: job.receivedBefore,
      folders: job.folders,
      maxItemsPerRun: job.maxItemsPerRun,
    };
    const mailboxOps = ops;
    await inSlidingWindow(addresses, job.batchSize, job.maxBatchesInFlight, async (batch, index) => {
      await Promise.all(
        batch.map(async (mailbox, i) => {
          const row = await withRetries(job, mailbox, mailboxOps, limits);
          rows[index * job.batchSize + i] = row;
          done++;
          items += dryRun ? row.itemsPlanned : row.itemsMoved;
          if (row.outcome === 'failed' || row.outcome === 'partial') failed++;
          bar?.update(done, { items, failed });
        }),
      );
    });
    bar?.stop();

    const summary = summarize(job, discoveryCounts, countRows(rows), new Date());
    const jsonText = reportJson({ summary, droppedExamples, rows });
    const csvText = reportCsv(rows);
    try {
      if (settings.reports) {
        summary.report = await new BlobSweepStore(settings.reports).putReport(
          job.reportPath,
          jsonText,
          csvText,
        );
      } else {
        const base = resolve(parsed['report-dir'] ?? 'reports', job.reportPath);
        await mkdir(dirname(base), { recursive: true });
        await writeFile(`${base}.json`, jsonText);
        await writeFile(`${base}.csv`, csvText);
        summary.report = { json: `${base}.json`, csv: `${base}.csv` };
      }
    } catch (error) {
      summary.reportError = (error as Error).message;
    }
    if (json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
    else {
      io.stdout(`${describeSummary(summary)}\n`);
      for (const r of rows.filter((x) => x.outcome === 'failed' || x.outcome === 'partial').slice(0, 20)) {
        io.stdout(`  ${r.mailbox}\t${r.outcome}\t${r.errorCode ?? ''}\n`);
      }
      if (summary.report) io.stdout(`report: ${summary.report.json}\n        ${summary.report.csv}\n`);
      if (summary.reportError) io.stderr(`report not saved: ${summary.reportError}\n`);
    }
    return exitCodeFor(summary, rows);
  } finally {
    await close?.();
  }
}
