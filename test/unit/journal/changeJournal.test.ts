/**
 * The change journal's promises that no end-to-end run shows: a journal that cannot be written never makes
 * a change fail (logged and counted), a failed change is journaled with its code and still fails, a change
 * journaled twice (a retried activity) is one line in this process and one change to the reader, a line
 * holds no more than it may.
 */
import {
  createChangeJournal,
  MemoryChangeJournal,
  type JournalChange,
} from '../../../shared/journal/changeJournal';
import { dayBlobName, digestOf, journalLine, MAX_LINE_BYTES } from '../../../shared/journal/journalEntry';
import { describeEntry, readJournal } from '../../../shared/journal/journalReader';
import { recordChange } from '../../../shared/journal/recordChange';
import { MailboxError } from '../../../shared/mailbox/mailboxError';

const NOW = new Date('2030-07-01T10:00:00Z');
const change: Omit<JournalChange, 'result' | 'requestIds'> = {
  id: 'change-1',
  mailbox: 'alice@contoso.com',
  action: 'automatic-replies',
  decision: 'scheduled',
  trigger: { kind: 'leave', absence: 'abs-1', leaves: ['generic:L1'] },
  instanceId: 'leave-calendar-1',
};

function logs(): { warn: (t: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { warn: (t) => lines.push(t), lines };
}

test('a journal without storage: the change is made and returned, the failure logged and counted', async () => {
  const journal = createChangeJournal(undefined, () => NOW);
  const log = logs();
  let made = 0;
  const value = await recordChange(journal, log, change, () => {
    made++;
    return Promise.resolve('event-id');
  });
  expect(value).toBe('event-id');
  expect(made).toBe(1);
  expect(journal.failures).toBe(1);
  expect(log.lines).toEqual([
    expect.stringMatching(/automatic-replies of alice@contoso.com .*AzureWebJobsStorage.*the change stands/),
  ]);
  await expect(readJournal(journal, { since: NOW, until: NOW })).rejects.toThrow(/AzureWebJobsStorage/);
});

test('a failed change is journaled as failed with its code and request id, and still fails', async () => {
  const journal = new MemoryChangeJournal(() => NOW);
  const refused = new MailboxError({
    code: 'ErrorAccessDenied',
    errorClass: 'permanent',
    message: 'Access is denied. Reply text: "I am away"',
    requestId: 'req-9',
  });
  await expect(recordChange(journal, logs(), change, () => Promise.reject(refused))).rejects.toBe(refused);
  const [line] = (await readJournal(journal, { since: NOW, until: NOW })).entries;
  expect(line).toMatchObject({ result: 'failed', error: 'ErrorAccessDenied', requestIds: ['req-9'] });
  // the server's message (which may quote what was sent) is not kept
  expect(JSON.stringify(line)).not.toContain('away');
  expect(describeEntry(line!)).toContain('FAILED ErrorAccessDenied');
});

test('the same change journaled twice is one line here, and one change to the reader from two writers', async () => {
  const journal = new MemoryChangeJournal(() => NOW);
  await recordChange(journal, logs(), change, () => Promise.resolve());
  await recordChange(journal, logs(), change, () => Promise.resolve());
  expect(journal.blobs.get(dayBlobName(NOW))?.trim().split('\n')).toHaveLength(1);

  // another worker ran the activity again: its line reaches the blob, the reader shows the change once
  const other = new MemoryChangeJournal(() => NOW);
  await other.append({ ...change, result: 'ok', requestIds: [] }, logs());
  journal.blobs.set(
    dayBlobName(NOW),
    journal.blobs.get(dayBlobName(NOW))! + other.blobs.get(dayBlobName(NOW))!,
  );
  const read = await readJournal(journal, { since: NOW, until: NOW });
  expect(read.entries).toHaveLength(1);
  expect(read.repeats).toBe(1);
});

test('the reader keeps one mailbox (any case) and the days asked for', async () => {
  let now = new Date('2030-07-01T10:00:00Z');
  const journal = new MemoryChangeJournal(() => now);
  await journal.append({ ...change, id: 'a', result: 'ok', requestIds: [] }, logs());
  now = new Date('2030-07-03T10:00:00Z');
  await journal.append({ ...change, id: 'b', result: 'ok', requestIds: [] }, logs());
  await journal.append(
    { ...change, id: 'c', mailbox: 'bob@contoso.com', result: 'ok', requestIds: [] },
    logs(),
  );
  const all = await readJournal(journal, { since: new Date('2030-07-01T00:00:00Z'), until: now });
  expect(all.entries.map((e) => e.id)).toEqual(['a', 'b', 'c']);
  const alice = await readJournal(journal, {
    mailbox: 'ALICE@contoso.com',
    since: new Date('2030-07-02T00:00:00Z'),
    until: now,
  });
  expect(alice.entries.map((e) => e.id)).toEqual(['b']);
});

test('digests tell equal settings from different ones, not the text; a line too long is refused', () => {
  const a = {
    state: 'Enabled',
    externalAudience: 'All',
    internalReply: 'Away',
    externalReply: 'Away',
  } as const;
  expect(digestOf(a)).toBe(
    digestOf({ externalReply: 'Away', internalReply: 'Away', externalAudience: 'All', state: 'Enabled' }),
  );
  expect(digestOf(a)).not.toBe(digestOf({ ...a, internalReply: 'Away.' }));
  expect(digestOf(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
  const line = journalLine({
    ...change,
    time: NOW.toISOString(),
    result: 'ok',
    requestIds: Array.from({ length: 50 }, (_, i) => `r${i}`),
  });
  expect((JSON.parse(line) as { requestIds: string[] }).requestIds).toHaveLength(10);
  expect(() =>
    journalLine({
      ...change,
      time: NOW.toISOString(),
      result: 'ok',
      requestIds: [],
      decision: 'x'.repeat(MAX_LINE_BYTES),
    }),
  ).toThrow(/journal line of \d+ bytes is over 16384/);
});
