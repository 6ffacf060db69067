/**
 * Report memory: what the sweep's report step holds as the tenant grows. Rows are saved batch by batch
 * (SWEEP_BATCH_SIZE's default, 50 per batch) the way the batch orchestrations save them (the save
 * activity's code, functions/archiveSweepActivities.ts), into Blob storage (Azurite, started here, in a
 * process of its own); then the report activity's code (shared/sweep/sweepSteps.ts `writeSweepReport`)
 * writes the report, and that step alone is measured.
 *
 * Three processes per size: Azurite (it holds the blobs, so their bytes are not in the measured heap),
 * one that saves the rows (`node dist/bench/reportMemory.js save <rows> <connection string>`), and one
 * that writes the report (`node --expose-gc dist/bench/reportMemory.js report <rows> <connection string>`),
 * so the report process's peak RSS is the report step's (plus the loaded modules, its baseline).
 *
 * Memory is read three ways in the report process: the live heap (heapUsed right after a forced full
 * collection, every 100 ms or, when collections take long, less often: at most a fifth of the step), the heap (heapUsed sampled every 10 ms, garbage included) and the RSS
 * (process.resourceUsage().maxRSS). Store calls are the SweepStore methods the step called. The report's
 * two blobs are then read back by the driver and hashed: the same rows give the same bytes, whatever the
 * code that wrote them.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAzurite } from '../dev/azurite';
import { useAppServices } from '../shared/app/appServices';
import { loadSweepSettings } from '../shared/platform/config';
import { sweepJobFor } from '../shared/sweep/sweepJob';
import { countRow, emptyCounts, type MailboxRow, type SweepJob } from '../shared/sweep/sweepTypes';
import { summarize } from '../shared/sweep/sweepReport';
import { writeSweepReport } from '../shared/sweep/sweepSteps';
import { BlobSweepStore, type SweepStore } from '../shared/sweep/sweepStore';
import { round } from './sweepBench';

export interface ReportMemoryResult {
  rows: number;
  batches: number;
  /** Seconds the report step took (saving the rows not included). */
  seconds: number;
  /** SweepStore calls the report step made (each one blob call or more: deleteParts one per working file). */
  storeCalls: number;
  /** heapUsed after a forced full collection before the step: the loaded modules and the input. */
  baselineLiveHeapMiB: number;
  /** Highest heapUsed right after a forced full collection (every 100 ms during the step), MiB. */
  peakLiveHeapMiB: number;
  /** Highest heapUsed sampled every 10 ms, garbage included, MiB. */
  peakHeapMiB: number;
  /** RSS before the step and the process's peak (maxRSS), MiB. */
  baselineRssMiB: number;
  peakRssMiB: number;
  jsonBytes: number;
  csvBytes: number;
  /** sha256 of the JSON and the CSV as stored, first 16 hex digits. */
  jsonSha256: string;
  csvSha256: string;
}

const BATCH_SIZE = 50;
const STARTED_AT = new Date('2026-12-06T02:00:00Z');
const FINISHED_AT = new Date('2026-12-06T05:00:00Z');
/** The live heap is read at most this often (less often when a collection takes long). */
const LIVE_SAMPLE_MS = 100;
/** Batches saved at once: as the lanes of a sweep save theirs. */
const SAVES_IN_FLIGHT = 10;

/** Row `i` of the made-up tenant: mostly archived, one in twenty failed with Exchange's message. */
function row(i: number): MailboxRow {
  const mailbox = `person.${String(i).padStart(7, '0')}@contoso.com`;
  if (i % 20 === 7) {
    return {
      mailbox,
      outcome: 'failed',
      itemsPlanned: 0,
      itemsMoved: 0,
      errorCode: 'ErrorMailboxStoreUnavailable',
      errorMessage: 'The mailbox database is temporarily unavailable.',
    };
  }
  return { mailbox, outcome: 'archived', itemsPlanned: i % 97, itemsMoved: i % 97, capped: i % 50 === 3 };
}

function jobFor(rows: number): SweepJob {
  const settings = loadSweepSettings({ MAILBOX_SCOPE: 'contoso.com', SWEEP_MAILBOXES: 'a@contoso.com' });
  const job = sweepJobFor(settings, {
    sweepId: `report-memory-${rows}`,
    startedAt: STARTED_AT,
    dryRun: false,
  });
  if (job.batchSize !== BATCH_SIZE) throw new Error(`SWEEP_BATCH_SIZE's default is ${job.batchSize}, not 50`);
  return job;
}

function storeFor(connectionString: string): BlobSweepStore {
  return new BlobSweepStore({ kind: 'connectionString', connectionString, container: 'reports' });
}

/** Saves every batch's rows as the batch orchestrations do: in parts, through the save activity's code. */
async function saveRows(rows: number, connectionString: string): Promise<void> {
  // Loaded here, in the saving process only: the module registers the activities with @azure/functions.
  const { saveBatch, saveParts } = await import('../functions/archiveSweepActivities');
  const store = storeFor(connectionString);
  await useAppServices({ env: { MAILBOX_SCOPE: 'contoso.com' }, reports: store });
  const job = jobFor(rows);
  const batches = Math.ceil(rows / BATCH_SIZE);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let batch = next++; batch < batches; batch = next++) {
      const start = batch * BATCH_SIZE;
      const batchRows = Array.from({ length: Math.min(BATCH_SIZE, rows - start) }, (_, i) => row(start + i));
      // Discovery's part for the batch: the report step's working files include them.
      await store.putMailboxPart(
        job.reportPath,
        batch,
        batchRows.map((r) => r.mailbox),
      );
      const parts = saveParts(batchRows);
      for (const [part, partRows] of parts.entries()) {
        await saveBatch({ reportPath: job.reportPath, batch, part, parts: parts.length, rows: partRows });
      }
    }
  };
  await Promise.all(Array.from({ length: SAVES_IN_FLIGHT }, lane));
}

/** Counts the calls made through `store`'s methods. */
function counted(store: SweepStore): { store: SweepStore; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

type ReportStep = Omit<ReportMemoryResult, 'jsonBytes' | 'csvBytes' | 'jsonSha256' | 'csvSha256'>;

/** The report activity's code on the saved rows, measured. */
async function writeReport(rows: number, connectionString: string): Promise<ReportStep> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc: the live heap is read after forced collections');
  const job = jobFor(rows);
  const batches = Math.ceil(rows / BATCH_SIZE);
  const counts = emptyCounts();
  for (let i = 0; i < rows; i++) countRow(counts, row(i));
  const discovery = {
    total: rows,
    groupsExpanded: 1,
    notMailboxes: 0,
    duplicates: 0,
    unresolved: 0,
    outOfScope: 0,
  };
  const summary = summarize(job, discovery, counts, FINISHED_AT);
  const { store, calls } = counted(storeFor(connectionString));
  const log = {
    instanceId: job.sweepId,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };

  collect();
  const baselineLive = process.memoryUsage().heapUsed;
  const baselineRss = process.memoryUsage().rss;
  let peakLive = baselineLive;
  let peakHeap = baselineLive;
  const sampleHeap = (): void => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  // A full collection of a large heap takes a while: the next one waits at least 4 times as long as the
  // last took, so forced collections take at most a fifth of the step's time whatever the heap's size.
  let liveSampler: NodeJS.Timeout | undefined;
  let sampling = true;
  const sampleLive = (): void => {
    sampleHeap();
    const before = process.hrtime.bigint();
    collect();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    const took = Number(process.hrtime.bigint() - before) / 1e6;
    if (sampling) liveSampler = setTimeout(sampleLive, Math.max(LIVE_SAMPLE_MS, 4 * took));
  };
  const heapSampler = setInterval(sampleHeap, 10);
  liveSampler = setTimeout(sampleLive, LIVE_SAMPLE_MS);
  const started = process.hrtime.bigint();
  try {
    await writeSweepReport({ job, batches, summary, droppedExamples: [] }, store, log);
  } finally {
    sampling = false;
    clearInterval(heapSampler);
    clearTimeout(liveSampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sampleLive();
  const mib = (bytes: number): number => round(bytes / 1024 / 1024);
  return {
    rows,
    batches,
    seconds: round(seconds, 2),
    storeCalls: calls(),
    baselineLiveHeapMiB: mib(baselineLive),
    peakLiveHeapMiB: mib(peakLive),
    peakHeapMiB: mib(peakHeap),
    baselineRssMiB: mib(baselineRss),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The report's bytes and hashes, read back from the storage. */
async function readBack(
  rows: number,
  connectionString: string,
): Promise<Pick<ReportMemoryResult, 'jsonBytes' | 'csvBytes' | 'jsonSha256' | 'csvSha256'>> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('reports');
  const { reportPath } = jobFor(rows);
  const json = await container.getBlobClient(`${reportPath}.json`).downloadToBuffer();
  const csv = await container.getBlobClient(`${reportPath}.csv`).downloadToBuffer();
  const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  // Every row once: each starts a line of its own in both texts.
  const jsonRows = json.toString('utf8').split('\n    {').length - 1;
  const csvRows = csv.toString('utf8').split('\r\n').length - 2;
  if (jsonRows !== rows || csvRows !== rows) {
    throw new Error(`the report holds ${jsonRows} JSON rows and ${csvRows} CSV rows of ${rows}`);
  }
  return { jsonBytes: json.length, csvBytes: csv.length, jsonSha256: sha(json), csvSha256: sha(csv) };
}

/** Each size with an Azurite of its own, smallest first. */
export async function runReportMemory(sizes: number[]): Promise<ReportMemoryResult[]> {
  const run = promisify(execFile);
  const results: ReportMemoryResult[] = [];
  for (const rows of sizes) {
    const azurite = await startAzurite();
    try {
      await run(process.execPath, [__filename, 'save', String(rows), azurite.connectionString], {
        maxBuffer: 1024 * 1024,
      });
      const { stdout } = await run(
        process.execPath,
        ['--expose-gc', __filename, 'report', String(rows), azurite.connectionString],
        { maxBuffer: 1024 * 1024 },
      );
      const step = JSON.parse(stdout) as ReportStep;
      results.push({ ...step, ...(await readBack(rows, azurite.connectionString)) });
      // Each size's figures as soon as they are measured (the 1,000,000 takes long): one JSON line on stderr.
      console.error(JSON.stringify(results.at(-1)));
    } finally {
      await azurite.stop();
    }
  }
  return results;
}

export function printReportMemory(runs: ReportMemoryResult[]): void {
  console.log(
    "\nReport memory (rows saved 50 per batch into Azurite by the save activity's code, then the report " +
      "activity's code in a process of its own; live heap: after forced full collections every 100 ms or more, " +
      'heap: sampled every 10 ms, garbage included; peaks, with the baseline before the step):',
  );
  console.log(
    '     rows  batches  seconds  store calls  live heap MiB (base)  heap MiB  RSS MiB (base)  JSON MiB  CSV MiB',
  );
  for (const r of runs) {
    console.log(
      `${String(r.rows).padStart(9)} ${String(r.batches).padStart(8)} ${r.seconds.toFixed(1).padStart(8)} ` +
        `${String(r.storeCalls).padStart(12)} ${`${r.peakLiveHeapMiB.toFixed(0)} (${r.baselineLiveHeapMiB.toFixed(0)})`.padStart(21)} ` +
        `${r.peakHeapMiB.toFixed(0).padStart(9)} ${`${r.peakRssMiB.toFixed(0)} (${r.baselineRssMiB.toFixed(0)})`.padStart(15)} ` +
        `${(r.jsonBytes / 1024 / 1024).toFixed(1).padStart(9)} ${(r.csvBytes / 1024 / 1024).toFixed(1).padStart(8)}`,
    );
  }
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last || first === last) return;
  const live = last.peakLiveHeapMiB / first.peakLiveHeapMiB;
  const rss = last.peakRssMiB / first.peakRssMiB;
  console.log(
    `  ${last.rows} against ${first.rows} rows: peak live heap ×${live.toFixed(2)}, peak RSS ×${rss.toFixed(2)} ` +
      `(target ≤ 1.5: ${live <= 1.5 && rss <= 1.5 ? 'met' : 'MISSED'})`,
  );
}

/** `BENCH_REPORT_SIZES=10000,100000`: the sizes to measure; 10,000, 100,000 and 1,000,000 rows without it. */
export function reportMemorySizes(text = '10000,100000,1000000'): number[] {
  const sizes = text.split(',').map((part) => Number(part.trim()));
  const bad = sizes.findIndex((n) => !Number.isInteger(n) || n < 1);
  if (bad >= 0) {
    throw new Error(
      `BENCH_REPORT_SIZES: "${text.split(',')[bad]}" is not a number of rows (whole, at least 1)`,
    );
  }
  return sizes;
}

if (require.main === module) {
  const [step, rows, connectionString] = process.argv.slice(2);
  const main = async (): Promise<void> => {
    if (step === 'save') return saveRows(Number(rows), String(connectionString));
    if (step === 'report') {
      console.log(JSON.stringify(await writeReport(Number(rows), String(connectionString))));
      return;
    }
    const runs = await runReportMemory(reportMemorySizes(process.env.BENCH_REPORT_SIZES));
    printReportMemory(runs);
  };
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
