/**
 * Client benchmarks (issue 2): CPU per call of GetUserOofSettings and SetUserOofSettings for our client
 * and for ews-javascript-api against the same sandbox (in a child process, so only client CPU counts),
 * and items per second when archiving 10,000 items.
 */
import { generatedAddress } from '../dev/ews-sandbox';
import { runArchive } from '../shared/archive/archiveMailbox';
import { loadEwsSettings } from '../shared/config';
import { EwsClient } from '../shared/ews/ewsClient';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { BENCH_REPLY, type OofClientJob } from './oofClientProcess';
import { startSandboxChild, type SandboxChild } from './sandboxChild';

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
const execFileAsync = promisify(execFile);
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

/** Runs one client and operation in a child process and returns its CPU µs per call. */
async function runClientProcess(job: OofClientJob): Promise<number[]> {
  const { stdout } = await execFileAsync(process.execPath, [
    path.join(__dirname, 'oofClientProcess.js'),
    JSON.stringify(job),
  ]);
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { microsPerCall: number[] }).microsPerCall;
}

export async function oofCpuBenchmark(
  callsPerRound = 1000,
  rounds = 5,
  processes = 2,
): Promise<CpuPerCall[]> {
  const sandbox = await startSandboxChild({ mailboxes: MAILBOXES, groupSize: 0 });
  const base = {
    url: sandbox.url,
    username: sandbox.username,
    password: sandbox.password,
    mailboxes: MAILBOXES,
  };
  try {
    // Both clients really do the work: what ews-javascript-api stores reads back as sent.
    await runClientProcess({
      ...base,
      client: 'ews-javascript-api',
      operation: 'SetUserOofSettings',
      warmup: 0,
      calls: MAILBOXES,
      rounds: 1,
    });
    const check = ourClient(sandbox);
    const stored = await check.getOof(generatedAddress(0)).finally(() => check.close());
    if (stored.internalReply !== BENCH_REPLY || stored.state !== 'Scheduled') {
      throw new Error(`ews-javascript-api did not store the reply: ${JSON.stringify(stored)}`);
    }
    const results: CpuPerCall[] = [];
    for (const operation of ['GetUserOofSettings', 'SetUserOofSettings'] as const) {
      const ours: number[] = [];
      const theirs: number[] = [];
      // Alternate processes so that drift (other load on the machine) hits both alike.
      for (let p = 0; p < processes; p++) {
        const job = { ...base, operation, warmup: 5000, calls: callsPerRound, rounds };
        ours.push(...(await runClientProcess({ ...job, client: 'ours' })));
        theirs.push(...(await runClientProcess({ ...job, client: 'ews-javascript-api' })));
      }
      const oursMicros = median(ours);
      const ewsJavascriptApiMicros = median(theirs);
      results.push({
        operation,
        oursMicros,
        ewsJavascriptApiMicros,
        ratio: oursMicros / ewsJavascriptApiMicros,
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
