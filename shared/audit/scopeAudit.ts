/**
 * The privilege audit: does Exchange itself stop the service account at the edge of MAILBOX_SCOPE?
 *
 * The app checks MAILBOX_SCOPE before every call (shared/mailbox/scopedMailboxOperations.ts), but the
 * service account's right to act as mailboxes is granted in Exchange, and without a management scope
 * (on-premises) or an RBAC for Applications scope / application access policy (Exchange Online) it covers
 * every mailbox of the organisation. The audit asks Exchange: it reads each canary mailbox
 * (SCOPE_AUDIT_CANARIES, all outside MAILBOX_SCOPE) once through the one read-only probe allowed past
 * the guard (createUnscopedReadOnlyProbe, shared/mailbox/mailboxBackend.ts) and records what Exchange
 * answered:
 *
 * - fenced: every canary refused (EWS ErrorImpersonateUserDenied or ErrorAccessDenied; Graph 403
 *   ErrorAccessDenied, the application access policy's or RBAC scope's answer);
 * - open: any canary readable: the server-side scope is missing or too wide; the report carries the
 *   commands that fence the account for the deployment it talks to;
 * - inconclusive: anything else (a canary that does not exist, EWS blocked for the app, no network, a
 *   refused credential): Exchange did not say.
 *
 * Nothing here sends a request by itself: `auditScope` drives the probe it is given.
 */
import type { MailboxBackendKind } from '../platform/config';
import { ConfigError } from '../platform/configError';
import { isMailboxError } from '../mailbox/mailboxError';
import type { ProbeIdentity, UnscopedReadOnlyProbe } from '../mailbox/mailboxBackend';
import type { MailboxScope } from '../mailbox/scope';

export type Verdict = 'fenced' | 'open' | 'inconclusive';

/**
 * What Exchange answered for one canary: refused (the fence holds), readable (it does not), missing (no
 * such mailbox), blocked (EWS refused the app as a whole: HTTP 403), unreachable (network, throttling,
 * token endpoint), failed (anything else, e.g. a refused credential).
 */
export type CanaryOutcome = 'refused' | 'readable' | 'missing' | 'blocked' | 'unreachable' | 'failed';

export interface CanaryResult {
  mailbox: string;
  outcome: CanaryOutcome;
  /** Exchange's or Graph's code (ErrorImpersonateUserDenied, HTTP_403, UserNotFound, ...). */
  code?: string;
  /** One line for a person. */
  detail: string;
  /** Taken from the directory by SCOPE_AUDIT_SAMPLE (shared/audit/outOfScopeSample.ts), not configured. */
  sampled?: boolean;
}

/** Where the app's mailboxes live, as far as the settings tell: it decides which commands fence it. */
export type Deployment = 'exchange-server' | 'exchange-online-ews' | 'exchange-online-graph';

export interface ScopeAuditReport {
  verdict: Verdict;
  auditedAt: string;
  backend: MailboxBackendKind;
  deployment: Deployment;
  /** MAILBOX_SCOPE as the app reads it. */
  mailboxScope: string;
  canaries: CanaryResult[];
  /** Whether the mailbox endpoint answered the app at all (EWS answers HTTP 403 to an app it blocks). */
  endpoint: 'answers' | 'blocked' | 'unknown';
  /** The roles claim of the app's access token; absent with Basic (on-premises) or when unreadable. */
  tokenRoles?: string[];
  /** What else decides access, in sentences. */
  findings: string[];
  /** Only for open: the commands that fence the account, comment lines starting with `#`. */
  fixCommands: string[];
}

/** The Entra app role that lets an app impersonate every mailbox through EWS (Office 365 Exchange Online). */
export const EWS_TENANT_WIDE_ROLE = 'full_access_as_app';
/** Graph's application permissions on every mailbox's settings, when granted in Entra. */
export const GRAPH_TENANT_WIDE_ROLES = ['MailboxSettings.ReadWrite', 'MailboxSettings.Read'];

/** The name the commands give the scope and the assignment (docs/operations.md, "Exchange permissions"). */
const SCOPE_NAME = 'mailbox-automation';

/** Codes that mean Exchange refused to let the account act as the mailbox. */
const REFUSED_CODES = new Set(['ErrorImpersonateUserDenied', 'ErrorAccessDenied']);
/** Codes that mean there is no such mailbox (EWS; Graph's directory lookup and mailbox 404s). */
const MISSING_CODES = new Set([
  'ErrorNonExistentMailbox',
  'ErrorMailboxNotFound',
  'UserNotFound',
  'MailboxNotEnabledForRESTAPI',
  'ErrorInvalidUser',
  'ResourceNotFound',
]);

/**
 * The canaries to read: SCOPE_AUDIT_CANARIES, each outside MAILBOX_SCOPE. A canary inside the scope
 * proves nothing (the app may read it by design) and is a configuration error naming it; so is none.
 */
export function checkCanaries(canaries: readonly string[], scope: MailboxScope): string[] {
  if (canaries.length === 0) {
    throw new ConfigError(
      'SCOPE_AUDIT_CANARIES is not set: name one or more mailboxes outside MAILBOX_SCOPE that the service account must not reach',
      'SCOPE_AUDIT_CANARIES',
    );
  }
  const inside = canaries.filter((canary) => scope.allows(canary));
  if (inside.length > 0) {
    throw new ConfigError(
      `SCOPE_AUDIT_CANARIES: ${inside.join(', ')} ${inside.length === 1 ? 'is' : 'are'} inside MAILBOX_SCOPE=${scope.describe()}; ` +
        'a canary must be a mailbox the app may not act on (another domain, or an address outside the scope)',
      'SCOPE_AUDIT_CANARIES',
    );
  }
  return [...new Set(canaries.map((canary) => canary.trim().toLowerCase()))];
}

/** What one canary's read came to: `error` undefined means Exchange let us read. */
export function classifyCanary(mailbox: string, error: unknown, backend: MailboxBackendKind): CanaryResult {
  if (error === undefined) {
    return { mailbox, outcome: 'readable', detail: 'Exchange let the service account read it' };
  }
  if (!isMailboxError(error)) {
    const e = error as { name?: string; message?: string };
    return {
      mailbox,
      outcome: 'failed',
      code: e.name,
      detail: `the read did not reach Exchange: ${(e.message ?? 'no message').split('\n')[0] ?? ''}`,
    };
  }
  const { code } = error;
  if (REFUSED_CODES.has(code)) {
    return { mailbox, outcome: 'refused', code, detail: `Exchange refused: ${code}` };
  }
  if (MISSING_CODES.has(code) || error.httpStatus === 404) {
    return {
      mailbox,
      outcome: 'missing',
      code,
      detail: `no such mailbox (${code}): the canary proves nothing until it exists`,
    };
  }
  if (backend === 'ews' && error.httpStatus === 403) {
    return {
      mailbox,
      outcome: 'blocked',
      code,
      detail:
        'EWS answered HTTP 403 for the app as a whole (EWS switched off, or the app not in EwsAllowedAppIDs): it says nothing of the scope',
    };
  }
  if (error.retryable) {
    return { mailbox, outcome: 'unreachable', code, detail: `gave up after ${code}: try again later` };
  }
  return { mailbox, outcome: 'failed', code, detail: `${code}: ${error.message.split('\n')[0] ?? ''}` };
}

/** Open when any canary was readable; fenced when every canary was refused; otherwise inconclusive. */
export function verdictOf(results: readonly CanaryResult[]): Verdict {
  if (results.some((r) => r.outcome === 'readable')) return 'open';
  if (results.length > 0 && results.every((r) => r.outcome === 'refused')) return 'fenced';
  return 'inconclusive';
}

export function deploymentOf(backend: MailboxBackendKind, identity: ProbeIdentity): Deployment {
  if (backend === 'graph') return 'exchange-online-graph';
  return identity.auth === 'basic' ? 'exchange-server' : 'exchange-online-ews';
}

/** Whether the endpoint answered the app at all, from what the canaries got. */
function endpointOf(results: readonly CanaryResult[]): ScopeAuditReport['endpoint'] {
  if (results.some((r) => r.outcome === 'blocked')) return 'blocked';
  const answered = new Set<CanaryOutcome>(['refused', 'readable', 'missing']);
  return results.some((r) => answered.has(r.outcome)) ? 'answers' : 'unknown';
}

/** Text inside a PowerShell double-quoted string: its escape character is the backtick. */
function powershellString(text: string): string {
  return `"${text.replace(/[`"$]/g, (c) => `\`${c}`)}"`;
}

/**
 * Exchange's recipient filter (OPATH) for MAILBOX_SCOPE: a domain is every primary address ending in it,
 * an address itself. Values are single-quoted inside the filter, a quote doubled.
 */
export function recipientFilterFor(scope: MailboxScope): string {
  // describe() lists MAILBOX_SCOPE's domains and addresses, comma-separated ('*' and '(none)' are checked
  // by the caller: no canary can lie outside '*').
  const entries = scope.describe().split(',');
  const quoted = (value: string): string => `'${value.replace(/'/g, "''")}'`;
  const terms = entries.map((entry) =>
    entry.includes('@')
      ? `PrimarySmtpAddress -eq ${quoted(entry)}`
      : `PrimarySmtpAddress -like ${quoted(`*@${entry}`)}`,
  );
  return terms.length === 1 ? (terms[0] ?? '') : terms.map((t) => `(${t})`).join(' -or ');
}

function holdsAny(roles: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return roles?.some((role) => wanted.includes(role)) ?? false;
}

/** What else decides access besides the scope: the endpoint answering at all, and the token's roles. */
function findingsFor(
  deployment: Deployment,
  endpoint: ScopeAuditReport['endpoint'],
  roles: readonly string[] | undefined,
): string[] {
  const findings: string[] = [];
  if (endpoint === 'blocked') {
    findings.push(
      'EWS refuses the app as a whole (HTTP 403): the organisation has EwsEnabled $false, or EwsAllowedAppIDs does not list this app; ' +
        'see docs/operations.md, "EWS switches". The canaries could not be tested.',
    );
  }
  switch (deployment) {
    case 'exchange-server':
      findings.push(
        'On-premises (Basic): the ApplicationImpersonation role assignments of the account and their management scopes decide; there is no token.',
      );
      break;
    case 'exchange-online-ews':
      if (roles === undefined) {
        findings.push('The access token could not be read: its roles are unknown.');
      } else if (roles.includes(EWS_TENANT_WIDE_ROLE)) {
        findings.push(
          `The token holds ${EWS_TENANT_WIDE_ROLE}, an Entra grant on every mailbox: RBAC for Applications adds to it and cannot narrow it; ` +
            'only an application access policy limits it, or remove the grant and use RBAC for Applications.',
        );
      } else {
        findings.push(
          `The token holds no ${EWS_TENANT_WIDE_ROLE} (roles: ${roles.join(', ') || 'none'}): access comes from RBAC for Applications assignments ("Application EWS.AccessAsApp").`,
        );
      }
      break;
    case 'exchange-online-graph':
      if (roles === undefined) {
        findings.push('The access token could not be read: its roles are unknown.');
      } else if (holdsAny(roles, GRAPH_TENANT_WIDE_ROLES)) {
        findings.push(
          `The token holds ${roles.filter((r) => GRAPH_TENANT_WIDE_ROLES.includes(r)).join(', ')}, an Entra grant on every mailbox: ` +
            'only an application access policy limits it, or remove the grant and use RBAC for Applications ("Application MailboxSettings.ReadWrite").',
        );
      } else {
        findings.push(
          `The token holds no MailboxSettings permission (roles: ${roles.join(', ') || 'none'}): access comes from RBAC for Applications assignments.`,
        );
      }
      break;
  }
  return findings;
}

/**
 * The commands that fence the account to MAILBOX_SCOPE, for the deployment detected: Exchange Server's
 * management scope on the ApplicationImpersonation assignment, or Exchange Online's RBAC for
 * Applications (with the application access policy where an Entra grant is tenant-wide). Wording and
 * names as in docs/operations.md, "Exchange permissions".
 */
export function fixCommandsFor(
  deployment: Deployment,
  identity: ProbeIdentity,
  scope: MailboxScope,
  roles: readonly string[] | undefined,
  canary: string,
): string[] {
  const filter = powershellString(recipientFilterFor(scope));
  if (deployment === 'exchange-server') {
    const user = powershellString(identity.auth === 'basic' ? identity.username : '<service account>');
    return [
      '# Exchange Management Shell, as an Organization Management member.',
      "# 1. The account's impersonation assignments now: one without CustomRecipientWriteScope covers every mailbox.",
      `Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee ${user} | Format-Table Name, CustomRecipientWriteScope, RecipientWriteScope`,
      '# 2. The mailboxes it may act as: MAILBOX_SCOPE.',
      `New-ManagementScope -Name "${SCOPE_NAME}" -RecipientRestrictionFilter ${filter}`,
      '# 3. Impersonation, limited to that scope.',
      `New-ManagementRoleAssignment -Name "${SCOPE_NAME} impersonation" -Role ApplicationImpersonation -User ${user} -CustomRecipientWriteScope "${SCOPE_NAME}"`,
      '# 4. Assignments add up: remove the unscoped ones listed in step 1.',
      `Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee ${user} | Where-Object { -not $_.CustomRecipientWriteScope } | Remove-ManagementRoleAssignment`,
      '# 5. Then run `mailbox-automation audit scope` again: it should say fenced.',
    ];
  }
  const clientId =
    identity.auth === 'oauth' && identity.clientId
      ? identity.clientId
      : '<AZURE_CLIENT_ID of the managed identity>';
  const graph = deployment === 'exchange-online-graph';
  const role = graph ? 'Application MailboxSettings.ReadWrite' : 'Application EWS.AccessAsApp';
  const grants = graph ? GRAPH_TENANT_WIDE_ROLES : [EWS_TENANT_WIDE_ROLE];
  // Roles unknown: the grant may be there, so its removal is shown too.
  const tenantWide = roles === undefined || holdsAny(roles, grants);
  const lines = [
    "# Azure CLI: the service principal's object id.",
    `SP_OBJECT_ID=$(az ad sp show --id ${clientId} --query id -o tsv)`,
    '# Exchange Online PowerShell (RBAC for Applications: the scope is enforced by Exchange per mailbox).',
    'Connect-ExchangeOnline',
    `$ClientId = "${clientId}"; $ObjectId = "<SP_OBJECT_ID>"`,
    "# Exchange's pointer to the Entra service principal (skip if Get-ServicePrincipal lists it).",
    `New-ServicePrincipal -AppId $ClientId -ObjectId $ObjectId -DisplayName "${SCOPE_NAME}"`,
    `New-ManagementScope -Name "${SCOPE_NAME}" -RecipientRestrictionFilter ${filter}`,
    `New-ManagementRoleAssignment -App $ObjectId -Role "${role}" -CustomResourceScope "${SCOPE_NAME}"`,
  ];
  if (tenantWide) {
    const api = graph ? '00000003-0000-0000-c000-000000000000' : '00000002-0000-0ff1-ce00-000000000000';
    lines.push(
      `# The token ${roles === undefined ? 'may hold' : 'holds'} ${grants.join(' / ')}: an Entra grant on every mailbox, which the scope above cannot narrow.`,
      '# Either remove it (an app registration; for the managed identity delete its app role assignment instead):',
      `az ad app permission delete --id ${clientId} --api ${api}`,
      '# or keep it and limit it to a mail-enabled security group holding the MAILBOX_SCOPE mailboxes:',
      `New-ApplicationAccessPolicy -AppId $ClientId -PolicyScopeGroupId <group> -AccessRight RestrictAccess -Description "${SCOPE_NAME}: only these mailboxes"`,
      `Test-ApplicationAccessPolicy -Identity ${canary} -AppId $ClientId   # AccessCheckResult: Denied`,
    );
  }
  lines.push(
    `Test-ServicePrincipalAuthorization -Identity $ClientId -Resource ${canary}   # InScope: False`,
    '# Then run `mailbox-automation audit scope` again: it should say fenced.',
  );
  return lines;
}

export interface ScopeAuditInput {
  /** SCOPE_AUDIT_CANARIES. */
  canaries: readonly string[];
  /** MAILBOX_SCOPE. */
  scope: MailboxScope;
  now: Date;
}

/**
 * Reads each canary once through the probe, in turn, and gives the verdict with what else decides access
 * and, for open, the commands that fence the account. Throws ConfigError (before any request) when the
 * canaries are missing or inside MAILBOX_SCOPE.
 */
export async function auditScope(
  probe: UnscopedReadOnlyProbe,
  input: ScopeAuditInput,
): Promise<ScopeAuditReport> {
  const canaries = checkCanaries(input.canaries, input.scope);
  const results: CanaryResult[] = [];
  for (const canary of canaries) {
    let failure: unknown;
    try {
      await probe.probeOutOfScopeMailbox(canary);
    } catch (error) {
      // A setting that cannot work (the tenant, the authority host) is the same for every canary: say so.
      if (error instanceof ConfigError) throw error;
      failure = error ?? new Error('rejected without a reason');
    }
    results.push(classifyCanary(canary, failure, probe.kind));
  }
  // A token that cannot be had already shows in the canaries' outcomes; the roles are then unknown.
  const tokenRoles = await probe.grantedRoles().catch(() => undefined);
  const deployment = deploymentOf(probe.kind, probe.identity);
  const verdict = verdictOf(results);
  const endpoint = endpointOf(results);
  const readable = results.find((r) => r.outcome === 'readable');
  return {
    verdict,
    auditedAt: input.now.toISOString(),
    backend: probe.kind,
    deployment,
    mailboxScope: input.scope.describe(),
    canaries: results,
    endpoint,
    ...(tokenRoles === undefined ? {} : { tokenRoles }),
    findings: findingsFor(deployment, endpoint, tokenRoles),
    fixCommands: readable
      ? fixCommandsFor(deployment, probe.identity, input.scope, tokenRoles, readable.mailbox)
      : [],
  };
}

const VERDICT_MEANING: Record<Verdict, string> = {
  fenced: 'Exchange refused every canary: the service account is fenced in',
  open: 'Exchange let the service account read a mailbox outside MAILBOX_SCOPE: the server-side scope is missing or too wide',
  inconclusive: 'Exchange did not say whether the service account is fenced in',
};

/** The report for a person: a line per canary, the verdict, what else decides access, the fix commands. */
export function describeScopeAudit(report: ScopeAuditReport): string {
  const lines = [
    `privilege audit (${report.deployment}, MAILBOX_SCOPE=${report.mailboxScope}):`,
    ...report.canaries.map((c) => `  ${c.mailbox}: ${c.outcome} (${c.detail})`),
    `verdict: ${report.verdict}: ${VERDICT_MEANING[report.verdict]}`,
    ...(report.tokenRoles ? [`token roles: ${report.tokenRoles.join(', ') || 'none'}`] : []),
    ...report.findings.map((f) => `- ${f}`),
  ];
  if (report.fixCommands.length > 0) {
    lines.push(
      'commands that fence the account to MAILBOX_SCOPE:',
      ...report.fixCommands.map((c) => `  ${c}`),
    );
  }
  return lines.join('\n') + '\n';
}
