/**
 * Making a mailbox change and journaling it, in one place for the leave steps and the sweep: the call runs
 * with a witness that hears every attempt's client-request-id (shared/platform/logging/invocationLog.ts), and
 * once it has answered — done or failed — one line goes to the journal. The call's own outcome is what the
 * caller gets: the journal never changes it (shared/journal/changeJournal.ts).
 */
import { randomUUID } from 'node:crypto';
import type { BatchOutcome, FolderName } from '../mailbox/mailboxOperations';
import { withCallWitness } from '../platform/logging/invocationLog';
import type { ChangeJournal, JournalChange, JournalLog } from './changeJournal';
import type { JournalTrigger } from './journalEntry';

/** The line of a change, without what only the call can tell (its result, request ids and error). */
export type ChangeDescription = Omit<JournalChange, 'result' | 'requestIds' | 'error'>;

/** The code a failure is journaled with: a MailboxError's or OutOfScopeError's code, else its name. */
function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code !== '') return code;
  return error instanceof Error ? error.name : 'Unexpected';
}

/**
 * Runs `call` (one mailbox change) and journals it: `ok` (or `no-change`, when `details` says the call
 * found nothing to change) with what `details` says of its value, or
 * `failed` with the error's code; then returns the value or throws the error, as the call did.
 */
export async function recordChange<T>(
  journal: ChangeJournal,
  log: JournalLog,
  change: ChangeDescription,
  call: () => Promise<T>,
  details: (value: T) => Partial<ChangeDescription> & { result?: 'ok' | 'no-change' } = () => ({}),
): Promise<T> {
  const requestIds: string[] = [];
  const witness = (event: { requestId: string }): void => {
    if (!requestIds.includes(event.requestId)) requestIds.push(event.requestId);
  };
  let value: T;
  try {
    value = await withCallWitness(witness, call);
  } catch (error) {
    const fallback = (error as { requestId?: unknown }).requestId;
    if (requestIds.length === 0 && typeof fallback === 'string') requestIds.push(fallback);
    await journal.append({ ...change, result: 'failed', requestIds, error: failureCode(error) }, log);
    throw error;
  }
  await journal.append({ ...change, result: 'ok', ...details(value), requestIds }, log);
  return value;
}

/** Who is making the changes: the journal, where a failed write is told, the run making them and why. */
export interface Journaling {
  journal: ChangeJournal;
  log: JournalLog;
  instanceId: string;
  trigger: JournalTrigger;
}

/**
 * runArchive's `archiveCall` (shared/sweep/archiveMailbox.ts) for one mailbox: each ArchiveItem call is one
 * line, how many items of the folder moved and how many Exchange refused. Every call moves other items
 * (moved ones leave the folder), so no two calls are the same change and each line's id is new.
 */
export function journaledArchiveCalls(
  journaling: Journaling,
  mailbox: string,
): (folder: FolderName, call: () => Promise<BatchOutcome>) => Promise<BatchOutcome> {
  return (folder, call) =>
    recordChange(
      journaling.journal,
      journaling.log,
      {
        id: randomUUID(),
        mailbox,
        action: 'items-archived',
        folder,
        trigger: journaling.trigger,
        instanceId: journaling.instanceId,
      },
      call,
      (outcome) => ({ moved: outcome.moved, refused: outcome.failed.length }),
    );
}
