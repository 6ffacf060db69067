import type { CliContext } from '../cliContext';
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
import { planArchive, runArchive, type ArchiveOptions } from '../../shared/archive/archiveMailbox';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { assertArchivingSupported } from '../../shared/config';

const ARCHIVE_FLAGS = {
  'older-than': { type: 'string' },
  folder: { type: 'string', multiple: true },
  'max-items': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const DAY_MS = 86_400_000;

/** Reads and checks `archive plan|run` arguments; nothing is sent before this returns. */
export function archiveArgs(
  args: string[],
  now = Date.now(),
): { mailbox: string; options: ArchiveOptions; parsed: ParsedArgs } {
  const parsed = parse(args, ARCHIVE_FLAGS, ['mailbox']);
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
  const { mailbox, options, parsed } = archiveArgs(args);
  assertArchivingSupported(ctx.env); // Graph cannot reach the archive: exit 2, nothing sent
  const mailboxes = ops();
  const hasArchive = await mailboxes.hasArchiveMailbox(mailbox);
  const plan = await planArchive(mailboxes, mailbox, options);
  if (flag(parsed, 'json')) {
    ctx.stdout(JSON.stringify({ ...plan, archiveMailbox: hasArchive }, null, 2) + '\n');
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
  const { mailbox, options, parsed } = archiveArgs(args);
  assertArchivingSupported(ctx.env); // Graph cannot reach the archive: exit 2, nothing sent
  const result = await runArchive(ops(), mailbox, options);
  if (flag(parsed, 'json')) {
    ctx.stdout(JSON.stringify(result, null, 2) + '\n');
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
