import { UsageError, writeJson, type CliContext } from '../cliContext';
import { flag, mailboxArgument, parse, parseInstant, stringOption, textOrFile } from '../arguments';
import { MAILBOX_ARGUMENT, type CliCommand } from '../command';
import type {
  ExternalAudience,
  MailboxOperations,
  OofSettings,
} from '../../shared/mailbox/mailboxOperations';
import { changeId, digestOf } from '../../shared/journal/journalEntry';
import { recordChange, type Journaling } from '../../shared/journal/recordChange';
import { cliJournaling } from '../cliJournal';

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
  const parsed = parse(args, oofGetCommand);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const oof = await ops().getOof(mailbox);
  if (flag(parsed, 'json')) writeJson(ctx, { mailbox, ...oof });
  else ctx.stdout(describeOof(mailbox, oof));
  return 0;
}

/** Reads and checks every `oof set` argument before anything is sent. */
export function oofSettingsFromArgs(args: string[]): {
  mailbox: string;
  settings: OofSettings;
  json: boolean;
} {
  const parsed = parse(args, oofSetCommand);
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
  return { mailbox, settings, json: flag(parsed, 'json') };
}

/**
 * Writes automatic replies and journals it (cli/cliJournal.ts): `decision` is what the operator did (set,
 * disabled), with the sha256 digests of the settings before and after, never their texts.
 */
async function writeOof(
  mailboxes: MailboxOperations,
  journaling: Journaling,
  mailbox: string,
  decision: string,
  before: OofSettings,
  after: OofSettings,
): Promise<void> {
  await recordChange(
    journaling.journal,
    journaling.log,
    {
      id: changeId(journaling.instanceId, mailbox, decision),
      mailbox,
      action: 'automatic-replies',
      decision,
      before: digestOf(before),
      after: digestOf(after),
      trigger: journaling.trigger,
      instanceId: journaling.instanceId,
    },
    () => mailboxes.setOof(mailbox, after),
  );
}

export async function oofSet(args: string[], ctx: CliContext, ops: () => MailboxOperations): Promise<number> {
  const { mailbox, settings, json } = oofSettingsFromArgs(args);
  const journaling = cliJournaling(ctx, oofSetCommand.name);
  const mailboxes = ops();
  // Read first for the journal's digest of what the new settings replace (one GetUserOofSettings call).
  const before = await mailboxes.getOof(mailbox);
  await writeOof(mailboxes, journaling, mailbox, 'set', before, settings);
  if (json) {
    // Instants as `oof get --json` prints them (Date#toISOString), so a script can compare the two documents.
    const asRead = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).toISOString());
    writeJson(ctx, { mailbox, ...settings, start: asRead(settings.start), end: asRead(settings.end) });
    return 0;
  }
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
  const parsed = parse(args, oofDisableCommand);
  const mailbox = mailboxArgument(parsed.positionals[0] ?? '');
  const journaling = cliJournaling(ctx, oofDisableCommand.name);
  const mailboxes = ops();
  // Keep the person's texts and audience, as Outlook's "turn off" does; only the state changes.
  const current = await mailboxes.getOof(mailbox);
  const changed = current.state !== 'Disabled';
  // Already off: nothing is written, so nothing is journaled.
  if (changed)
    await writeOof(mailboxes, journaling, mailbox, 'disabled', current, { ...current, state: 'Disabled' });
  if (flag(parsed, 'json')) {
    writeJson(ctx, { mailbox, state: 'Disabled', previousState: current.state, changed });
  } else if (changed) {
    ctx.stdout(`${mailbox}: automatic replies turned off (texts kept)\n`);
  } else {
    ctx.stdout(`${mailbox}: automatic replies were already off; nothing changed\n`);
  }
  return 0;
}

const OOF_FIELDS = '{ mailbox, state, start?, end?, externalAudience, internalReply, externalReply }';

export const oofGetCommand: CliCommand = {
  name: 'oof get',
  synopsis: '<mailbox>',
  summary: 'show automatic-reply settings',
  arguments: MAILBOX_ARGUMENT,
  options: {},
  json: { shape: OOF_FIELDS, note: 'state is Enabled, Scheduled or Disabled; start and end are UTC' },
  examples: ['mailbox-automation oof get alice@contoso.com --json'],
  run: oofGet,
};

export const oofSetCommand: CliCommand = {
  name: 'oof set',
  synopsis:
    '<mailbox> [--start ISO --end ISO] --internal TEXT|--internal-file FILE ' +
    '[--external TEXT|--external-file FILE] [--audience none|known|all]',
  summary:
    'set automatic replies: scheduled with --start and --end (times need a zone, stored in UTC), else on now',
  arguments: MAILBOX_ARGUMENT,
  options: {
    start: {
      type: 'string',
      value: 'ISO',
      description: 'start of the reply window, with a zone (Z or ±hh:mm)',
    },
    end: { type: 'string', value: 'ISO', description: 'end of the reply window; goes with --start' },
    internal: {
      type: 'string',
      value: 'TEXT',
      description: 'reply to senders inside the organisation (HTML allowed)',
    },
    'internal-file': { type: 'string', value: 'FILE', description: 'the internal reply read from a file' },
    external: {
      type: 'string',
      value: 'TEXT',
      description: 'reply to outside senders; default: the internal reply',
    },
    'external-file': { type: 'string', value: 'FILE', description: 'the external reply read from a file' },
    audience: {
      type: 'string',
      value: 'none|known|all',
      description: 'which outside senders get a reply; default all',
    },
  },
  json: { shape: OOF_FIELDS, note: 'the settings as set' },
  examples: [
    "mailbox-automation oof set alice@contoso.com --start 2026-12-21T09:00:00+01:00 --end 2027-01-04T09:00:00+01:00 --internal 'Away until 4 January'",
  ],
  run: oofSet,
};

export const oofDisableCommand: CliCommand = {
  name: 'oof disable',
  synopsis: '<mailbox>',
  summary: 'turn replies off, keeping the texts',
  arguments: MAILBOX_ARGUMENT,
  options: {},
  json: {
    shape: '{ mailbox, state: "Disabled", previousState, changed }',
    note: 'changed is false when replies were already off',
  },
  examples: ['mailbox-automation oof disable alice@contoso.com'],
  run: oofDisable,
};
