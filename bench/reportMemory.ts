/**
 * Report memory: what the sweep's report step holds as the tenant grows. Rows are saved batch by batch
 * (SWEEP_BATCH_SIZE's default, 50 per batch) the way the batch orchestrations save them (the save
 * activity's code, functions/archiveSweepActivities.ts); then the report activity's code
 * (shared/sweep/sweepSteps.ts `writeSweepReport`, through the real BlobSweepStore and @azure/storage-blob)
 * writes the report in a process of its own, and that step alone is measured.
 *
 * Two stores (BENCH_REPORT_STORE):
 * - `ledger` (the default): bench/blockLedgerService.ts, a Blob service that keeps Azure's block
 *   bookkeeping but counts the blocks' bytes instead of keeping them; the rows are saved in its own
 *   process straight into it (set-up, not measured: a million rows in about a minute). The report step
 *   still talks HTTP to it, so the block list it reads and the commits it sends are those Azure would see.
 * - `azurite`: Azurite, started here, the rows saved into it over HTTP by a process of its own. Azurite in
 *   memory slows down as it holds more blocks: for 10,000 and 100,000 rows, not a million.
 * Either way the store is another process, so its memory is not in the measured one.
 *
 * Per size, the report process first writes a warm-up report (1,000 rows of their own) so that the
 * modules, the SDK's pipeline and the code's first compilations are in place, then the measured one.
 * Memory is read three ways in the report process: live = heapUsed + arrayBuffers
 * (process.memoryUsage()) right after a forced full collection, every 100 ms or, when collections take
 * long, less often (at most a fifth of the step); heap = heapUsed sampled every 10 ms, garbage included;
 * RSS = process.resourceUsage().maxRSS. Store calls are the SweepStore methods the step called. The
 * report's two blobs are then checked by the driver: every row once (Azurite: read back and hashed, so two
 * versions of the code can be compared byte for byte; ledger: the committed CSV's line breaks).
 */
import { createHash } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startAzurite } from '../dev/azurite';
import { useAppServices } from '../shared/app/appServices';
import { loadSweepSettings } from '../shared/platform/config';
import { sweepJobFor } from '../shared/sweep/sweepJob';
import { countRow, emptyCounts, type MailboxRow, type SweepJob } from '../shared/sweep/sweepTypes';
import { summarize } from '../shared/sweep/sweepReport';
import { writeSweepReport, type WriteReportInput } from '../shared/sweep/sweepSteps';
import { BlobSweepStore, type SweepStore } from '../shared/sweep/sweepStore';
import { CountingSweepStore, serveBlockLedger, type CountedBytes } from './blockLedgerService';
import { round } from './sweepBench';

/** Where the rows are staged and the report committed: see the file's comment. */
export type ReportStoreMode = 'ledger' | 'azurite';

export interface ReportMemoryResult {
  store: ReportStoreMode;
  rows: number;
  batches: number;
  /** Seconds the saves took (set-up, not measured). */
  saveSeconds: number;
  /** Seconds the report step took. */
  seconds: number;
  /** SweepStore calls the report step made (each one blob call or more: deleteParts lists and deletes). */
  storeCalls: number;
  /** heapUsed + arrayBuffers after a forced full collection before the step (after the warm-up), MiB. */
  baselineLiveMiB: number;
  /** Highest heapUsed + arrayBuffers right after a forced full collection during the step, MiB. */
  peakLiveMiB: number;
  /** The heapUsed part of it (at the same samples), MiB. */
  peakLiveHeapMiB: number;
  /** Highest heapUsed sampled every 10 ms, garbage included, MiB. */
  peakHeapMiB: number;
  /** RSS before the step and the process's peak (maxRSS, warm-up included), MiB. */
  baselineRssMiB: number;
  peakRssMiB: number;
  jsonBytes: number;
  csvBytes: number;
  /** sha256 of the JSON and the CSV as stored, first 16 hex digits (Azurite only: the ledger keeps no bytes). */
  jsonSha256?: string;
  csvSha256?: string;
}

const BATCH_SIZE = 50;
/** The warm-up report's rows: a sweep of its own, written before the measured one. */
const WARM_UP_ROWS = 1_000;
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

/** The measured sweep of `rows` mailboxes, or (`warmUp`) the report written before it. */
function jobFor(rows: number, warmUp = false): SweepJob {
  const settings = loadSweepSettings({ MAILBOX_SCOPE: 'contoso.com', SWEEP_MAILBOXES: 'a@contoso.com' });
  const job = sweepJobFor(settings, {
    sweepId: warmUp ? `report-memory-warm-up-${rows}` : `report-memory-${rows}`,
    startedAt: STARTED_AT,
    dryRun: false,
  });
  if (job.batchSize !== BATCH_SIZE) throw new Error(`SWEEP_BATCH_SIZE's default is ${job.batchSize}, not 50`);
  return job;
}

function blobStore(connectionString: string): BlobSweepStore {
  return new BlobSweepStore({ kind: 'connectionString', connectionString, container: 'reports' });
}

/**
 * Saves every batch's rows of the measured sweep and of the warm-up one as the batch orchestrations do:
 * in parts, through the save activity's code. Returns the seconds it took.
 */
async function saveRows(rows: number, store: SweepStore): Promise<number> {
  const started = process.hrtime.bigint();
  // Loaded here, in the saving process only: the module registers the activities with @azure/functions.
  const { saveBatch, saveParts } = await import('../functions/archiveSweepActivities');
  await useAppServices({ env: { MAILBOX_SCOPE: 'contoso.com' }, reports: store });
  for (const [job, count] of [
    [jobFor(rows, true), WARM_UP_ROWS],
    [jobFor(rows), rows],
  ] as const) {
    const batches = Math.ceil(count / BATCH_SIZE);
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let batch = next++; batch < batches; batch = next++) {
        const start = batch * BATCH_SIZE;
        const batchRows = Array.from({ length: Math.min(BATCH_SIZE, count - start) }, (_, i) =>
          row(start + i),
        );
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
  return Number(process.hrtime.bigint() - started) / 1e9;
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

type ReportStep = Omit<
  ReportMemoryResult,
  'store' | 'saveSeconds' | 'jsonBytes' | 'csvBytes' | 'jsonSha256' | 'csvSha256'
>;

const silentLog = (instanceId: string) => ({
  instanceId,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/**
 * The report activity's input for a sweep of `rows` whose every batch saved its rows: made by the driver
 * (it counts every row) and handed to the report process, as the orchestration hands it to the activity.
 */
function reportInput(job: SweepJob, rows: number): WriteReportInput {
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
  return {
    job,
    batches: Math.ceil(rows / BATCH_SIZE),
    summary: summarize(job, discovery, counts, FINISHED_AT),
    droppedExamples: [],
  };
}

/** The report activity's code on the saved rows: once on the warm-up sweep, then measured. */
async function writeReport(inputs: ReportInputs, connectionString: string): Promise<ReportStep> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc: the live heap is read after forced collections');
  const { warmUp, input } = inputs;
  await writeSweepReport(warmUp, blobStore(connectionString), silentLog(warmUp.job.sweepId));

  const { job } = input;
  const { store, calls } = counted(blobStore(connectionString));
  const log = silentLog(job.sweepId);

  collect();
  const live = (): { heap: number; total: number } => {
    const usage = process.memoryUsage();
    return { heap: usage.heapUsed, total: usage.heapUsed + usage.arrayBuffers };
  };
  const baseline = live();
  const baselineRss = process.memoryUsage().rss;
  let peakLive = baseline;
  let peakHeap = baseline.heap;
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
    const now = live();
    if (now.total > peakLive.total) peakLive = now;
    const took = Number(process.hrtime.bigint() - before) / 1e6;
    if (sampling) liveSampler = setTimeout(sampleLive, Math.max(LIVE_SAMPLE_MS, 4 * took));
  };
  const heapSampler = setInterval(sampleHeap, 10);
  liveSampler = setTimeout(sampleLive, LIVE_SAMPLE_MS);
  const started = process.hrtime.bigint();
  try {
    await writeSweepReport(input, store, log);
  } finally {
    sampling = false;
    clearInterval(heapSampler);
    clearTimeout(liveSampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sampleLive();
  const mib = (bytes: number): number => round(bytes / 1024 / 1024);
  return {
    rows: input.summary.mailboxes.total,
    batches: input.batches,
    seconds: round(seconds, 2),
    storeCalls: calls(),
    baselineLiveMiB: mib(baseline.total),
    peakLiveMiB: mib(peakLive.total),
    peakLiveHeapMiB: mib(peakLive.heap),
    peakHeapMiB: mib(peakHeap),
    baselineRssMiB: mib(baselineRss),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
}

type Written = Pick<ReportMemoryResult, 'jsonBytes' | 'csvBytes' | 'jsonSha256' | 'csvSha256'>;

const wrongRows = (rows: number, jsonRows: number, csvRows: number): Error =>
  new Error(`the report holds ${jsonRows} JSON rows and ${csvRows} CSV rows of ${rows}`);

/** Azurite: the report's bytes read back, every row once, and hashed. */
async function readBack(rows: number, connectionString: string): Promise<Written> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('reports');
  const { reportPath } = jobFor(rows);
  const json = await container.getBlobClient(`${reportPath}.json`).downloadToBuffer();
  const csv = await container.getBlobClient(`${reportPath}.csv`).downloadToBuffer();
  const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  // Every row once: each starts a line of its own in both texts.
  const jsonRows = json.toString('utf8').split('\n    {').length - 1;
  const csvRows = csv.toString('utf8').split('\r\n').length - 2;
  if (jsonRows !== rows || csvRows !== rows) throw wrongRows(rows, jsonRows, csvRows);
  return { jsonBytes: json.length, csvBytes: csv.length, jsonSha256: sha(json), csvSha256: sha(csv) };
}

/** The ledger: the committed blobs' counts; every row once, a CSV line each behind the header. */
async function ledgerCounts(rows: number, ledgerUrl: string): Promise<Written> {
  const { reportPath } = jobFor(rows);
  const blob = async (name: string): Promise<CountedBytes> => {
    const response = await fetch(`${ledgerUrl}/__ledger?blob=${encodeURIComponent(name)}`);
    if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
    return (await response.json()) as CountedBytes;
  };
  const json = await blob(`${reportPath}.json`);
  const csv = await blob(`${reportPath}.csv`);
  if (csv.lineBreaks - 1 !== rows) throw wrongRows(rows, Number.NaN, csv.lineBreaks - 1);
  return { jsonBytes: json.bytes, csvBytes: csv.bytes };
}

const run = promisify(execFile);

/** The warm-up report's input and the measured one's. */
interface ReportInputs {
  warmUp: WriteReportInput;
  input: WriteReportInput;
}

/** The report process on the store at `connectionString`: its figures. */
async function measureReport(rows: number, connectionString: string): Promise<ReportStep> {
  const inputs: ReportInputs = {
    warmUp: reportInput(jobFor(rows, true), WARM_UP_ROWS),
    input: reportInput(jobFor(rows), rows),
  };
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', __filename, 'report', JSON.stringify(inputs), connectionString],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as ReportStep;
}

async function measureOnAzurite(rows: number): Promise<ReportMemoryResult> {
  const azurite = await startAzurite();
  try {
    const { stdout } = await run(
      process.execPath,
      [__filename, 'save', String(rows), azurite.connectionString],
      {
        maxBuffer: 1024 * 1024,
      },
    );
    const saveSeconds = round(Number(stdout), 1);
    const step = await measureReport(rows, azurite.connectionString);
    return { store: 'azurite', saveSeconds, ...step, ...(await readBack(rows, azurite.connectionString)) };
  } finally {
    await azurite.stop();
  }
}

/** The ledger in a process of its own: it saves the rows, then serves; this one line says where. */
interface LedgerReady {
  connectionString: string;
  url: string;
  saveSeconds: number;
}

async function measureOnLedger(rows: number): Promise<ReportMemoryResult> {
  // Its stdin open: it ends when this process does, whatever becomes of this one.
  const ledger = spawn(process.execPath, [__filename, 'ledger', String(rows)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Its stderr (the functions package's notices) shown only if it ends before serving.
  let errors = '';
  ledger.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  try {
    const exited = new Promise<never>((_, reject) =>
      ledger.once('exit', (code) =>
        reject(new Error(`the ledger process ended (exit ${code}) before serving:\n${errors}`)),
      ),
    );
    const lines = createInterface({ input: ledger.stdout });
    const first = new Promise<string>((resolve) => lines.once('line', resolve));
    const ready = JSON.parse(await Promise.race([first, exited])) as LedgerReady;
    const step = await measureReport(rows, ready.connectionString);
    return {
      store: 'ledger',
      saveSeconds: round(ready.saveSeconds, 1),
      ...step,
      ...(await ledgerCounts(rows, ready.url)),
    };
  } finally {
    ledger.kill();
  }
}

/** Each size with a store process of its own, smallest first. */
export async function runReportMemory(
  sizes: number[],
  mode: ReportStoreMode = reportStoreMode(process.env.BENCH_REPORT_STORE),
): Promise<ReportMemoryResult[]> {
  const results: ReportMemoryResult[] = [];
  for (const rows of sizes) {
    results.push(mode === 'azurite' ? await measureOnAzurite(rows) : await measureOnLedger(rows));
    // Each size's figures as soon as they are measured (the 1,000,000 takes long): one JSON line on stderr.
    console.error(JSON.stringify(results.at(-1)));
  }
  return results;
}

export function printReportMemory(runs: ReportMemoryResult[]): void {
  console.log(
    "\nReport memory (rows saved 50 per batch by the save activity's code, then the report activity's code " +
      "in a process of its own after a warm-up report; store: ledger = Azure's block bookkeeping, bytes " +
      'counted not kept; azurite = Azurite in memory; live: heapUsed + arrayBuffers after forced full ' +
      'collections every 100 ms or more, heap: sampled every 10 ms, garbage included; peaks, with the ' +
      'baseline before the step):',
  );
  console.log(
    'store       rows  batches  save s  step s  store calls  live MiB (base)  of it heap  heap MiB  RSS MiB (base)  JSON MiB  CSV MiB',
  );
  for (const r of runs) {
    console.log(
      `${r.store.padEnd(7)} ${String(r.rows).padStart(8)} ${String(r.batches).padStart(8)} ` +
        `${r.saveSeconds.toFixed(1).padStart(7)} ${r.seconds.toFixed(1).padStart(7)} ${String(r.storeCalls).padStart(12)} ` +
        `${`${r.peakLiveMiB.toFixed(1)} (${r.baselineLiveMiB.toFixed(1)})`.padStart(16)} ` +
        `${r.peakLiveHeapMiB.toFixed(1).padStart(11)} ${r.peakHeapMiB.toFixed(0).padStart(9)} ` +
        `${`${r.peakRssMiB.toFixed(0)} (${r.baselineRssMiB.toFixed(0)})`.padStart(15)} ` +
        `${(r.jsonBytes / 1024 / 1024).toFixed(1).padStart(9)} ${(r.csvBytes / 1024 / 1024).toFixed(1).padStart(8)}`,
    );
  }
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last || first === last) return;
  const live = last.peakLiveMiB / first.peakLiveMiB;
  const rss = last.peakRssMiB / first.peakRssMiB;
  console.log(
    `  ${last.rows} against ${first.rows} rows (${last.store}): peak live ×${live.toFixed(2)}, ` +
      `peak RSS ×${rss.toFixed(2)} (target ≤ 1.5: ${live <= 1.5 && rss <= 1.5 ? 'met' : 'MISSED'})`,
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

/** `BENCH_REPORT_STORE=azurite`: Azurite instead of the block ledger (the default). */
export function reportStoreMode(text = 'ledger'): ReportStoreMode {
  if (text === 'ledger' || text === 'azurite') return text;
  throw new Error(`BENCH_REPORT_STORE: "${text}" is neither ledger nor azurite`);
}

/** The ledger process: saves the rows into a CountingSweepStore, serves it, says where on stdout. */
async function serveLedger(rows: number): Promise<void> {
  const store = new CountingSweepStore();
  const saveSeconds = await saveRows(rows, store);
  const service = await serveBlockLedger(store);
  const ready: LedgerReady = {
    connectionString: service.connectionString,
    url: `http://127.0.0.1:${service.port}`,
    saveSeconds,
  };
  console.log(JSON.stringify(ready));
  // Serves until the driver ends: its end closes this stdin.
  process.stdin.once('end', () => void service.close().then(() => process.exit(0)));
  process.stdin.resume();
}

if (require.main === module) {
  const [step, argument, connectionString] = process.argv.slice(2);
  const main = async (): Promise<void> => {
    if (step === 'save') {
      console.log(String(await saveRows(Number(argument), blobStore(String(connectionString)))));
      return;
    }
    if (step === 'ledger') return serveLedger(Number(argument));
    if (step === 'report') {
      const inputs = JSON.parse(String(argument)) as ReportInputs;
      console.log(JSON.stringify(await writeReport(inputs, String(connectionString))));
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
