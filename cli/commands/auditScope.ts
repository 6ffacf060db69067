/**
 * `mailbox-automation audit scope [--canary ADDRESS ...] [--json]`: the privilege audit once
 * (shared/audit/scopeAudit.ts). It reads each canary mailbox outside MAILBOX_SCOPE, and the day's sample
 * of SCOPE_AUDIT_SAMPLE mailboxes outside it from the directory (shared/audit/outOfScopeSample.ts),
 * through the one read-only probe allowed past the scope guard, prints what Exchange answered per canary, the verdict,
 * what else decides access and, for open, the commands that fence the account. The exit code gates a
 * pipeline: 0 fenced, 2 open, 3 inconclusive (a bad setting is 2 as well, with nothing on stdout).
 */
import { loadMailboxScope, loadScopeAuditSettings } from '../../shared/platform/config';
import { createUnscopedReadOnlyProbe } from '../../shared/mailbox/mailboxBackend';
import { describeScopeAudit, type Verdict } from '../../shared/audit/scopeAudit';
import { auditScopeWithSample } from '../../shared/audit/outOfScopeSample';
import { flag, listOption, mailboxArgument, parse } from '../arguments';
import { writeJson, type CliContext } from '../cliContext';
import type { CliCommand } from '../command';

/** The audit's exit codes (README, "The command line"). */
export const AUDIT_EXIT: Readonly<Record<Verdict, number>> = { fenced: 0, open: 2, inconclusive: 3 };

export async function auditScopeRun(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parse(args, auditScopeCommand);
  const given = listOption(parsed, 'canary').map((c) => mailboxArgument(c, '--canary'));
  const scope = loadMailboxScope(ctx.env);
  const settings = loadScopeAuditSettings(ctx.env);
  const canaries = given.length > 0 ? given : settings.canaries;
  const probe = await createUnscopedReadOnlyProbe(ctx.env);
  try {
    const report = await auditScopeWithSample(probe, {
      canaries,
      scope,
      now: new Date(),
      sample: settings.sample,
      ...(settings.serviceMailbox === undefined ? {} : { serviceMailbox: settings.serviceMailbox }),
    });
    if (flag(parsed, 'json')) writeJson(ctx, report);
    else ctx.stdout(describeScopeAudit(report));
    return AUDIT_EXIT[report.verdict];
  } finally {
    await probe.close();
  }
}

export const auditScopeCommand: CliCommand = {
  name: 'audit scope',
  synopsis: '[--canary ADDRESS ...]',
  summary:
    'can the service account read mailboxes outside MAILBOX_SCOPE? exit 0 fenced, 2 open (prints the commands that fence it), 3 inconclusive',
  arguments: {},
  options: {
    canary: {
      type: 'string',
      multiple: true,
      value: 'ADDRESS',
      description:
        'a mailbox outside MAILBOX_SCOPE to try, read-only; default SCOPE_AUDIT_CANARIES (the SCOPE_AUDIT_SAMPLE directory sample is tried as well)',
    },
  },
  json: {
    shape:
      '{ verdict, auditedAt, backend, deployment, mailboxScope, canaries: [{ mailbox, outcome, code?, detail, sampled? }], endpoint, tokenRoles?, findings, fixCommands }',
    note: 'outcome is refused, readable, missing, blocked, unreachable or failed; sampled marks a mailbox from the SCOPE_AUDIT_SAMPLE directory sample; fixCommands only for open',
  },
  examples: ['mailbox-automation audit scope --canary dave@fabrikam.com'],
  run: (args, ctx) => auditScopeRun(args, ctx),
};
