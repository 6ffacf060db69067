import path from 'node:path';
import {
  checkSettingsAtStart,
  loadEwsSettings,
  loadGraphSettings,
  loadLeaveSettings,
  loadMailboxScope,
  loadSweepSettings,
  settingRelationProblems,
} from '../../shared/platform/config';
import { ConfigError } from '../../shared/platform/configError';
import { OutOfScopeError } from '../../shared/mailbox/scope';

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

describe('empty settings', () => {
  it('mean "not set", as the template writes them, for every reader', () => {
    const empty = {
      ...basic,
      EWS_AUTH: '',
      EWS_SERVER_VERSION: ' ',
      EWS_MAX_IN_FLIGHT: '',
      LEAVE_OOF_AUDIENCE: '',
      HIBOB_API_URL: '',
      MAILBOX_BACKEND: '',
    };
    // EWS_AUTH empty is the default (oauth): the Basic credentials given are then not used.
    expect(loadEwsSettings(empty)).toMatchObject({
      auth: { kind: 'oauth', credential: 'managedIdentity' },
      serverVersion: 'Exchange2016',
      maxInFlightPerEndpoint: 27,
    });
    expect(loadLeaveSettings(empty)).toMatchObject({ externalAudience: 'Known', hibobLocale: 'en' });
    expect(loadLeaveSettings(empty).hibobApiUrl.href).toBe('https://api.hibob.com/');
    expect(() => checkSettingsAtStart(empty)).not.toThrow();
  });
});

describe('settings that need another', () => {
  const problems = (env: Record<string, string>) => settingRelationProblems(env).map((p) => p.message);

  it('a scope group needs the service mailbox, and the message names both', () => {
    const error = configError(() =>
      checkSettingsAtStart({ MAILBOX_SCOPE: 'contoso.com', MAILBOX_SCOPE_GROUP: 'all@contoso.com' }),
    );
    expect(error.setting).toBe('EWS_SERVICE_MAILBOX');
    expect(error.message).toMatch(/MAILBOX_SCOPE_GROUP is set but EWS_SERVICE_MAILBOX is not/);
    expect(
      problems({ MAILBOX_SCOPE_GROUP: 'all@contoso.com', EWS_SERVICE_MAILBOX: 'svc@contoso.com' }),
    ).toEqual([]);
  });

  it('Graph needs OAuth, Basic needs its account, a client secret its registration', () => {
    expect(
      problems({ MAILBOX_BACKEND: 'graph', EWS_AUTH: 'basic', EWS_USERNAME: 'u', EWS_PASSWORD: 'p' }),
    ).toEqual([
      'MAILBOX_BACKEND is graph but EWS_AUTH is basic, not oauth: Microsoft Graph takes app-only OAuth only',
    ]);
    expect(problems({ EWS_AUTH: 'basic' })).toEqual([
      'EWS_AUTH is basic but EWS_USERNAME is not set: Basic auth needs the service account',
      "EWS_AUTH is basic but EWS_PASSWORD is not set: Basic auth needs the service account's password",
    ]);
    expect(problems({ EWS_CLIENT_SECRET: 's', EWS_TENANT_ID: 't' })).toEqual([
      "EWS_CLIENT_SECRET is set but EWS_CLIENT_ID is not set: app-only OAuth needs the app registration's client id",
    ]);
    expect(problems({ MAILBOX_BACKEND: 'graph' })).toEqual([]);
  });

  it('a HiBob webhook secret needs the service user, unless the secrets are in Key Vault', () => {
    expect(problems({ HIBOB_WEBHOOK_SECRETS: 'x', HIBOB_SERVICE_USER_ID: 'id' })).toEqual([
      'HIBOB_WEBHOOK_SECRETS is set but HIBOB_SERVICE_USER_TOKEN is not set: the app re-reads each HiBob request with the service user',
    ]);
    // The environment cannot tell what the vault holds: nothing about secrets is claimed.
    expect(
      problems({ KEY_VAULT_URI: 'https://kv.vault.azure.net', EWS_AUTH: 'basic', EWS_USERNAME: 'u' }),
    ).toEqual([]);
  });

  it('a scheduled sweep needs mailboxes and the EWS back end', () => {
    expect(problems({ ARCHIVE_SWEEP_SCHEDULE: '0 0 2 * * *' })).toEqual([
      'ARCHIVE_SWEEP_SCHEDULE is set but neither MAILBOX_SCOPE_GROUP nor SWEEP_MAILBOXES is set: a scheduled sweep needs mailboxes to sweep',
    ]);
    expect(
      problems({
        ARCHIVE_SWEEP_SCHEDULE: '0 0 2 * * *',
        SWEEP_MAILBOXES: 'a@contoso.com',
        MAILBOX_BACKEND: 'graph',
      }),
    ).toEqual([
      'ARCHIVE_SWEEP_SCHEDULE is set but MAILBOX_BACKEND is graph, not ews: only EWS reaches the In-Place Archive',
    ]);
  });

  it('the sweep loader refuses the same relation with the same words', () => {
    expect(() => loadSweepSettings({ MAILBOX_SCOPE_GROUP: 'all@contoso.com' })).toThrow(
      /MAILBOX_SCOPE_GROUP is set but EWS_SERVICE_MAILBOX is not set/,
    );
  });
});

/** Loads functions/appStart.ts afresh, as the worker does when the app starts. */
function loadAppStart(): void {
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads modules by path, like this
    require(path.resolve(__dirname, '../../functions/appStart'));
  });
}

describe('the start-up check', () => {
  it('names every malformed setting that is set, and lets unset ones be', () => {
    const error = configError(() =>
      checkSettingsAtStart({
        SWEEP_BATCH_SIZE: 'many',
        LEAVE_OOF_AUDIENCE: 'everyone',
        GRAPH_URL: 'http://graph.example',
      }),
    );
    expect(error.setting).toBe('GRAPH_URL');
    expect(error.message).toMatch(/GRAPH_URL "http:\/\/graph.example" uses plain http/);
    expect(error.message).toMatch(/LEAVE_OOF_AUDIENCE must be one of none, known, all, got "everyone"/);
    expect(error.message).toMatch(/SWEEP_BATCH_SIZE must be a positive whole number, got "many"/);
    expect(() => checkSettingsAtStart({})).not.toThrow();
  });

  it('runs when the function modules load, so a broken relation stops the app with both names', () => {
    const saved = { ...process.env };
    try {
      process.env.MAILBOX_SCOPE_GROUP = 'all@contoso.com';
      delete process.env.EWS_SERVICE_MAILBOX;
      delete process.env.KEY_VAULT_URI;
      expect(loadAppStart).toThrow(/MAILBOX_SCOPE_GROUP is set but EWS_SERVICE_MAILBOX is not set/);
      process.env.EWS_SERVICE_MAILBOX = 'svc@contoso.com';
      expect(loadAppStart).not.toThrow();
    } finally {
      process.env = saved;
    }
  });
});

describe('Graph settings', () => {
  it('use the EWS credentials with the Graph scope, without needing an EWS endpoint', () => {
    const settings = loadGraphSettings({ EWS_TENANT_ID: 't', EWS_CLIENT_ID: 'c', EWS_CLIENT_SECRET: 's' });
    expect(settings.auth).toMatchObject({
      credential: 'clientSecret',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(settings).toMatchObject({ maxInFlightPerEndpoint: 20, maxInFlightPerMailbox: 4, connections: 32 });
  });
});
