import { UsageError, writeJson, type CliContext } from '../cliContext';
import { flag, mailboxArgument, parse, stringOption } from '../arguments';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { expandGroupDeep } from '../../shared/mailbox/groupExpansion';
import type { CliCommand } from '../command';

export async function groupExpand(
  args: string[],
  ctx: CliContext,
  ops: () => MailboxOperations,
): Promise<number> {
  const parsed = parse(args, groupExpandCommand);
  const group = mailboxArgument(parsed.positionals[0] ?? '', 'group');
  // ExpandDL runs as some mailbox; any in-scope one will do. --as, else EWS_SERVICE_MAILBOX.
  const asRaw = stringOption(parsed, 'as') ?? ctx.env.EWS_SERVICE_MAILBOX;
  if (!asRaw) {
    throw new UsageError(
      'group expand acts as a mailbox: pass --as <mailbox in scope> or set EWS_SERVICE_MAILBOX',
    );
  }
  const asMailbox = mailboxArgument(asRaw, '--as');
  const { members, groups } = await expandGroupDeep(ops(), group, asMailbox);
  if (flag(parsed, 'json')) {
    writeJson(ctx, { group, groupsExpanded: groups, members });
  } else {
    ctx.stdout(
      `${group}: ${members.length} members (${groups.length} group${groups.length === 1 ? '' : 's'} expanded)\n`,
    );
    for (const m of members) ctx.stdout(`  ${m.address}\t${m.name}\t${m.kind}\n`);
  }
  return 0;
}

export const groupExpandCommand: CliCommand = {
  name: 'group expand',
  synopsis: '<group> [--as MAILBOX]',
  summary: 'members, nested groups expanded once each',
  arguments: { group: "the group's SMTP address" },
  options: {
    as: {
      type: 'string',
      value: 'MAILBOX',
      description: 'the in-scope mailbox to expand it as; default EWS_SERVICE_MAILBOX',
    },
  },
  json: { shape: '{ group, groupsExpanded: [address], members: [{ address, name, kind }] }' },
  examples: ['mailbox-automation group expand all-staff@contoso.com --as alice@contoso.com'],
  run: groupExpand,
};
