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
import { getMailboxOperations, resetMailboxOperations } from '../../shared/mailbox/mailboxBackend';
import {
  createSecretProvider,
  resetSecretProvider,
  KeyVaultSecretProvider,
  keyVaultSecretName,
  splitSecretList,
} from '../../shared/secrets';

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
  test('every function that acts on mailboxes gets the EWS password from the vault, read once per process', async () => {
    const seed = loadSeedFile(demoSeedPath());
    const account = seed.serviceAccounts?.[0];
    if (!account) throw new Error('the demo seed has no service account');
    const sandbox = await startEwsSandbox({ seed, knobs: { missingAnchorFailureRate: 0 } });
    vault.setSecret('ews-password', account.password);
    resetSecretProvider();
    await resetMailboxOperations();
    // What a function app has: everything but the secret, which lives in the vault.
    const appSettings = env({
      EWS_URL: sandbox.url,
      EWS_AUTH: 'basic',
      EWS_USERNAME: account.username,
      MAILBOX_SCOPE: 'contoso.com',
    });
    try {
      const ops = await getMailboxOperations(appSettings);
      expect((await ops.getOof('alice@contoso.com')).state).toMatch(/Disabled|Enabled|Scheduled/);
      const served = vault.requests.length;
      expect(await getMailboxOperations(appSettings)).toBe(ops);
      expect(vault.requests.length).toBe(served);
    } finally {
      await resetMailboxOperations();
      resetSecretProvider();
      await sandbox.close();
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
