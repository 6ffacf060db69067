import { readFileSync } from 'node:fs';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { EwsAuthSettings } from '../config';
import { ConfigError } from '../configError';

/** Produces the Authorization header value for each request. */
export interface AuthorizationProvider {
  header(forceRefresh?: boolean): Promise<string>;
  readonly kind: 'basic' | 'oauth';
}

export class BasicAuthorization implements AuthorizationProvider {
  readonly kind = 'basic' as const;
  private readonly value: string;
  constructor(username: string, password: string) {
    this.value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }
  header(): Promise<string> {
    return Promise.resolve(this.value);
  }
}

// Refresh a little before expiry so a token never lapses mid-request.
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * App-only OAuth through any @azure/identity credential. The credential caches too, but asking it on
 * every call costs measurable CPU at thousands of calls per second, so the header is kept until close
 * to expiry.
 */
export class TokenAuthorization implements AuthorizationProvider {
  readonly kind = 'oauth' as const;
  private cached?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}

  header(forceRefresh = false): Promise<string> {
    if (!forceRefresh && this.cached && Date.now() < this.cached.refreshAt)
      return Promise.resolve(this.cached.value);
    // One token request at a time, however many callers arrive together.
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<string> {
    const token = await this.credential.getToken(this.scope);
    if (!token) throw new Error(`the credential returned no token for scope ${this.scope}`);
    const value = `Bearer ${token.token}`;
    this.cached = { value, refreshAt: token.expiresOnTimestamp - REFRESH_MARGIN_MS };
    return value;
  }
}

export interface CredentialOptions {
  /** Extra CA certificates (PEM) to trust for the token endpoint, e.g. a loopback test server's. */
  ca?: string;
}

/**
 * The @azure/identity credential the settings describe. @azure/identity is loaded on the first token
 * request, not at start: it takes longer to load than the rest of the app (cold starts, CLI), and Basic
 * never needs it. Settings problems (an unreadable certificate) still surface before anything is sent.
 */
export function createTokenCredential(
  auth: Extract<EwsAuthSettings, { kind: 'oauth' }>,
  options: CredentialOptions = {},
): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<AccessToken | null> {
      credential ??= loadCredential(auth, options);
      return (await credential).getToken(scopes, tokenOptions);
    },
  };
}

async function loadCredential(
  auth: Extract<EwsAuthSettings, { kind: 'oauth' }>,
  options: CredentialOptions,
): Promise<TokenCredential> {
  const { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } =
    await import('@azure/identity');
  const common = {
    authorityHost: auth.authorityHost,
    // Instance discovery asks login.microsoftonline.com about the authority; a custom authority host
    // (sovereign cloud, test server) must not depend on it.
    disableInstanceDiscovery: auth.authorityHost !== undefined,
    ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
  };
  switch (auth.credential) {
    case 'clientSecret':
      return new ClientSecretCredential(
        auth.tenantId ?? '',
        auth.clientId ?? '',
        auth.clientSecret ?? '',
        common,
      );
    case 'clientCertificate': {
      const path = auth.certificatePath ?? '';
      let pem: string;
      try {
        pem = readFileSync(path, 'utf8');
      } catch (error) {
        throw new ConfigError(
          `EWS_CLIENT_CERTIFICATE_PATH "${path}" cannot be read: ${(error as Error).message}`,
          'EWS_CLIENT_CERTIFICATE_PATH',
        );
      }
      return new ClientCertificateCredential(
        auth.tenantId ?? '',
        auth.clientId ?? '',
        { certificate: pem },
        common,
      );
    }
    case 'managedIdentity':
      return auth.clientId
        ? new ManagedIdentityCredential({ clientId: auth.clientId })
        : new ManagedIdentityCredential();
  }
}
