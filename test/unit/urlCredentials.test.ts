/**
 * Configured URLs in messages: a user name and password in a URL are refused (the clients would never send
 * them) and never echoed, and query values (an Azure Functions URL carries its key as ?code=) are shown as
 * ***. Through the loaders, the start-up check, the Key Vault provider and the CLI, as an operator meets them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main';
import {
  checkSettingsAtStart,
  loadEwsSettings,
  loadGraphSettings,
  urlForDisplay,
} from '../../shared/platform/config';
import { ConfigError } from '../../shared/platform/configError';
import { createSecretProvider } from '../../shared/platform/secrets';

const USER = 'svc-archiver';
const PASSWORD = 'Tr0ub4dor-and-3';

/** The ConfigError `load` throws; fails the test when it throws nothing or something else. */
function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const basic = { EWS_AUTH: 'basic', EWS_USERNAME: 'svc', EWS_PASSWORD: 'pw' };

describe('EWS_URL with a user name and password', () => {
  it('is refused, naming EWS_URL and where Basic credentials go, without the user name or password', () => {
    const error = configErrorOf(() =>
      loadEwsSettings({
        ...basic,
        EWS_URL: `https://${USER}:${PASSWORD}@mail.contoso.com/EWS/Exchange.asmx`,
      }),
    );
    expect(error.setting).toBe('EWS_URL');
    expect(error.message).toBe(
      'EWS_URL "https://***@mail.contoso.com/EWS/Exchange.asmx" has a user name or password in it: credentials ' +
        'in the URL are not accepted (they would not be sent, and would show wherever the URL is logged); they ' +
        'belong in EWS_USERNAME and EWS_PASSWORD with EWS_AUTH=basic (or use app-only OAuth, the default)',
    );
  });

  it('a user name alone is refused too', () => {
    const error = configErrorOf(() =>
      loadEwsSettings({ ...basic, EWS_URL: `https://${USER}@mail.contoso.com/EWS/Exchange.asmx` }),
    );
    expect(error.message).toMatch(
      /^EWS_URL "https:\/\/\*\*\*@mail\.contoso\.com\/EWS\/Exchange\.asmx" has a user name/,
    );
    expect(error.message).not.toContain(USER);
  });

  it('a password that breaks the URL (a / or # in it) is not echoed in the "not a URL" message', () => {
    for (const raw of [
      `https://${USER}:pass/word-9f2@mail.contoso.com/EWS/Exchange.asmx`,
      `https://${USER}:pass#word-9f2@mail.contoso.com/EWS/Exchange.asmx`,
    ]) {
      const error = configErrorOf(() => loadEwsSettings({ ...basic, EWS_URL: raw }));
      expect(error.message).toBe(
        'EWS_URL "https://***@mail.contoso.com/EWS/Exchange.asmx" is not a URL (expected https://mail.contoso.com/EWS/Exchange.asmx)',
      );
    }
  });
});

describe('other URL settings', () => {
  it('GRAPH_URL: query values are not echoed when the URL is refused for plain http', () => {
    const error = configErrorOf(() =>
      loadGraphSettings({
        GRAPH_URL: 'http://graph.contoso.com/v1.0?sig=sv-2030-signature',
        EWS_CLIENT_SECRET: 's',
        EWS_TENANT_ID: 't',
        EWS_CLIENT_ID: 'c',
      }),
    );
    expect(error.setting).toBe('GRAPH_URL');
    expect(error.message).toContain(
      '"http://graph.contoso.com/v1.0?sig=***" uses plain http to a remote host',
    );
    expect(error.message).not.toContain('sv-2030-signature');
  });

  it('the start-up check refuses HIBOB_API_URL with credentials without showing them', () => {
    const error = configErrorOf(() =>
      checkSettingsAtStart({ HIBOB_API_URL: `https://${USER}:${PASSWORD}@api.hibob.com` }),
    );
    expect(error.setting).toBe('HIBOB_API_URL');
    expect(error.message).toContain('HIBOB_API_URL "https://***@api.hibob.com/" has a user name or password');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(USER);
  });

  it('KEY_VAULT_URI that is not https is named without its user name and password', () => {
    const error = configErrorOf(() =>
      createSecretProvider({ KEY_VAULT_URI: `http://${USER}:${PASSWORD}@vault.contoso.example` }),
    );
    expect(error.message).toBe('KEY_VAULT_URI "http://***@vault.contoso.example/" must use https');
  });

  it('urlForDisplay leaves a URL without credentials or query as it is', () => {
    expect(urlForDisplay('https://mail.contoso.com/EWS/Exchange.asmx')).toBe(
      'https://mail.contoso.com/EWS/Exchange.asmx',
    );
    expect(urlForDisplay('not a url')).toBe('not a url');
  });
});

describe('through the CLI', () => {
  let server: http.Server;
  let requests = 0;
  let port: number;
  const files = mkdtempSync(join(tmpdir(), 'url-credentials-'));
  const leaveEventFile = join(files, 'leave.json');
  writeFileSync(leaveEventFile, '{"eventId":"e-1"}');

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    rmSync(files, { recursive: true, force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => (requests = 0));

  async function run(argv: string[], env: Record<string, string>) {
    let stderr = '';
    const code = await runCli(argv, { env, stdout: () => undefined, stderr: (t) => (stderr += t) });
    return { code, stderr };
  }

  it('--ews-url with credentials: exit 2, --ews-url named, nothing sent, no password shown', async () => {
    const { code, stderr } = await run(
      [
        '--ews-url',
        `http://${USER}:${PASSWORD}@127.0.0.1:${port}/EWS/Exchange.asmx`,
        'oof',
        'get',
        'alice@contoso.com',
      ],
      { ...basic, MAILBOX_SCOPE: 'contoso.com' },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^mailbox-automation: --ews-url "http:\/\/\*\*\*@127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx" has a user name or password/,
    );
    expect(stderr).not.toContain(PASSWORD);
    expect(requests).toBe(0);
  });

  it('hr send to an HR_WEBHOOK_URL with credentials: exit 2, nothing sent, no password shown', async () => {
    const { code, stderr } = await run(['hr', 'send', leaveEventFile], {
      HR_WEBHOOK_URL: `http://${USER}:${PASSWORD}@127.0.0.1:${port}/api/hr/generic`,
      HR_WEBHOOK_SECRETS: 'webhook-secret',
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^mailbox-automation: HR_WEBHOOK_URL "http:\/\/\*\*\*@127\.0\.0\.1:\d+\/api\/hr\/generic" has a user name or password/,
    );
    expect(stderr).not.toContain(PASSWORD);
    expect(requests).toBe(0);
  });

  it('hr send that cannot reach the webhook shows the URL without its function key', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const { code, stderr } = await run(
      [
        'hr',
        'send',
        leaveEventFile,
        '--url',
        `http://127.0.0.1:${closed}/api/hr/generic?code=function-key-5e1`,
      ],
      { HR_WEBHOOK_SECRETS: 'webhook-secret' },
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`could not reach http://127.0.0.1:${closed}/api/hr/generic?code=***`);
    expect(stderr).not.toContain('function-key-5e1');
  });
});
