import type { CliContext } from '../cliContext';
import { flag, mailboxArgument, parse } from '../arguments';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';

/** Can we impersonate the mailbox (GetFolder on its inbox), and does it have an archive mailbox? */
export async function check(args: string[], ctx: CliContext, ops: () => MailboxOperations): Promise<number> {
  const parsed = parse(args, { json: { type: 'boolean' } }, ['mailbox']);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const mailboxes = ops();
  const inbox = await mailboxes.getFolder(mailbox, 'inbox');
  const archive = await mailboxes.hasArchiveMailbox(mailbox);
  if (flag(parsed, 'json')) {
    ctx.stdout(
      JSON.stringify(
        { mailbox, impersonation: 'ok', inboxItems: inbox.totalCount, archiveMailbox: archive },
        null,
        2,
      ) + '\n',
    );
  } else {
    ctx.stdout(
      `${mailbox}: impersonation ok (inbox holds ${inbox.totalCount} items); ` +
        `archive mailbox: ${archive ? 'yes' : 'no'}\n`,
    );
  }
  return 0;
}
