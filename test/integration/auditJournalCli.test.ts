/**
 * `mailbox-automation audit journal` against a journal in Azurite, written by the app's own writer: one
 * mailbox's changes since a day, each once (a repeated line of a retried step is shown once), as lines a
 * person reads or as JSON; a bad --since or no storage is refused naming what is wrong.
 */
import { startAzurite, type Azurite } from '../../dev/azurite';
import { runCli } from '../../cli/main';
import { BlobChangeJournal, type JournalChange } from '../../shared/journal/changeJournal';
import { loadJournalStorage } from '../../shared/platform/config';
import type { JournalEntry } from '../../shared/journal/journalEntry';

/** Days before today (UTC) at a given hour: the CLI reads up to now, so the lines are in the past. */
function daysAgo(days: number, hour: number): Date {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, hour));
}
const SINCE_DAY = daysAgo(5, 0).toISOString().slice(0, 10);
const T = { before: daysAgo(7, 9), scheduled: daysAgo(5, 9), event: daysAgo(4, 10) };

let azurite: Azurite;
let env: Record<string, string>;
const quiet = {
  warn: (text: string) => {
    throw new Error(text);
  },
};

const base: Omit<JournalChange, 'id'> = {
  mailbox: 'alice@contoso.com',
  action: 'automatic-replies',
  result: 'ok',
  decision: 'scheduled',
  before: `sha256:${'a'.repeat(64)}`,
  after: `sha256:${'b'.repeat(64)}`,
  trigger: { kind: 'leave', absence: 'abs-1', leaves: ['generic:L-1'] },
  instanceId: 'leave-calendar-1',
  requestIds: ['req-1'],
};

beforeAll(async () => {
  azurite = await startAzurite();
  env = { AzureWebJobsStorage: azurite.connectionString, JOURNAL_CONTAINER: 'journal-cli' };
  let now = T.before;
  const journal = new BlobChangeJournal(loadJournalStorage(env)!, () => now);
  await journal.append({ ...base, id: 'before-since' }, quiet);
  now = T.scheduled;
  await journal.append({ ...base, id: 'scheduled' }, quiet);
  await journal.append({ ...base, id: 'bob', mailbox: 'bob@contoso.com' }, quiet);
  now = T.event;
  const event: JournalChange = {
    ...base,
    id: 'event',
    action: 'calendar-event-created',
    decision: undefined,
    before: undefined,
    after: undefined,
    days: '2030-07-01..2030-07-13',
    requestIds: ['req-2'],
  };
  await journal.append(event, quiet);
  // the same change journaled again by another worker (a retried activity): it reaches the blob
  await new BlobChangeJournal(loadJournalStorage(env)!, () => now).append(event, quiet);
});

afterAll(() => azurite?.stop());

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

test('--json: the mailbox’s changes since the day, each once, oldest first', async () => {
  const result = await cli('audit', 'journal', 'ALICE@contoso.com', '--since', SINCE_DAY, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const read = JSON.parse(result.stdout) as { entries: JournalEntry[]; repeats: number; since: string };
  expect(read.entries.map((e) => e.id)).toEqual(['scheduled', 'event']);
  expect(read.repeats).toBe(1);
  expect(read.since).toBe(`${SINCE_DAY}T00:00:00.000Z`);
  expect(read.entries[0]).toMatchObject({ time: T.scheduled.toISOString(), requestIds: ['req-1'] });
});

test('lines a person reads: what, result, why, which orchestration and request', async () => {
  const result = await cli('audit', 'journal', 'alice@contoso.com', '--since', `${SINCE_DAY}T00:00:00Z`);
  expect(result.code).toBe(0);
  expect(result.stdout.split('\n')).toEqual([
    `2 change(s) journaled for alice@contoso.com since ${SINCE_DAY}T00:00:00.000Z (1 repeated line(s) of a retried step shown once)`,
    `${T.scheduled.toISOString()} alice@contoso.com automatic replies scheduled: done [aaaaaaaaaaaa -> bbbbbbbbbbbb] — absence abs-1 (leave generic:L-1); instance leave-calendar-1 request req-1`,
    `${T.event.toISOString()} alice@contoso.com Out of office event created for 2030-07-01..2030-07-13: done — absence abs-1 (leave generic:L-1); instance leave-calendar-1 request req-2`,
    '',
  ]);
});

test('a --since that is not a day or a time, or no storage: refused naming it, nothing read', async () => {
  const bad = await cli('audit', 'journal', 'alice@contoso.com', '--since', '2030-02-30');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--since "2030-02-30" is not a calendar day/);
  const later = await cli('audit', 'journal', 'alice@contoso.com', '--since', 'yesterday');
  expect(later.code).toBe(2);
  expect(later.stderr).toMatch(/--since "yesterday" is not an ISO time/);
  let stderr = '';
  const code = await runCli(['audit', 'journal', 'alice@contoso.com'], {
    env: {},
    stdout: () => undefined,
    stderr: (t) => (stderr += t),
  });
  expect(code).toBe(2);
  expect(stderr).toMatch(/no storage to read the change journal from: set AzureWebJobsStorage/);
});
