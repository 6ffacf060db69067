/**
 * `mailbox-automation audit journal <mailbox> [--since DATE] [--json]`: what the app changed in one
 * mailbox, from the change journal (shared/journal): automatic replies written or left as the person
 * changed them, Out of office events, items archived, and the failures; each with why (the absence and
 * its leaves, or the sweep), the orchestration and the request ids Exchange logged. Read-only: it reads
 * the journal's blobs and never calls Exchange. A change journaled twice (a retried activity) shows once.
 */
import { createChangeJournal } from '../../shared/journal/changeJournal';
import { describeEntry, readJournal } from '../../shared/journal/journalReader';
import { loadJournalStorage } from '../../shared/platform/config';
import { ConfigError } from '../../shared/platform/configError';
import { flag, mailboxArgument, parse, parseInstant, stringOption } from '../arguments';
import { EXIT, UsageError, writeJson, type CliContext } from '../cliContext';
import type { CliCommand } from '../command';

/** Without --since: the last 30 days. */
const DEFAULT_DAYS = 30;

/** `--since`: a day (UTC midnight) or an ISO time with a zone. */
export function parseSince(value: string | undefined, now: Date): Date {
  if (value === undefined) return new Date(now.getTime() - DEFAULT_DAYS * 86_400_000);
  if (/^\d{4}-\d\d-\d\d$/.test(value)) {
    const day = new Date(`${value}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) {
      throw new UsageError(`--since "${value}" is not a calendar day`);
    }
    return day;
  }
  const since = new Date(parseInstant(value, '--since'));
  if (since.getTime() > now.getTime()) throw new UsageError(`--since ${value} is in the future`);
  return since;
}

export async function auditJournalRun(args: string[], ctx: CliContext, now = new Date()): Promise<number> {
  const parsed = parse(args, auditJournalCommand);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const since = parseSince(stringOption(parsed, 'since'), now);
  const storage = loadJournalStorage(ctx.env);
  if (!storage) {
    throw new ConfigError(
      "no storage to read the change journal from: set AzureWebJobsStorage (the function app's storage " +
        'connection string, or UseDevelopmentStorage=true for Azurite) or AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage',
    );
  }
  const read = await readJournal(
    createChangeJournal(storage, () => now),
    { mailbox, since, until: now },
  );
  if (flag(parsed, 'json')) {
    writeJson(ctx, { mailbox, since: since.toISOString(), until: now.toISOString(), ...read });
    return EXIT.done;
  }
  ctx.stdout(
    `${read.entries.length} change(s) journaled for ${mailbox} since ${since.toISOString()}` +
      `${read.repeats > 0 ? ` (${read.repeats} repeated line(s) of a retried step shown once)` : ''}\n`,
  );
  for (const entry of read.entries) ctx.stdout(`${describeEntry(entry)}\n`);
  return EXIT.done;
}

export const auditJournalCommand: CliCommand = {
  name: 'audit journal',
  synopsis: '<mailbox> [--since DATE]',
  summary: 'what the app changed in a mailbox, when and why, from the append-only change journal (read-only)',
  arguments: {
    mailbox: 'the mailbox whose changes to show (inside MAILBOX_SCOPE or not: the journal is only read)',
  },
  options: {
    since: {
      type: 'string',
      value: 'DATE',
      description: `from this day (2030-07-01, UTC) or ISO time; default the last ${DEFAULT_DAYS} days`,
    },
  },
  json: {
    shape:
      '{ mailbox, since, until, entries: [{ id, time, mailbox, action, result, decision?, before?, after?, days?, from?, folder?, moved?, refused?, trigger, instanceId, requestIds, error? }], repeats }',
    note: 'action is automatic-replies, calendar-event-created/-moved/-deleted or items-archived; result ok, failed or no-change; before/after are sha256 digests of the automatic replies, never their text',
  },
  examples: ['mailbox-automation audit journal alice@contoso.com --since 2030-07-01'],
  run: (args, ctx) => auditJournalRun(args, ctx),
};
