/**
 * One client, one operation, in a process of its own: what the benchmark measures is that client's CPU
 * alone (another client's garbage, JIT state and heap growth would otherwise be charged to whoever runs
 * next). argv[2]: JSON { client, operation, url, username, password, mailboxes, warmup, calls, rounds }.
 * Prints { microsPerCall: [one figure per round] } as one JSON line. The warm-up is long on purpose: a
 * young process is still compiling hot code and growing its heap (page faults), which a long-running
 * Functions host has left behind.
 */
import { loadEwsSettings } from '../shared/config';
import { EwsClient } from '../shared/ews/ewsClient';
import { generatedAddress } from '../dev/ews-sandbox/generateTenant';
import { EwsJavascriptApiOofClient } from './ewsJavascriptApiClient';

export interface OofClientJob {
  client: 'ours' | 'ews-javascript-api';
  operation: 'GetUserOofSettings' | 'SetUserOofSettings';
  url: string;
  username: string;
  password: string;
  mailboxes: number;
  warmup: number;
  calls: number;
  rounds: number;
}

// Plain text: ews-javascript-api does not escape reply text (HTML or & would make its request invalid),
// so both clients send the same, escape-free payload and do the same work.
export const BENCH_REPLY =
  'I am out of the office until Monday 4 January with limited access to e-mail. For urgent matters please contact the service desk.';
const START = '2026-12-21T08:00:00Z';
const END = '2027-01-04T08:00:00Z';

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as OofClientJob;
  const mailbox = (i: number): string => generatedAddress(i % job.mailboxes);
  let call: (i: number) => Promise<unknown>;
  let close = (): Promise<void> => Promise.resolve();
  if (job.client === 'ours') {
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
    const client = new EwsJavascriptApiOofClient(job.url, job.username, job.password);
    call =
      job.operation === 'GetUserOofSettings'
        ? (i) => client.getOofState(mailbox(i))
        : (i) => client.setScheduledOof(mailbox(i), START, END, BENCH_REPLY, BENCH_REPLY);
  }
  // Warm-up: JIT, connection pool, lazy module loading.
  for (let i = 0; i < job.warmup; i++) await call(i);
  const microsPerCall: number[] = [];
  for (let round = 0; round < job.rounds; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < job.calls; i++) await call(i);
    const used = process.cpuUsage(before);
    microsPerCall.push((used.user + used.system) / job.calls);
  }
  await close();
  process.stdout.write(JSON.stringify({ microsPerCall }) + '\n');
}

if (require.main === module) void main();
