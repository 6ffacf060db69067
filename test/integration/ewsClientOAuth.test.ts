/**
 * App-only OAuth end to end: the real @azure/identity credentials get their tokens from a loopback
 * Entra stand-in (HTTPS, signed tokens), and the sandbox accepts only tokens for Exchange's audience
 * carrying the full_access_as_app role, as Exchange Online does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import {
  startEntraTokenServer,
  FULL_ACCESS_AS_APP,
  type EntraTokenServer,
} from '../../dev/identity/entraTokenServer';
import { generateClientCertificate } from '../../dev/identity/tlsCertificate';
import { sandboxClient } from '../support/ewsTestClient';
import { runCli } from '../../cli/main';
import { mailboxFailure } from '../support/mailboxFailure';

const APP = { clientId: '0f1e2d3c-0000-4000-8000-0000000000a1', clientSecret: 'app-secret' };
const CERT_APP = '0f1e2d3c-0000-4000-8000-0000000000a2';
const NO_ROLE_APP = { clientId: '0f1e2d3c-0000-4000-8000-0000000000a3', clientSecret: 'other-secret' };
const MANAGED_IDENTITY = '0f1e2d3c-0000-4000-8000-0000000000a5';
const NOT_ALLOWED_APP = { clientId: '0f1e2d3c-0000-4000-8000-0000000000a4', clientSecret: 'blocked-secret' };

let tokens: EntraTokenServer;
let sandbox: EwsSandbox;
let dir: string;
let caFile: string;
let certFile: string;

beforeAll(async () => {
  const certificate = await generateClientCertificate();
  tokens = await startEntraTokenServer({
    clients: [
      { ...APP, roles: [FULL_ACCESS_AS_APP] },
      { clientId: CERT_APP, certificatePem: certificate.certPem, roles: [FULL_ACCESS_AS_APP] },
      { ...NO_ROLE_APP, roles: [] },
      { ...NOT_ALLOWED_APP, roles: [FULL_ACCESS_AS_APP] },
    ],
    managedIdentities: [{ clientId: MANAGED_IDENTITY, roles: [FULL_ACCESS_AS_APP] }],
  });
  sandbox = await startEwsSandbox({
    seed: {
      tenant: { tenantId: tokens.tenantId, domains: ['contoso.com', 'fabrikam.com'] },
      mailboxes: [{ address: 'alice@contoso.com' }, { address: 'dave@fabrikam.com' }],
      apps: [
        { clientId: APP.clientId, impersonation: { domains: ['contoso.com'] } },
        { clientId: CERT_APP, impersonation: { domains: ['contoso.com'] } },
        { clientId: NO_ROLE_APP.clientId, impersonation: { all: true } },
        { clientId: NOT_ALLOWED_APP.clientId, allowed: false, impersonation: { all: true } },
        { clientId: MANAGED_IDENTITY, impersonation: { domains: ['contoso.com'] } },
      ],
    },
    oauth: { signingKeys: [tokens.signingKey] },
  });
  dir = mkdtempSync(join(tmpdir(), 'ews-oauth-'));
  // The token server's certificate: EWS_CA_FILE is trusted for the token endpoint as well.
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, tokens.caPem);
  certFile = join(dir, 'app.pem');
  writeFileSync(certFile, certificate.pem);
});
afterAll(async () => {
  await sandbox.close();
  await tokens.close();
});
beforeEach(() => sandbox.clearRequests());

const oauthEnv = (clientId: string, credential: Record<string, string>) => ({
  EWS_AUTH: 'oauth',
  EWS_TENANT_ID: tokens.tenantId,
  EWS_CLIENT_ID: clientId,
  EWS_AUTHORITY_HOST: tokens.authorityHost,
  EWS_CA_FILE: caFile,
  ...credential,
});

describe('app-only OAuth through @azure/identity', () => {
  it('a client secret gets a token for outlook.office365.com and the sandbox accepts it; the token is reused', async () => {
    const { client } = sandboxClient(
      sandbox,
      oauthEnv(APP.clientId, { EWS_CLIENT_SECRET: APP.clientSecret }),
    );
    try {
      await client.getOof('alice@contoso.com');
      await client.getOof('alice@contoso.com');
    } finally {
      await client.close();
    }
    expect(sandbox.requests.map((r) => [r.auth, r.principal])).toEqual([
      ['bearer', APP.clientId],
      ['bearer', APP.clientId],
    ]);
    const tokenRequests = tokens.requests.filter(
      (r) => r.endpoint === 'token' && r.clientId === APP.clientId,
    );
    expect(tokenRequests).toHaveLength(1);
  });

  it('a client certificate works the same way', async () => {
    const { client } = sandboxClient(sandbox, oauthEnv(CERT_APP, { EWS_CLIENT_CERTIFICATE_PATH: certFile }));
    await client.getOof('alice@contoso.com').finally(() => client.close());
    expect(sandbox.requests[0]).toMatchObject({ auth: 'bearer', principal: CERT_APP });
  });

  it("the Function App's user-assigned managed identity (no secret at all)", async () => {
    // What App Service / Functions set for the identity endpoint; the credential reads them when created.
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = tokens.managedIdentityEndpoint;
    process.env.IDENTITY_HEADER = tokens.identityHeader;
    try {
      const { client } = sandboxClient(sandbox, { EWS_AUTH: 'oauth', AZURE_CLIENT_ID: MANAGED_IDENTITY });
      await client.getOof('alice@contoso.com').finally(() => client.close());
    } finally {
      process.env.IDENTITY_ENDPOINT = saved.endpoint;
      process.env.IDENTITY_HEADER = saved.header;
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
    }
    expect(sandbox.requests[0]).toMatchObject({ auth: 'bearer', principal: MANAGED_IDENTITY });
    expect(tokens.requests.some((r) => r.endpoint === 'managed-identity')).toBe(true);
  });

  it('impersonation is still limited by the app scope (RBAC for Applications)', async () => {
    const { client } = sandboxClient(
      sandbox,
      oauthEnv(APP.clientId, { EWS_CLIENT_SECRET: APP.clientSecret }),
    );
    const error = await mailboxFailure(client.getOof('dave@fabrikam.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'ErrorImpersonateUserDenied', errorClass: 'permanent' });
  });

  it('a token without the full_access_as_app role is refused (401), permanently', async () => {
    const { client } = sandboxClient(
      sandbox,
      oauthEnv(NO_ROLE_APP.clientId, { EWS_CLIENT_SECRET: NO_ROLE_APP.clientSecret }),
    );
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'HTTP_401', errorClass: 'permanent' });
    // One fresh token is fetched and tried once more before giving up (a rotated token is not a failure).
    expect(sandbox.requests).toHaveLength(2);
  });

  it('an app not allowed to use EWS in the tenant gets 403, permanent', async () => {
    const { client } = sandboxClient(
      sandbox,
      oauthEnv(NOT_ALLOWED_APP.clientId, { EWS_CLIENT_SECRET: NOT_ALLOWED_APP.clientSecret }),
    );
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'HTTP_403', errorClass: 'permanent' });
    expect(error.message).toMatch(/blocked by policy/);
  });

  it('a wrong client secret fails with the identity error, and nothing reaches EWS', async () => {
    const { client } = sandboxClient(sandbox, oauthEnv(APP.clientId, { EWS_CLIENT_SECRET: 'wrong' }));
    await expect(client.getOof('alice@contoso.com').finally(() => client.close())).rejects.toThrow(
      /7000215|invalid_client/,
    );
    expect(sandbox.requests).toHaveLength(0);
  });

  it('through the CLI, a refused credential is a configuration error (exit 2) and nothing reaches EWS', async () => {
    let stderr = '';
    const code = await runCli(['oof', 'get', 'alice@contoso.com'], {
      env: {
        EWS_URL: sandbox.url,
        MAILBOX_SCOPE: 'contoso.com',
        ...oauthEnv(APP.clientId, { EWS_CLIENT_SECRET: 'wrong' }),
      },
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mailbox-automation: the OAuth credential was refused: .*invalid_client/);
    expect(sandbox.requests).toHaveLength(0);
  });
});
