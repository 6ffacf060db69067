import { writeJson, type CliContext } from '../cliContext';
import { flag, mailboxArgument, parse } from '../arguments';
import { MAILBOX_ARGUMENT, type CliCommand } from '../command';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';

interface CheckResult {
  mailbox: string;
  access: 'ok';
  /** Inbox item count, when the back end can read folders (EWS). */
  inboxItems?: number;
  /** Whether an archive mailbox exists; undefined when the back end cannot tell (Graph). */
  archiveMailbox?: boolean;
}

/**
 * Can we act as the mailbox, and does it have an archive mailbox? On EWS: GetFolder on its inbox and on
 * its archive root. On Graph (no folder or archive access): its automatic-reply settings.
 */
export async function check(args: string[], ctx: CliContext, ops: () => MailboxOperations): Promise<number> {
  const parsed = parse(args, checkCommand);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const mailboxes = ops();
  let result: CheckResult;
  try {
    const inbox = await mailboxes.getFolder(mailbox, 'inbox');
    result = {
      mailbox,
      access: 'ok',
      inboxItems: inbox.totalCount,
      archiveMailbox: await mailboxes.hasArchiveMailbox(mailbox),
    };
  } catch (error) {
    if (!(error instanceof MailboxError && error.code === 'NotSupportedByGraph')) throw error;
    await mailboxes.getOof(mailbox);
    result = { mailbox, access: 'ok' };
  }
  if (flag(parsed, 'json')) {
    writeJson(ctx, result);
  } else if (result.inboxItems === undefined) {
    ctx.stdout(
      `${mailbox}: access ok (automatic replies readable); archive mailbox: not visible through Microsoft Graph\n`,
    );
  } else {
    ctx.stdout(
      `${mailbox}: impersonation ok (inbox holds ${result.inboxItems} items); ` +
        `archive mailbox: ${result.archiveMailbox ? 'yes' : 'no'}\n`,
    );
  }
  return 0;
}

export const checkCommand: CliCommand = {
  name: 'check',
  synopsis: '<mailbox>',
  summary: 'can we impersonate it, and does it have an archive mailbox',
  arguments: MAILBOX_ARGUMENT,
  options: {},
  json: {
    shape: '{ mailbox, access: "ok", inboxItems?, archiveMailbox? }',
    note: 'inboxItems and archiveMailbox only on EWS: Graph cannot see folders or the archive',
  },
  examples: ['mailbox-automation check alice@contoso.com'],
  run: check,
};
