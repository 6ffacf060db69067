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

/** How a mailbox back end talks to its endpoint: the same knobs for EWS and Graph, each with its own prefix. */
export interface TransportSettings {
  /** Deadline of one mailbox call, retries included. */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Connections in the pool to the endpoint. */
  connections: number;
  maxInFlightPerMailbox: number;
  maxInFlightPerEndpoint: number;
  maxAttempts: number;
  maxTotalWaitMs: number;
  /** Extra CA certificate (PEM file) to trust. */
  caFile?: string;
}

/**
 * Reads `<PREFIX>_TIMEOUT_MS`, `_CONNECT_TIMEOUT_MS`, `_CONNECTIONS`, `_MAX_IN_FLIGHT_PER_MAILBOX`,
 * `_MAX_IN_FLIGHT`, `_MAX_ATTEMPTS`, `_MAX_RETRY_WAIT_MS`; the caller decides the CA file.
 */
function loadTransportSettings(
  env: Env,
  prefix: 'EWS' | 'GRAPH',
  defaults: { maxInFlightPerMailbox: number; maxInFlightPerEndpoint: number },
): Omit<TransportSettings, 'caFile'> {
  const maxInFlightPerEndpoint = positiveInt(env, `${prefix}_MAX_IN_FLIGHT`, defaults.maxInFlightPerEndpoint);
  return {
    timeoutMs: positiveInt(env, `${prefix}_TIMEOUT_MS`, 100_000),
    connectTimeoutMs: positiveInt(env, `${prefix}_CONNECT_TIMEOUT_MS`, 10_000),
    // More sockets than calls in flight: undici hands a keep-alive socket that has just answered its next
    // request only after the event loop's next check phase (it first looks for a FIN or RST that came in
    // while the socket was idle), so with one socket per call a queued call waits for the very socket that
    // just freed its slot. A few spare idle sockets take it at once (sweep benchmark: ~1 ms less per call
    // than with 27 sockets for 27 calls; 32 and 54 measured alike).
    connections: positiveInt(env, `${prefix}_CONNECTIONS`, Math.max(32, maxInFlightPerEndpoint + 5)),
    maxInFlightPerMailbox: positiveInt(
      env,
      `${prefix}_MAX_IN_FLIGHT_PER_MAILBOX`,
      defaults.maxInFlightPerMailbox,
    ),
    maxInFlightPerEndpoint,
    maxAttempts: positiveInt(env, `${prefix}_MAX_ATTEMPTS`, 6),
    maxTotalWaitMs: positiveInt(env, `${prefix}_MAX_RETRY_WAIT_MS`, 120_000),
  };
}

export interface EwsSettings extends TransportSettings {
  url: URL;
  auth: EwsAuthSettings;
  serverVersion: ServerVersion;
  connectingSid: ConnectingSidKind;
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
    // Exchange's default concurrency budget is 27 per account; budgets are charged per impersonated mailbox.
    ...loadTransportSettings(env, 'EWS', { maxInFlightPerMailbox: 3, maxInFlightPerEndpoint: 27 }),
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

// ---- archive sweep (functions/archiveSweep*.ts, cli sweep archive) ----
// (imports kept with this section so that the sections of this file stay independent)
import { isSmtpAddress } from './address';
import { PRIMARY_FOLDERS, type FolderName } from './mailbox/mailboxOperations';

/** Where sweep reports go: a connection string (Azurite locally), or the host's identity in Azure. */
export type ReportsStorageSettings =
  | { kind: 'connectionString'; connectionString: string; container: string }
  | { kind: 'identity'; blobServiceUrl: string; clientId?: string; container: string };

export interface SweepSettings {
  /** NCRONTAB for the timer; unset means the timer is not registered (no setting, no sweep). */
  schedule?: string;
  olderThanDays: number;
  /** Primary-mailbox folders to archive from. */
  folders: FolderName[];
  /** Per mailbox and run; the rest moves next run. */
  maxItemsPerRun: number;
  batchSize: number;
  maxBatchesInFlight: number;
  /** Distribution group whose (nested) members are swept. */
  scopeGroup?: string;
  /** Explicit mailboxes swept in addition to the group's members. */
  mailboxes: string[];
  /** The mailbox impersonated for ExpandDL / ResolveNames (must be in MAILBOX_SCOPE). */
  serviceMailbox?: string;
  /** Activity attempts for transient failures (callActivityWithRetry) and the first retry interval. */
  maxAttempts: number;
  firstRetryMs: number;
  /** Undefined: reports cannot be written to Blob storage (the CLI saves files instead). */
  reports?: ReportsStorageSettings;
}

function smtpList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(/[,;\s]+/)
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => {
      if (!isSmtpAddress(e)) throw new ConfigError(`${name}: "${e}" is not an e-mail address`, name);
      return e.toLowerCase();
    });
}

function optionalSmtp(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!isSmtpAddress(raw)) throw new ConfigError(`${name}: "${raw}" is not an e-mail address`, name);
  return raw.toLowerCase();
}

/**
 * Reports go to the `reports` container of the app's own storage: REPORTS_STORAGE_CONNECTION_STRING,
 * else AzureWebJobsStorage as a connection string (UseDevelopmentStorage=true is Azurite), else the
 * identity-based AzureWebJobsStorage__blobServiceUri / __accountName (DefaultAzureCredential, with
 * AzureWebJobsStorage__clientId for a user-assigned identity).
 */
export function loadReportsStorage(env: Env): ReportsStorageSettings | undefined {
  const container = env.REPORTS_CONTAINER?.trim() || 'reports';
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
    throw new ConfigError(
      `REPORTS_CONTAINER "${container}" is not a valid blob container name`,
      'REPORTS_CONTAINER',
    );
  }
  const connectionString = env.REPORTS_STORAGE_CONNECTION_STRING?.trim() || env.AzureWebJobsStorage?.trim();
  if (connectionString) return { kind: 'connectionString', connectionString, container };
  const serviceUri = env.AzureWebJobsStorage__blobServiceUri?.trim();
  const account = env.AzureWebJobsStorage__accountName?.trim();
  const clientId = env.AzureWebJobsStorage__clientId?.trim() || undefined;
  if (serviceUri) return { kind: 'identity', blobServiceUrl: serviceUri, clientId, container };
  if (account) {
    if (!/^[a-z0-9]{3,24}$/.test(account)) {
      throw new ConfigError(
        `AzureWebJobsStorage__accountName "${account}" is not a storage account name`,
        'AzureWebJobsStorage__accountName',
      );
    }
    return {
      kind: 'identity',
      blobServiceUrl: `https://${account}.blob.core.windows.net`,
      clientId,
      container,
    };
  }
  return undefined;
}

export function loadSweepSettings(env: Env): SweepSettings {
  const schedule = env.ARCHIVE_SWEEP_SCHEDULE?.trim() || undefined;
  if (schedule && schedule.split(/\s+/).length !== 6) {
    throw new ConfigError(
      `ARCHIVE_SWEEP_SCHEDULE "${schedule}" is not an NCRONTAB expression with six fields ` +
        '(second minute hour day month weekday), e.g. "0 0 2 * * *" for 02:00 every night',
      'ARCHIVE_SWEEP_SCHEDULE',
    );
  }
  const folders = (env.ARCHIVE_FOLDERS?.trim() || 'inbox')
    .split(/[,;\s]+/)
    .filter((f) => f.length > 0)
    .map((f) => f.toLowerCase());
  for (const folder of folders) {
    if (!(PRIMARY_FOLDERS as readonly string[]).includes(folder)) {
      throw new ConfigError(
        `ARCHIVE_FOLDERS: "${folder}" is not a primary-mailbox folder; use any of ${PRIMARY_FOLDERS.join(', ')}`,
        'ARCHIVE_FOLDERS',
      );
    }
  }
  const scopeGroup = optionalSmtp(env, 'MAILBOX_SCOPE_GROUP');
  const serviceMailbox = optionalSmtp(env, 'EWS_SERVICE_MAILBOX');
  if (scopeGroup && !serviceMailbox) {
    throw new ConfigError(
      'EWS_SERVICE_MAILBOX is not set: expanding MAILBOX_SCOPE_GROUP acts as a mailbox; set it to a service mailbox in MAILBOX_SCOPE',
      'EWS_SERVICE_MAILBOX',
    );
  }
  const batchSize = positiveInt(env, 'SWEEP_BATCH_SIZE', 50);
  if (batchSize > 1000)
    throw new ConfigError(`SWEEP_BATCH_SIZE must be at most 1000, got ${batchSize}`, 'SWEEP_BATCH_SIZE');
  return {
    schedule,
    olderThanDays: positiveInt(env, 'ARCHIVE_OLDER_THAN_DAYS', 365),
    folders: [...new Set(folders)] as FolderName[],
    maxItemsPerRun: positiveInt(env, 'ARCHIVE_MAX_ITEMS_PER_RUN', 5000),
    batchSize,
    maxBatchesInFlight: positiveInt(env, 'SWEEP_MAX_BATCHES_IN_FLIGHT', 10),
    scopeGroup,
    mailboxes: smtpList(env, 'SWEEP_MAILBOXES'),
    serviceMailbox,
    maxAttempts: positiveInt(env, 'SWEEP_MAX_ATTEMPTS', 4),
    firstRetryMs: positiveInt(env, 'SWEEP_RETRY_INTERVAL_MS', 5000),
    reports: loadReportsStorage(env),
  };
}

// ---- mailbox back end: EWS or Microsoft Graph (shared/mailbox/mailboxBackend.ts, shared/graph) ----

/** Which implementation of the mailbox operations the app uses (`MAILBOX_BACKEND`, default ews). */
export type MailboxBackendKind = 'ews' | 'graph';

export function loadMailboxBackendKind(env: Env): MailboxBackendKind {
  const raw = (env.MAILBOX_BACKEND ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'ews') return 'ews';
  if (raw === 'graph') return 'graph';
  throw new ConfigError(
    `MAILBOX_BACKEND must be "ews" (Exchange Server, or Exchange Online while EWS is allowed) or "graph" ` +
      `(Exchange Online through Microsoft Graph), got "${env.MAILBOX_BACKEND}"`,
    'MAILBOX_BACKEND',
  );
}

export const DEFAULT_GRAPH_URL = 'https://graph.microsoft.com/v1.0';
export const DEFAULT_GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphSettings extends TransportSettings {
  /** Base URL up to and including the version segment, e.g. https://graph.microsoft.com/v1.0. */
  url: URL;
  /** The same app registration (or managed identity) as EWS, asking for a Graph token. */
  auth: Extract<EwsAuthSettings, { kind: 'oauth' }>;
}

/**
 * Graph settings. Credentials are the EWS ones (EWS_TENANT_ID, EWS_CLIENT_ID, EWS_CLIENT_SECRET or
 * EWS_CLIENT_CERTIFICATE_PATH, else the managed identity; EWS_AUTHORITY_HOST): one app registration, read
 * by the same code, with the Graph scope. Graph has no Basic auth.
 */
export function loadGraphSettings(env: Env): GraphSettings {
  if ((env.EWS_AUTH ?? 'oauth').trim().toLowerCase() !== 'oauth') {
    throw new ConfigError(
      'EWS_AUTH=basic cannot be used with MAILBOX_BACKEND=graph: Microsoft Graph takes app-only OAuth only ' +
        '(unset EWS_AUTH and give EWS_TENANT_ID, EWS_CLIENT_ID and a secret, certificate or managed identity)',
      'EWS_AUTH',
    );
  }
  const raw = env.GRAPH_URL?.trim() || DEFAULT_GRAPH_URL;
  let url: URL;
  try {
    url = new URL(raw.replace(/\/+$/, ''));
  } catch {
    throw new ConfigError(`GRAPH_URL "${raw}" is not a URL (expected ${DEFAULT_GRAPH_URL})`, 'GRAPH_URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(
      `GRAPH_URL "${raw}" must use https (plain http is accepted for a loopback stand-in only)`,
      'GRAPH_URL',
    );
  }
  // Reuse the EWS credential rules as they are; the endpoint given here only satisfies that loader.
  const ews = loadEwsSettings({
    ...env,
    EWS_URL: 'https://outlook.office365.com/EWS/Exchange.asmx',
    EWS_AUTH: 'oauth',
    EWS_OAUTH_SCOPE: env.GRAPH_OAUTH_SCOPE?.trim() || DEFAULT_GRAPH_SCOPE,
  });
  if (ews.auth.kind !== 'oauth') throw new ConfigError('Graph needs app-only OAuth', 'EWS_AUTH');
  return {
    url,
    auth: ews.auth,
    // Outlook's Graph limits: 4 concurrent requests per app and mailbox.
    ...loadTransportSettings(env, 'GRAPH', { maxInFlightPerMailbox: 4, maxInFlightPerEndpoint: 20 }),
    caFile: env.GRAPH_CA_FILE?.trim() || env.EWS_CA_FILE?.trim() || undefined,
  };
}

/**
 * Refuses archive work on a back end that cannot archive: Microsoft Graph v1.0 has no path to the
 * In-Place Archive mailbox. Throws ConfigError naming MAILBOX_BACKEND (the sweep's HTTP start answers
 * 409, the CLI exits 2), so nothing starts rather than a sweep that silently does nothing.
 */
export function assertArchivingSupported(env: Env): void {
  if (loadMailboxBackendKind(env) === 'graph') {
    throw new ConfigError(
      'archiving needs the EWS back end: MAILBOX_BACKEND=graph cannot reach the In-Place Archive mailbox ' +
        '(Microsoft Graph v1.0 has no API for it). Run archive sweeps with MAILBOX_BACKEND=ews ' +
        '(Exchange Server, or Exchange Online while the app is allowed to use EWS)',
      'MAILBOX_BACKEND',
    );
  }
}
