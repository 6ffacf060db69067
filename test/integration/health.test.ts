/**
 * GET /api/health against loopback stand-ins: the EWS sandbox, the Key Vault stand-in (HTTPS with its own
 * CA, as the app trusts it through KEY_VAULT_CA_FILE), the Graph stand-in, a closed port and a server
 * that never answers. What an operator or the platform's health check reads: version, back end, and
 * whether each dependency answered at the last check; never a secret.
 */
import '../../functions/health';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { startGraphStandIn, type GraphStandIn } from '../../dev/graph/graphStandIn';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { startKeyVaultServer, type KeyVaultServer } from '../../dev/key-vault/keyVaultServer';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';
import { useAppServices } from '../../shared/app/appServices';
import { HealthMonitor, type HealthReport } from '../../shared/platform/health/healthCheck';
import { DEMO_SERVICE_ACCOUNT, startDemoSandbox } from '../support/demoTenant';

const VERSION = (
  JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;
const VAULT_SECRET = 'vault-held-hr-secret';

let sandbox: EwsSandbox;
let vault: KeyVaultServer;
let vaultCaFile: string;
let tokens: EntraTokenServer;
let graph: GraphStandIn;

beforeAll(async () => {
  sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
  vault = await startKeyVaultServer({ secrets: { 'hr-webhook-secrets': VAULT_SECRET } });
  vaultCaFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'health-')), 'vault-ca.pem');
  writeFileSync(vaultCaFile, vault.caPem);
  tokens = await startEntraTokenServer({});
  graph = await startGraphStandIn({ tenant: sandbox.tenant, signingKeys: [tokens.signingKey] });
});

afterAll(async () => {
  await graph.close();
  await tokens.close();
  await vault.close();
  await sandbox.close();
});

/** What a function app on the EWS back end with Key Vault has. */
const ewsApp = (extra: Record<string, string> = {}): Record<string, string> => ({
  EWS_URL: sandbox.url,
  EWS_AUTH: 'basic',
  EWS_USERNAME: DEMO_SERVICE_ACCOUNT.username,
  EWS_PASSWORD: DEMO_SERVICE_ACCOUNT.password,
  MAILBOX_SCOPE: 'contoso.com',
  KEY_VAULT_URI: vault.url,
  KEY_VAULT_CA_FILE: vaultCaFile,
  ...extra,
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const listener = await listenOnLoopback(http.createServer());
  await listener.close();
  return listener.port;
}

const reportFor = async (env: Record<string, string>, probeTimeoutMs?: number): Promise<HealthReport> =>
  (await new HealthMonitor(env, { probeTimeoutMs }).report()).report;

describe('health checks', () => {
  test('everything reachable: ok, with version, back end, each answer and the time of the check', async () => {
    const before = Date.now();
    const report = await reportFor(ewsApp());
    expect(report).toMatchObject({
      status: 'ok',
      version: VERSION,
      backend: 'ews',
      keyVault: { configured: true, reachable: true, host: new URL(vault.url).host },
      mailboxEndpoint: { configured: true, reachable: true, host: new URL(sandbox.url).host },
    });
    // Anonymous requests: the vault asks for a token, as Azure's does.
    expect(report.keyVault).toMatchObject({ httpStatus: 401 });
    expect(Date.parse(report.checkedAt)).toBeGreaterThanOrEqual(before - 1000);
    // The probe sent no credential: the vault saw no token, so no secret was read.
    expect(vault.requests.every((r) => !r.authorized)).toBe(true);
  });

  test('an EWS endpoint nobody answers on is unreachable, named by its error code; the report is degraded', async () => {
    const port = await closedPort();
    const report = await reportFor(ewsApp({ EWS_URL: `http://127.0.0.1:${port}/EWS/Exchange.asmx` }));
    expect(report.status).toBe('degraded');
    expect(report.mailboxEndpoint).toEqual({
      configured: true,
      reachable: false,
      host: `127.0.0.1:${port}`,
      error: 'ECONNREFUSED',
      durationMs: expect.any(Number) as number,
    });
    expect(report.keyVault).toMatchObject({ reachable: true });
  });

  test("Key Vault is reached through the app's own CA file: without it the vault's certificate is refused", async () => {
    const report = await reportFor(ewsApp({ KEY_VAULT_CA_FILE: '' }));
    expect(report.status).toBe('degraded');
    expect(report.keyVault).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/CERT|SELF_SIGNED/) as string,
    });
  });

  test('a probe that gets no answer gives up at its timeout', async () => {
    const silent = http.createServer(() => undefined); // accepts, never answers
    const listener = await listenOnLoopback(silent);
    try {
      const started = Date.now();
      const report = await reportFor(ewsApp({ EWS_URL: `${listener.origin}/EWS/Exchange.asmx` }), 300);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(report.mailboxEndpoint).toMatchObject({ reachable: false, error: 'no answer within 300 ms' });
    } finally {
      await listener.close();
    }
  });

  test('the Graph back end is checked at GRAPH_URL', async () => {
    const report = await reportFor({
      MAILBOX_BACKEND: 'graph',
      GRAPH_URL: `${graph.url}/v1.0`,
      EWS_TENANT_ID: 'contoso-tenant',
      EWS_CLIENT_ID: 'app-id',
      EWS_CLIENT_SECRET: 'graph-client-secret',
      MAILBOX_SCOPE: 'contoso.com',
    });
    expect(report).toMatchObject({
      status: 'ok',
      backend: 'graph',
      keyVault: { configured: false },
      mailboxEndpoint: { reachable: true, host: new URL(graph.url).host },
    });
  });

  test('a setting that is wrong is named, not shown; the password held in Key Vault is not needed to check', async () => {
    const report = await reportFor(ewsApp({ EWS_URL: 'ftp://mail.contoso.com/EWS', EWS_PASSWORD: '' }));
    expect(report.mailboxEndpoint).toEqual({
      configured: true,
      reachable: false,
      error: 'configuration: EWS_URL',
    });
    const noPassword = { ...ewsApp() } as Record<string, string>;
    delete noPassword.EWS_PASSWORD;
    expect((await reportFor(noPassword)).mailboxEndpoint).toMatchObject({ reachable: true });
  });

  test('no secret and no URL credential appears in the answer', async () => {
    const port = await closedPort();
    const secrets = [
      'url-user',
      'url-password-secret',
      'query-token-secret',
      DEMO_SERVICE_ACCOUNT.password,
      VAULT_SECRET,
    ];
    for (const ewsUrl of [
      `http://url-user:url-password-secret@127.0.0.1:${new URL(sandbox.url).port}/EWS/Exchange.asmx?token=query-token-secret`,
      `http://url-user:url-password-secret@127.0.0.1:${port}/EWS/Exchange.asmx?token=query-token-secret`,
    ]) {
      const text = JSON.stringify(await reportFor(ewsApp({ EWS_URL: ewsUrl })));
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  test('checks are cached for a minute and never run twice at once', async () => {
    let now = 1_000_000;
    const monitor = new HealthMonitor(ewsApp(), { now: () => now });
    const [a, b] = await Promise.all([monitor.report(), monitor.report()]);
    expect(monitor.checksRun).toBe(1);
    expect(b.report).toBe(a.report);
    now += 59_000;
    expect(await monitor.report()).toEqual({ report: a.report, fresh: false });
    now += 2_000;
    const later = await monitor.report();
    expect(later.fresh).toBe(true);
    expect(monitor.checksRun).toBe(2);
    expect(later.report.checkedAt).toBe(new Date(now).toISOString());
  });
});

describe('GET /api/health', () => {
  afterEach(() => useAppServices(undefined));

  const call = async (): Promise<{ status?: number; body: HealthReport; lines: string[] }> => {
    const registration = registrations.get('health');
    if (!registration) throw new Error('the health function is not registered');
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'health',
      logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
    });
    const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/health' });
    const answer = (await registration.callback(request, context)) as {
      status?: number;
      jsonBody: HealthReport;
    };
    return { status: answer.status, body: answer.jsonBody, lines };
  };

  test('is anonymous and GET only', () => {
    const trigger = Object.values(registrations.get('health')?.metadata.bindings ?? {}).find(
      (b) => b.type === 'httpTrigger',
    );
    expect(trigger).toMatchObject({ authLevel: 'anonymous', route: 'health', methods: ['GET'] });
  });

  test('answers 200 with the report, and a warning line, when the mailbox endpoint is unreachable', async () => {
    await useAppServices({
      env: ewsApp({ EWS_URL: `http://127.0.0.1:${await closedPort()}/EWS/Exchange.asmx` }),
    });
    const { status, body, lines } = await call();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'degraded',
      version: VERSION,
      mailboxEndpoint: { reachable: false },
    });
    expect(lines).toEqual([expect.stringMatching(/^warning: health: degraded .*ECONNREFUSED/)]);
  });

  test('answers 200 and logs nothing when all is well', async () => {
    await useAppServices({ env: ewsApp() });
    const { status, body, lines } = await call();
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(lines).toEqual([]);
  });
});
