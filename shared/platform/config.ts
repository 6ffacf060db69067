/**
 * The app's settings, parsed and checked. Which settings exist, their defaults and allowed values are
 * in the catalogue (shared/platform/settings.ts); this file reads them only through it, so a name that is not
 * in the catalogue does not compile. A missing or malformed setting is a ConfigError naming it.
 * `checkSettingsAtStart` (functions/appStart.ts) checks every setting that is set, and the relations
 * between them, once when the app starts.
 */
import { isSmtpAddress } from '../mailbox/address';
import { ConfigError } from './configError';
import {
  CONNECTING_SID_KINDS,
  SERVER_VERSIONS,
  SETTINGS,
  settingDefinition,
  settingOrDefault,
  requirementMessage,
  settingValue,
  type Env,
  type Requirement,
  type SettingName,
  type SettingType,
} from './settings';
import { PRIMARY_FOLDERS, type ExternalAudience, type FolderName } from '../mailbox/mailboxOperations';
import { MailboxScope } from '../mailbox/scope';

export { CONNECTING_SID_KINDS, SERVER_VERSIONS, type Env };
export type ServerVersion = (typeof SERVER_VERSIONS)[number];
/** How ExchangeImpersonation names the mailbox (ConnectingSID child element). */
export type ConnectingSidKind = (typeof CONNECTING_SID_KINDS)[number];

// ---------------------------------------------------------------------------------------------------
// Reading one setting by its catalogue type

/** The value, or the catalogue's default; undefined when neither. */
function text(env: Env, name: SettingName): string | undefined {
  return settingOrDefault(env, name);
}

/** A whole number above zero (at most the catalogue's `max`); `computed` when unset and the catalogue has no default. */
function count(env: Env, name: SettingName, computed?: number): number {
  const raw = settingValue(env, name);
  const definition = settingDefinition(name);
  if (raw === undefined) {
    const fallback = definition.default ?? computed;
    if (typeof fallback !== 'number') throw new Error(`${name} has no default in the settings catalogue`);
    return fallback;
  }
  const value = Number(raw);
  const min = definition.min ?? 1;
  if (!Number.isInteger(value) || value < min) {
    const what =
      min === 0
        ? 'a whole number, 0 or more'
        : min === 1
          ? 'a positive whole number'
          : `a whole number of at least ${min}`;
    throw new ConfigError(`${name} must be ${what}, got "${raw}"`, name);
  }
  if (definition.max !== undefined && value > definition.max) {
    throw new ConfigError(`${name} must be at most ${definition.max}, got ${value}`, name);
  }
  return value;
}

/** A number of seconds, zero or more. */
function seconds(env: Env, name: SettingName): number {
  const raw = text(env, name) ?? '';
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a number of seconds, got "${raw}"`, name);
  }
  return value;
}

/** One of the catalogue's values, compared without case, in the catalogue's spelling. */
function choice<T extends string>(env: Env, name: SettingName): T {
  const values = settingDefinition(name).values ?? [];
  const raw = text(env, name) ?? '';
  const found = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (found === undefined) {
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`, name);
  }
  return found as T;
}

function email(env: Env, name: SettingName): string | undefined {
  const raw = settingValue(env, name);
  if (raw === undefined) return undefined;
  if (!isSmtpAddress(raw)) throw new ConfigError(`${name}: "${raw}" is not an e-mail address`, name);
  return raw.toLowerCase();
}

function emailList(env: Env, name: SettingName): string[] {
  return (settingValue(env, name) ?? '')
    .split(/[,;\s]+/)
    .filter((e) => e.length > 0)
    .map((e) => {
      if (!isSmtpAddress(e)) throw new ConfigError(`${name}: "${e}" is not an e-mail address`, name);
      return e.toLowerCase();
    });
}

/** A URL setting, default applied, checked by the https-or-loopback rule. */
function url(env: Env, name: SettingName, example: string): URL | undefined {
  const raw = text(env, name);
  return raw === undefined ? undefined : parseSecureUrl(raw, name, example);
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A configured URL as it may be shown in a message or a log: a user name and password become `***`, and so
 * does every query value (an Azure Functions URL carries its function key as `?code=`). Text that does not
 * parse as a URL loses everything between `//` and its last `@`: a password holding a `/` or `#` makes the
 * URL unparseable, and it must not be echoed either.
 */
export function urlForDisplay(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return raw.replace(/\/\/.*@/s, '//***@');
  }
  const userInfo = parsed.username !== '' || parsed.password !== '';
  // Nothing to hide: shown as the operator wrote it, which is what they will look for.
  if (!userInfo && parsed.search === '') return raw;
  parsed.username = '';
  parsed.password = '';
  for (const name of new Set(parsed.searchParams.keys())) parsed.searchParams.set(name, '***');
  return userInfo ? parsed.href.replace('//', '//***@') : parsed.href;
}

/**
 * No user name or password in a configured URL: the clients never send them from there (the EWS and Graph
 * clients connect to the URL's origin and path only, fetch refuses such a URL), and a URL is shown in
 * messages and logs, where a password must not be.
 */
export function refuseUrlCredentials(parsed: URL, setting: string, credentialsBelong: string): void {
  if (parsed.username === '' && parsed.password === '') return;
  throw new ConfigError(
    `${setting} "${urlForDisplay(parsed.href)}" has a user name or password in it: credentials in the URL are ` +
      `not accepted (they would not be sent, and would show wherever the URL is logged); they belong ${credentialsBelong}`,
    setting,
  );
}

/**
 * The rule for every endpoint the app sends credentials or personal data to: https, or plain http to
 * a loopback address (a local stand-in) only, and no user name or password in it. `setting` names where
 * the value came from; `credentialsBelong` says where credentials go instead. Messages show the URL
 * through urlForDisplay.
 */
export function parseSecureUrl(
  raw: string,
  setting: string,
  example: string,
  credentialsBelong = 'in the settings meant for them, e.g. Key Vault secrets',
): URL {
  const shown = urlForDisplay(raw);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${setting} "${shown}" is not a URL (expected ${example})`, setting);
  }
  refuseUrlCredentials(parsed, setting, credentialsBelong);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new ConfigError(
      `${setting} "${shown}" uses plain http to a remote host; credentials would travel in clear: use https`,
      setting,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${setting} "${shown}" must be an https URL`, setting);
  }
  return parsed;
}

function ncrontab(env: Env, name: SettingName): string | undefined {
  const schedule = settingValue(env, name);
  if (schedule && schedule.split(/\s+/).length !== 6) {
    throw new ConfigError(
      `${name} "${schedule}" is not an NCRONTAB expression with six fields ` +
        '(second minute hour day month weekday), e.g. "0 0 2 * * *" for 02:00 every night',
      name,
    );
  }
  return schedule;
}

// ---------------------------------------------------------------------------------------------------
// EWS

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
      /** The setting authorityHost came from, for messages about the token endpoint. */
      authorityHostSetting?: 'EWS_AUTHORITY_HOST' | 'AZURE_AUTHORITY_HOST';
      /** Longest wait for a token: the mailbox call's own deadline (EWS_TIMEOUT_MS / GRAPH_TIMEOUT_MS). */
      tokenTimeoutMs?: number;
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

/** `<PREFIX>_TIMEOUT_MS` … `_MAX_RETRY_WAIT_MS`, defaults from the catalogue; the caller decides the CA file. */
function loadTransportSettings(env: Env, prefix: 'EWS' | 'GRAPH'): Omit<TransportSettings, 'caFile'> {
  const maxInFlightPerEndpoint = count(env, `${prefix}_MAX_IN_FLIGHT`);
  return {
    timeoutMs: count(env, `${prefix}_TIMEOUT_MS`),
    connectTimeoutMs: count(env, `${prefix}_CONNECT_TIMEOUT_MS`),
    // More sockets than calls in flight: undici hands a keep-alive socket that has just answered its next
    // request only after the event loop's next check phase (it first looks for a FIN or RST that came in
    // while the socket was idle), so with one socket per call a queued call waits for the very socket that
    // just freed its slot. A few spare idle sockets take it at once (sweep benchmark: ~1 ms less per call
    // than with 27 sockets for 27 calls; 32 and 54 measured alike).
    connections: count(env, `${prefix}_CONNECTIONS`, Math.max(32, maxInFlightPerEndpoint + 5)),
    maxInFlightPerMailbox: count(env, `${prefix}_MAX_IN_FLIGHT_PER_MAILBOX`),
    maxInFlightPerEndpoint,
    maxAttempts: count(env, `${prefix}_MAX_ATTEMPTS`),
    maxTotalWaitMs: count(env, `${prefix}_MAX_RETRY_WAIT_MS`),
  };
}

export interface EwsSettings extends TransportSettings {
  url: URL;
  auth: EwsAuthSettings;
  serverVersion: ServerVersion;
  connectingSid: ConnectingSidKind;
  /** EWS_MAX_BACKOFF_MS: the longest server-named back-off honoured. */
  maxBackOffMs: number;
}

export const DEFAULT_OAUTH_SCOPE = String(settingDefinition('EWS_OAUTH_SCOPE').default);
const EWS_URL_EXAMPLE = 'https://mail.contoso.com/EWS/Exchange.asmx';

function required(env: Env, name: SettingName, why: string): string {
  const value = settingValue(env, name);
  if (!value) throw new ConfigError(`${name} is not set: ${why}`, name);
  return value;
}

/** Parses and checks the EWS endpoint: https, or plain http to a loopback address only. */
export function parseEwsUrl(raw: string, setting = 'EWS_URL'): URL {
  return parseSecureUrl(
    raw,
    setting,
    EWS_URL_EXAMPLE,
    'in EWS_USERNAME and EWS_PASSWORD with EWS_AUTH=basic (or use app-only OAuth, the default)',
  );
}

/**
 * App-only OAuth for EWS and Graph alike: a client secret or certificate of the app registration, else
 * the managed identity (AZURE_CLIENT_ID for a user-assigned one). `scope` is the resource's.
 */
function loadOAuthSettings(
  env: Env,
  scope: string,
  tokenTimeoutMs: number,
): Extract<EwsAuthSettings, { kind: 'oauth' }> {
  const authorityHostSetting = (['EWS_AUTHORITY_HOST', 'AZURE_AUTHORITY_HOST'] as const).find(
    (name) => text(env, name) !== undefined,
  );
  const authorityHost = authorityHostSetting && text(env, authorityHostSetting);
  const where = { authorityHost, authorityHostSetting, tokenTimeoutMs };
  const clientSecret = settingValue(env, 'EWS_CLIENT_SECRET');
  const certificatePath = settingValue(env, 'EWS_CLIENT_CERTIFICATE_PATH');
  if (clientSecret && certificatePath) {
    throw new ConfigError(
      'EWS_CLIENT_SECRET and EWS_CLIENT_CERTIFICATE_PATH are both set: choose one',
      'EWS_CLIENT_SECRET',
    );
  }
  if (clientSecret || certificatePath) {
    return {
      kind: 'oauth',
      credential: clientSecret ? 'clientSecret' : 'clientCertificate',
      tenantId: required(env, 'EWS_TENANT_ID', 'app-only OAuth needs the Entra tenant id'),
      clientId: required(env, 'EWS_CLIENT_ID', "app-only OAuth needs the app registration's client id"),
      clientSecret,
      certificatePath,
      ...where,
      scope,
    };
  }
  // No secret and no certificate: the app's managed identity (AZURE_CLIENT_ID for a user-assigned one).
  return {
    kind: 'oauth',
    credential: 'managedIdentity',
    clientId: text(env, 'EWS_CLIENT_ID') ?? text(env, 'AZURE_CLIENT_ID'),
    ...where,
    scope,
  };
}

export function loadEwsSettings(env: Env, overrides: { url?: string } = {}): EwsSettings {
  const urlRaw = overrides.url ?? settingValue(env, 'EWS_URL');
  if (!urlRaw) {
    throw new ConfigError(
      'EWS_URL is not set: set it to the EWS endpoint (e.g. https://outlook.office365.com/EWS/Exchange.asmx) or pass --ews-url',
      'EWS_URL',
    );
  }
  const endpoint = parseEwsUrl(urlRaw, overrides.url ? '--ews-url' : 'EWS_URL');

  const auth: EwsAuthSettings =
    choice<'oauth' | 'basic'>(env, 'EWS_AUTH') === 'basic'
      ? {
          kind: 'basic',
          username: required(
            env,
            'EWS_USERNAME',
            'Basic auth needs the service account (DOMAIN\\user or UPN)',
          ),
          password: required(env, 'EWS_PASSWORD', "Basic auth needs the service account's password"),
        }
      : loadOAuthSettings(
          env,
          text(env, 'EWS_OAUTH_SCOPE') ?? DEFAULT_OAUTH_SCOPE,
          count(env, 'EWS_TIMEOUT_MS'),
        );

  return {
    url: endpoint,
    auth,
    serverVersion: choice<ServerVersion>(env, 'EWS_SERVER_VERSION'),
    connectingSid: choice<ConnectingSidKind>(env, 'EWS_IMPERSONATION_ID'),
    maxBackOffMs: count(env, 'EWS_MAX_BACKOFF_MS'),
    ...loadTransportSettings(env, 'EWS'),
    caFile: text(env, 'EWS_CA_FILE'),
  };
}

/** MAILBOX_SCOPE: unset means no mailbox may be impersonated. */
export function loadMailboxScope(env: Env): MailboxScope {
  return MailboxScope.parse(settingValue(env, 'MAILBOX_SCOPE'));
}

// ---------------------------------------------------------------------------------------------------
// Leave-driven automatic replies (functions/leave*.ts, functions/hrWebhook.ts)

export interface LeaveSettings {
  /** Who outside the organisation gets the external reply (`LEAVE_OOF_AUDIENCE`). */
  externalAudience: ExternalAudience;
  /** Locale whose templates are used when the person's locale has none (`LEAVE_DEFAULT_LOCALE`). */
  defaultLocale: string;
  /** Optional JSON file `{ "<locale>": { "internal": "...", "external": "..." } }` (`LEAVE_TEMPLATES_FILE`). */
  templatesFile?: string;
  /** Attempts per mailbox call for transient errors (`LEAVE_MAX_ATTEMPTS`). */
  maxAttempts: number;
  /** First retry interval in ms, doubled each time (`LEAVE_RETRY_FIRST_MS`). */
  firstRetryMs: number;
  /** Base URL of HiBob's API (`HIBOB_API_URL`); getApi links must point there. */
  hibobApiUrl: URL;
  /** HiBob gives no time zone or locale per request: these apply (`HIBOB_TIME_ZONE`, `HIBOB_LOCALE`). */
  hibobTimeZone: string;
  hibobLocale: string;
  /** `LEAVE_CALENDAR_EVENT=on`: each absence also blocks the person's calendar with an Out of office event. */
  calendarEvent: boolean;
  /** The dates a leave may have (`LEAVE_START_MAX_PAST_DAYS`, `LEAVE_START_MAX_AHEAD_DAYS`, `LEAVE_MAX_LENGTH_DAYS`). */
  dateBounds: LeaveDateBounds;
}

/** How far back and ahead a leave may start, and how long it may last, in days. */
export interface LeaveDateBounds {
  startMaxPastDays: number;
  startMaxAheadDays: number;
  maxLengthDays: number;
}

const EXTERNAL_AUDIENCES: Record<string, ExternalAudience> = { none: 'None', known: 'Known', all: 'All' };

export function loadLeaveSettings(env: Env): LeaveSettings {
  return {
    externalAudience: EXTERNAL_AUDIENCES[choice(env, 'LEAVE_OOF_AUDIENCE')] as ExternalAudience,
    defaultLocale: text(env, 'LEAVE_DEFAULT_LOCALE') as string,
    templatesFile: text(env, 'LEAVE_TEMPLATES_FILE'),
    maxAttempts: count(env, 'LEAVE_MAX_ATTEMPTS'),
    firstRetryMs: count(env, 'LEAVE_RETRY_FIRST_MS'),
    hibobApiUrl: url(env, 'HIBOB_API_URL', 'https://api.hibob.com') as URL,
    hibobTimeZone: text(env, 'HIBOB_TIME_ZONE') as string,
    hibobLocale: text(env, 'HIBOB_LOCALE') as string,
    calendarEvent: choice(env, 'LEAVE_CALENDAR_EVENT') === 'on',
    dateBounds: {
      startMaxPastDays: count(env, 'LEAVE_START_MAX_PAST_DAYS'),
      startMaxAheadDays: count(env, 'LEAVE_START_MAX_AHEAD_DAYS'),
      maxLengthDays: count(env, 'LEAVE_MAX_LENGTH_DAYS'),
    },
  };
}

/** When the leave calendars are reconciled with the mailboxes (`LEAVE_RECONCILE_SCHEDULE`); undefined: never. */
export function loadLeaveReconcileSchedule(env: Env): string | undefined {
  return ncrontab(env, 'LEAVE_RECONCILE_SCHEDULE');
}

/** The privilege audit (SCOPE_AUDIT_*): when it runs, and the mailboxes that must stay out of reach. */
export interface ScopeAuditSettings {
  /** Undefined: no scheduled audit (the CLI's `audit scope` still runs on demand). */
  schedule?: string;
  canaries: string[];
  /** SCOPE_AUDIT_SAMPLE: mailboxes outside the scope sampled from the directory each day; 0: none. */
  sample: number;
  /** EWS_SERVICE_MAILBOX: the in-scope mailbox EWS reads the directory as, for the sample. */
  serviceMailbox?: string;
}

export function loadScopeAuditSettings(env: Env): ScopeAuditSettings {
  return {
    schedule: ncrontab(env, 'SCOPE_AUDIT_SCHEDULE'),
    canaries: emailList(env, 'SCOPE_AUDIT_CANARIES'),
    sample: count(env, 'SCOPE_AUDIT_SAMPLE'),
    serviceMailbox: email(env, 'EWS_SERVICE_MAILBOX'),
  };
}

/** DURABLE_HISTORY_RETENTION_DAYS: finished orchestrations older than this are purged. */
export function loadHistoryRetentionDays(env: Env): number {
  return count(env, 'DURABLE_HISTORY_RETENTION_DAYS');
}

/** BambooHR's time-off poll (shared/leave/sources/bamboohr*.ts). The API key is a secret, read through SecretProvider. */
export interface BambooHrSettings {
  /** Undefined: no poll. */
  schedule?: string;
  companyDomain?: string;
  apiUrl: URL;
  timeZone: string;
  locale: string;
  lookaheadDays: number;
}

export function loadBambooHrSettings(env: Env): BambooHrSettings {
  const companyDomain = text(env, 'BAMBOOHR_COMPANY_DOMAIN');
  if (companyDomain !== undefined && !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(companyDomain)) {
    throw new ConfigError(
      `BAMBOOHR_COMPANY_DOMAIN must be the company's subdomain (letters, digits, -), got "${companyDomain.slice(0, 80)}"`,
      'BAMBOOHR_COMPANY_DOMAIN',
    );
  }
  return {
    schedule: ncrontab(env, 'BAMBOOHR_POLL_SCHEDULE'),
    ...(companyDomain === undefined ? {} : { companyDomain }),
    apiUrl: url(env, 'BAMBOOHR_API_URL', 'https://api.bamboohr.com') as URL,
    timeZone: text(env, 'BAMBOOHR_TIME_ZONE') as string,
    locale: text(env, 'BAMBOOHR_LOCALE') as string,
    lookaheadDays: count(env, 'BAMBOOHR_LOOKAHEAD_DAYS'),
  };
}

// ---------------------------------------------------------------------------------------------------
// Archive sweep (functions/archiveSweep*.ts, cli sweep archive)

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
  /** Mailboxes one batch sweeps at once (shared/sweep/sweepPlan.ts): lanes × this bounds the whole sweep. */
  mailboxesInFlightPerBatch: number;
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

/**
 * Reports go to the `reports` container of the app's own storage: REPORTS_STORAGE_CONNECTION_STRING,
 * else AzureWebJobsStorage as a connection string (UseDevelopmentStorage=true is Azurite), else the
 * identity-based AzureWebJobsStorage__blobServiceUri / __accountName (DefaultAzureCredential, with
 * AzureWebJobsStorage__clientId for a user-assigned identity).
 */
export function loadReportsStorage(env: Env): ReportsStorageSettings | undefined {
  return blobContainerStorage(env, 'REPORTS_CONTAINER');
}

/** The change journal (shared/journal): JOURNAL_CONTAINER in the same storage as the reports. */
export function loadJournalStorage(env: Env): ReportsStorageSettings | undefined {
  return blobContainerStorage(env, 'JOURNAL_CONTAINER');
}

function blobContainerStorage(
  env: Env,
  containerSetting: 'REPORTS_CONTAINER' | 'JOURNAL_CONTAINER',
): ReportsStorageSettings | undefined {
  const container = text(env, containerSetting) as string;
  if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
    throw new ConfigError(
      `${containerSetting} "${container}" is not a valid blob container name`,
      containerSetting,
    );
  }
  const connectionString =
    settingValue(env, 'REPORTS_STORAGE_CONNECTION_STRING') ?? settingValue(env, 'AzureWebJobsStorage');
  if (connectionString) return { kind: 'connectionString', connectionString, container };
  const serviceUri = settingValue(env, 'AzureWebJobsStorage__blobServiceUri');
  const account = settingValue(env, 'AzureWebJobsStorage__accountName');
  const clientId = settingValue(env, 'AzureWebJobsStorage__clientId');
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

function archiveFolders(env: Env): FolderName[] {
  const folders = (text(env, 'ARCHIVE_FOLDERS') ?? '')
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
  return [...new Set(folders)] as FolderName[];
}

export function loadSweepSettings(env: Env): SweepSettings {
  const [unmet] = unmetRequirementsOf(env, 'MAILBOX_SCOPE_GROUP', false);
  if (unmet) throw unmet;
  return {
    schedule: ncrontab(env, 'ARCHIVE_SWEEP_SCHEDULE'),
    olderThanDays: count(env, 'ARCHIVE_OLDER_THAN_DAYS'),
    folders: archiveFolders(env),
    maxItemsPerRun: count(env, 'ARCHIVE_MAX_ITEMS_PER_RUN'),
    batchSize: count(env, 'SWEEP_BATCH_SIZE'),
    maxBatchesInFlight: count(env, 'SWEEP_MAX_BATCHES_IN_FLIGHT'),
    mailboxesInFlightPerBatch: count(env, 'SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH'),
    scopeGroup: email(env, 'MAILBOX_SCOPE_GROUP'),
    mailboxes: emailList(env, 'SWEEP_MAILBOXES'),
    serviceMailbox: email(env, 'EWS_SERVICE_MAILBOX'),
    maxAttempts: count(env, 'SWEEP_MAX_ATTEMPTS'),
    firstRetryMs: count(env, 'SWEEP_RETRY_INTERVAL_MS'),
    reports: loadReportsStorage(env),
  };
}

// ---------------------------------------------------------------------------------------------------
// Mailbox back end: EWS or Microsoft Graph (shared/mailbox/mailboxBackend.ts, shared/mailbox/graph)

/** Which implementation of the mailbox operations the app uses (`MAILBOX_BACKEND`). */
export type MailboxBackendKind = 'ews' | 'graph';

export function loadMailboxBackendKind(env: Env): MailboxBackendKind {
  try {
    return choice<MailboxBackendKind>(env, 'MAILBOX_BACKEND');
  } catch {
    throw new ConfigError(
      `MAILBOX_BACKEND must be "ews" (Exchange Server, or Exchange Online while EWS is allowed) or "graph" ` +
        `(Exchange Online through Microsoft Graph), got "${env.MAILBOX_BACKEND}"`,
      'MAILBOX_BACKEND',
    );
  }
}

export const DEFAULT_GRAPH_URL = String(settingDefinition('GRAPH_URL').default);
export const DEFAULT_GRAPH_SCOPE = String(settingDefinition('GRAPH_OAUTH_SCOPE').default);

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
  if (choice(env, 'EWS_AUTH') !== 'oauth') {
    throw new ConfigError(
      'EWS_AUTH=basic cannot be used with MAILBOX_BACKEND=graph: Microsoft Graph takes app-only OAuth only ' +
        '(unset EWS_AUTH and give EWS_TENANT_ID, EWS_CLIENT_ID and a secret, certificate or managed identity)',
      'EWS_AUTH',
    );
  }
  const raw = (text(env, 'GRAPH_URL') as string).replace(/\/+$/, '');
  return {
    url: parseSecureUrl(raw, 'GRAPH_URL', DEFAULT_GRAPH_URL),
    auth: loadOAuthSettings(env, text(env, 'GRAPH_OAUTH_SCOPE') as string, count(env, 'GRAPH_TIMEOUT_MS')),
    ...loadTransportSettings(env, 'GRAPH'),
    caFile: text(env, 'GRAPH_CA_FILE') ?? text(env, 'EWS_CA_FILE'),
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

// ---------------------------------------------------------------------------------------------------
// Start-up: every setting that is set, and the relations between settings

/** How a set value of each catalogue type is checked at start; each throws ConfigError naming the setting. */
const VALUE_CHECKS: Record<SettingType, (env: Env, name: SettingName) => unknown> = {
  count: (env, name) => count(env, name, 1),
  milliseconds: (env, name) => count(env, name, 1),
  days: (env, name) => count(env, name, 1),
  seconds,
  choice,
  url: (env, name) => url(env, name, 'an https URL'),
  email,
  'email-list': emailList,
  ncrontab,
  // Free text, lists and paths: their loaders give them meaning.
  string: () => undefined,
  list: () => undefined,
  file: () => undefined,
};

function unmetRequirement(env: Env, name: SettingName, requirement: Requirement): ConfigError {
  const needed = requirement.needs[0] as SettingName;
  return new ConfigError(requirementMessage(name, requirement, settingOrDefault(env, needed)), needed);
}

/** Whether `name`'s value (default applied) is `expected`, or set at all when `expected` is undefined. */
function holds(env: Env, name: SettingName, expected: string | undefined): boolean {
  const value = settingOrDefault(env, name);
  return expected === undefined ? value !== undefined : value?.toLowerCase() === expected.toLowerCase();
}

/** The requirements of one setting that the environment breaks. */
function unmetRequirementsOf(env: Env, name: SettingName, secretsElsewhere: boolean): ConfigError[] {
  const isSecret = (n: string) => settingDefinition(n as SettingName).secret !== undefined;
  const problems: ConfigError[] = [];
  for (const requirement of settingDefinition(name).requires ?? []) {
    if (secretsElsewhere && (isSecret(name) || requirement.needs.some(isSecret))) continue;
    const applies =
      requirement.when === undefined
        ? settingValue(env, name) !== undefined
        : holds(env, name, requirement.when);
    const met = requirement.needs.some((n) => holds(env, n as SettingName, requirement.is));
    if (applies && !met) problems.push(unmetRequirement(env, name, requirement));
  }
  return problems;
}

/**
 * Each `requires` of the catalogue that the environment breaks, as a ConfigError naming both settings.
 * With KEY_VAULT_URI the secrets are in the vault, not here: relations involving one are not checked.
 */
export function settingRelationProblems(env: Env): ConfigError[] {
  const secretsElsewhere = settingValue(env, 'KEY_VAULT_URI') !== undefined;
  return SETTINGS.flatMap(({ name }) => unmetRequirementsOf(env, name, secretsElsewhere));
}

/**
 * Checks, once at start, every setting that is set (by its catalogue type) and every relation between
 * settings. Throws one ConfigError listing all problems, named by the first one's setting.
 */
export function checkSettingsAtStart(env: Env): void {
  const problems: ConfigError[] = [];
  for (const { name } of SETTINGS) {
    if (settingValue(env, name) === undefined) continue;
    try {
      VALUE_CHECKS[settingDefinition(name).type](env, name);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
    }
  }
  problems.push(...settingRelationProblems(env));
  if (problems.length === 0) return;
  throw new ConfigError(
    `the app's settings do not hold together: ${problems.map((p) => p.message).join('; ')}`,
    problems[0]?.setting,
  );
}
