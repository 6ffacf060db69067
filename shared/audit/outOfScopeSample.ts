/**
 * The privilege audit's sample: besides the canaries an administrator names (SCOPE_AUDIT_CANARIES), a few
 * mailboxes outside MAILBOX_SCOPE taken from the directory (SCOPE_AUDIT_SAMPLE, default 3; 0: none), so
 * that a scope which fences the canaries but not the rest of the organisation still shows as open.
 *
 * The directory is read through the unscoped read-only probe (shared/mailbox/mailboxBackend.ts), one
 * bounded page at a time (at most 100 addresses): first the directory's first page (EWS ResolveNames of
 * `SMTP:`, Graph /users without a filter), which is the whole directory of a small organisation, then
 * the addresses starting with a letter or digit (`SMTP:<c>`, startswith(mail)), at most
 * MAX_DIRECTORY_PAGES pages, stopping as soon as enough mailboxes outside the scope were seen. Which
 * prefixes, in which order, and which of the mailboxes found are taken follow from the day (UTC), so
 * every run of a day probes the same mailboxes and the next day others. A mailbox inside MAILBOX_SCOPE is never taken; neither is a configured canary (it is read
 * anyway).
 *
 * The sampled mailboxes are handed to auditScope (shared/audit/scopeAudit.ts) as extra canaries and
 * marked `sampled` in the report. A sampled address with no mailbox behind it (Graph lists hybrid users
 * whose mailbox is on premises) proves nothing either way: it is left out of the verdict and named in
 * the findings.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../platform/configError';
import type { UnscopedReadOnlyProbe } from '../mailbox/mailboxBackend';
import type { DirectoryPage } from '../mailbox/mailboxOperations';
import { OutOfScopeError, type MailboxScope } from '../mailbox/scope';
import {
  auditScope,
  checkCanaries,
  verdictOf,
  type ScopeAuditInput,
  type ScopeAuditReport,
} from './scopeAudit';

/** The first characters of addresses the directory is listed by. */
const PREFIXES = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** At most this many directory pages per audit (each at most DIRECTORY_PAGE_SIZE addresses). */
export const MAX_DIRECTORY_PAGES = 3;

export interface SampleInput {
  scope: MailboxScope;
  /** SCOPE_AUDIT_SAMPLE. */
  count: number;
  /** The audit's time: its UTC day picks the sample. */
  now: Date;
  /** Addresses not to take (the configured canaries). */
  exclude: readonly string[];
  /** EWS_SERVICE_MAILBOX: the in-scope mailbox EWS reads the directory as (Graph needs none). */
  serviceMailbox?: string;
}

export interface OutOfScopeSample {
  /** The sampled mailboxes, outside the scope, in the day's order. */
  mailboxes: string[];
  /** Directory pages read. */
  pagesRead: number;
  /** Why fewer than `count` were sampled, when so. */
  shortfall?: string;
}

/** A stable rank of `value` for the day: the same all day, another order the next. */
function rankOf(day: string, value: string): string {
  return createHash('sha256').update(`${day}\n${value}`).digest('hex');
}

function inDayOrder<T>(day: string, values: readonly T[], key: (value: T) => string): T[] {
  return values
    .map((value) => ({ value, rank: rankOf(day, key(value)) }))
    .sort((a, b) => a.rank.localeCompare(b.rank))
    .map((entry) => entry.value);
}

/**
 * Up to `count` mailboxes outside the scope from the directory. A directory that cannot be read (EWS
 * refused, no network) leaves the sample short and says why; the audit goes on with the canaries. An
 * EWS_SERVICE_MAILBOX outside MAILBOX_SCOPE is a ConfigError naming it, before any request.
 */
export async function sampleOutOfScopeMailboxes(
  probe: UnscopedReadOnlyProbe,
  input: SampleInput,
): Promise<OutOfScopeSample> {
  const { scope, count } = input;
  if (count === 0) return { mailboxes: [], pagesRead: 0 };
  if (scope.describe() === '*') {
    return { mailboxes: [], pagesRead: 0, shortfall: 'MAILBOX_SCOPE is *: no mailbox lies outside it' };
  }
  const asMailbox = input.serviceMailbox ?? '';
  if (probe.kind === 'ews') {
    if (!input.serviceMailbox) {
      return {
        mailboxes: [],
        pagesRead: 0,
        shortfall: 'EWS_SERVICE_MAILBOX is not set: EWS reads the directory as that in-scope mailbox',
      };
    }
    if (!scope.allows(asMailbox)) {
      throw new ConfigError(
        `EWS_SERVICE_MAILBOX=${asMailbox} is outside MAILBOX_SCOPE=${scope.describe()}: the audit reads the directory as that mailbox`,
        'EWS_SERVICE_MAILBOX',
      );
    }
  }
  const day = input.now.toISOString().slice(0, 10);
  const excluded = new Set(input.exclude.map((a) => a.trim().toLowerCase()));
  const found = new Set<string>();
  let pagesRead = 0;
  let shortfall: string | undefined;
  const prefixes = ['', ...inDayOrder(day, PREFIXES, (p) => p)].slice(0, MAX_DIRECTORY_PAGES);
  for (const prefix of prefixes) {
    let page: DirectoryPage;
    try {
      page = await probe.listDirectoryMailboxes(prefix, asMailbox);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof OutOfScopeError) throw error;
      const e = error as { code?: string; name?: string; message?: string };
      shortfall = `the directory could not be read (${e.code ?? e.name ?? 'error'}: ${(e.message ?? '').split('\n')[0] ?? ''})`;
      break;
    }
    pagesRead += 1;
    for (const address of page.addresses) {
      if (!scope.allows(address) && !excluded.has(address)) found.add(address);
    }
    // The first page held the whole directory (a small organisation): the other pages would repeat it.
    if (found.size >= count || (prefix === '' && page.complete)) break;
  }
  const mailboxes = inDayOrder(day, [...found], (a) => a).slice(0, count);
  if (mailboxes.length < count && shortfall === undefined) {
    shortfall = `${pagesRead} directory page${pagesRead === 1 ? '' : 's'} held ${mailboxes.length} mailbox${mailboxes.length === 1 ? '' : 'es'} outside MAILBOX_SCOPE`;
  }
  return { mailboxes, pagesRead, ...(shortfall === undefined ? {} : { shortfall }) };
}

export interface SampledAuditInput extends ScopeAuditInput {
  /** SCOPE_AUDIT_SAMPLE. */
  sample: number;
  /** EWS_SERVICE_MAILBOX. */
  serviceMailbox?: string;
}

/**
 * The audit with the day's sample: the canaries are checked first (a canary inside the scope is refused
 * before any request), then the sample is listed, then every canary and sampled mailbox is read once.
 * With no canary configured the sample alone is audited; with neither, a ConfigError names both settings.
 */
export async function auditScopeWithSample(
  probe: UnscopedReadOnlyProbe,
  input: SampledAuditInput,
): Promise<ScopeAuditReport> {
  const { scope, now } = input;
  const canaries =
    input.canaries.length > 0 || input.sample === 0 ? checkCanaries(input.canaries, scope) : [];
  const sample = await sampleOutOfScopeMailboxes(probe, {
    scope,
    count: input.sample,
    now,
    exclude: canaries,
    ...(input.serviceMailbox === undefined ? {} : { serviceMailbox: input.serviceMailbox }),
  });
  if (canaries.length === 0 && sample.mailboxes.length === 0) {
    throw new ConfigError(
      `SCOPE_AUDIT_CANARIES is not set and SCOPE_AUDIT_SAMPLE found no mailbox to try (${sample.shortfall ?? 'none found'}): ` +
        'name one or more mailboxes outside MAILBOX_SCOPE that the service account must not reach',
      'SCOPE_AUDIT_CANARIES',
    );
  }
  const report = await auditScope(probe, { canaries: [...canaries, ...sample.mailboxes], scope, now });
  return withSampleMarked(report, input.sample, sample);
}

/** Marks the sampled results, leaves sampled addresses without a mailbox out of the verdict, says what was sampled. */
function withSampleMarked(
  report: ScopeAuditReport,
  wanted: number,
  sample: OutOfScopeSample,
): ScopeAuditReport {
  if (wanted === 0) return report;
  const sampled = new Set(sample.mailboxes);
  const marked = report.canaries.map((c) => (sampled.has(c.mailbox) ? { ...c, sampled: true } : c));
  const noMailbox = marked.filter((c) => c.sampled && c.outcome === 'missing').map((c) => c.mailbox);
  const canaries = marked.filter((c) => !(c.sampled && c.outcome === 'missing'));
  const tried = sample.mailboxes.filter((m) => !noMailbox.includes(m));
  const findings = [
    `Sampled from the directory (SCOPE_AUDIT_SAMPLE=${wanted}, the same all day): ${tried.join(', ') || 'none'}` +
      `${sample.shortfall ? `; ${sample.shortfall}` : ''}.`,
    ...(noMailbox.length > 0
      ? [`Listed in the directory without a mailbox, left out: ${noMailbox.join(', ')}.`]
      : []),
    ...report.findings,
  ];
  // Leaving out a sampled address without a mailbox can only turn inconclusive into fenced.
  const verdict = canaries.length > 0 ? verdictOf(canaries) : 'inconclusive';
  return { ...report, verdict, canaries, findings };
}
