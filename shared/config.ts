/**
 * All settings are read and validated here, once. A missing or malformed setting fails at start
 * with a ConfigError naming it; nothing downstream reads process.env.
 */
import { ConfigError } from './configError';
import { MailboxScope } from './scope';

export type Env = Record<string, string | undefined>;

export const SERVER_VERSIONS = [
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
] as const;
export type ServerVersion = (typeof SERVER_VERSIONS)[number];

/** How ExchangeImpersonation names the mailbox (ConnectingSID child element). */
export type ConnectingSidKind = 'PrimarySmtpAddress' | 'SmtpAddress' | 'PrincipalName' | 'SID';
export const CONNECTING_SID_KINDS: readonly ConnectingSidKind[] = [
  'PrimarySmtpAddress',
  'SmtpAddress',
  'PrincipalName',
  'SID',
];

export type EwsAuthSettings =
  | { kind: 'basic'; username: string; password: string }
  | {
      kind: 'oauth';
      /** Which @azure/identity credential: client secret, client certificate, or managed identity. */
      credential: 'clientSecret' | 'clientCertificate' | 'managedIdentity';
      tenantId?: string;
      clientId?: string;
      clientSecret?: string;
      certificatePath?: string;
      /** Entra authority host; tests point it at a loopback token server. */
      authorityHost?: string;
      scope: string;
    };

export interface EwsSettings {
  url: URL;
  auth: EwsAuthSettings;
  serverVersion: ServerVersion;
  connectingSid: ConnectingSidKind;
  timeoutMs: number;
  connectTimeoutMs: number;
  connections: number;
  maxInFlightPerMailbox: number;
  maxInFlightPerEndpoint: number;
  maxAttempts: number;
  maxTotalWaitMs: number;
  caFile?: string;
}

export const DEFAULT_OAUTH_SCOPE = 'https://outlook.office365.com/.default';

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number, got "${raw}"`, name);
  }
  return value;
}

function required(env: Env, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set: ${why}`, name);
  return value;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parses and checks the EWS endpoint: https, or plain http to a loopback address only. */
export function parseEwsUrl(raw: string, setting = 'EWS_URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `${setting} "${raw}" is not a URL (expected https://mail.contoso.com/EWS/Exchange.asmx)`,
      setting,
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `${setting} "${raw}" uses plain http to a remote host; credentials would travel in clear: use https`,
      setting,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${setting} "${raw}" must be an https URL`, setting);
  }
  return url;
}

export function loadEwsSettings(env: Env, overrides: { url?: string } = {}): EwsSettings {
  const urlRaw = overrides.url ?? env.EWS_URL;
  if (!urlRaw) {
    throw new ConfigError(
      'EWS_URL is not set: set it to the EWS endpoint (e.g. https://outlook.office365.com/EWS/Exchange.asmx) or pass --ews-url',
      'EWS_URL',
    );
  }
  const url = parseEwsUrl(urlRaw, overrides.url ? '--ews-url' : 'EWS_URL');

  const authKind = (env.EWS_AUTH ?? 'oauth').trim().toLowerCase();
  let auth: EwsAuthSettings;
  if (authKind === 'basic') {
    auth = {
      kind: 'basic',
      username: required(env, 'EWS_USERNAME', 'Basic auth needs the service account (DOMAIN\\user or UPN)'),
      password: required(env, 'EWS_PASSWORD', "Basic auth needs the service account's password"),
    };
  } else if (authKind === 'oauth') {
    const scope = env.EWS_OAUTH_SCOPE?.trim() || DEFAULT_OAUTH_SCOPE;
    const authorityHost = env.EWS_AUTHORITY_HOST?.trim() || env.AZURE_AUTHORITY_HOST?.trim() || undefined;
    if (env.EWS_CLIENT_SECRET || env.EWS_CLIENT_CERTIFICATE_PATH) {
      if (env.EWS_CLIENT_SECRET && env.EWS_CLIENT_CERTIFICATE_PATH) {
        throw new ConfigError(
          'EWS_CLIENT_SECRET and EWS_CLIENT_CERTIFICATE_PATH are both set: choose one',
          'EWS_CLIENT_SECRET',
        );
      }
      auth = {
        kind: 'oauth',
        credential: env.EWS_CLIENT_SECRET ? 'clientSecret' : 'clientCertificate',
        tenantId: required(env, 'EWS_TENANT_ID', 'app-only OAuth needs the Entra tenant id'),
        clientId: required(env, 'EWS_CLIENT_ID', "app-only OAuth needs the app registration's client id"),
        clientSecret: env.EWS_CLIENT_SECRET,
        certificatePath: env.EWS_CLIENT_CERTIFICATE_PATH,
        authorityHost,
        scope,
      };
    } else {
      // No secret and no certificate: the app's managed identity (AZURE_CLIENT_ID for a user-assigned one).
      auth = {
        kind: 'oauth',
        credential: 'managedIdentity',
        clientId: env.EWS_CLIENT_ID?.trim() || env.AZURE_CLIENT_ID?.trim() || undefined,
        authorityHost,
        scope,
      };
    }
  } else {
    throw new ConfigError(`EWS_AUTH must be "basic" or "oauth", got "${env.EWS_AUTH}"`, 'EWS_AUTH');
  }

  const serverVersion = (env.EWS_SERVER_VERSION?.trim() || 'Exchange2016') as ServerVersion;
  if (!SERVER_VERSIONS.includes(serverVersion)) {
    throw new ConfigError(
      `EWS_SERVER_VERSION "${serverVersion}" is not one Exchange knows; use one of ${SERVER_VERSIONS.join(', ')} ` +
        '(Exchange2016 is right for 2016, 2019, SE and Exchange Online)',
      'EWS_SERVER_VERSION',
    );
  }
  const connectingSid = (env.EWS_IMPERSONATION_ID?.trim() || 'PrimarySmtpAddress') as ConnectingSidKind;
  if (!CONNECTING_SID_KINDS.includes(connectingSid)) {
    throw new ConfigError(
      `EWS_IMPERSONATION_ID must be one of ${CONNECTING_SID_KINDS.join(', ')}, got "${connectingSid}"`,
      'EWS_IMPERSONATION_ID',
    );
  }

  return {
    url,
    auth,
    serverVersion,
    connectingSid,
    timeoutMs: positiveInt(env, 'EWS_TIMEOUT_MS', 100_000),
    connectTimeoutMs: positiveInt(env, 'EWS_CONNECT_TIMEOUT_MS', 10_000),
    connections: positiveInt(env, 'EWS_CONNECTIONS', 32),
    maxInFlightPerMailbox: positiveInt(env, 'EWS_MAX_IN_FLIGHT_PER_MAILBOX', 3),
    maxInFlightPerEndpoint: positiveInt(env, 'EWS_MAX_IN_FLIGHT', 27),
    maxAttempts: positiveInt(env, 'EWS_MAX_ATTEMPTS', 6),
    maxTotalWaitMs: positiveInt(env, 'EWS_MAX_RETRY_WAIT_MS', 120_000),
    caFile: env.EWS_CA_FILE?.trim() || undefined,
  };
}

/** MAILBOX_SCOPE: unset means no mailbox may be impersonated. */
export function loadMailboxScope(env: Env): MailboxScope {
  return MailboxScope.parse(env.MAILBOX_SCOPE);
}

// ---------------------------------------------------------------------------------------------------
// Leave-driven automatic replies (functions/leave*.ts, functions/hrWebhook.ts)

export type LeaveAudience = 'None' | 'Known' | 'All';

export interface LeaveSettings {
  /** Who outside the organisation gets the external reply (`LEAVE_OOF_AUDIENCE`, default Known). */
  externalAudience: LeaveAudience;
  /** Locale whose templates are used when the person's locale has none (`LEAVE_DEFAULT_LOCALE`, default en). */
  defaultLocale: string;
  /** Optional JSON file `{ "<locale>": { "internal": "...", "external": "..." } }` (`LEAVE_TEMPLATES_FILE`). */
  templatesFile?: string;
  /** Attempts per mailbox call for transient errors (`LEAVE_MAX_ATTEMPTS`, default 5). */
  maxAttempts: number;
  /** First retry interval in ms, doubled each time (`LEAVE_RETRY_FIRST_MS`, default 5000). */
  firstRetryMs: number;
  /** Base URL of HiBob's API (`HIBOB_API_URL`, default https://api.hibob.com); getApi links must point there. */
  hibobApiUrl: URL;
  /** HiBob gives no time zone or locale per request: these apply (`HIBOB_TIME_ZONE`, `HIBOB_LOCALE`). */
  hibobTimeZone: string;
  hibobLocale: string;
}

export function loadLeaveSettings(env: Env): LeaveSettings {
  const audienceRaw = (env.LEAVE_OOF_AUDIENCE ?? 'Known').trim().toLowerCase();
  const audiences: Record<string, LeaveAudience> = { none: 'None', known: 'Known', all: 'All' };
  const externalAudience = audiences[audienceRaw];
  if (!externalAudience) {
    throw new ConfigError(
      `LEAVE_OOF_AUDIENCE must be none, known or all, got "${env.LEAVE_OOF_AUDIENCE}"`,
      'LEAVE_OOF_AUDIENCE',
    );
  }
  const hibobRaw = env.HIBOB_API_URL?.trim() || 'https://api.hibob.com';
  let hibobApiUrl: URL;
  try {
    hibobApiUrl = new URL(hibobRaw);
  } catch {
    throw new ConfigError(
      `HIBOB_API_URL "${hibobRaw}" is not a URL (expected https://api.hibob.com)`,
      'HIBOB_API_URL',
    );
  }
  if (
    hibobApiUrl.protocol !== 'https:' &&
    !(hibobApiUrl.protocol === 'http:' && isLoopbackHost(hibobApiUrl.hostname))
  ) {
    throw new ConfigError(`HIBOB_API_URL "${hibobRaw}" must use https`, 'HIBOB_API_URL');
  }
  return {
    externalAudience,
    defaultLocale: env.LEAVE_DEFAULT_LOCALE?.trim() || 'en',
    templatesFile: env.LEAVE_TEMPLATES_FILE?.trim() || undefined,
    maxAttempts: positiveInt(env, 'LEAVE_MAX_ATTEMPTS', 5),
    firstRetryMs: positiveInt(env, 'LEAVE_RETRY_FIRST_MS', 5000),
    hibobApiUrl,
    hibobTimeZone: env.HIBOB_TIME_ZONE?.trim() || 'UTC',
    hibobLocale: env.HIBOB_LOCALE?.trim() || 'en',
  };
}
