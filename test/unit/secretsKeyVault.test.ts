/**
 * Secrets from Key Vault with the real SecretClient and a real DefaultAzureCredential: the managed
 * identity endpoint and the vault are loopback test servers (dev/identity, dev/key-vault).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { startKeyVaultServer, type KeyVaultServer } from '../../dev/key-vault/keyVaultServer';
import { startEwsSandbox, loadSeedFile } from '../../dev/ews-sandbox';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { createAppServices } from '../../shared/app/appServices';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import {
  createSecretProvider,
  KeyVaultSecretProvider,
  keyVaultSecretName,
  splitSecretList,
} from '../../shared/platform/secrets';

let entra: EntraTokenServer;
let vault: KeyVaultServer;
let caFile: string;
const saved = { ...process.env };

beforeAll(async () => {
  entra = await startEntraTokenServer({ managedIdentities: [{ clientId: 'uami-client-id' }] });
  vault = await startKeyVaultServer({ secrets: { 'hr-webhook-secrets': 'first-secret,second-secret' } });
  caFile = path.join(mkdtempSync(path.join(tmpdir(), 'kv-')), 'ca.pem');
  writeFileSync(caFile, vault.caPem);
  process.env.IDENTITY_ENDPOINT = entra.managedIdentityEndpoint;
  process.env.IDENTITY_HEADER = entra.identityHeader;
  for (const k of [
    'AZURE_TENANT_ID',
    'AZURE_CLIENT_SECRET',
    'AZURE_CLIENT_CERTIFICATE_PATH',
    'AZURE_FEDERATED_TOKEN_FILE',
  ])
    delete process.env[k];
});

afterAll(async () => {
  process.env = saved;
  await vault.close();
  await entra.close();
});

const env = (extra: Record<string, string> = {}) => ({
  KEY_VAULT_URI: vault.url,
  AZURE_CLIENT_ID: 'uami-client-id',
  KEY_VAULT_CA_FILE: caFile,
  ...extra,
});

describe('secrets from Key Vault', () => {
  test('a secret is read with the managed identity (user-assigned, AZURE_CLIENT_ID) and cached', async () => {
    const secrets = createSecretProvider(env());
    expect(secrets.kind).toBe('key-vault');
    expect(splitSecretList(await secrets.get('HR_WEBHOOK_SECRETS'))).toEqual([
      'first-secret',
      'second-secret',
    ]);
    const msi = entra.requests.filter((r) => r.endpoint === 'managed-identity' && r.status === 200);
    expect(msi.length).toBeGreaterThan(0);
    expect(msi.every((r) => r.clientId === 'uami-client-id')).toBe(true);
    const served = vault.requests.length;
    await secrets.get('HR_WEBHOOK_SECRETS');
    expect(vault.requests.length).toBe(served); // from the cache
  });

  test('after the TTL the value is fetched again and a rotated value is seen', async () => {
    const secrets = createSecretProvider(env({ SECRETS_CACHE_TTL_SECONDS: '0' }));
    await secrets.get('HR_WEBHOOK_SECRETS');
    vault.setSecret('hr-webhook-secrets', 'rotated-secret,first-secret');
    expect(await secrets.get('HR_WEBHOOK_SECRETS')).toBe('rotated-secret,first-secret');
  });

  test('when Key Vault refuses the token, a fresh credential is used and the read succeeds', async () => {
    const secrets = createSecretProvider(env({ SECRETS_CACHE_TTL_SECONDS: '0' })) as KeyVaultSecretProvider;
    await secrets.get('HR_WEBHOOK_SECRETS');
    vault.refuseTokens(2); // the SDK's own challenge retry is refused too
    expect(await secrets.get('HR_WEBHOOK_SECRETS')).toContain('first-secret');
    expect(secrets.clientsCreated).toBe(2);
  });

  test('a secret that does not exist is undefined, not an error', async () => {
    expect(await createSecretProvider(env()).get('HIBOB_WEBHOOK_SECRETS')).toBeUndefined();
  });

  test('values never appear in what the vault server recorded or in errors', () => {
    expect(JSON.stringify(vault.requests)).not.toContain('first-secret');
  });
});

describe('the mailbox back end with Key Vault', () => {
  const seed = loadSeedFile(demoSeedPath());
  const account = seed.serviceAccounts?.[0];
  if (!account) throw new Error('the demo seed has no service account');
  const username = account.username;
  // What a function app has: everything but the secret, which lives in the vault.
  const appSettings = () =>
    env({ EWS_URL: sandbox.url, EWS_AUTH: 'basic', EWS_USERNAME: username, MAILBOX_SCOPE: 'contoso.com' });
  let sandbox: Awaited<ReturnType<typeof startEwsSandbox>>;
  /** How often the vault was asked for the EWS password. */
  const passwordReads = () => vault.requests.filter((r) => r.path.includes('/secrets/ews-password')).length;
  /** Exchange's side of a password change: the service account's password is now `password`. */
  const exchangePasswordIs = (password: string): void => {
    const stored = sandbox.tenant.serviceAccount(username);
    if (!stored) throw new Error(`the sandbox has no account ${username}`);
    stored.password = password;
  };

  beforeEach(async () => {
    sandbox = await startEwsSandbox({
      seed: loadSeedFile(demoSeedPath()),
      knobs: { missingAnchorFailureRate: 0 },
    });
    vault.setSecret('ews-password', account.password);
  });
  afterEach(() => sandbox.close());

  test('every function that acts on mailboxes gets the EWS password from the vault, read once per process', async () => {
    const services = createAppServices({ env: appSettings() });
    try {
      const ops = await services.mailbox();
      expect((await ops.getOof('alice@contoso.com')).state).toMatch(/Disabled|Enabled|Scheduled/);
      const served = vault.requests.length;
      expect(await services.mailbox()).toBe(ops);
      expect(vault.requests.length).toBe(served);
    } finally {
      await services.close();
    }
  });

  test('a password rotated in the vault is picked up after the first refusal, without a restart', async () => {
    const services = createAppServices({ env: appSettings() });
    try {
      const ops = await services.mailbox();
      await ops.getOof('alice@contoso.com');
      // The password is changed in the directory and the new one put in the vault; the app still has the old one.
      exchangePasswordIs('rotated-Passw0rd!');
      vault.setSecret('ews-password', 'rotated-Passw0rd!');
      const before = passwordReads();

      expect((await ops.getOof('alice@contoso.com')).state).toMatch(/Disabled|Enabled|Scheduled/);
      expect(passwordReads()).toBe(before + 1); // read again once, not on every call
      await ops.getOof('bob@contoso.com');
      expect(passwordReads()).toBe(before + 1);
    } finally {
      await services.close();
    }
  });

  test('a refusal with the secret unchanged stands: read once more, then the 401 as it came', async () => {
    const services = createAppServices({ env: appSettings() });
    try {
      const ops = await services.mailbox();
      exchangePasswordIs('someone-else-changed-it');
      const before = passwordReads();
      const refused = await ops.getOof('alice@contoso.com').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MailboxError);
      expect(refused).toMatchObject({ code: 'HTTP_401', httpStatus: 401 });
      expect(passwordReads()).toBe(before + 1);
    } finally {
      await services.close();
    }
  });
});

describe('secrets without Key Vault', () => {
  test('environment variables of the same name', async () => {
    const secrets = createSecretProvider({ HR_WEBHOOK_SECRETS: 'local-secret' });
    expect(secrets.kind).toBe('environment');
    expect(await secrets.get('HR_WEBHOOK_SECRETS')).toBe('local-secret');
    expect(await secrets.get('HIBOB_WEBHOOK_SECRETS')).toBeUndefined();
  });

  test('names map to Key Vault form, and a bad KEY_VAULT_URI is named', () => {
    expect(keyVaultSecretName('HR_WEBHOOK_SECRETS')).toBe('hr-webhook-secrets');
    expect(() => createSecretProvider({ KEY_VAULT_URI: 'http://vault.example' })).toThrow(
      /KEY_VAULT_URI .* must use https/,
    );
  });
});
