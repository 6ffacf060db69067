import { writeJson, type CliContext } from '../cliContext';
import {
  flag,
  listOption,
  mailboxArgument,
  parse,
  parseAge,
  parseFolders,
  stringOption,
  type ParsedArgs,
} from '../arguments';
import { UsageError } from '../cliContext';
import { planArchive, runArchive, type ArchiveOptions } from '../../shared/sweep/archiveMailbox';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { assertArchivingSupported } from '../../shared/platform/config';
import { journaledArchiveCalls } from '../../shared/journal/recordChange';
import { cliJournaling } from '../cliJournal';
import { MAILBOX_ARGUMENT, type CliCommand, type CliOption } from '../command';

const ARCHIVE_OPTIONS: Record<string, CliOption> = {
  'older-than': {
    type: 'string',
    value: 'AGE',
    description: 'required: items received more than this long ago, in days or weeks (365d, 52w)',
  },
  folder: {
    type: 'string',
    multiple: true,
    value: 'FOLDER',
    description: 'a distinguished folder (inbox, sentitems, deleteditems, junkemail, ...); default inbox',
  },
  'max-items': {
    type: 'string',
    value: 'N',
    description: 'stop after N items; the rest waits for later runs',
  },
};

const DAY_MS = 86_400_000;

/** Reads and checks `archive plan|run` arguments; nothing is sent before this returns. */
export function archiveArgs(
  args: string[],
  command: CliCommand,
  now = Date.now(),
): { mailbox: string; options: ArchiveOptions; parsed: ParsedArgs } {
  const parsed = parse(args, command);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const days = parseAge(stringOption(parsed, 'older-than'));
  const folders = parseFolders(listOption(parsed, 'folder'));
  const maxRaw = stringOption(parsed, 'max-items');
  const maxItems = maxRaw === undefined ? undefined : Number(maxRaw);
  if (maxItems !== undefined && (!Number.isSafeInteger(maxItems) || maxItems <= 0)) {
    throw new UsageError(`--max-items "${maxRaw}" must be a positive whole number`);
  }
  return { mailbox, parsed, options: { folders, receivedBefore: new Date(now - days * DAY_MS), maxItems } };
}

export async function archivePlan(
  args: string[],
  ctx: CliContext,
  ops: () => MailboxOperations,
): Promise<number> {
  const { mailbox, options, parsed } = archiveArgs(args, archivePlanCommand);
  assertArchivingSupported(ctx.env); // Graph cannot reach the archive: exit 2, nothing sent
  const mailboxes = ops();
  const hasArchive = await mailboxes.hasArchiveMailbox(mailbox);
  const plan = await planArchive(mailboxes, mailbox, options);
  if (flag(parsed, 'json')) {
    writeJson(ctx, { ...plan, archiveMailbox: hasArchive });
    return 0;
  }
  ctx.stdout(
    `${mailbox}: ${plan.planned} items received before ${plan.receivedBefore} would move to the archive mailbox\n`,
  );
  for (const folder of plan.folders) ctx.stdout(`  ${folder.folder}: ${folder.items}\n`);
  if (plan.capped) ctx.stdout(`  (capped by --max-items: more old items remain for later runs)\n`);
  if (!hasArchive)
    ctx.stdout(`  note: ${mailbox} has no archive mailbox; a run would fail until one is enabled\n`);
  ctx.stdout('Nothing was changed.\n');
  return 0;
}

export async function archiveRun(
  args: string[],
  ctx: CliContext,
  ops: () => MailboxOperations,
): Promise<number> {
  const { mailbox, options, parsed } = archiveArgs(args, archiveRunCommand);
  assertArchivingSupported(ctx.env); // Graph cannot reach the archive: exit 2, nothing sent
  // Each ArchiveItem call is journaled (cli/cliJournal.ts); `archive plan` moves nothing and journals nothing.
  const archiveCall = journaledArchiveCalls(cliJournaling(ctx, archiveRunCommand.name), mailbox);
  const result = await runArchive(ops(), mailbox, { ...options, archiveCall });
  if (flag(parsed, 'json')) {
    writeJson(ctx, result);
  } else {
    ctx.stdout(
      `${mailbox}: moved ${result.moved} items received before ${result.receivedBefore} to the archive mailbox\n`,
    );
    for (const folder of result.folders)
      ctx.stdout(`  ${folder.folder}: ${folder.moved} moved, ${folder.failed} refused\n`);
    for (const failure of result.failed.slice(0, 20)) {
      ctx.stdout(
        `  refused ${failure.folder} item ${failure.id.slice(0, 24)}…: ${failure.code} ${failure.message}\n`,
      );
    }
    if (result.capped) ctx.stdout('  (capped by --max-items: run again to continue)\n');
  }
  // Items Exchange refused one by one are a permanent problem for this mailbox: exit 3 so scripts notice.
  return result.failed.length > 0 ? 3 : 0;
}

/** What `archive plan` and `archive run` share: the mailbox and which of its items. */
const ARCHIVE_ARGUMENTS = {
  synopsis: '<mailbox> --older-than AGE [--folder FOLDER ...] [--max-items N]',
  arguments: MAILBOX_ARGUMENT,
  options: ARCHIVE_OPTIONS,
};

export const archivePlanCommand: CliCommand = {
  name: 'archive plan',
  ...ARCHIVE_ARGUMENTS,
  summary: 'count what would move to the archive mailbox; changes nothing',
  json: {
    shape: '{ mailbox, receivedBefore, folders: [{ folder, items }], planned, capped, archiveMailbox }',
  },
  examples: [
    'mailbox-automation archive plan alice@contoso.com --older-than 365d --folder inbox --folder sentitems',
  ],
  run: archivePlan,
};

export const archiveRunCommand: CliCommand = {
  name: 'archive run',
  ...ARCHIVE_ARGUMENTS,
  summary: 'move it into the archive mailbox (exit 3 if Exchange refused any item)',
  json: {
    shape:
      '{ mailbox, receivedBefore, folders: [{ folder, moved, failed }], moved, ' +
      'failed: [{ folder, id, code, message }], capped }',
  },
  examples: ['mailbox-automation archive run alice@contoso.com --older-than 52w --max-items 5000'],
  run: archiveRun,
};
