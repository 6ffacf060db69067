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

export interface CpuPerCall {
  operation: 'GetUserOofSettings' | 'SetUserOofSettings';
  oursMicros: number;
  ewsJavascriptApiMicros: number;
  ratio: number;
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
 * CPU per call of both clients, in rounds taken in turn (ours, theirs, theirs, ours, ...) from two
 * processes, so that each pair of rounds is measured within about a second and the VM's drift hits both
 * alike; the first WARMUP_PAIRS pairs are discarded; the ratio is the median of the measured pairs' ratios.
 */
export async function oofCpuBenchmark(callsPerRound = 1000, pairs = 10): Promise<CpuPerCall[]> {
  const sandbox = await startSandboxChild({ mailboxes: MAILBOXES, groupSize: 0 });
  const base = {
    url: sandbox.url,
    username: sandbox.username,
    password: sandbox.password,
    mailboxes: MAILBOXES,
    calls: callsPerRound,
  };
  try {
    // Both clients really do the work: what ews-javascript-api stores reads back as sent.
    const setter = await ClientProcess.start({
      ...base,
      client: 'ews-javascript-api',
      operation: 'SetUserOofSettings',
      warmup: MAILBOXES,
    });
    await setter.stop();
    const check = ourClient(sandbox);
    const stored = await check.getOof(generatedAddress(0)).finally(() => check.close());
    if (stored.internalReply !== BENCH_REPLY || stored.state !== 'Scheduled') {
      throw new Error(`ews-javascript-api did not store the reply: ${JSON.stringify(stored)}`);
    }
    const results: CpuPerCall[] = [];
    for (const operation of ['GetUserOofSettings', 'SetUserOofSettings'] as const) {
      const job = { ...base, operation, warmup: STARTUP_CALLS };
      const ours = await ClientProcess.start({ ...job, client: 'ours' });
      const theirs = await ClientProcess.start({ ...job, client: 'ews-javascript-api' });
      const oursRounds: number[] = [];
      const theirRounds: number[] = [];
      const ratios: number[] = [];
      try {
        for (let pair = 0; pair < WARMUP_PAIRS + pairs; pair++) {
          // ABBA order: a steady drift within a pair favours neither client.
          let o: number;
          let t: number;
          if (pair % 2 === 0) {
            o = await ours.round();
            t = await theirs.round();
          } else {
            t = await theirs.round();
            o = await ours.round();
          }
          if (pair < WARMUP_PAIRS) continue;
          oursRounds.push(o);
          theirRounds.push(t);
          ratios.push(o / t);
        }
      } finally {
        await Promise.all([ours.stop(), theirs.stop()]);
      }
      if (process.env.BENCH_VERBOSE) console.error(operation, JSON.stringify({ oursRounds, theirRounds }));
      results.push({
        operation,
        oursMicros: median(oursRounds),
        ewsJavascriptApiMicros: median(theirRounds),
        ratio: median(ratios),
      });
    }
    return results;
  } finally {
    await sandbox.stop();
  }
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
