/**
 * Client benchmarks (issue 2): CPU per call of GetUserOofSettings and SetUserOofSettings for our client
 * and for ews-javascript-api against the same sandbox (in a child process, so only client CPU counts),
 * and items per second when archiving 10,000 items.
 */
import { generatedAddress } from '../dev/ews-sandbox';
import { runArchive } from '../shared/sweep/archiveMailbox';
import { loadEwsSettings } from '../shared/platform/config';
import { EwsClient } from '../shared/mailbox/ews/ewsClient';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { BENCH_REPLY, type OofClientJob } from './oofClientProcess';
import { startSandboxChild, type SandboxChild } from './sandboxChild';
import { nodeCommand } from './cpuPinning';

export type CpuMode = 'steady' | 'fresh';

export interface CpuPerCall {
  operation: 'GetUserOofSettings' | 'SetUserOofSettings';
  /**
   * steady: rounds of long-running processes taken in turn after discarded pairs; fresh: a new process
   * per client and run, FRESH_WARMUP_CALLS calls, then FRESH_MEASURED_CALLS measured.
   */
  mode: CpuMode;
  oursMicros: number;
  ewsJavascriptApiMicros: number;
  ratio: number;
  /** Each measured pair's ratio, in the order taken. */
  pairRatios: number[];
}

export interface ArchiveThroughput {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  requests: number;
}

const MAILBOXES = 50;
/** Calls each process makes on its own before the rounds: the connection, lazily loaded modules. */
const STARTUP_CALLS = 1_000;
/**
 * Pairs of rounds run and discarded before the measured ones: JIT tiers and the heap's working size.
 * Both clients kept getting faster for ~15,000 calls (ours from ~600 to ~125 µs per GetUserOofSettings
 * call); a Functions host that has run for a while is past that. Warming up in the same alternation as
 * the measurement leaves both processes idle for the same spells before every round (a long warm-up of
 * one while the other sat idle for 20 s made the idle one's first rounds slow).
 */
const WARMUP_PAIRS = 10;
/**
 * The fresh-process mode (issue 15): a Functions worker that has just started is what users meet at
 * night, its code not yet optimised and its heap still growing. Each run starts a new process per client,
 * makes FRESH_WARMUP_CALLS calls (the connection, lazily loaded modules, first compilations), then
 * measures FRESH_MEASURED_CALLS.
 */
export const FRESH_WARMUP_CALLS = 300;
export const FRESH_MEASURED_CALLS = 2_000;
/** Pairs of fresh runs measured per operation (one more is run first and discarded: the sandbox's warm-up). */
export const FRESH_PAIRS = 8;

function ourClient(sandbox: SandboxChild): EwsClient {
  return new EwsClient(
    loadEwsSettings({
      EWS_URL: sandbox.url,
      EWS_AUTH: 'basic',
      EWS_USERNAME: sandbox.username,
      EWS_PASSWORD: sandbox.password,
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** One client and operation in a warmed-up child process (bench/oofClientProcess.ts), run round by round. */
class ClientProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
    private readonly exited: Promise<void>,
  ) {}

  /** Starts the process and resolves once its warm-up is done. */
  static async start(job: OofClientJob): Promise<ClientProcess> {
    const { command, args } = nodeCommand('client', [
      path.join(__dirname, 'oofClientProcess.js'),
      JSON.stringify(job),
    ]);
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const started = new ClientProcess(child, lines, exited);
    await started.next();
    return started;
  }

  /** One round of sequential calls; this process's CPU µs per call. */
  async round(): Promise<number> {
    this.child.stdin?.write('round\n');
    return (JSON.parse(await this.next()) as { microsPerCall: number }).microsPerCall;
  }

  async stop(): Promise<void> {
    this.child.stdin?.end();
    await this.exited;
  }

  private async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done) throw new Error('benchmark client process exited early');
    return line.value;
  }
}

/**
 * CPU per call of both clients in both modes, against one sandbox. Steady state: rounds taken in turn
 * (ours, theirs, theirs, ours, ...) from two long-running processes, so that each pair of rounds is
 * measured within about a second and the VM's drift hits both alike; the first WARMUP_PAIRS pairs are
 * discarded. Fresh: new processes per run, in the same alternation. Either way the ratio is the median of
 * the measured pairs' ratios.
 */
export async function oofCpuBenchmark({
  steadyPairs = 10,
  freshPairs = FRESH_PAIRS,
  operations = ['GetUserOofSettings', 'SetUserOofSettings'],
}: {
  steadyPairs?: number;
  freshPairs?: number;
  operations?: CpuPerCall['operation'][];
} = {}): Promise<CpuPerCall[]> {
  const sandbox = await startSandboxChild({ mailboxes: MAILBOXES, groupSize: 0 });
  const base = {
    url: sandbox.url,
    username: sandbox.username,
    password: sandbox.password,
    mailboxes: MAILBOXES,
  };
  try {
    // Both clients really do the work: what ews-javascript-api stores reads back as sent.
    const setter = await ClientProcess.start({
      ...base,
      client: 'ews-javascript-api',
      operation: 'SetUserOofSettings',
      warmup: MAILBOXES,
      calls: 0,
    });
    await setter.stop();
    const check = ourClient(sandbox);
    const stored = await check.getOof(generatedAddress(0)).finally(() => check.close());
    if (stored.internalReply !== BENCH_REPLY || stored.state !== 'Scheduled') {
      throw new Error(`ews-javascript-api did not store the reply: ${JSON.stringify(stored)}`);
    }
    const results: CpuPerCall[] = [];
    for (const operation of operations) {
      const job = { ...base, operation };
      if (steadyPairs > 0) results.push(await steadyState(job, steadyPairs));
      if (freshPairs > 0) results.push(await freshProcesses(job, freshPairs));
    }
    return results;
  } finally {
    await sandbox.stop();
  }
}

type OperationJob = Omit<OofClientJob, 'client' | 'warmup' | 'calls'>;

/** One pair of measurements in ABBA order: a steady drift within a pair favours neither client. */
async function pairInTurn(
  pair: number,
  ours: () => Promise<number>,
  theirs: () => Promise<number>,
): Promise<{ o: number; t: number }> {
  if (pair % 2 === 0) {
    const o = await ours();
    return { o, t: await theirs() };
  }
  const t = await theirs();
  return { o: await ours(), t };
}

function summary(
  operation: CpuPerCall['operation'],
  mode: CpuMode,
  pairs: { o: number; t: number }[],
): CpuPerCall {
  const oursRounds = pairs.map((p) => p.o);
  const theirRounds = pairs.map((p) => p.t);
  const pairRatios = pairs.map((p) => p.o / p.t);
  if (process.env.BENCH_VERBOSE) {
    console.error(operation, mode, JSON.stringify({ oursRounds, theirRounds, pairRatios }));
  }
  return {
    operation,
    mode,
    oursMicros: median(oursRounds),
    ewsJavascriptApiMicros: median(theirRounds),
    ratio: median(pairRatios),
    pairRatios,
  };
}

async function steadyState(job: OperationJob, pairs: number): Promise<CpuPerCall> {
  const started = { ...job, warmup: STARTUP_CALLS, calls: 1000 };
  const ours = await ClientProcess.start({ ...started, client: 'ours' });
  const theirs = await ClientProcess.start({ ...started, client: 'ews-javascript-api' });
  const measured: { o: number; t: number }[] = [];
  try {
    for (let pair = 0; pair < WARMUP_PAIRS + pairs; pair++) {
      const taken = await pairInTurn(
        pair,
        () => ours.round(),
        () => theirs.round(),
      );
      if (pair >= WARMUP_PAIRS) measured.push(taken);
    }
  } finally {
    await Promise.all([ours.stop(), theirs.stop()]);
  }
  return summary(job.operation, 'steady', measured);
}

async function freshProcesses(job: OperationJob, pairs: number): Promise<CpuPerCall> {
  const fresh = { ...job, warmup: FRESH_WARMUP_CALLS, roundWarmup: 0, calls: FRESH_MEASURED_CALLS };
  const run = async (client: OofClientJob['client']): Promise<number> => {
    const child = await ClientProcess.start({ ...fresh, client });
    try {
      return await child.round();
    } finally {
      await child.stop();
    }
  };
  const measured: { o: number; t: number }[] = [];
  for (let pair = 0; pair <= pairs; pair++) {
    const taken = await pairInTurn(
      pair,
      () => run('ours'),
      () => run('ews-javascript-api'),
    );
    if (pair > 0) measured.push(taken);
  }
  return summary(job.operation, 'fresh', measured);
}

export async function archiveThroughputBenchmark(items = 10_000): Promise<ArchiveThroughput> {
  const sandbox = await startSandboxChild({
    mailboxes: 1,
    itemsPerMailbox: items,
    oldFraction: 1,
    oldAgeDays: 30,
    groupSize: 0,
  });
  let requests = 0;
  const client = new EwsClient(
    loadEwsSettings({
      EWS_URL: sandbox.url,
      EWS_AUTH: 'basic',
      EWS_USERNAME: sandbox.username,
      EWS_PASSWORD: sandbox.password,
    }),
    { onCall: () => requests++ },
  );
  try {
    const started = process.hrtime.bigint();
    const result = await runArchive(client, generatedAddress(0), {
      folders: ['inbox'],
      receivedBefore: new Date(Date.now() - 30 * 86_400_000),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.moved !== items) throw new Error(`archived ${result.moved} of ${items} items`);
    return { items: result.moved, seconds, itemsPerSecond: result.moved / seconds, requests };
  } finally {
    await client.close();
    await sandbox.stop();
  }
}
