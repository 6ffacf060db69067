import { loadEwsSettings, loadMailboxScope } from '../../shared/config';
import { ConfigError } from '../../shared/configError';
import { OutOfScopeError } from '../../shared/scope';

const basic = {
  EWS_URL: 'https://mail.contoso.com/EWS/Exchange.asmx',
  EWS_AUTH: 'basic',
  EWS_USERNAME: 'svc',
  EWS_PASSWORD: 'pw',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('EWS settings', () => {
  it('defaults to what Exchange Online and 2016+ expect', () => {
    const settings = loadEwsSettings(basic);
    expect(settings).toMatchObject({
      serverVersion: 'Exchange2016',
      connectingSid: 'PrimarySmtpAddress',
      timeoutMs: 100_000,
      maxInFlightPerEndpoint: 27,
      connections: 32,
      auth: { kind: 'basic', username: 'svc', password: 'pw' },
    });
  });

  it('keeps a few more connections than calls in flight unless told otherwise', () => {
    expect(loadEwsSettings({ ...basic, EWS_MAX_IN_FLIGHT: '10' }).connections).toBe(32);
    expect(loadEwsSettings({ ...basic, EWS_MAX_IN_FLIGHT: '40' }).connections).toBe(45);
    expect(loadEwsSettings({ ...basic, EWS_MAX_IN_FLIGHT: '40', EWS_CONNECTIONS: '12' }).connections).toBe(
      12,
    );
  });

  it('names the missing setting', () => {
    expect(configError(() => loadEwsSettings({})).setting).toBe('EWS_URL');
    expect(configError(() => loadEwsSettings({ ...basic, EWS_PASSWORD: '' })).setting).toBe('EWS_PASSWORD');
    expect(
      configError(() =>
        loadEwsSettings({
          EWS_URL: basic.EWS_URL,
          EWS_AUTH: 'oauth',
          EWS_CLIENT_SECRET: 's',
          EWS_CLIENT_ID: 'c',
        }),
      ).setting,
    ).toBe('EWS_TENANT_ID');
  });

  it('refuses plain http to anything but loopback, so credentials never travel in clear', () => {
    const error = configError(() =>
      loadEwsSettings({ ...basic, EWS_URL: 'http://mail.contoso.com/EWS/Exchange.asmx' }),
    );
    expect(error.setting).toBe('EWS_URL');
    expect(error.message).toMatch(/plain http/);
    expect(loadEwsSettings({ ...basic, EWS_URL: 'http://127.0.0.1:8080/EWS/Exchange.asmx' }).url.port).toBe(
      '8080',
    );
    expect(
      loadEwsSettings({ ...basic, EWS_URL: 'http://localhost:8080/EWS/Exchange.asmx' }).url.hostname,
    ).toBe('localhost');
  });

  it('--ews-url overrides EWS_URL and is named when wrong', () => {
    expect(loadEwsSettings(basic, { url: 'https://other.contoso.com/EWS/Exchange.asmx' }).url.host).toBe(
      'other.contoso.com',
    );
    expect(configError(() => loadEwsSettings(basic, { url: 'not a url' })).setting).toBe('--ews-url');
  });

  it('rejects server versions Exchange does not know (there is no Exchange2019)', () => {
    const error = configError(() => loadEwsSettings({ ...basic, EWS_SERVER_VERSION: 'Exchange2019' }));
    expect(error.setting).toBe('EWS_SERVER_VERSION');
    expect(loadEwsSettings({ ...basic, EWS_SERVER_VERSION: 'Exchange2013_SP1' }).serverVersion).toBe(
      'Exchange2013_SP1',
    );
  });

  it('rejects a timeout that is not a positive whole number', () => {
    expect(configError(() => loadEwsSettings({ ...basic, EWS_TIMEOUT_MS: '-5' })).setting).toBe(
      'EWS_TIMEOUT_MS',
    );
    expect(configError(() => loadEwsSettings({ ...basic, EWS_TIMEOUT_MS: '1.5' })).setting).toBe(
      'EWS_TIMEOUT_MS',
    );
  });

  it('OAuth picks the credential from what is configured', () => {
    const oauth = { EWS_URL: basic.EWS_URL, EWS_AUTH: 'oauth', EWS_TENANT_ID: 't', EWS_CLIENT_ID: 'c' };
    expect(loadEwsSettings({ ...oauth, EWS_CLIENT_SECRET: 's' }).auth).toMatchObject({
      credential: 'clientSecret',
      scope: 'https://outlook.office365.com/.default',
    });
    expect(loadEwsSettings({ ...oauth, EWS_CLIENT_CERTIFICATE_PATH: '/x.pem' }).auth).toMatchObject({
      credential: 'clientCertificate',
    });
    expect(loadEwsSettings({ EWS_URL: basic.EWS_URL, AZURE_CLIENT_ID: 'uami' }).auth).toMatchObject({
      credential: 'managedIdentity',
      clientId: 'uami',
    });
    expect(
      configError(() =>
        loadEwsSettings({ ...oauth, EWS_CLIENT_SECRET: 's', EWS_CLIENT_CERTIFICATE_PATH: '/x' }),
      ).setting,
    ).toBe('EWS_CLIENT_SECRET');
  });
});

describe('mailbox scope', () => {
  it('allows listed domains and addresses only, case-insensitively', () => {
    const scope = loadMailboxScope({ MAILBOX_SCOPE: 'contoso.com, CEO@fabrikam.com' });
    expect(scope.allows('Alice@Contoso.com')).toBe(true);
    expect(scope.allows('ceo@fabrikam.com')).toBe(true);
    expect(scope.allows('cfo@fabrikam.com')).toBe(false);
    expect(scope.allows('alice@contoso.com.evil.net')).toBe(false);
    expect(scope.allows('alice@sub.contoso.com')).toBe(false);
  });

  it('unset means no mailbox, and the refusal says how to set it', () => {
    const scope = loadMailboxScope({});
    expect(scope.allows('alice@contoso.com')).toBe(false);
    expect(() => scope.assertAllows('alice@contoso.com')).toThrow(OutOfScopeError);
    expect(() => scope.assertAllows('alice@contoso.com')).toThrow(/set MAILBOX_SCOPE/);
  });

  it('* allows every address but no garbage', () => {
    const scope = loadMailboxScope({ MAILBOX_SCOPE: '*' });
    expect(scope.allows('anyone@anywhere.org')).toBe(true);
    expect(scope.allows('not an address')).toBe(false);
  });

  it('rejects malformed entries naming them', () => {
    expect(() => loadMailboxScope({ MAILBOX_SCOPE: 'contoso.com,bad entry' })).toThrow(/"bad entry"/);
    expect(() => loadMailboxScope({ MAILBOX_SCOPE: '*,contoso.com' })).toThrow(
      /MAILBOX_SCOPE: "\*" cannot be combined with other entries/,
    );
  });
});
