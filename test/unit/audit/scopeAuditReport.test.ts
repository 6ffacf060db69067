/**
 * What an administrator reads from the privilege audit (shared/audit/scopeAudit.ts): `auditScope`'s report
 * (whether the endpoint answered, what the token's roles mean for each deployment, the fix commands only
 * for open) and `describeScopeAudit`'s text. The probe here answers each canary with the MailboxError its
 * client raises (as in scopeAudit.test.ts); test/integration/scopeAudit.test.ts gets those answers from
 * the stand-ins themselves.
 */
import {
  auditScope,
  describeScopeAudit,
  fixCommandsFor,
  type ScopeAuditReport,
} from '../../../shared/audit/scopeAudit';
import type { ProbeIdentity, UnscopedReadOnlyProbe } from '../../../shared/mailbox/mailboxBackend';
import { MailboxError, type ErrorClass } from '../../../shared/mailbox/mailboxError';
import type { MailboxBackendKind } from '../../../shared/platform/config';
import { ConfigError } from '../../../shared/platform/configError';
import { MailboxScope } from '../../../shared/mailbox/scope';

const scope = MailboxScope.parse('contoso.com');
const now = new Date('2025-03-03T02:00:00Z');
const BASIC: ProbeIdentity = { auth: 'basic', username: 'CONTOSO\\svc-automation' };
const APP: ProbeIdentity = { auth: 'oauth', credential: 'clientSecret', clientId: 'c11e' };

const answer = (code: string, errorClass: ErrorClass, httpStatus?: number) =>
  new MailboxError({ code, errorClass, httpStatus, message: `${code} from the server` });
const REFUSED = answer('ErrorImpersonateUserDenied', 'permanent', 500);
const BLOCKED = answer('HTTP_403', 'permanent', 403);
const MISSING = answer('ErrorNonExistentMailbox', 'permanent', 500);
const BUSY = answer('ErrorServerBusy', 'throttled', 500);

/**
 * A probe that answers each canary as scripted (`null`: Exchange let it read) and reports the token's
 * roles; it records the canaries it was asked for.
 */
function probeAnswering(
  kind: MailboxBackendKind,
  identity: ProbeIdentity,
  answers: Record<string, Error | null | undefined>,
  roles?: string[],
): UnscopedReadOnlyProbe & { asked: string[] } {
  const asked: string[] = [];
  return {
    kind,
    identity,
    asked,
    probeOutOfScopeMailbox: (mailbox) => {
      asked.push(mailbox);
      if (!(mailbox in answers)) return Promise.reject(new Error(`no answer scripted for ${mailbox}`));
      const reply = answers[mailbox];
      // `undefined`: a rejection without a reason, which auditScope must still report.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- that is the case under test
      return reply === null ? Promise.resolve() : Promise.reject(reply);
    },
    listDirectoryMailboxes: () => Promise.reject(new Error('auditScope does not list the directory')),
    grantedRoles: () => Promise.resolve(roles),
    close: () => Promise.resolve(),
  };
}

const audit = (probe: UnscopedReadOnlyProbe, canaries: string[]) =>
  auditScope(probe, { canaries, scope, now });

describe('whether EWS answered the app at all', () => {
  it.each([
    ['every canary got HTTP 403', [BLOCKED, BLOCKED], 'blocked'],
    ['one canary got HTTP 403, another was refused', [REFUSED, BLOCKED], 'blocked'],
    ['a canary was refused', [REFUSED, REFUSED], 'answers'],
    ['a canary was readable', [null, REFUSED], 'answers'],
    ['one canary does not exist, Exchange was busy for another', [BUSY, MISSING], 'answers'],
    ['Exchange was busy for every canary', [BUSY, BUSY], 'unknown'],
  ] as const)('%s: %s', async (_, [first, second], endpoint) => {
    const probe = probeAnswering('ews', BASIC, { 'dave@fabrikam.com': first, 'eve@tailspin.com': second });
    const report = await audit(probe, ['dave@fabrikam.com', 'eve@tailspin.com']);
    expect(report.endpoint).toBe(endpoint);
  });

  it('EWS blocked: the administrator is told why and where to look, before the deployment finding', async () => {
    const report = await audit(probeAnswering('ews', BASIC, { 'dave@fabrikam.com': BLOCKED }), [
      'dave@fabrikam.com',
    ]);
    expect(report.findings).toEqual([
      'EWS refuses the app as a whole (HTTP 403): the organisation has EwsEnabled $false, or EwsAllowedAppIDs does not list this app; ' +
        'see docs/operations.md, "EWS switches". The canaries could not be tested.',
      'On-premises (Basic): the ApplicationImpersonation role assignments of the account and their management scopes decide; there is no token.',
    ]);
  });
});

describe('what else decides access, by deployment', () => {
  const UNKNOWN = 'The access token could not be read: its roles are unknown.';

  it.each([
    [
      'on-premises (Basic)',
      'ews',
      BASIC,
      undefined,
      'On-premises (Basic): the ApplicationImpersonation role assignments of the account and their management scopes decide; there is no token.',
    ],
    ['Exchange Online EWS, token unreadable', 'ews', APP, undefined, UNKNOWN],
    [
      'Exchange Online EWS, full_access_as_app held',
      'ews',
      APP,
      ['EWS.AccessAsApp', 'full_access_as_app'],
      'The token holds full_access_as_app, an Entra grant on every mailbox: RBAC for Applications adds to it and cannot narrow it; ' +
        'only an application access policy limits it, or remove the grant and use RBAC for Applications.',
    ],
    [
      'Exchange Online EWS, only the RBAC role',
      'ews',
      APP,
      ['EWS.AccessAsApp', 'User.Read.All'],
      'The token holds no full_access_as_app (roles: EWS.AccessAsApp, User.Read.All): access comes from RBAC for Applications assignments ("Application EWS.AccessAsApp").',
    ],
    [
      'Exchange Online EWS, no roles at all',
      'ews',
      APP,
      [],
      'The token holds no full_access_as_app (roles: none): access comes from RBAC for Applications assignments ("Application EWS.AccessAsApp").',
    ],
    [
      'Graph, both MailboxSettings grants held',
      'graph',
      APP,
      ['MailboxSettings.ReadWrite', 'MailboxSettings.Read'],
      'The token holds MailboxSettings.ReadWrite, MailboxSettings.Read, an Entra grant on every mailbox: ' +
        'only an application access policy limits it, or remove the grant and use RBAC for Applications ("Application MailboxSettings.ReadWrite").',
    ],
    ['Graph, token unreadable', 'graph', APP, undefined, UNKNOWN],
    [
      'Graph, MailboxSettings.Read held among others',
      'graph',
      APP,
      ['User.Read.All', 'MailboxSettings.Read'],
      'The token holds MailboxSettings.Read, an Entra grant on every mailbox: ' +
        'only an application access policy limits it, or remove the grant and use RBAC for Applications ("Application MailboxSettings.ReadWrite").',
    ],
    [
      'Graph, no MailboxSettings grant',
      'graph',
      APP,
      ['User.Read.All', 'Calendars.ReadWrite'],
      'The token holds no MailboxSettings permission (roles: User.Read.All, Calendars.ReadWrite): access comes from RBAC for Applications assignments.',
    ],
    [
      'Graph, no roles at all',
      'graph',
      APP,
      [],
      'The token holds no MailboxSettings permission (roles: none): access comes from RBAC for Applications assignments.',
    ],
  ] as const)('%s', async (_, kind, identity, roles, finding) => {
    const probe = probeAnswering(kind, identity, { 'dave@fabrikam.com': REFUSED }, roles && [...roles]);
    const report = await audit(probe, ['dave@fabrikam.com']);
    expect(report.findings).toEqual([finding]);
  });

  it('the token roles are in the report when read, and absent (not empty) when unknown', async () => {
    const read = await audit(probeAnswering('graph', APP, { 'dave@fabrikam.com': REFUSED }, []), [
      'dave@fabrikam.com',
    ]);
    expect(read.tokenRoles).toEqual([]);
    const unknown = await audit(probeAnswering('graph', APP, { 'dave@fabrikam.com': REFUSED }), [
      'dave@fabrikam.com',
    ]);
    expect(unknown).not.toHaveProperty('tokenRoles');
    expect(JSON.stringify(unknown)).not.toContain('tokenRoles');
  });

  it('a token that cannot be had for the roles leaves them unknown', async () => {
    const probe = probeAnswering('graph', APP, { 'dave@fabrikam.com': REFUSED });
    probe.grantedRoles = () => Promise.reject(new Error('AADSTS7000215: Invalid client secret'));
    const report = await audit(probe, ['dave@fabrikam.com']);
    expect(report).not.toHaveProperty('tokenRoles');
    expect(report.findings).toEqual([UNKNOWN]);
  });
});

describe('the audit run', () => {
  it('a setting the probe cannot work with stops the audit with that ConfigError, at the first canary', async () => {
    const tenant = new ConfigError('AZURE_TENANT_ID: "contoso" is not a tenant id', 'AZURE_TENANT_ID');
    const probe = probeAnswering('graph', APP, { 'dave@fabrikam.com': tenant, 'eve@tailspin.com': null });
    await expect(audit(probe, ['dave@fabrikam.com', 'eve@tailspin.com'])).rejects.toBe(tenant);
    expect(probe.asked).toEqual(['dave@fabrikam.com']);
  });

  it('a read rejected without a reason fails that canary, saying so', async () => {
    const probe = probeAnswering('ews', APP, { 'dave@fabrikam.com': undefined });
    const report = await audit(probe, ['dave@fabrikam.com']);
    expect(report.canaries).toEqual([
      {
        mailbox: 'dave@fabrikam.com',
        outcome: 'failed',
        code: 'Error',
        detail: 'the read did not reach Exchange: rejected without a reason',
      },
    ]);
  });

  it('each canary is read once, trimmed and lower-cased', async () => {
    const probe = probeAnswering('ews', BASIC, { 'dave@fabrikam.com': REFUSED });
    const report = await audit(probe, [' Dave@Fabrikam.com', 'dave@fabrikam.com ']);
    expect(probe.asked).toEqual(['dave@fabrikam.com']);
    expect(report.verdict).toBe('fenced');
  });
});

describe('the report an administrator reads', () => {
  it('open on Exchange Online with a tenant-wide grant: every canary, the verdict, the roles, the findings and the commands', async () => {
    const probe = probeAnswering('ews', APP, { 'dave@fabrikam.com': REFUSED, 'eve@tailspin.com': null }, [
      'full_access_as_app',
    ]);
    const report = await audit(probe, ['dave@fabrikam.com', 'eve@tailspin.com']);
    expect(describeScopeAudit(report)).toBe(
      [
        'privilege audit (exchange-online-ews, MAILBOX_SCOPE=contoso.com):',
        '  dave@fabrikam.com: refused (Exchange refused: ErrorImpersonateUserDenied)',
        '  eve@tailspin.com: readable (Exchange let the service account read it)',
        'verdict: open: Exchange let the service account read a mailbox outside MAILBOX_SCOPE: the server-side scope is missing or too wide',
        'token roles: full_access_as_app',
        '- The token holds full_access_as_app, an Entra grant on every mailbox: RBAC for Applications adds to it and cannot narrow it; ' +
          'only an application access policy limits it, or remove the grant and use RBAC for Applications.',
        'commands that fence the account to MAILBOX_SCOPE:',
        "  # Azure CLI: the service principal's object id.",
        '  SP_OBJECT_ID=$(az ad sp show --id c11e --query id -o tsv)',
        '  # Exchange Online PowerShell (RBAC for Applications: the scope is enforced by Exchange per mailbox).',
        '  Connect-ExchangeOnline',
        '  $ClientId = "c11e"; $ObjectId = "<SP_OBJECT_ID>"',
        "  # Exchange's pointer to the Entra service principal (skip if Get-ServicePrincipal lists it).",
        '  New-ServicePrincipal -AppId $ClientId -ObjectId $ObjectId -DisplayName "mailbox-automation"',
        `  New-ManagementScope -Name "mailbox-automation" -RecipientRestrictionFilter "PrimarySmtpAddress -like '*@contoso.com'"`,
        '  New-ManagementRoleAssignment -App $ObjectId -Role "Application EWS.AccessAsApp" -CustomResourceScope "mailbox-automation"',
        '  # The token holds full_access_as_app: an Entra grant on every mailbox, which the scope above cannot narrow.',
        '  # Either remove it (an app registration; for the managed identity delete its app role assignment instead):',
        '  az ad app permission delete --id c11e --api 00000002-0000-0ff1-ce00-000000000000',
        '  # or keep it and limit it to a mail-enabled security group holding the MAILBOX_SCOPE mailboxes:',
        '  New-ApplicationAccessPolicy -AppId $ClientId -PolicyScopeGroupId <group> -AccessRight RestrictAccess -Description "mailbox-automation: only these mailboxes"',
        '  Test-ApplicationAccessPolicy -Identity eve@tailspin.com -AppId $ClientId   # AccessCheckResult: Denied',
        '  Test-ServicePrincipalAuthorization -Identity $ClientId -Resource eve@tailspin.com   # InScope: False',
        '  # Then run `mailbox-automation audit scope` again: it should say fenced.',
        '',
      ].join('\n'),
    );
  });

  it('fenced on premises: no token line, no commands', async () => {
    const report = await audit(probeAnswering('ews', BASIC, { 'dave@fabrikam.com': REFUSED }), [
      'dave@fabrikam.com',
    ]);
    expect(report.fixCommands).toEqual([]);
    expect(describeScopeAudit(report)).toBe(
      'privilege audit (exchange-server, MAILBOX_SCOPE=contoso.com):\n' +
        '  dave@fabrikam.com: refused (Exchange refused: ErrorImpersonateUserDenied)\n' +
        'verdict: fenced: Exchange refused every canary: the service account is fenced in\n' +
        '- On-premises (Basic): the ApplicationImpersonation role assignments of the account and their management scopes decide; there is no token.\n',
    );
  });

  it('inconclusive on Graph with a token holding no roles: "token roles: none"', async () => {
    const report = await audit(probeAnswering('graph', APP, { 'dave@fabrikam.com': BUSY }, []), [
      'dave@fabrikam.com',
    ]);
    expect(describeScopeAudit(report)).toBe(
      'privilege audit (exchange-online-graph, MAILBOX_SCOPE=contoso.com):\n' +
        '  dave@fabrikam.com: unreachable (gave up after ErrorServerBusy: try again later)\n' +
        'verdict: inconclusive: Exchange did not say whether the service account is fenced in\n' +
        'token roles: none\n' +
        '- The token holds no MailboxSettings permission (roles: none): access comes from RBAC for Applications assignments.\n',
    );
  });

  it('the token roles are listed comma-separated', () => {
    const report: ScopeAuditReport = {
      verdict: 'fenced',
      auditedAt: now.toISOString(),
      backend: 'graph',
      deployment: 'exchange-online-graph',
      mailboxScope: 'contoso.com',
      canaries: [],
      endpoint: 'answers',
      tokenRoles: ['User.Read.All', 'MailboxSettings.ReadWrite'],
      findings: [],
      fixCommands: [],
    };
    expect(describeScopeAudit(report).split('\n')).toContain(
      'token roles: User.Read.All, MailboxSettings.ReadWrite',
    );
  });
});

describe('the commands for an account the audit cannot name', () => {
  it('Exchange Server without a Basic user name: a placeholder the administrator replaces', () => {
    const lines = fixCommandsFor(
      'exchange-server',
      { auth: 'oauth', credential: 'managedIdentity' },
      scope,
      undefined,
      'dave@fabrikam.com',
    );
    expect(lines).toContain(
      'Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee "<service account>" | Format-Table Name, CustomRecipientWriteScope, RecipientWriteScope',
    );
  });

  it('Exchange Server: the steps explained in comment lines, in order', () => {
    const comments = fixCommandsFor('exchange-server', BASIC, scope, undefined, 'dave@fabrikam.com').filter(
      (l) => l.startsWith('#'),
    );
    expect(comments).toEqual([
      '# Exchange Management Shell, as an Organization Management member.',
      "# 1. The account's impersonation assignments now: one without CustomRecipientWriteScope covers every mailbox.",
      '# 2. The mailboxes it may act as: MAILBOX_SCOPE.',
      '# 3. Impersonation, limited to that scope.',
      '# 4. Assignments add up: remove the unscoped ones listed in step 1.',
      '# 5. Then run `mailbox-automation audit scope` again: it should say fenced.',
    ]);
  });
});
