/**
 * The privilege audit's decisions (shared/audit/scopeAudit.ts): what each answer of Exchange means for a
 * canary, the verdict, which canaries are accepted, and the commands printed for open. The answers are
 * the clients' own MailboxErrors, as the transport raises them; test/integration/scopeAudit.test.ts gets
 * them from the stand-ins.
 */
import {
  checkCanaries,
  classifyCanary,
  deploymentOf,
  fixCommandsFor,
  recipientFilterFor,
  verdictOf,
  type CanaryResult,
} from '../../../shared/audit/scopeAudit';
import { ConfigError } from '../../../shared/platform/configError';
import { MailboxError, type ErrorClass } from '../../../shared/mailbox/mailboxError';
import { MailboxScope } from '../../../shared/mailbox/scope';

const CANARY = 'dave@fabrikam.com';
const failure = (code: string, errorClass: ErrorClass, httpStatus?: number) =>
  new MailboxError({ code, errorClass, httpStatus, message: `${code} from the server`, mailbox: CANARY });

describe('what one canary read came to', () => {
  it.each([
    ['ErrorImpersonateUserDenied', 'permanent', 500, 'ews', 'refused'],
    ['ErrorAccessDenied', 'permanent', 500, 'ews', 'refused'],
    ['ErrorAccessDenied', 'permanent', 403, 'graph', 'refused'],
    ['ErrorNonExistentMailbox', 'permanent', 500, 'ews', 'missing'],
    ['ErrorMailboxNotFound', 'permanent', 500, 'ews', 'missing'],
    ['UserNotFound', 'permanent', undefined, 'graph', 'missing'],
    ['MailboxNotEnabledForRESTAPI', 'permanent', 404, 'graph', 'missing'],
    ['ErrorInvalidUser', 'permanent', 404, 'graph', 'missing'],
    ['ResourceNotFound', 'permanent', 400, 'graph', 'missing'],
    ['SomethingElse', 'permanent', 404, 'graph', 'missing'],
    ['HTTP_403', 'permanent', 403, 'ews', 'blocked'],
    ['Authorization_RequestDenied', 'permanent', 403, 'graph', 'failed'],
    ['ErrorServerBusy', 'throttled', 500, 'ews', 'unreachable'],
    ['ECONNREFUSED', 'transient', undefined, 'ews', 'unreachable'],
    ['HTTP_401', 'permanent', 401, 'ews', 'failed'],
  ] as const)('%s (%s, HTTP %s) on %s: %s', (code, errorClass, status, backend, outcome) => {
    const result = classifyCanary(CANARY, failure(code, errorClass, status), backend);
    expect(result).toMatchObject({ mailbox: CANARY, outcome, code });
  });

  // Graph sends these with HTTP 404, but the code alone says there is no mailbox: an answer whose
  // status was not kept (httpStatus undefined) is still missing, not failed.
  it.each(['MailboxNotEnabledForRESTAPI', 'ErrorInvalidUser', 'UserNotFound', 'ResourceNotFound'])(
    '%s without its HTTP status: missing',
    (code) => {
      expect(classifyCanary(CANARY, failure(code, 'permanent'), 'graph').outcome).toBe('missing');
    },
  );

  it('an error without a message: the detail says so', () => {
    expect(classifyCanary(CANARY, { name: 'AbortError' }, 'ews')).toEqual({
      mailbox: CANARY,
      outcome: 'failed',
      code: 'AbortError',
      detail: 'the read did not reach Exchange: no message',
    });
  });

  it('no error: readable', () => {
    expect(classifyCanary(CANARY, undefined, 'ews')).toEqual({
      mailbox: CANARY,
      outcome: 'readable',
      detail: 'Exchange let the service account read it',
    });
  });

  it('an error that is not Exchange answering (a refused credential) fails, naming it', () => {
    const refused = Object.assign(new Error('AADSTS7000215: Invalid client secret\nTrace ID: x'), {
      name: 'AuthenticationError',
    });
    expect(classifyCanary(CANARY, refused, 'graph')).toEqual({
      mailbox: CANARY,
      outcome: 'failed',
      code: 'AuthenticationError',
      detail: 'the read did not reach Exchange: AADSTS7000215: Invalid client secret',
    });
  });

  it('the details say what each outcome means', () => {
    expect(classifyCanary(CANARY, failure('ErrorImpersonateUserDenied', 'permanent'), 'ews').detail).toBe(
      'Exchange refused: ErrorImpersonateUserDenied',
    );
    expect(classifyCanary(CANARY, failure('ErrorNonExistentMailbox', 'permanent'), 'ews').detail).toBe(
      'no such mailbox (ErrorNonExistentMailbox): the canary proves nothing until it exists',
    );
    expect(classifyCanary(CANARY, failure('HTTP_403', 'permanent', 403), 'ews').detail).toContain(
      'EwsAllowedAppIDs',
    );
    expect(classifyCanary(CANARY, failure('ErrorServerBusy', 'throttled'), 'ews').detail).toBe(
      'gave up after ErrorServerBusy: try again later',
    );
    expect(classifyCanary(CANARY, failure('HTTP_401', 'permanent', 401), 'ews').detail).toBe(
      'HTTP_401: HTTP_401 from the server',
    );
  });
});

describe('the verdict', () => {
  const result = (outcome: CanaryResult['outcome']): CanaryResult => ({
    mailbox: CANARY,
    outcome,
    detail: '',
  });

  it.each([
    [['refused'], 'fenced'],
    [['refused', 'refused'], 'fenced'],
    [['readable'], 'open'],
    [['refused', 'readable'], 'open'],
    [['missing', 'readable'], 'open'],
    [['refused', 'missing'], 'inconclusive'],
    [['blocked'], 'inconclusive'],
    [['unreachable', 'refused'], 'inconclusive'],
    [['failed'], 'inconclusive'],
    [[], 'inconclusive'],
  ] as const)('%j: %s', (outcomes, verdict) => {
    expect(verdictOf(outcomes.map(result))).toBe(verdict);
  });
});

describe('the canaries', () => {
  const scope = MailboxScope.parse('contoso.com,ceo@fabrikam.com');

  it('outside MAILBOX_SCOPE: accepted, lower-cased, each once', () => {
    expect(checkCanaries(['Dave@Fabrikam.com', 'dave@fabrikam.com', 'eve@tailspin.com'], scope)).toEqual([
      'dave@fabrikam.com',
      'eve@tailspin.com',
    ]);
  });

  it('written with spaces: trimmed before they are compared', () => {
    expect(checkCanaries([' Dave@Fabrikam.com ', 'dave@fabrikam.com\t'], scope)).toEqual([
      'dave@fabrikam.com',
    ]);
  });

  /** The ConfigError checkCanaries throws, to read its setting as well as its message. */
  const refusal = (canaries: string[]): ConfigError => {
    try {
      checkCanaries(canaries, scope);
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error(`checkCanaries accepted ${canaries.join(', ')}`);
  };

  it('none: a configuration error naming SCOPE_AUDIT_CANARIES', () => {
    const error = refusal([]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'SCOPE_AUDIT_CANARIES is not set: name one or more mailboxes outside MAILBOX_SCOPE that the service account must not reach',
    );
    expect(error.setting).toBe('SCOPE_AUDIT_CANARIES');
  });

  it('inside MAILBOX_SCOPE: the error says why a canary must be outside it', () => {
    const error = refusal(['dave@fabrikam.com', 'alice@contoso.com']);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'SCOPE_AUDIT_CANARIES: alice@contoso.com is inside MAILBOX_SCOPE=contoso.com,ceo@fabrikam.com; ' +
        'a canary must be a mailbox the app may not act on (another domain, or an address outside the scope)',
    );
    expect(error.setting).toBe('SCOPE_AUDIT_CANARIES');
  });

  it('inside MAILBOX_SCOPE: a configuration error naming each one', () => {
    expect(() => checkCanaries(['ceo@fabrikam.com'], scope)).toThrow(
      'SCOPE_AUDIT_CANARIES: ceo@fabrikam.com is inside MAILBOX_SCOPE=contoso.com,ceo@fabrikam.com;',
    );
    expect(() =>
      checkCanaries(['alice@contoso.com', 'dave@fabrikam.com', 'ceo@fabrikam.com'], scope),
    ).toThrow('SCOPE_AUDIT_CANARIES: alice@contoso.com, ceo@fabrikam.com are inside');
    try {
      checkCanaries(['alice@contoso.com'], scope);
    } catch (error) {
      expect((error as ConfigError).setting).toBe('SCOPE_AUDIT_CANARIES');
    }
  });

  it('MAILBOX_SCOPE=*: every canary is inside', () => {
    expect(() => checkCanaries([CANARY], MailboxScope.parse('*'))).toThrow('is inside MAILBOX_SCOPE=*');
  });
});

describe('the recipient filter built from MAILBOX_SCOPE', () => {
  it.each([
    ['contoso.com', "PrimarySmtpAddress -like '*@contoso.com'"],
    ['ceo@fabrikam.com', "PrimarySmtpAddress -eq 'ceo@fabrikam.com'"],
    [
      'contoso.com,ceo@fabrikam.com',
      "(PrimarySmtpAddress -like '*@contoso.com') -or (PrimarySmtpAddress -eq 'ceo@fabrikam.com')",
    ],
    ["o'brien@fabrikam.com", "PrimarySmtpAddress -eq 'o''brien@fabrikam.com'"],
  ])('%s: %s', (scope, filter) => {
    expect(recipientFilterFor(MailboxScope.parse(scope))).toBe(filter);
  });
});

describe('the deployment', () => {
  it('is told by the back end and the authentication', () => {
    expect(deploymentOf('ews', { auth: 'basic', username: 'svc' })).toBe('exchange-server');
    expect(deploymentOf('ews', { auth: 'oauth', credential: 'clientSecret', clientId: 'c' })).toBe(
      'exchange-online-ews',
    );
    expect(deploymentOf('graph', { auth: 'oauth', credential: 'managedIdentity' })).toBe(
      'exchange-online-graph',
    );
  });
});

describe('the commands that fence the account', () => {
  const scope = MailboxScope.parse('contoso.com');

  it('Exchange Server: a management scope on a scoped ApplicationImpersonation assignment, unscoped ones removed', () => {
    const lines = fixCommandsFor(
      'exchange-server',
      { auth: 'basic', username: 'CONTOSO\\svc$1' },
      scope,
      undefined,
      CANARY,
    );
    const commands = lines.filter((l) => !l.startsWith('#'));
    expect(commands).toEqual([
      'Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee "CONTOSO\\svc`$1" | Format-Table Name, CustomRecipientWriteScope, RecipientWriteScope',
      `New-ManagementScope -Name "mailbox-automation" -RecipientRestrictionFilter "PrimarySmtpAddress -like '*@contoso.com'"`,
      'New-ManagementRoleAssignment -Name "mailbox-automation impersonation" -Role ApplicationImpersonation -User "CONTOSO\\svc`$1" -CustomRecipientWriteScope "mailbox-automation"',
      'Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee "CONTOSO\\svc`$1" | Where-Object { -not $_.CustomRecipientWriteScope } | Remove-ManagementRoleAssignment',
    ]);
  });

  const app = { auth: 'oauth', credential: 'clientSecret', clientId: 'c11e' } as const;

  it('Exchange Online, EWS, no tenant-wide grant: RBAC for Applications only, tested against the canary', () => {
    const commands = fixCommandsFor('exchange-online-ews', app, scope, ['EWS.AccessAsApp'], CANARY).filter(
      (l) => !l.startsWith('#'),
    );
    expect(commands).toEqual([
      'SP_OBJECT_ID=$(az ad sp show --id c11e --query id -o tsv)',
      'Connect-ExchangeOnline',
      '$ClientId = "c11e"; $ObjectId = "<SP_OBJECT_ID>"',
      'New-ServicePrincipal -AppId $ClientId -ObjectId $ObjectId -DisplayName "mailbox-automation"',
      `New-ManagementScope -Name "mailbox-automation" -RecipientRestrictionFilter "PrimarySmtpAddress -like '*@contoso.com'"`,
      'New-ManagementRoleAssignment -App $ObjectId -Role "Application EWS.AccessAsApp" -CustomResourceScope "mailbox-automation"',
      'Test-ServicePrincipalAuthorization -Identity $ClientId -Resource dave@fabrikam.com   # InScope: False',
    ]);
  });

  it('Exchange Online, EWS, with full_access_as_app in the token: remove the grant or add an access policy', () => {
    const lines = fixCommandsFor('exchange-online-ews', app, scope, ['full_access_as_app'], CANARY);
    expect(lines).toContain(
      'az ad app permission delete --id c11e --api 00000002-0000-0ff1-ce00-000000000000',
    );
    expect(lines).toContain(
      'New-ApplicationAccessPolicy -AppId $ClientId -PolicyScopeGroupId <group> -AccessRight RestrictAccess -Description "mailbox-automation: only these mailboxes"',
    );
    expect(lines).toContain(
      'Test-ApplicationAccessPolicy -Identity dave@fabrikam.com -AppId $ClientId   # AccessCheckResult: Denied',
    );
    expect(lines.join('\n')).toContain('The token holds full_access_as_app');
  });

  it('Graph: the MailboxSettings role scoped; the Graph grant named when the roles are unknown', () => {
    const lines = fixCommandsFor(
      'exchange-online-graph',
      { auth: 'oauth', credential: 'managedIdentity' },
      scope,
      undefined,
      CANARY,
    );
    expect(lines).toContain(
      'New-ManagementRoleAssignment -App $ObjectId -Role "Application MailboxSettings.ReadWrite" -CustomResourceScope "mailbox-automation"',
    );
    expect(lines).toContain(
      'SP_OBJECT_ID=$(az ad sp show --id <AZURE_CLIENT_ID of the managed identity> --query id -o tsv)',
    );
    expect(lines).toContain(
      'az ad app permission delete --id <AZURE_CLIENT_ID of the managed identity> --api 00000003-0000-0000-c000-000000000000',
    );
    expect(lines.join('\n')).toContain('The token may hold MailboxSettings.ReadWrite / MailboxSettings.Read');
  });

  it('Graph without a MailboxSettings grant: no access-policy lines', () => {
    const lines = fixCommandsFor('exchange-online-graph', app, scope, ['User.Read.All'], CANARY);
    expect(lines.some((l) => l.includes('ApplicationAccessPolicy'))).toBe(false);
  });
});
