/**
 * Reading the change journal back (the CLI's `audit journal`, and tests): the days asked for, one
 * mailbox or all, each change once (a line repeating an id already read is a retried activity journaling
 * the same change again; see shared/journal/changeJournal.ts), and a line a person reads.
 */
import type { ChangeJournal } from './changeJournal';
import { daysBetween, type JournalEntry } from './journalEntry';

export interface JournalQuery {
  /** Only this mailbox's changes (any case); all mailboxes when absent. */
  mailbox?: string;
  since: Date;
  until: Date;
}

export interface JournalRead {
  entries: JournalEntry[];
  /** Lines left out because an earlier line had their id. */
  repeats: number;
}

export async function readJournal(journal: ChangeJournal, query: JournalQuery): Promise<JournalRead> {
  const mailbox = query.mailbox?.toLowerCase();
  const seen = new Set<string>();
  const entries: JournalEntry[] = [];
  let repeats = 0;
  for (const day of daysBetween(query.since, query.until)) {
    for (const entry of await journal.readDay(day)) {
      if (mailbox !== undefined && entry.mailbox.toLowerCase() !== mailbox) continue;
      const time = Date.parse(entry.time);
      if (time < query.since.getTime() || time > query.until.getTime()) continue;
      if (seen.has(entry.id)) {
        repeats++;
        continue;
      }
      seen.add(entry.id);
      entries.push(entry);
    }
  }
  return { entries, repeats };
}

function why(entry: JournalEntry): string {
  const { trigger } = entry;
  if (trigger.kind === 'sweep') return `archive sweep ${trigger.sweepId}`;
  if (trigger.kind === 'cli') {
    return `${trigger.user} ran mailbox-automation ${trigger.command}${trigger.sweepId ? ` (${trigger.sweepId})` : ''}`;
  }
  const leaves = trigger.leaves?.length ? ` (leave ${trigger.leaves.join(', ')})` : '';
  return trigger.absence ? `absence ${trigger.absence}${leaves}` : 'leave calendar';
}

function what(entry: JournalEntry): string {
  switch (entry.action) {
    case 'automatic-replies':
      return `automatic replies ${entry.decision ?? ''}`.trimEnd();
    case 'calendar-event-created':
      return `Out of office event created for ${entry.days ?? '?'}`;
    case 'calendar-event-moved':
      return `Out of office event moved from ${entry.from ?? '?'} to ${entry.days ?? '?'}`;
    case 'calendar-event-deleted':
      return `Out of office event for ${entry.days ?? '?'} deleted`;
    case 'items-archived':
      return `${entry.moved ?? 0} item(s) of ${entry.folder ?? '?'} archived${entry.refused ? `, ${entry.refused} refused` : ''}`;
  }
}

/** One line a person reads: time, mailbox, what, result, why, instance and request ids. */
export function describeEntry(entry: JournalEntry): string {
  const result =
    entry.result === 'failed'
      ? `FAILED ${entry.error ?? ''}`.trimEnd()
      : entry.result === 'no-change'
        ? `no change${entry.decision === 'already-gone' ? ' (already gone)' : ''}`
        : 'done';
  const digests =
    entry.before && entry.after ? ` [${entry.before.slice(7, 19)} -> ${entry.after.slice(7, 19)}]` : '';
  const ids = entry.requestIds.length ? ` request ${entry.requestIds.join(',')}` : '';
  return `${entry.time} ${entry.mailbox} ${what(entry)}: ${result}${digests} — ${why(entry)}; instance ${entry.instanceId}${ids}`;
}
