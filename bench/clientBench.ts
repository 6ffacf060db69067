/**
 * Client benchmarks (issue 2): CPU per call of GetUserOofSettings and SetUserOofSettings for our client
 * and for ews-javascript-api against the same sandbox (in a child process, so only client CPU counts),
 * and items per second when archiving 10,000 items.
 */
import { generatedAddress } from '../dev/ews-sandbox';
import { runArchive } from '../shared/archive/archiveMailbox';
import { loadEwsSettings } from '../shared/config';
import { EwsClient } from '../shared/ews/ewsClient';
import { EwsJavascriptApiOofClient } from './ewsJavascriptApiClient';
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
// Plain text: ews-javascript-api does not escape reply text (HTML or & would make its request invalid),
// so both clients send the same, escape-free payload and do the same work.
const REPLY =
  'I am out of the office until Monday 4 January with limited access to e-mail. For urgent matters please contact the service desk.';

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

/** CPU microseconds of this process per call, over `calls` sequential calls. */
async function cpuPerCall(calls: number, call: (i: number) => Promise<unknown>): Promise<number> {
  // Both clients run in this process: collect the garbage left by the previous round first, so that each
  // client pays for its own collections and not for the other's (node --expose-gc, see package.json).
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await call(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

export async function oofCpuBenchmark(callsPerRound = 1000, rounds = 5): Promise<CpuPerCall[]> {
  const sandbox = await startSandboxChild({ mailboxes: MAILBOXES, groupSize: 0 });
  const ours = ourClient(sandbox);
  const theirs = new EwsJavascriptApiOofClient(sandbox.url, sandbox.username, sandbox.password);
  const mailbox = (i: number) => generatedAddress(i % MAILBOXES);
  const start = '2026-12-21T08:00:00Z';
  const end = '2027-01-04T08:00:00Z';
  const operations = {
    GetUserOofSettings: {
      ours: (i: number) => ours.getOof(mailbox(i)),
      theirs: (i: number) => theirs.getOofState(mailbox(i)),
    },
    SetUserOofSettings: {
      ours: (i: number) =>
        ours.setOof(mailbox(i), {
          state: 'Scheduled',
          start,
          end,
          externalAudience: 'All',
          internalReply: REPLY,
          externalReply: REPLY,
        }),
      theirs: (i: number) => theirs.setScheduledOof(mailbox(i), start, end, REPLY, REPLY),
    },
  } as const;
  try {
    // Warm-up: JIT, connection pools, lazy module loading.
    for (const op of Object.values(operations)) {
      await cpuPerCall(200, op.ours);
      await cpuPerCall(200, op.theirs);
    }
    // Both clients really did the work: what ews-javascript-api stored reads back as sent.
    await operations.SetUserOofSettings.theirs(0);
    const stored = await ours.getOof(mailbox(0));
    if (stored.internalReply !== REPLY || stored.state !== 'Scheduled') {
      throw new Error(`ews-javascript-api did not store the reply: ${JSON.stringify(stored)}`);
    }
    const results: CpuPerCall[] = [];
    for (const [operation, op] of Object.entries(operations) as [
      CpuPerCall['operation'],
      (typeof operations)[CpuPerCall['operation']],
    ][]) {
      const oursRuns: number[] = [];
      const theirsRuns: number[] = [];
      // Alternate so that drift (thermal, other load) hits both alike.
      for (let round = 0; round < rounds; round++) {
        oursRuns.push(await cpuPerCall(callsPerRound, op.ours));
        theirsRuns.push(await cpuPerCall(callsPerRound, op.theirs));
      }
      const oursMicros = median(oursRuns);
      const ewsJavascriptApiMicros = median(theirsRuns);
      results.push({
        operation,
        oursMicros,
        ewsJavascriptApiMicros,
        ratio: oursMicros / ewsJavascriptApiMicros,
      });
    }
    return results;
  } finally {
    await ours.close();
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
