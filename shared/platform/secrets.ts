/**
 * Secrets (webhook signing secrets, HiBob service-user credentials, EWS credentials).
 *
 * With `KEY_VAULT_URI`: one SecretClient per process with DefaultAzureCredential (`AZURE_CLIENT_ID`
 * picks a user-assigned identity), values cached for `SECRETS_CACHE_TTL_SECONDS` (default 300) and
 * fetched again, with a fresh credential, when Key Vault refuses the call's authentication. Without it
 * (local development): environment variables of the same name.
 *
 * Names are the environment-variable form (`HR_WEBHOOK_SECRETS`); in Key Vault, whose names allow only
 * letters, digits and dashes, the same secret is `hr-webhook-secrets`. Values are never logged.
 */
import { readFileSync } from 'node:fs';
import { isLoopbackHost, urlForDisplay, type Env } from './config';
import { ConfigError } from './configError';

/** Reads secrets by name; undefined when the secret does not exist. */
export interface SecretProvider {
  get(name: string): Promise<string | undefined>;
  /** Forget a cached value (e.g. a downstream service refused it): the next get fetches it again. */
  invalidate(name: string): void;
  readonly kind: 'key-vault' | 'environment';
}

/** `HR_WEBHOOK_SECRETS` → `hr-webhook-secrets`. */
export function keyVaultSecretName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

/** A comma-separated secret as a list (rotation: several active values, the first one signs). */
export function splitSecretList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export class EnvironmentSecretProvider implements SecretProvider {
  readonly kind = 'environment' as const;
  constructor(private readonly env: Env) {}
  get(name: string): Promise<string | undefined> {
    const value = this.env[name];
    return Promise.resolve(value === undefined || value === '' ? undefined : value);
  }
  invalidate(): void {}
}

/** The part of SecretClient we use (so tests can see what is called, and the SDK loads lazily). */
interface SecretReader {
  getSecret(name: string): Promise<{ value?: string }>;
}

export interface KeyVaultProviderOptions {
  vaultUrl: string;
  ttlMs: number;
  /** AZURE_CLIENT_ID: a user-assigned managed identity. */
  managedIdentityClientId?: string;
  /** PEM to trust for the vault's TLS certificate (loopback test servers only). */
  caPem?: string;
  now?: () => number;
  /** Builds the client; default: SecretClient + DefaultAzureCredential, loaded on first use. */
  createClient?: () => Promise<SecretReader>;
}

function isAuthFailure(err: unknown): boolean {
  const e = err as { statusCode?: number; name?: string; code?: string };
  return (
    e?.statusCode === 401 ||
    e?.statusCode === 403 ||
    e?.name === 'AuthenticationError' ||
    e?.name === 'CredentialUnavailableError' ||
    e?.name === 'AuthenticationRequiredError'
  );
}

export class KeyVaultSecretProvider implements SecretProvider {
  readonly kind = 'key-vault' as const;
  private client: Promise<SecretReader> | undefined;
  private readonly cache = new Map<string, { value: string | undefined; expires: number }>();
  private readonly now: () => number;
  /** How many SecretClients were built (one per process, plus one per authentication refresh). */
  clientsCreated = 0;

  constructor(private readonly options: KeyVaultProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  private async createDefaultClient(): Promise<SecretReader> {
    // Loaded on first use: these SDKs cost ~400 ms of cold start that most invocations never need.
    const [{ SecretClient }, { DefaultAzureCredential }] = await Promise.all([
      import('@azure/keyvault-secrets'),
      import('@azure/identity'),
    ]);
    const url = new URL(this.options.vaultUrl);
    const tls = this.options.caPem ? { tlsOptions: { ca: this.options.caPem } } : {};
    const credential = new DefaultAzureCredential({
      ...(this.options.managedIdentityClientId
        ? { managedIdentityClientId: this.options.managedIdentityClientId }
        : {}),
    });
    return new SecretClient(this.options.vaultUrl, credential, {
      ...tls,
      // Key Vault's challenge names the resource vault.azure.net, which a loopback test vault cannot match.
      disableChallengeResourceVerification: isLoopbackHost(url.hostname),
    });
  }

  private getClient(fresh = false): Promise<SecretReader> {
    if (fresh || !this.client) {
      this.clientsCreated++;
      const created = (this.options.createClient ?? (() => this.createDefaultClient()))();
      created.catch(() => (this.client = undefined));
      this.client = created;
    }
    return this.client;
  }

  async get(name: string): Promise<string | undefined> {
    const cached = this.cache.get(name);
    if (cached && cached.expires > this.now()) return cached.value;
    const value = await this.fetch(name);
    this.cache.set(name, { value, expires: this.now() + this.options.ttlMs });
    return value;
  }

  invalidate(name: string): void {
    this.cache.delete(name);
  }

  private async fetch(name: string): Promise<string | undefined> {
    const kvName = keyVaultSecretName(name);
    try {
      return await this.read(await this.getClient(), kvName);
    } catch (err) {
      if (!isAuthFailure(err)) throw err;
      // The token may be stale (identity changed, role assignment just granted): new credential, once.
      return this.read(await this.getClient(true), kvName);
    }
  }

  private async read(client: SecretReader, kvName: string): Promise<string | undefined> {
    try {
      return (await client.getSecret(kvName)).value;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }
}

/**
 * Builds the provider the configuration asks for (no I/O until the first get). The app builds one per
 * process, in its composition root (shared/app/appServices.ts): one SecretClient, one cache.
 */
export function createSecretProvider(env: Env): SecretProvider {
  const uri = env.KEY_VAULT_URI?.trim();
  if (!uri) return new EnvironmentSecretProvider(env);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(
      `KEY_VAULT_URI "${urlForDisplay(uri)}" is not a URL (expected https://<vault>.vault.azure.net)`,
      'KEY_VAULT_URI',
    );
  }
  if (url.protocol !== 'https:')
    throw new ConfigError(`KEY_VAULT_URI "${urlForDisplay(uri)}" must use https`, 'KEY_VAULT_URI');
  const ttlRaw = env.SECRETS_CACHE_TTL_SECONDS?.trim();
  const ttlSeconds = ttlRaw ? Number(ttlRaw) : 300;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
    throw new ConfigError(
      `SECRETS_CACHE_TTL_SECONDS must be a number of seconds, got "${ttlRaw}"`,
      'SECRETS_CACHE_TTL_SECONDS',
    );
  }
  const caFile = env.KEY_VAULT_CA_FILE?.trim();
  return new KeyVaultSecretProvider({
    vaultUrl: uri,
    ttlMs: ttlSeconds * 1000,
    managedIdentityClientId: env.AZURE_CLIENT_ID?.trim() || undefined,
    caPem: caFile ? readFileSync(caFile, 'utf8') : undefined,
  });
}
