import { readFileSync } from 'node:fs';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import type { EwsAuthSettings } from '../config';
import { ConfigError } from '../configError';
import { probeEndpoint } from '../health/probeEndpoint';
import { MailboxError } from '../../mailbox/mailboxError';

type OAuthSettings = Extract<EwsAuthSettings, { kind: 'oauth' }>;

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

/**
 * The `roles` claim of a `Bearer <JWT>` header: the application permissions Entra put in the token
 * (`full_access_as_app`, `MailboxSettings.ReadWrite`, ...). Undefined when the token is not a JWT with a
 * readable payload. The signature is the resource's to check; this only reads what the token says, for
 * the privilege audit (shared/audit/scopeAudit.ts), and never returns the token itself.
 */
export function rolesClaim(authorizationHeader: string): string[] | undefined {
  const payload = authorizationHeader.replace(/^Bearer\s+/i, '').split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return undefined;
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
export function createTokenCredential(auth: OAuthSettings, options: CredentialOptions = {}): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<AccessToken | null> {
      credential ??= loadCredential(auth, options);
      const loaded = await credential;
      try {
        return await withinTokenTimeout(loaded.getToken(scopes, tokenOptions), auth);
      } catch (error) {
        throw await classifyTokenFailure(error, auth, options);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// A token endpoint that cannot be reached is a transient failure, not a refused credential

/**
 * What MSAL and @azure/identity say when no HTTP answer came from the token endpoint. They keep no error
 * code of the socket (measured with @azure/identity 4.14 and msal-node 3): a closed port or an unknown host
 * gives CredentialUnavailableError "endpoints_resolution_error" while the authority's metadata is not yet
 * known, AuthenticationRequiredError caused by ClientAuthError "network_error" once it is, and the managed
 * identity credential CredentialUnavailableError "Network unreachable … network_error".
 */
const NETWORK_FAILURE =
  /\b(network_error|endpoints_resolution_error|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET)\b/;

/** An @azure/identity error that may mean the token endpoint was not reached (see NETWORK_FAILURE). */
export function isTokenEndpointNetworkFailure(error: unknown): boolean {
  const e = error as { name?: string; message?: string; cause?: { errorCode?: string; message?: string } };
  const identityError =
    e?.name === 'CredentialUnavailableError' ||
    e?.name === 'AuthenticationRequiredError' ||
    e?.name === 'AuthenticationError';
  return identityError && NETWORK_FAILURE.test(`${e.message ?? ''} ${e.cause?.errorCode ?? ''}`);
}

const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** IMDS, where ManagedIdentityCredential asks when App Service's IDENTITY_ENDPOINT is not set. */
const IMDS_ENDPOINT = 'http://169.254.169.254/metadata/identity/oauth2/token';
const DEFAULT_TOKEN_TIMEOUT_MS = 60_000;
/** The probe only asks whether the endpoint answers at all: a few seconds tell. */
const PROBE_TIMEOUT_MS = 5_000;

/** The endpoint the credential asks for tokens, and the setting an operator changes to fix it. */
function tokenEndpoint(auth: OAuthSettings): { url: string; setting: string } {
  if (auth.credential === 'managedIdentity') {
    const endpoint = process.env.IDENTITY_ENDPOINT;
    return endpoint
      ? { url: endpoint, setting: 'IDENTITY_ENDPOINT (set by the Functions host for the managed identity)' }
      : { url: IMDS_ENDPOINT, setting: 'the managed identity endpoint (IMDS; IDENTITY_ENDPOINT is not set)' };
  }
  // @azure/identity reads AZURE_AUTHORITY_HOST itself when the settings name no authority host.
  const fromEnvironment = process.env.AZURE_AUTHORITY_HOST;
  if (auth.authorityHost !== undefined)
    return { url: auth.authorityHost, setting: auth.authorityHostSetting ?? 'EWS_AUTHORITY_HOST' };
  if (fromEnvironment) return { url: fromEnvironment, setting: 'AZURE_AUTHORITY_HOST' };
  return {
    url: ENTRA_AUTHORITY_HOST,
    setting: `EWS_AUTHORITY_HOST (unset: Entra's ${ENTRA_AUTHORITY_HOST})`,
  };
}

function unreachable(auth: OAuthSettings, why: string): MailboxError {
  const { url, setting } = tokenEndpoint(auth);
  return new MailboxError({
    code: 'TokenEndpointUnreachable',
    errorClass: 'transient',
    message:
      `the token endpoint ${new URL(url).origin} could not be reached (${why}); nothing was sent to the mailbox ` +
      `server. Check ${setting} and that this machine can reach it (DNS, firewall, proxy)`,
  });
}

/**
 * @azure/identity has no deadline of its own: against a server that accepts the connection and never
 * answers, getToken waited over 100 s, abortSignal or not. The caller's mailbox call must end at its
 * deadline, so the wait ends here (the abandoned request is left to finish or fail on its own).
 */
async function withinTokenTimeout<T>(token: Promise<T>, auth: OAuthSettings): Promise<T> {
  const timeoutMs = auth.tokenTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreachable(auth, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  token.catch(() => undefined); // its failure after the timeout is nobody's to handle
  try {
    return await Promise.race([token, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An identity error as the caller should see it. When it may be a network failure, an anonymous probe of
 * the token endpoint tells which (and gives the socket's error code the SDK dropped): unreachable is a
 * transient MailboxError, so a workflow retries it and the CLI exits 4; an authority that answers but had no
 * metadata to give is a wrong tenant or authority host, a ConfigError. Any other error is returned as it is
 * (a refused secret stays the SDK's own error).
 */
async function classifyTokenFailure(
  error: unknown,
  auth: OAuthSettings,
  options: CredentialOptions,
): Promise<unknown> {
  if (error instanceof MailboxError || !isTokenEndpointNetworkFailure(error)) return error;
  const { url, setting } = tokenEndpoint(auth);
  const probe = await probeEndpoint(
    { url: new URL(url), caPem: options.ca },
    Math.min(PROBE_TIMEOUT_MS, auth.tokenTimeoutMs ?? PROBE_TIMEOUT_MS),
  );
  if (!probe.reachable) return unreachable(auth, probe.error ?? 'no answer');
  if (/endpoints_resolution_error/.test((error as Error).message)) {
    return new ConfigError(
      `the authority ${new URL(url).origin} answers, but gave no OpenID configuration for tenant ` +
        `"${auth.tenantId ?? ''}": check EWS_TENANT_ID and ${setting}`,
      'EWS_TENANT_ID',
    );
  }
  // It answers now: the failure was on the way (a reset, a timeout inside the SDK). Worth another try.
  return unreachable(
    auth,
    `${(error as Error).message.split('\n')[0] ?? ''}; it answers an anonymous request now`,
  );
}

async function loadCredential(auth: OAuthSettings, options: CredentialOptions): Promise<TokenCredential> {
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
