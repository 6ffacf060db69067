/**
 * A token endpoint that cannot be reached is a transient failure, not a refused credential: the EWS and Graph
 * clients fail with TokenEndpointUnreachable (transient, so workflows retry it), naming the endpoint, the
 * socket's error and the authority host setting, and nothing reaches the mailbox server; the CLI exits 4.
 * The loopback Entra stand-in (dev/identity) is started to have a real authority host, then stopped.
 * A server that never answers ends the call at its deadline; an authority that answers but knows no such
 * tenant is a configuration error naming EWS_TENANT_ID.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEntraTokenServer } from '../../dev/identity/entraTokenServer';
import { generateLoopbackCertificate } from '../../dev/identity/tlsCertificate';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';
import { runCli } from '../../cli/main';
import { loadEwsSettings, loadGraphSettings } from '../../shared/platform/config';
import { ConfigError } from '../../shared/platform/configError';
import { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import { GraphClient } from '../../shared/mailbox/graph/graphClient';
import { mailboxFailure } from '../support/mailboxFailure';

jest.setTimeout(60_000);

const APP = { clientId: '0f1e2d3c-0000-4000-8000-0000000000b1', clientSecret: 'app-secret' };

let dir: string;
let caFile: string;
/** The stopped token server's authority host and tenant. */
let stopped: { authorityHost: string; tenantId: string };
/** Stands in for Exchange and Graph: any request reaching it means a call got past the token. */
let mailboxServer: { origin: string; close: () => Promise<void> };
let mailboxRequests = 0;

beforeAll(async () => {
  const tokens = await startEntraTokenServer({ clients: [{ ...APP, roles: ['full_access_as_app'] }] });
  dir = mkdtempSync(join(tmpdir(), 'token-endpoint-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, tokens.caPem);
  stopped = { authorityHost: tokens.authorityHost, tenantId: tokens.tenantId };
  await tokens.close();
  mailboxServer = await listenOnLoopback(
    http.createServer((_req, res) => {
      mailboxRequests++;
      res.writeHead(500).end();
    }),
  );
});
afterAll(async () => {
  await mailboxServer.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => (mailboxRequests = 0));

/** App-only OAuth with a client secret against `authorityHost`, two attempts per call unless `extra` says. */
function oauthEnv(authorityHost: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    EWS_URL: `${mailboxServer.origin}/EWS/Exchange.asmx`,
    GRAPH_URL: `${mailboxServer.origin}/v1.0`,
    EWS_AUTH: 'oauth',
    EWS_TENANT_ID: stopped.tenantId,
    EWS_CLIENT_ID: APP.clientId,
    EWS_CLIENT_SECRET: APP.clientSecret,
    EWS_AUTHORITY_HOST: authorityHost,
    EWS_CA_FILE: caFile,
    EWS_MAX_ATTEMPTS: '2',
    GRAPH_MAX_ATTEMPTS: '2',
    MAILBOX_SCOPE: 'contoso.com',
    ...extra,
  };
}

const UNREACHABLE = new RegExp(
  '^the token endpoint https://127\\.0\\.0\\.1:\\d+ could not be reached \\(ECONNREFUSED\\); nothing was sent ' +
    'to the mailbox server\\. Check EWS_AUTHORITY_HOST and that this machine can reach it',
);

describe('the token endpoint is down', () => {
  it('EWS: TokenEndpointUnreachable, transient, retried, and nothing reaches Exchange', async () => {
    const client = new EwsClient(loadEwsSettings(oauthEnv(stopped.authorityHost)), { backOffBaseMs: 20 });
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'TokenEndpointUnreachable', errorClass: 'transient', attempts: 2 });
    expect(error.message).toMatch(UNREACHABLE);
    expect(mailboxRequests).toBe(0);
  });

  it('Graph: the same failure, from the same credential code', async () => {
    // One attempt: @azure/identity itself tries the endpoint for about 5 s before giving up.
    const env = oauthEnv(stopped.authorityHost, { GRAPH_MAX_ATTEMPTS: '1' });
    const client = new GraphClient(loadGraphSettings(env));
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'TokenEndpointUnreachable', errorClass: 'transient' });
    expect(error.message).toMatch(UNREACHABLE);
    expect(mailboxRequests).toBe(0);
  });

  it('the CLI says the token endpoint could not be reached and exits 4, not "credential refused" and 2', async () => {
    let stderr = '';
    const code = await runCli(['oof', 'get', 'alice@contoso.com'], {
      env: oauthEnv(stopped.authorityHost),
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
    });
    expect(stderr).not.toMatch(/refused/);
    expect(stderr).toMatch(
      /^retrying GetUserOofSettings for alice@contoso.com after TokenEndpointUnreachable/m,
    );
    expect(stderr).toMatch(
      /^mailbox-automation: TokenEndpointUnreachable after 2 attempts: the token endpoint https:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\).*EWS_AUTHORITY_HOST/m,
    );
    expect(code).toBe(4);
    expect(mailboxRequests).toBe(0);
  });

  it('AZURE_AUTHORITY_HOST is named when that is the setting in use', async () => {
    const env = oauthEnv(stopped.authorityHost, {
      AZURE_AUTHORITY_HOST: stopped.authorityHost,
      EWS_MAX_ATTEMPTS: '1',
    });
    delete env.EWS_AUTHORITY_HOST;
    const client = new EwsClient(loadEwsSettings(env), { backOffBaseMs: 20 });
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error.message).toMatch(/Check AZURE_AUTHORITY_HOST and that this machine can reach it/);
  });
  it("the managed identity's endpoint: IDENTITY_ENDPOINT is named", async () => {
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    // What the Functions host sets for the identity endpoint; the stopped token server's port is closed.
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${new URL(stopped.authorityHost).port}/msi/token`;
    process.env.IDENTITY_HEADER = 'identity-header';
    try {
      const env = { EWS_URL: `${mailboxServer.origin}/EWS/Exchange.asmx`, AZURE_CLIENT_ID: APP.clientId };
      const client = new EwsClient(loadEwsSettings({ ...env, EWS_MAX_ATTEMPTS: '1' }));
      const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
      expect(error).toMatchObject({ code: 'TokenEndpointUnreachable', errorClass: 'transient' });
      expect(error.message).toMatch(
        /^the token endpoint http:\/\/127\.0\.0\.1:\d+ could not be reached \(ECONNREFUSED\).*Check IDENTITY_ENDPOINT/,
      );
      expect(mailboxRequests).toBe(0);
    } finally {
      for (const [name, value] of [
        ['IDENTITY_ENDPOINT', saved.endpoint],
        ['IDENTITY_HEADER', saved.header],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('the token endpoint answers badly', () => {
  let tls: Awaited<ReturnType<typeof generateLoopbackCertificate>>;
  let tlsCaFile: string;
  beforeAll(async () => {
    tls = await generateLoopbackCertificate();
    tlsCaFile = join(dir, 'tls-ca.pem');
    writeFileSync(tlsCaFile, tls.caPem);
  });

  it('one that never answers ends the call at EWS_TIMEOUT_MS (@azure/identity alone waits on)', async () => {
    const silent = await listenOnLoopback(
      https.createServer({ cert: tls.certPem, key: tls.keyPem }, () => undefined),
    );
    try {
      const env = oauthEnv(silent.origin, { EWS_CA_FILE: tlsCaFile, EWS_TIMEOUT_MS: '3000' });
      const client = new EwsClient(loadEwsSettings(env), { backOffBaseMs: 20 });
      const started = Date.now();
      const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ code: 'TokenEndpointUnreachable', errorClass: 'transient' });
      expect(error.message).toMatch(/could not be reached \(no answer within 3000 ms\)/);
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(elapsed).toBeLessThan(4000);
      expect(mailboxRequests).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('an authority that answers but has no such tenant is a configuration error naming EWS_TENANT_ID (exit 2)', async () => {
    const noTenant = await listenOnLoopback(
      https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' }),
          );
      }),
    );
    try {
      const env = oauthEnv(noTenant.origin, { EWS_CA_FILE: tlsCaFile });
      const client = new EwsClient(loadEwsSettings(env), { backOffBaseMs: 20 });
      const error = await client.getOof('alice@contoso.com').then(
        () => undefined,
        (e: unknown) => e,
      );
      await client.close();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe('EWS_TENANT_ID');
      expect((error as Error).message).toBe(
        `the authority ${noTenant.origin} answers, but gave no OpenID configuration for tenant ` +
          `"${stopped.tenantId}": check EWS_TENANT_ID and EWS_AUTHORITY_HOST`,
      );
      let stderr = '';
      const code = await runCli(['oof', 'get', 'alice@contoso.com'], {
        env,
        stdout: () => undefined,
        stderr: (text) => (stderr += text),
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/^mailbox-automation: the authority .* check EWS_TENANT_ID/);
      expect(mailboxRequests).toBe(0);
    } finally {
      await noTenant.close();
    }
  });
});
