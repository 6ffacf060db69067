/**
 * The loopback Entra stand-in and the sandbox's bearer checks, with the real @azure/identity credentials:
 * client secret, client certificate and managed identity get signed tokens, and the sandbox accepts a token
 * only for Exchange's audience, with the full_access_as_app role, from an app allowed to use EWS, and still
 * insists on the impersonation header, as Exchange Online does.
 */
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
} from '@azure/identity';
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import {
  FULL_ACCESS_AS_APP,
  startEntraTokenServer,
  type EntraTokenServer,
} from '../../dev/identity/entraTokenServer';
import { signJwt, verifyJwtSignature } from '../../dev/identity/jwt';
import { generateClientCertificate, generateLoopbackCertificate } from '../../dev/identity/tlsCertificate';
import { bearer, bodies, faultCode, post, responseCodes, soap, type EwsAnswer } from '../support/sandboxSoap';

const SCOPE = 'https://outlook.office365.com/.default';
const APP = { clientId: 'aaaaaaaa-0000-4000-8000-000000000001', clientSecret: 'app-secret' };
const CERT_APP = 'aaaaaaaa-0000-4000-8000-000000000002';
const NO_ROLE_APP = { clientId: 'aaaaaaaa-0000-4000-8000-000000000003', clientSecret: 'no-role-secret' };
const BLOCKED_APP = { clientId: 'aaaaaaaa-0000-4000-8000-000000000004', clientSecret: 'blocked-secret' };
const STRANGER_APP = { clientId: 'aaaaaaaa-0000-4000-8000-000000000005', clientSecret: 'stranger-secret' };
const IDENTITY = 'aaaaaaaa-0000-4000-8000-0000000000f1';

describe('EWS sandbox with app-only OAuth from the loopback token server', () => {
  let tokens: EntraTokenServer;
  let sandbox: EwsSandbox;
  let certFile: string;
  const credentialOptions = (): {
    authorityHost: string;
    disableInstanceDiscovery: true;
    tlsOptions: { ca: string };
  } => ({
    authorityHost: tokens.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: tokens.caPem },
  });
  /** `mailbox` null: no ExchangeImpersonation header at all. */
  const getOofAs = (token: string, mailbox: string | null = 'alice@contoso.com'): Promise<EwsAnswer> =>
    post(sandbox.url, soap(bodies.getOof('alice@contoso.com'), { as: mailbox ?? undefined }), {
      ...bearer(token),
      anchor: mailbox ?? '',
    });
  const secretToken = async (app: { clientId: string; clientSecret: string }): Promise<string> =>
    (
      await new ClientSecretCredential(
        tokens.tenantId,
        app.clientId,
        app.clientSecret,
        credentialOptions(),
      ).getToken(SCOPE)
    ).token;

  beforeAll(async () => {
    const certificate = await generateClientCertificate();
    tokens = await startEntraTokenServer({
      clients: [
        { ...APP, roles: [FULL_ACCESS_AS_APP] },
        { clientId: CERT_APP, certificatePem: certificate.certPem, roles: [FULL_ACCESS_AS_APP] },
        { ...NO_ROLE_APP, roles: [] },
        { ...BLOCKED_APP, roles: [FULL_ACCESS_AS_APP] },
        { ...STRANGER_APP, roles: [FULL_ACCESS_AS_APP] },
      ],
      managedIdentities: [{ clientId: IDENTITY, systemAssigned: true, roles: [FULL_ACCESS_AS_APP] }],
    });
    sandbox = await startEwsSandbox({
      seed: {
        tenant: { tenantId: tokens.tenantId, domains: ['contoso.com', 'fabrikam.com'] },
        mailboxes: [{ address: 'alice@contoso.com' }, { address: 'dave@fabrikam.com' }],
        apps: [
          { clientId: APP.clientId, impersonation: { domains: ['contoso.com'] } },
          { clientId: CERT_APP, impersonation: { addresses: ['alice@contoso.com'] } },
          { clientId: NO_ROLE_APP.clientId, impersonation: { all: true } },
          { clientId: BLOCKED_APP.clientId, allowed: false, impersonation: { all: true } },
          { clientId: IDENTITY, impersonation: { domains: ['contoso.com'] } },
        ],
      },
      oauth: { signingKeys: [tokens.signingKey] },
      knobs: { missingAnchorFailureRate: 0 },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-oauth-'));
    certFile = path.join(dir, 'app.pem');
    writeFileSync(certFile, certificate.pem);
  });
  afterAll(async () => {
    await sandbox.close();
    await tokens.close();
  });

  it('accepts a client-secret token carrying full_access_as_app and logs the app as the caller', async () => {
    const answer = await getOofAs(await secretToken(APP));
    expect(responseCodes(answer)).toEqual(['NoError']);
    expect(sandbox.requests.at(-1)).toMatchObject({
      auth: 'bearer',
      principal: APP.clientId,
      mailbox: 'alice@contoso.com',
    });
    expect(tokens.requests.filter((r) => r.endpoint === 'token').at(-1)).toMatchObject({
      clientId: APP.clientId,
      grant: 'client_secret',
      scope: SCOPE,
      status: 200,
    });
  });

  it('issues RS256 tokens for the requested resource that verify against the published JWKS', async () => {
    const token = await secretToken(APP);
    const res = await request(`${tokens.authorityHost}/${tokens.tenantId}/discovery/v2.0/keys`, {
      dispatcher: new Agent({ connect: { ca: tokens.caPem } }),
    });
    const { keys } = (await res.body.json()) as { keys: JsonWebKey[] };
    const verified = verifyJwtSignature(token, [
      createPublicKey({ key: keys[0] as JsonWebKey, format: 'jwk' }),
    ]);
    expect(typeof verified).toBe('object');
    expect(typeof verified === 'object' && verified.claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      tid: tokens.tenantId,
      appid: APP.clientId,
      roles: [FULL_ACCESS_AS_APP],
    });
  });

  it('still demands the impersonation header from an app-only token', async () => {
    const answer = await getOofAs(await secretToken(APP), null);
    expect(answer.status).toBe(500);
    expect(faultCode(answer)).toBe('ErrorInvalidExchangeImpersonationHeaderData');
  });

  it('limits an app to its RBAC scope with ErrorImpersonateUserDenied', async () => {
    const answer = await getOofAs(await secretToken(APP), 'dave@fabrikam.com');
    expect(faultCode(answer)).toBe('ErrorImpersonateUserDenied');
  });

  it('refuses with 401 a valid token whose app lacks the full_access_as_app role', async () => {
    const answer = await getOofAs(await secretToken(NO_ROLE_APP));
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-ms-diagnostics')).toMatch(/full_access_as_app/);
  });

  it('answers 403 to apps not allowed to use EWS in the organisation', async () => {
    expect((await getOofAs(await secretToken(BLOCKED_APP))).status).toBe(403);
    expect((await getOofAs(await secretToken(STRANGER_APP))).status).toBe(403);
  });

  it('refuses expired, not-yet-valid, foreign-audience, foreign-tenant, unsigned and foreign-signed tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: 'https://outlook.office365.com',
      tid: tokens.tenantId,
      appid: APP.clientId,
      roles: [FULL_ACCESS_AS_APP],
      iat: now,
      exp: now + 600,
    };
    const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const bad: Record<string, string> = {
      expired: tokens.issueToken({ ...claims, exp: now - 3600 }),
      notYetValid: tokens.issueToken({ ...claims, nbf: now + 3600 }),
      vault: tokens.issueToken({ ...claims, aud: 'https://vault.azure.net' }),
      tenant: tokens.issueToken({ ...claims, tid: '00000000-0000-0000-0000-000000000000' }),
      unsigned,
      foreign: signJwt(claims, otherKey),
    };
    const statuses = Object.fromEntries(
      await Promise.all(
        Object.entries(bad).map(async ([k, token]) => [k, (await getOofAs(token)).status] as const),
      ),
    );
    expect(statuses).toEqual({
      expired: 401,
      notYetValid: 401,
      vault: 401,
      tenant: 401,
      unsigned: 401,
      foreign: 401,
    });
    expect(responseCodes(await getOofAs(tokens.issueToken(claims)))).toEqual(['NoError']);
  });

  it('gives ClientCertificateCredential a token after checking its PS256 client assertion', async () => {
    const credential = new ClientCertificateCredential(
      tokens.tenantId,
      CERT_APP,
      certFile,
      credentialOptions(),
    );
    const { token } = await credential.getToken(SCOPE);
    expect(responseCodes(await getOofAs(token))).toEqual(['NoError']);
    expect(tokens.requests.filter((r) => r.endpoint === 'token').at(-1)).toMatchObject({
      clientId: CERT_APP,
      grant: 'client_assertion',
      status: 200,
    });
  });

  it('refuses a certificate the app registration does not know', async () => {
    const stranger = await generateClientCertificate('someone-else');
    const file = path.join(path.dirname(certFile), 'stranger.pem');
    writeFileSync(file, stranger.pem);
    const credential = new ClientCertificateCredential(tokens.tenantId, CERT_APP, file, credentialOptions());
    await expect(credential.getToken(SCOPE)).rejects.toThrow(/AADSTS700027/);
  });

  it('refuses a wrong client secret the way Entra does', async () => {
    await expect(secretToken({ ...APP, clientSecret: 'wrong' })).rejects.toThrow(/AADSTS7000215/);
  });

  it('serves the managed-identity endpoint that ManagedIdentityCredential uses on App Service and Functions', async () => {
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = tokens.managedIdentityEndpoint;
    process.env.IDENTITY_HEADER = tokens.identityHeader;
    try {
      const { token } = await new ManagedIdentityCredential().getToken(SCOPE);
      expect(responseCodes(await getOofAs(token))).toEqual(['NoError']);
      expect(sandbox.requests.at(-1)?.principal).toBe(IDENTITY);
    } finally {
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
      else process.env.IDENTITY_ENDPOINT = saved.endpoint;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
      else process.env.IDENTITY_HEADER = saved.header;
    }
  });
});

describe('EWS sandbox over HTTPS', () => {
  it('serves EWS with a generated loopback certificate that clients must trust explicitly', async () => {
    const cert = await generateLoopbackCertificate();
    const sandbox = await startEwsSandbox({
      seed: path.join(__dirname, '..', '..', 'dev', 'seeds', 'demo-tenant.json'),
      tls: cert,
    });
    try {
      expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
      const send = (dispatcher?: Agent): ReturnType<typeof request> =>
        request(sandbox.url, {
          method: 'POST',
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            authorization: `Basic ${Buffer.from('svc-mailbox@contoso.com:Sandbox-Passw0rd!').toString('base64')}`,
            'x-anchormailbox': 'alice@contoso.com',
          },
          body: soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
          ...(dispatcher && { dispatcher }),
        });
      const trusted = await send(new Agent({ connect: { ca: cert.caPem } }));
      expect(trusted.statusCode).toBe(200);
      expect(await trusted.body.text()).toContain('<OofState>Disabled</OofState>');
      await expect(send()).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      await sandbox.close();
    }
  });
});
