/**
 * The change journal end to end: a leave and an archive sweep through the dev host (the real function
 * modules, the real EWS client) against the EWS sandbox, with the journal in Azurite as `npm start` has it.
 * Every change the sandbox carried out (its request log: SetUserOofSettings, CreateItem/UpdateItem/DeleteItem
 * of calendar items, ArchiveItem/MoveItem answered NoError) is in the journal exactly once, in the same order
 * per mailbox, named by the client-request-id the sandbox saw; and no line holds a reply text, an event's
 * body or a secret.
 */
import { startAzurite, type Azurite } from '../../dev/azurite';
import type { EwsSandbox, SandboxRequestLogEntry } from '../../dev/ews-sandbox';
import type { DevHost } from '../../dev/host/devHost';
import { demoAppSettings, DEV_WEBHOOK_SECRET } from '../../dev/start';
import { createChangeJournal, type ChangeJournal } from '../../shared/journal/changeJournal';
import { readJournal } from '../../shared/journal/journalReader';
import type { JournalEntry } from '../../shared/journal/journalEntry';
import { loadJournalStorage } from '../../shared/platform/config';
import { SWEEP_INSTANCE_ID } from '../../shared/sweep/sweepControl';
import { settleOwners } from '../support/calendarOwners';
import { demoSeed } from '../support/demoTenant';
import { startLeaveBackends, type LeaveBackends } from '../support/leaveBackends';

jest.setTimeout(120_000);

const ALICE = 'alice@contoso.com';
const CAROL = 'carol@contoso.com';
const CHANGES = new Set([
  'SetUserOofSettings',
  'CreateItem',
  'UpdateItem',
  'DeleteItem',
  'ArchiveItem',
  'MoveItem',
]);

let azurite: Azurite;
let backends: LeaveBackends;
let sandbox: EwsSandbox;
let host: DevHost;
let journal: ChangeJournal;
const startedAt = new Date();

beforeAll(async () => {
  azurite = await startAzurite();
  backends = await startLeaveBackends('ews', (ews) => ({
    ...demoAppSettings(demoSeed, { ewsUrl: ews.url, reportsConnectionString: azurite.connectionString }),
    LEAVE_CALENDAR_EVENT: 'on',
    LEAVE_RETRY_FIRST_MS: '10',
    JOURNAL_CONTAINER: 'journal',
  }));
  ({ sandbox, host } = backends);
  // A reader of its own, as `mailbox-automation audit journal` is: nothing shared with the app's writer.
  journal = createChangeJournal(loadJournalStorage(backends.env), () => new Date());
});

afterAll(async () => {
  await backends?.close();
  await azurite?.stop();
});

/** Waits until both owners have done what their last delivery or wake asked of them. */
function settled(): Promise<void> {
  return settleOwners(host.durable, [ALICE, CAROL]);
}

/** Moves the virtual clock once both owners have settled (each has set its timer for the next boundary). */
async function advanceTo(iso: string): Promise<void> {
  await settled();
  const res = await fetch(`${host.url}/dev/clock/advance?to=${iso}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

/** The changes the sandbox carried out: a changing operation answered NoError. */
function sandboxChanges(): SandboxRequestLogEntry[] {
  return sandbox.requests.filter(
    (r) =>
      r.operation !== undefined &&
      CHANGES.has(r.operation) &&
      r.status === 200 &&
      r.responseCodes.length > 0 &&
      r.responseCodes.every((code) => code === 'NoError'),
  );
}

async function journalLines(): Promise<JournalEntry[]> {
  return (await readJournal(journal, { since: startedAt, until: new Date() })).entries;
}

/** What the sandbox's operation is in the journal's words. */
function actionOf(request: SandboxRequestLogEntry): string {
  switch (request.operation) {
    case 'SetUserOofSettings':
      return 'automatic-replies';
    case 'CreateItem':
      return 'calendar-event-created';
    case 'UpdateItem':
      return 'calendar-event-moved';
    case 'DeleteItem':
      return 'calendar-event-deleted';
    default:
      return 'items-archived';
  }
}

const replyTexts: string[] = [];

test('a leave and a sweep: one journal line per change the sandbox saw, in order, with its request id', async () => {
  const carolOwn = sandbox.inspectMailbox(CAROL)?.oof.internalReply ?? '';
  expect(carolOwn).not.toBe('');
  replyTexts.push(carolOwn, sandbox.inspectMailbox(CAROL)?.oof.externalReply ?? '');

  await backends.send('approved', ALICE, 'J-JUL', '2030-07-01', '2030-07-12');
  await backends.send('approved', ALICE, 'J-AUG', '2030-08-05', '2030-08-16');
  await backends.send('approved', CAROL, 'J-C', '2030-07-08', '2030-07-12');
  await settled();
  const scheduled = sandbox.inspectMailbox(ALICE)?.oof;
  expect(scheduled?.state).toBe('Scheduled');
  replyTexts.push(scheduled?.internalReply ?? '', scheduled?.externalReply ?? '');
  const ownEvents = (): string[] =>
    (sandbox.inspectCalendar(ALICE) ?? []).filter((e) => e.subject === 'Out of office').map((e) => e.body);
  expect(ownEvents()).toHaveLength(2);
  replyTexts.push(...ownEvents());
  // August is cancelled: its event goes
  await backends.send('cancelled', ALICE, 'J-AUG', '2030-08-05', '2030-08-16');
  await settled();
  expect(ownEvents()).toHaveLength(1);
  await advanceTo('2030-07-09T08:00:00Z');
  await settled();
  expect(sandbox.inspectMailbox(CAROL)?.oof.state).toBe('Scheduled');
  await advanceTo('2030-07-14T08:00:00Z');
  await settled();
  expect(sandbox.inspectMailbox(ALICE)?.oof.state).toBe('Disabled');
  expect(sandbox.inspectMailbox(CAROL)?.oof.state).toBe('Enabled');

  const sweep = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body: '{}' });
  expect(sweep.status).toBe(202);
  await host.durable.waitForCompletion(SWEEP_INSTANCE_ID);
  await settled();

  const changes = sandboxChanges();
  const operations = new Set(changes.map((c) => c.operation));
  // The scenario made every kind of change: replies set and restored, events created and deleted, items archived.
  expect([...operations].sort()).toEqual(['ArchiveItem', 'CreateItem', 'DeleteItem', 'SetUserOofSettings']);

  // Each line is appended before its activity returns: once the owners and the sweep are done, so is the journal.
  const lines = await journalLines();
  const done = lines.filter((e) => e.result === 'ok');
  expect(done).toHaveLength(changes.length);
  for (const mailbox of new Set(changes.map((c) => c.mailbox))) {
    const seen = changes.filter((c) => c.mailbox === mailbox);
    const journaled = done.filter((e) => e.mailbox.toLowerCase() === mailbox?.toLowerCase());
    expect(journaled.map((e) => e.action)).toEqual(seen.map(actionOf));
    // each line names the request that made the change
    journaled.forEach((entry, i) => expect(entry.requestIds).toContain(seen[i]?.clientRequestId));
  }
  // what a reviewer needs: why, which orchestration, and the replies' digests
  const alice = done.filter((e) => e.mailbox === ALICE && e.action === 'automatic-replies');
  expect(alice.map((e) => e.decision)).toEqual(['scheduled', 'restored']);
  expect(alice[0]?.trigger).toMatchObject({ kind: 'leave', leaves: ['generic:J-JUL'] });
  expect(alice[1]?.after).toBe(alice[0]?.before);
  expect(done.find((e) => e.action === 'items-archived')?.trigger).toEqual({
    kind: 'sweep',
    sweepId: SWEEP_INSTANCE_ID,
  });
  expect(lines.filter((e) => e.result === 'failed')).toEqual([]);
});

test('no line holds a reply text, an event body or a secret', async () => {
  const raw: string[] = [];
  for (const entry of await journalLines()) raw.push(JSON.stringify(entry));
  expect(raw.length).toBeGreaterThan(0);
  const secrets = [
    backends.env.EWS_PASSWORD,
    DEV_WEBHOOK_SECRET,
    azurite.connectionString.match(/AccountKey=([^;]+)/)?.[1],
  ];
  const forbidden = [...replyTexts, ...secrets].filter(
    (s): s is string => typeof s === 'string' && s.length >= 8,
  );
  expect(forbidden.length).toBeGreaterThanOrEqual(5);
  for (const line of raw) {
    for (const text of forbidden) expect(line).not.toContain(text);
    // nor a piece of one: the leave's replies name the first day back
    expect(line).not.toMatch(/13 July 2030|Back on/);
  }
});
