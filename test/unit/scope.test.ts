/**
 * MAILBOX_SCOPE, the guard checked before any mailbox is touched: which mailboxes an administrator
 * allowed, and the errors an operator reads when a setting or a mailbox is outside it.
 */
import { ConfigError } from '../../shared/platform/configError';
import { MailboxScope, OutOfScopeError } from '../../shared/mailbox/scope';

function configErrorOf(value: string, setting?: string): ConfigError {
  try {
    MailboxScope.parse(value, setting);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`"${value}" was accepted`);
}

describe('reading MAILBOX_SCOPE', () => {
  it('allows the listed domains and addresses, whatever their case and spacing', () => {
    const scope = MailboxScope.parse(' Contoso.COM , CEO@Fabrikam.com ,, ');
    expect(scope.describe()).toBe('contoso.com,ceo@fabrikam.com');
    expect(scope.allows('alice@contoso.com')).toBe(true);
    expect(scope.allows(' Alice@CONTOSO.com ')).toBe(true);
    expect(scope.allows('ceo@fabrikam.com')).toBe(true);
    expect(scope.allows('CEO@FABRIKAM.COM')).toBe(true);
  });

  it('a listed address allows that mailbox only, not the rest of its domain', () => {
    const scope = MailboxScope.parse('ceo@fabrikam.com');
    expect(scope.allows('cfo@fabrikam.com')).toBe(false);
  });

  it('a listed domain allows neither its subdomains nor look-alike domains', () => {
    const scope = MailboxScope.parse('contoso.com');
    expect(scope.allows('alice@sub.contoso.com')).toBe(false);
    expect(scope.allows('alice@contoso.com.evil.net')).toBe(false);
    expect(scope.allows('alice@notcontoso.com')).toBe(false);
  });

  it('something that is not an address is never allowed, not even with "*"', () => {
    for (const scope of [MailboxScope.parse('*'), MailboxScope.parse('contoso.com')]) {
      expect(scope.allows('contoso.com')).toBe(false);
      expect(scope.allows('alice@@contoso.com')).toBe(false);
      expect(scope.allows('Alice <alice@contoso.com>')).toBe(false);
    }
  });

  it('"*" allows every mailbox and says so', () => {
    const scope = MailboxScope.parse('*');
    expect(scope.allows('anyone@anywhere.org')).toBe(true);
    expect(scope.isEmpty).toBe(false);
    expect(scope.describe()).toBe('*');
  });

  it('unset, empty or only commas allows no mailbox at all', () => {
    for (const value of [undefined, '', ' , ,']) {
      const scope = MailboxScope.parse(value);
      expect(scope.isEmpty).toBe(true);
      expect(scope.describe()).toBe('(none)');
      expect(scope.allows('alice@contoso.com')).toBe(false);
    }
  });

  it('a scope of one address or of one domain is not empty', () => {
    expect(MailboxScope.parse('ceo@fabrikam.com').isEmpty).toBe(false);
    expect(MailboxScope.parse('contoso.com').isEmpty).toBe(false);
  });
});

describe('a malformed MAILBOX_SCOPE is a configuration error naming the entry', () => {
  it.each([
    ['ceo@@fabrikam.com', '"ceo@@fabrikam.com" is not an e-mail address'],
    ['contoso.com,ceo@', '"ceo@" is not an e-mail address'],
    ['@contoso.com', '"@contoso.com" is not an e-mail address'],
    ['contoso', '"contoso" is neither a domain nor an e-mail address'],
    ['bad entry', '"bad entry" is neither a domain nor an e-mail address'],
    ['*,contoso.com', '"*" cannot be combined with other entries'],
    ['contoso.com, *', '"*" cannot be combined with other entries'],
  ])('%s', (value, problem) => {
    const error = configErrorOf(value);
    expect(error.message).toBe(`MAILBOX_SCOPE: ${problem}`);
    expect(error.setting).toBe('MAILBOX_SCOPE');
  });

  it('names the setting it was read from when that is another one', () => {
    const error = configErrorOf('ceo@@fabrikam.com', 'SWEEP_SCOPE');
    expect(error.message).toBe('SWEEP_SCOPE: "ceo@@fabrikam.com" is not an e-mail address');
    expect(error.setting).toBe('SWEEP_SCOPE');
  });
});

describe('refusing a mailbox outside the scope', () => {
  it('says which mailbox and which scope, and that nothing was sent', () => {
    const scope = MailboxScope.parse('contoso.com,ceo@fabrikam.com');
    expect(() => scope.assertAllows('alice@contoso.com')).not.toThrow();
    let thrown: unknown;
    try {
      scope.assertAllows('mallory@evil.net');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OutOfScopeError);
    expect(thrown).toMatchObject({
      name: 'OutOfScopeError',
      code: 'OutOfScope',
      mailbox: 'mallory@evil.net',
      message:
        'mailbox mallory@evil.net is out of scope (MAILBOX_SCOPE=contoso.com,ceo@fabrikam.com); nothing was sent',
    });
  });

  it('with no scope set, tells the operator how to set one', () => {
    expect(() => MailboxScope.parse(undefined).assertAllows('alice@contoso.com')).toThrow(
      'mailbox alice@contoso.com is out of scope: MAILBOX_SCOPE is not set, so no mailbox may be impersonated; ' +
        'set MAILBOX_SCOPE to the domains and addresses allowed, e.g. MAILBOX_SCOPE=contoso.com,ceo@fabrikam.com (or * for all)',
    );
  });
});
