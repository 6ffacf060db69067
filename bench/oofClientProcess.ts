/**
 * One client, one operation, in a process of its own: what the benchmark measures is that client's CPU
 * alone (another client's garbage, JIT state and heap growth would otherwise be charged to whoever runs
 * next). argv[2]: JSON { client, operation, url, username, password, mailboxes, warmup, calls }.
 * Runs the warm-up and prints {"ready":true}; then, for every line read on stdin, runs one round of
 * `calls` sequential calls and prints {"microsPerCall": n} (this process's CPU, user + system); exits when
 * stdin ends. The parent so runs rounds of two clients' processes back to back, in turn, and compares
 * rounds measured seconds apart (this VM's speed drifts within minutes). At steady state the warm-up is
 * long on purpose: a young process is still compiling hot code and growing its heap (page faults), which
 * a long-running Functions host has left behind. The fresh-process mode measures exactly that young
 * process instead (a short warm-up, one round without its own warm-up).
 */
import { createInterface } from 'node:readline';
import { generatedAddress } from '../dev/ews-sandbox/generateTenant';

export interface OofClientJob {
  client: 'ours' | 'ews-javascript-api';
  operation: 'GetUserOofSettings' | 'SetUserOofSettings';
  url: string;
  username: string;
  password: string;
  mailboxes: number;
  warmup: number;
  /** Unmeasured calls before each measured round (default ROUND_WARMUP; 0 in the fresh-process mode). */
  roundWarmup?: number;
  calls: number;
}

// Plain text: ews-javascript-api does not escape reply text (HTML or & would make its request invalid),
// so both clients send the same, escape-free payload and do the same work.
export const BENCH_REPLY =
  'I am out of the office until Monday 4 January with limited access to e-mail. For urgent matters please contact the service desk.';
const START = '2026-12-21T08:00:00Z';
/** Unmeasured calls before each round: the process has been idle while the other client ran. */
const ROUND_WARMUP = 300;
const END = '2027-01-04T08:00:00Z';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as OofClientJob;
  const mailbox = (i: number): string => generatedAddress(i % job.mailboxes);
  let call: (i: number) => Promise<unknown>;
  let close = (): Promise<void> => Promise.resolve();
  // Only the client measured is loaded: the other's modules would sit in this heap, and every garbage
  // collection of this process would walk them (ews-javascript-api and its dependencies are large).
  if (job.client === 'ours') {
    const { loadEwsSettings } = await import('../shared/platform/config');
    const { EwsClient } = await import('../shared/mailbox/ews/ewsClient');
    const client = new EwsClient(
      loadEwsSettings({
        EWS_URL: job.url,
        EWS_AUTH: 'basic',
        EWS_USERNAME: job.username,
        EWS_PASSWORD: job.password,
      }),
    );
    close = () => client.close();
    call =
      job.operation === 'GetUserOofSettings'
        ? (i) => client.getOof(mailbox(i))
        : (i) =>
            client.setOof(mailbox(i), {
              state: 'Scheduled',
              start: START,
              end: END,
              externalAudience: 'All',
              internalReply: BENCH_REPLY,
              externalReply: BENCH_REPLY,
            });
  } else {
    const { EwsJavascriptApiOofClient } = await import('./ewsJavascriptApiClient');
    const client = new EwsJavascriptApiOofClient(job.url, job.username, job.password);
    call =
      job.operation === 'GetUserOofSettings'
        ? (i) => client.getOofState(mailbox(i))
        : (i) => client.setScheduledOof(mailbox(i), START, END, BENCH_REPLY, BENCH_REPLY);
  }
  // Warm-up: JIT, connection pool, lazy module loading.
  for (let i = 0; i < job.warmup; i++) await call(i);
  process.stdout.write(JSON.stringify({ ready: true }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    for (let i = 0; i < (job.roundWarmup ?? ROUND_WARMUP); i++) await call(i);
    const before = process.cpuUsage();
    for (let i = 0; i < job.calls; i++) await call(i);
    const used = process.cpuUsage(before);
    if (process.env.BENCH_VERBOSE)
      console.error(
        `${job.client} ${job.operation}: user ${(used.user / job.calls).toFixed(0)} µs, system ${(used.system / job.calls).toFixed(0)} µs per call`,
      );
    process.stdout.write(JSON.stringify({ microsPerCall: (used.user + used.system) / job.calls }) + '\n');
  }
  await close();
}

if (require.main === module) void main();
