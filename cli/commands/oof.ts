import type { CliContext } from '../cliContext';
import { UsageError } from '../cliContext';
import { flag, mailboxArgument, parse, parseInstant, stringOption, textOrFile } from '../arguments';
import type {
  ExternalAudience,
  MailboxOperations,
  OofSettings,
} from '../../shared/mailbox/mailboxOperations';

const AUDIENCES: Record<string, ExternalAudience> = { none: 'None', known: 'Known', all: 'All' };

/** Human-readable OOF settings; reply text is shown as stored (HTML). */
export function describeOof(mailbox: string, oof: OofSettings): string {
  const lines = [`${mailbox}: automatic replies ${oof.state}`];
  if (oof.state === 'Scheduled') lines.push(`  from ${oof.start ?? '?'} to ${oof.end ?? '?'} (UTC)`);
  else if (oof.start && oof.end)
    lines.push(`  (last time window kept by Exchange: ${oof.start} to ${oof.end} UTC)`);
  lines.push(`  external audience: ${oof.externalAudience}`);
  lines.push(`  internal reply: ${oof.internalReply === '' ? '(none)' : oof.internalReply}`);
  lines.push(`  external reply: ${oof.externalReply === '' ? '(none)' : oof.externalReply}`);
  return lines.join('\n') + '\n';
}

export async function oofGet(args: string[], ctx: CliContext, ops: () => MailboxOperations): Promise<number> {
  const parsed = parse(args, { json: { type: 'boolean' } }, ['mailbox']);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const oof = await ops().getOof(mailbox);
  ctx.stdout(
    flag(parsed, 'json') ? JSON.stringify({ mailbox, ...oof }, null, 2) + '\n' : describeOof(mailbox, oof),
  );
  return 0;
}

/** Reads and checks every `oof set` argument before anything is sent. */
export function oofSettingsFromArgs(args: string[]): { mailbox: string; settings: OofSettings } {
  const parsed = parse(
    args,
    {
      start: { type: 'string' },
      end: { type: 'string' },
      internal: { type: 'string' },
      'internal-file': { type: 'string' },
      external: { type: 'string' },
      'external-file': { type: 'string' },
      audience: { type: 'string' },
    },
    ['mailbox'],
  );
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const internal = textOrFile(
    stringOption(parsed, 'internal'),
    stringOption(parsed, 'internal-file'),
    'internal',
  );
  if (internal === undefined) throw new UsageError('--internal TEXT or --internal-file FILE is required');
  // Without --external the same reply goes to outside senders: an admin setting one text expects it everywhere.
  const external =
    textOrFile(stringOption(parsed, 'external'), stringOption(parsed, 'external-file'), 'external') ??
    internal;
  const audienceArg = (stringOption(parsed, 'audience') ?? 'all').toLowerCase();
  const externalAudience = AUDIENCES[audienceArg];
  if (!externalAudience) throw new UsageError(`--audience "${audienceArg}" must be none, known or all`);

  const startArg = stringOption(parsed, 'start');
  const endArg = stringOption(parsed, 'end');
  if ((startArg === undefined) !== (endArg === undefined)) {
    throw new UsageError(
      '--start and --end go together: give both for a scheduled reply, or neither to enable it now',
    );
  }
  const settings: OofSettings = {
    state: 'Enabled',
    externalAudience,
    internalReply: internal,
    externalReply: external,
  };
  if (startArg !== undefined && endArg !== undefined) {
    const start = parseInstant(startArg, '--start');
    const end = parseInstant(endArg, '--end');
    if (Date.parse(end) <= Date.parse(start))
      throw new UsageError(`--end ${endArg} is not after --start ${startArg}`);
    Object.assign(settings, { state: 'Scheduled', start, end });
  }
  return { mailbox, settings };
}

export async function oofSet(args: string[], ctx: CliContext, ops: () => MailboxOperations): Promise<number> {
  const { mailbox, settings } = oofSettingsFromArgs(args);
  await ops().setOof(mailbox, settings);
  ctx.stdout(
    `${mailbox}: automatic replies set (${settings.state}${settings.state === 'Scheduled' ? ` ${settings.start} to ${settings.end}` : ''})\n`,
  );
  return 0;
}

export async function oofDisable(
  args: string[],
  ctx: CliContext,
  ops: () => MailboxOperations,
): Promise<number> {
  const parsed = parse(args, {}, ['mailbox']);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const mailboxes = ops();
  // Keep the person's texts and audience, as Outlook's "turn off" does; only the state changes.
  const current = await mailboxes.getOof(mailbox);
  if (current.state === 'Disabled') {
    ctx.stdout(`${mailbox}: automatic replies were already off; nothing changed\n`);
    return 0;
  }
  await mailboxes.setOof(mailbox, { ...current, state: 'Disabled' });
  ctx.stdout(`${mailbox}: automatic replies turned off (texts kept)\n`);
  return 0;
}
