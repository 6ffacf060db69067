/**
 * Every setting the app, the Functions host and the CLI read: one declarative list. The loaders in
 * shared/platform/config.ts read through it (defaults and allowed values come from here), tools/settings writes
 * docs/settings.md (and the README's short table) and the Bicep's optional-settings type from it, and
 * test/infra/settingsDeployable.test.ts checks the template can set each one.
 *
 * Adding a setting: add an entry here, read it with the accessors in shared/platform/config.ts, run
 * `npm run docs:settings`.
 */

/** What a value looks like; the accessors in shared/platform/config.ts parse each kind one way. */
export type SettingType =
  | 'string'
  /** A whole number above zero. */
  | 'count'
  | 'milliseconds'
  | 'seconds'
  | 'days'
  /** One of `values` (compared without case). */
  | 'choice'
  /** https, or plain http to a loopback address only. */
  | 'url'
  | 'email'
  /** Addresses separated by commas, semicolons or spaces. */
  | 'email-list'
  /** Entries separated by commas. */
  | 'list'
  /** A file path on the app's file system. */
  | 'file'
  /** Six-field NCRONTAB. */
  | 'ncrontab';

/** Which part of the product reads the setting; the docs group tables by it. */
export type SettingFeature =
  'core' | 'ews' | 'graph' | 'leave' | 'hibob' | 'bamboohr' | 'sweep' | 'reports' | 'audit' | 'host' | 'cli';

/**
 * How a deployment to Azure gets the setting:
 * - `parameter`: an explicit parameter of infra/main.bicep (named in `parameter`);
 * - `optional`: a property of main.bicep's typed `optionalSettings` object;
 * - `template`: the template computes it (identity client id, vault URI, host storage...);
 * - `keyVault`: a secret the app reads from Key Vault (`secret` holds its name there);
 * - `notInAzure`: used only off Azure, for the reason in `notInAzure`.
 */
export type Deployment =
  | { by: 'parameter'; parameter: string }
  | { by: 'optional' }
  | { by: 'template' }
  | { by: 'keyVault' }
  | { by: 'notInAzure'; why: string };

/**
 * One setting needing another: when this setting is set (or, with `when`, has that value), one of
 * `needs` must be set (or, with `is`, have that value). Defaults count as values.
 */
export interface Requirement {
  when?: string;
  needs: readonly string[];
  is?: string;
  why: string;
}

export interface SettingDefinition {
  name: string;
  type: SettingType;
  /** The value used when the setting is unset or empty; `defaultText` when the default is computed. */
  default?: string | number;
  defaultText?: string;
  /** For `choice`: the accepted values, in the spelling the docs show. */
  values?: readonly string[];
  /** One sentence: what it is for. */
  meaning: string;
  feature: SettingFeature;
  deploy: Deployment;
  /** Secrets: the Key Vault secret name (`HR_WEBHOOK_SECRETS` → `hr-webhook-secrets`). Never a value. */
  secret?: string;
  requires?: readonly Requirement[];
  /** For counts: the largest value accepted. */
  max?: number;
  /** For counts: the smallest value accepted when it is not 1 (0 for a count whose 0 turns a feature off). */
  min?: number;
}

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

/** How ExchangeImpersonation names the mailbox (ConnectingSID child element). */
export const CONNECTING_SID_KINDS = ['PrimarySmtpAddress', 'SmtpAddress', 'PrincipalName', 'SID'] as const;

const optional = { by: 'optional' } as const;
const template = { by: 'template' } as const;
const keyVault = { by: 'keyVault' } as const;
/** A client secret or certificate is the app registration's: it needs the registration named. */
const APP_REGISTRATION = [
  { needs: ['EWS_TENANT_ID'], why: 'app-only OAuth needs the Entra tenant id' },
  { needs: ['EWS_CLIENT_ID'], why: "app-only OAuth needs the app registration's client id" },
] as const;
const parameter = (name: string) => ({ by: 'parameter', parameter: name }) as const;

/** The same transport knobs for EWS and Graph, each with its own prefix and limits. */
function transportSettings(
  prefix: 'EWS' | 'GRAPH',
  feature: 'ews' | 'graph',
  limits: { maxInFlight: number; maxInFlightPerMailbox: number; why: string },
) {
  const endpoint = prefix === 'EWS' ? 'EWS endpoint' : 'Graph endpoint';
  return [
    {
      name: `${prefix}_TIMEOUT_MS`,
      type: 'milliseconds',
      default: 100_000,
      meaning: 'Deadline of one mailbox call, retries included.',
      feature,
      deploy: prefix === 'EWS' ? parameter('ewsTimeoutMs') : optional,
    },
    {
      name: `${prefix}_CONNECT_TIMEOUT_MS`,
      type: 'milliseconds',
      default: 10_000,
      meaning: 'TCP and TLS connect timeout.',
      feature,
      deploy: optional,
    },
    {
      name: `${prefix}_CONNECTIONS`,
      type: 'count',
      defaultText: `32, at least ${prefix}_MAX_IN_FLIGHT + 5`,
      meaning: `Keep-alive connections in the pool to the ${endpoint} (a few spare ones let a queued call go out at once).`,
      feature,
      deploy: optional,
    },
    {
      name: `${prefix}_MAX_IN_FLIGHT`,
      type: 'count',
      default: limits.maxInFlight,
      meaning: `Calls in flight to the ${endpoint} (${limits.why}).`,
      feature,
      deploy: optional,
    },
    {
      name: `${prefix}_MAX_IN_FLIGHT_PER_MAILBOX`,
      type: 'count',
      default: limits.maxInFlightPerMailbox,
      meaning:
        prefix === 'EWS'
          ? 'Calls in flight per mailbox (budgets are charged per impersonated mailbox).'
          : "Calls in flight per mailbox (Outlook's concurrency limit per app and mailbox).",
      feature,
      deploy: optional,
    },
    {
      name: `${prefix}_MAX_ATTEMPTS`,
      type: 'count',
      default: 6,
      meaning: 'Attempts per call for transient and throttled errors.',
      feature,
      deploy: optional,
    },
    {
      name: `${prefix}_MAX_RETRY_WAIT_MS`,
      type: 'milliseconds',
      default: 120_000,
      meaning: 'Total back-off per call before giving up.',
      feature,
      deploy: optional,
    },
  ] as const;
}

export const SETTINGS = [
  // ---- core: which back end, which mailboxes, where secrets are ----
  {
    name: 'MAILBOX_BACKEND',
    type: 'choice',
    values: ['ews', 'graph'],
    default: 'ews',
    meaning:
      'How the app reaches mailboxes: `ews` (Exchange Server, or Exchange Online while EWS is allowed) or `graph` (Exchange Online through Microsoft Graph).',
    feature: 'core',
    deploy: parameter('mailboxBackend'),
    requires: [
      {
        when: 'graph',
        needs: ['EWS_AUTH'],
        is: 'oauth',
        why: 'Microsoft Graph takes app-only OAuth only',
      },
    ],
  },
  {
    name: 'MAILBOX_SCOPE',
    type: 'list',
    defaultText: 'none',
    meaning:
      'Domains and addresses that may be impersonated, comma-separated (`contoso.com,ceo@fabrikam.com`), or `*`; unset: no mailbox.',
    feature: 'core',
    deploy: parameter('mailboxScope'),
  },
  {
    name: 'KEY_VAULT_URI',
    type: 'url',
    meaning:
      'Key Vault the app reads its secrets from; unset: secrets are environment variables of the same name.',
    feature: 'core',
    deploy: template,
  },
  {
    name: 'SECRETS_CACHE_TTL_SECONDS',
    type: 'seconds',
    default: 300,
    meaning: 'How long a secret read from Key Vault is kept before it is read again.',
    feature: 'core',
    deploy: optional,
  },
  {
    name: 'KEY_VAULT_CA_FILE',
    type: 'file',
    meaning: "Extra CA certificate (PEM) to trust for the vault's TLS certificate.",
    feature: 'core',
    deploy: { by: 'notInAzure', why: 'only for a loopback test vault; Azure Key Vault has a public CA' },
  },
  {
    name: 'AZURE_CLIENT_ID',
    type: 'string',
    meaning:
      'Client id of the user-assigned managed identity the app runs as (Key Vault, and EWS or Graph without a secret).',
    feature: 'core',
    deploy: template,
  },
  {
    name: 'AZURE_AUTHORITY_HOST',
    type: 'url',
    defaultText: "Entra's",
    meaning: 'Entra authority host for every credential (sovereign clouds, tests).',
    feature: 'core',
    deploy: template,
  },

  // ---- EWS ----
  {
    name: 'EWS_URL',
    type: 'url',
    defaultText: '(required with `ews`)',
    meaning:
      'EWS endpoint, e.g. `https://outlook.office365.com/EWS/Exchange.asmx`; plain `http` only to a loopback address.',
    feature: 'ews',
    deploy: parameter('ewsUrl'),
  },
  {
    name: 'EWS_AUTH',
    type: 'choice',
    values: ['oauth', 'basic'],
    default: 'oauth',
    meaning: '`oauth` (app-only, Exchange Online) or `basic` (on-premises service account over TLS).',
    feature: 'ews',
    deploy: parameter('ewsAuth'),
    requires: [
      { when: 'basic', needs: ['EWS_USERNAME'], why: 'Basic auth needs the service account' },
      { when: 'basic', needs: ['EWS_PASSWORD'], why: "Basic auth needs the service account's password" },
    ],
  },
  {
    name: 'EWS_USERNAME',
    type: 'string',
    meaning: 'On-premises service account for Basic auth (`DOMAIN\\user` or UPN).',
    feature: 'ews',
    deploy: parameter('ewsUsername'),
  },
  {
    name: 'EWS_PASSWORD',
    type: 'string',
    meaning: "The service account's password (Basic auth).",
    feature: 'ews',
    deploy: keyVault,
    secret: 'ews-password',
  },
  {
    name: 'EWS_TENANT_ID',
    type: 'string',
    meaning: 'Entra tenant id of the app registration (OAuth with a secret or certificate).',
    feature: 'ews',
    deploy: parameter('ewsTenantId'),
  },
  {
    name: 'EWS_CLIENT_ID',
    type: 'string',
    defaultText: '`AZURE_CLIENT_ID`',
    meaning: "The app registration's client id; unset with no secret or certificate: the managed identity.",
    feature: 'ews',
    deploy: parameter('ewsClientId'),
  },
  {
    name: 'EWS_CLIENT_SECRET',
    type: 'string',
    meaning: "The app registration's client secret; neither it nor a certificate: the managed identity.",
    feature: 'ews',
    deploy: keyVault,
    secret: 'ews-client-secret',
    requires: APP_REGISTRATION,
  },
  {
    name: 'EWS_CLIENT_CERTIFICATE_PATH',
    type: 'file',
    meaning: 'PEM file with the certificate and private key of the app registration (instead of a secret).',
    feature: 'ews',
    deploy: optional,
    requires: APP_REGISTRATION,
  },
  {
    name: 'EWS_OAUTH_SCOPE',
    type: 'string',
    default: 'https://outlook.office365.com/.default',
    meaning: 'Token scope for EWS.',
    feature: 'ews',
    deploy: optional,
  },
  {
    name: 'EWS_AUTHORITY_HOST',
    type: 'url',
    defaultText: '`AZURE_AUTHORITY_HOST`',
    meaning: 'Entra authority host for the EWS and Graph credentials (sovereign clouds, tests).',
    feature: 'ews',
    deploy: optional,
  },
  {
    name: 'EWS_SERVER_VERSION',
    type: 'choice',
    values: SERVER_VERSIONS,
    default: 'Exchange2016',
    meaning: '`RequestServerVersion`; `Exchange2016` is right for 2016, 2019, SE and Exchange Online.',
    feature: 'ews',
    deploy: parameter('ewsServerVersion'),
  },
  {
    name: 'EWS_IMPERSONATION_ID',
    type: 'choice',
    values: CONNECTING_SID_KINDS,
    default: 'PrimarySmtpAddress',
    meaning: 'How the impersonation header names the mailbox (ConnectingSID form).',
    feature: 'ews',
    deploy: optional,
  },
  ...transportSettings('EWS', 'ews', {
    maxInFlight: 27,
    maxInFlightPerMailbox: 3,
    why: "Exchange's default concurrency budget",
  }),
  {
    name: 'EWS_MAX_BACKOFF_MS',
    type: 'milliseconds',
    default: 300_000,
    meaning:
      'Longest back-off a server may ask for (BackOffMilliseconds, Retry-After) that is honoured; a longer one ends the call as throttled and pauses that mailbox this long at most.',
    feature: 'ews',
    deploy: optional,
  },
  {
    name: 'EWS_CA_FILE',
    type: 'file',
    meaning: 'Extra CA certificate (PEM) to trust for the EWS endpoint.',
    feature: 'ews',
    deploy: optional,
  },
  {
    name: 'EWS_SERVICE_MAILBOX',
    type: 'email',
    meaning: 'An in-scope mailbox the app acts as for directory calls (group expansion, address resolution).',
    feature: 'ews',
    deploy: parameter('ewsServiceMailbox'),
  },

  // ---- Microsoft Graph (MAILBOX_BACKEND=graph; credentials are the EWS_* ones) ----
  {
    name: 'GRAPH_URL',
    type: 'url',
    default: 'https://graph.microsoft.com/v1.0',
    meaning: 'Graph base URL up to the version (national clouds: their Graph host).',
    feature: 'graph',
    deploy: optional,
  },
  {
    name: 'GRAPH_OAUTH_SCOPE',
    type: 'string',
    default: 'https://graph.microsoft.com/.default',
    meaning: 'Token scope for Graph.',
    feature: 'graph',
    deploy: optional,
  },
  ...transportSettings('GRAPH', 'graph', {
    maxInFlight: 20,
    maxInFlightPerMailbox: 4,
    why: 'per app',
  }),
  {
    name: 'GRAPH_CA_FILE',
    type: 'file',
    defaultText: '`EWS_CA_FILE`',
    meaning: 'Extra CA certificate (PEM) to trust for the Graph endpoint.',
    feature: 'graph',
    deploy: optional,
  },

  // ---- leave-driven automatic replies ----
  {
    name: 'HR_WEBHOOK_SECRETS',
    type: 'list',
    meaning: 'Signing secrets of the generic HR webhook, comma-separated (several during a rotation).',
    feature: 'leave',
    deploy: keyVault,
    secret: 'hr-webhook-secrets',
  },
  {
    name: 'LEAVE_OOF_AUDIENCE',
    type: 'choice',
    values: ['none', 'known', 'all'],
    default: 'known',
    meaning: 'Who outside the organisation gets the external reply.',
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_DEFAULT_LOCALE',
    type: 'string',
    default: 'en',
    meaning: "Language whose templates are used when the person's language has none.",
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_TEMPLATES_FILE',
    type: 'file',
    defaultText: 'built-in',
    meaning:
      'Your own templates, `{ "<locale>": { "internal", "external" } }` with `{{name}}`, `{{firstDayBack}}`, `{{#delegate}}…{{/delegate}}`.',
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_MAX_ATTEMPTS',
    type: 'count',
    default: 5,
    meaning: 'Attempts of a mailbox or HiBob call that failed transiently.',
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_RETRY_FIRST_MS',
    type: 'milliseconds',
    default: 5000,
    meaning: 'First retry interval of those calls, doubled each time.',
    feature: 'leave',
    deploy: optional,
  },

  {
    name: 'LEAVE_CALENDAR_EVENT',
    type: 'choice',
    values: ['off', 'on'],
    default: 'off',
    meaning:
      "`on`: each absence also gets an all-day Out of office event in the person's own calendar (no attendees, no notifications).",
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_RECONCILE_SCHEDULE',
    type: 'ncrontab',
    defaultText: 'no timer',
    meaning:
      "When to compare every mailbox with a current or upcoming absence against what the app last set and repair the app's own misses (six-field NCRONTAB, UTC); unset: no reconcile.",
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_START_MAX_PAST_DAYS',
    type: 'days',
    default: 730,
    meaning: 'A leave may start at most this many days ago; older dates are refused as a mistake.',
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_START_MAX_AHEAD_DAYS',
    type: 'days',
    default: 1825,
    meaning: 'A leave may start at most this many days ahead.',
    feature: 'leave',
    deploy: optional,
  },
  {
    name: 'LEAVE_MAX_LENGTH_DAYS',
    type: 'days',
    default: 730,
    meaning: 'The longest leave accepted, in days.',
    feature: 'leave',
    deploy: optional,
  },

  // ---- HiBob ----
  {
    name: 'HIBOB_API_URL',
    type: 'url',
    default: 'https://api.hibob.com',
    meaning: "HiBob's API; the app re-reads each time-off request there only.",
    feature: 'hibob',
    deploy: optional,
  },
  {
    name: 'HIBOB_TIME_ZONE',
    type: 'string',
    default: 'UTC',
    meaning: "Time zone of HiBob's leave dates (HiBob sends none).",
    feature: 'hibob',
    deploy: optional,
  },
  {
    name: 'HIBOB_LOCALE',
    type: 'string',
    default: 'en',
    meaning: 'Language of the replies for HiBob leaves (HiBob sends none).',
    feature: 'hibob',
    deploy: optional,
  },
  {
    name: 'HIBOB_WEBHOOK_SECRETS',
    type: 'list',
    meaning: 'The webhook signing secret(s) HiBob shows, comma-separated during a rotation.',
    feature: 'hibob',
    deploy: keyVault,
    secret: 'hibob-webhook-secrets',
    requires: [
      { needs: ['HIBOB_SERVICE_USER_ID'], why: 'the app re-reads each HiBob request with the service user' },
      {
        needs: ['HIBOB_SERVICE_USER_TOKEN'],
        why: 'the app re-reads each HiBob request with the service user',
      },
    ],
  },
  {
    name: 'HIBOB_SERVICE_USER_ID',
    type: 'string',
    meaning: "The HiBob service user's id.",
    feature: 'hibob',
    deploy: keyVault,
    secret: 'hibob-service-user-id',
  },
  {
    name: 'HIBOB_SERVICE_USER_TOKEN',
    type: 'string',
    meaning: "The HiBob service user's token.",
    feature: 'hibob',
    deploy: keyVault,
    secret: 'hibob-service-user-token',
  },

  // ---- BambooHR ----
  {
    name: 'BAMBOOHR_POLL_SCHEDULE',
    type: 'ncrontab',
    defaultText: 'no timer',
    meaning:
      "When to poll BambooHR's time-off requests (six-field NCRONTAB, UTC, e.g. `0 */15 * * * *`); unset: BambooHR is not read.",
    feature: 'bamboohr',
    deploy: optional,
    requires: [
      { needs: ['BAMBOOHR_COMPANY_DOMAIN'], why: 'the poll reads that company' },
      { needs: ['BAMBOOHR_API_KEY'], why: "the poll signs in with the company's API key" },
    ],
  },
  {
    name: 'BAMBOOHR_COMPANY_DOMAIN',
    type: 'string',
    meaning: "The company's BambooHR subdomain (`acme` for acme.bamboohr.com).",
    feature: 'bamboohr',
    deploy: optional,
  },
  {
    name: 'BAMBOOHR_API_KEY',
    type: 'string',
    meaning: 'A BambooHR API key of a user who can read time off and work e-mail addresses.',
    feature: 'bamboohr',
    deploy: keyVault,
    secret: 'bamboohr-api-key',
  },
  {
    name: 'BAMBOOHR_API_URL',
    type: 'url',
    default: 'https://api.bamboohr.com',
    meaning: "BambooHR's API; the poll calls it only.",
    feature: 'bamboohr',
    deploy: optional,
  },
  {
    name: 'BAMBOOHR_TIME_ZONE',
    type: 'string',
    default: 'UTC',
    meaning: "Time zone of BambooHR's leave dates (BambooHR sends none).",
    feature: 'bamboohr',
    deploy: optional,
  },
  {
    name: 'BAMBOOHR_LOCALE',
    type: 'string',
    default: 'en',
    meaning: 'Language of the replies for BambooHR leaves.',
    feature: 'bamboohr',
    deploy: optional,
  },
  {
    name: 'BAMBOOHR_LOOKAHEAD_DAYS',
    type: 'days',
    default: 365,
    meaning: 'How far ahead each poll reads requests (and it always reads from 31 days back).',
    feature: 'bamboohr',
    deploy: optional,
  },

  // ---- nightly archive sweep ----
  {
    name: 'ARCHIVE_SWEEP_SCHEDULE',
    type: 'ncrontab',
    defaultText: 'no timer',
    meaning:
      'When the timer sweeps (six-field NCRONTAB, UTC, e.g. `0 0 2 * * *`); unset: no scheduled sweep.',
    feature: 'sweep',
    deploy: parameter('archiveSweepSchedule'),
    requires: [
      {
        needs: ['MAILBOX_SCOPE_GROUP', 'SWEEP_MAILBOXES'],
        why: 'a scheduled sweep needs mailboxes to sweep',
      },
      {
        needs: ['MAILBOX_BACKEND'],
        is: 'ews',
        why: 'only EWS reaches the In-Place Archive',
      },
    ],
  },
  {
    name: 'MAILBOX_SCOPE_GROUP',
    type: 'email',
    meaning: 'Distribution group whose (nested) members are swept.',
    feature: 'sweep',
    deploy: parameter('mailboxScopeGroup'),
    requires: [
      {
        needs: ['EWS_SERVICE_MAILBOX'],
        why: 'expanding the group acts as a mailbox: set it to a service mailbox in MAILBOX_SCOPE',
      },
    ],
  },
  {
    name: 'SWEEP_MAILBOXES',
    type: 'email-list',
    meaning: "Mailboxes swept in addition to the group's members.",
    feature: 'sweep',
    deploy: parameter('sweepMailboxes'),
  },
  {
    name: 'ARCHIVE_OLDER_THAN_DAYS',
    type: 'days',
    default: 365,
    meaning: 'Items older than this many days move to the archive mailbox.',
    feature: 'sweep',
    deploy: parameter('archiveOlderThanDays'),
  },
  {
    name: 'ARCHIVE_FOLDERS',
    type: 'list',
    default: 'inbox',
    meaning: 'Primary-mailbox folders archived from, comma-separated distinguished folder names.',
    feature: 'sweep',
    deploy: parameter('archiveFolders'),
  },
  {
    name: 'ARCHIVE_MAX_ITEMS_PER_RUN',
    type: 'count',
    default: 5000,
    meaning: 'Most items moved per mailbox and run; the rest moves next run.',
    feature: 'sweep',
    deploy: parameter('archiveMaxItemsPerRun'),
  },
  {
    name: 'SWEEP_BATCH_SIZE',
    type: 'count',
    default: 50,
    max: 1000,
    meaning: 'Mailboxes per batch (one sub-orchestration each).',
    feature: 'sweep',
    deploy: parameter('sweepBatchSize'),
  },
  {
    name: 'SWEEP_MAX_BATCHES_IN_FLIGHT',
    type: 'count',
    default: 10,
    meaning: 'Batches in flight at once.',
    feature: 'sweep',
    deploy: parameter('sweepMaxBatchesInFlight'),
  },
  {
    name: 'SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH',
    type: 'count',
    // 10 batches × 2 = 20 mailboxes, one EWS call each, within Exchange Online's EWSMaxConcurrency of 27
    // whatever the number of instances (docs/operations.md, "How many calls reach Exchange at once").
    default: 2,
    max: 1000,
    meaning:
      'Mailboxes one batch sweeps at once: the sweep has at most SWEEP_MAX_BATCHES_IN_FLIGHT × this many in flight, on any number of instances.',
    feature: 'sweep',
    deploy: optional,
  },
  {
    name: 'SWEEP_MAX_ATTEMPTS',
    type: 'count',
    default: 4,
    meaning: 'Attempts of a sweep activity that failed transiently.',
    feature: 'sweep',
    deploy: optional,
  },
  {
    name: 'SWEEP_RETRY_INTERVAL_MS',
    type: 'milliseconds',
    default: 5000,
    meaning: 'First retry interval of those activities.',
    feature: 'sweep',
    deploy: optional,
  },

  // ---- sweep reports ----
  {
    name: 'REPORTS_CONTAINER',
    type: 'string',
    default: 'reports',
    meaning: 'Blob container the sweep reports go to.',
    feature: 'reports',
    deploy: template,
  },
  {
    name: 'REPORTS_STORAGE_CONNECTION_STRING',
    type: 'string',
    defaultText: '`AzureWebJobsStorage`',
    meaning: 'Storage for the reports as a connection string (Azurite locally).',
    feature: 'reports',
    deploy: {
      by: 'notInAzure',
      why: 'in Azure the reports go to the host storage account through the identity',
    },
  },

  {
    name: 'JOURNAL_CONTAINER',
    type: 'string',
    default: 'journal',
    meaning:
      'Blob container of the change journal: one append blob per day, a JSON line per change the app made to a mailbox (protected by a time-based immutability policy in Azure).',
    feature: 'reports',
    deploy: template,
  },

  // ---- audits and housekeeping ----
  {
    name: 'SCOPE_AUDIT_SCHEDULE',
    type: 'ncrontab',
    defaultText: 'no timer',
    meaning:
      'When to ask Exchange whether the service account can reach mailboxes outside the scope (six-field NCRONTAB, UTC); unset: no scheduled audit.',
    feature: 'audit',
    deploy: optional,
    requires: [{ needs: ['SCOPE_AUDIT_CANARIES'], why: 'the audit tries to read the canary mailboxes' }],
  },
  {
    name: 'SCOPE_AUDIT_CANARIES',
    type: 'email-list',
    meaning:
      'Mailboxes outside MAILBOX_SCOPE that the service account must not reach (e.g. a canary mailbox in another domain or OU); the audit reads each once, read-only.',
    feature: 'audit',
    deploy: optional,
  },
  {
    name: 'SCOPE_AUDIT_SAMPLE',
    type: 'count',
    default: 3,
    min: 0,
    max: 20,
    meaning:
      'How many mailboxes outside MAILBOX_SCOPE the audit also reads, sampled from the directory (the same ones all day); 0: only SCOPE_AUDIT_CANARIES.',
    feature: 'audit',
    deploy: optional,
  },
  {
    name: 'DURABLE_HISTORY_RETENTION_DAYS',
    type: 'days',
    default: 30,
    meaning:
      'Completed, failed and terminated orchestrations older than this are purged from the task hub every night (running calendar owners are never purged).',
    feature: 'audit',
    deploy: optional,
  },

  // ---- the Functions host (read by the host; the reports storage falls back to them) ----
  {
    name: 'AzureWebJobsStorage',
    type: 'string',
    meaning: 'Host storage as a connection string (`UseDevelopmentStorage=true` is Azurite).',
    feature: 'host',
    deploy: {
      by: 'notInAzure',
      why: 'in Azure the host storage is identity-based (`AzureWebJobsStorage__accountName`)',
    },
  },
  {
    name: 'AzureWebJobsStorage__accountName',
    type: 'string',
    meaning: 'Host storage account reached with the identity.',
    feature: 'host',
    deploy: template,
  },
  {
    name: 'AzureWebJobsStorage__credential',
    type: 'string',
    meaning: '`managedidentity`: host storage through the identity.',
    feature: 'host',
    deploy: template,
  },
  {
    name: 'AzureWebJobsStorage__clientId',
    type: 'string',
    meaning: 'Client id of the identity that reaches host storage.',
    feature: 'host',
    deploy: template,
  },
  {
    name: 'AzureWebJobsStorage__blobServiceUri',
    type: 'url',
    meaning: 'Blob endpoint of the host storage, instead of its account name.',
    feature: 'host',
    deploy: {
      by: 'notInAzure',
      why: 'the template names the account with `AzureWebJobsStorage__accountName`',
    },
  },
  {
    name: 'TASKHUB_NAME',
    type: 'string',
    default: 'MailboxAutomation',
    meaning: 'Durable task hub name (host.json reads it).',
    feature: 'host',
    deploy: parameter('taskHubName'),
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    type: 'string',
    meaning:
      "Application Insights ingestion endpoint: the host's logs, and the app's custom metrics (the sweep's counts, shared/platform/telemetry); unset, the app sends no metrics.",
    feature: 'host',
    deploy: template,
  },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    type: 'string',
    meaning:
      "Telemetry with an Entra token of the identity (`ClientId=<id>;Authorization=AAD`), the host's and the app's metrics alike; anything else is refused at start.",
    feature: 'host',
    deploy: template,
  },

  // ---- the command line ----
  {
    name: 'HR_WEBHOOK_URL',
    type: 'url',
    defaultText: '`http://127.0.0.1:7071/api/hr/generic`',
    meaning: '`hr send` posts to this webhook unless `--url` is given.',
    feature: 'cli',
    deploy: { by: 'notInAzure', why: 'read by the command line only' },
  },
  {
    name: 'SANDBOX_PORT',
    type: 'string',
    default: 8443,
    meaning: 'Port of the EWS sandbox that `mailbox-automation sandbox` starts unless `--port` is given.',
    feature: 'cli',
    deploy: { by: 'notInAzure', why: 'the sandbox is a development stand-in' },
  },
] as const satisfies readonly SettingDefinition[];

export type SettingName = (typeof SETTINGS)[number]['name'];

const BY_NAME: ReadonlyMap<string, SettingDefinition> = new Map(SETTINGS.map((s) => [s.name, s]));

export function isSettingName(name: string): name is SettingName {
  return BY_NAME.has(name);
}

export function settingDefinition(name: SettingName): SettingDefinition {
  const found = BY_NAME.get(name);
  if (!found) throw new Error(`${name} is not in the settings catalogue`);
  return found;
}

/** The catalogue as plain definitions (for tools and tests that walk it). */
export const SETTING_DEFINITIONS: readonly SettingDefinition[] = SETTINGS;

/** Settings as the process environment gives them (process.env, local.settings.json Values, a test's object). */
export type Env = Record<string, string | undefined>;

/**
 * The one place a setting is read from the environment: trimmed, and undefined when unset or empty
 * (the template writes "" for an optional setting nobody set).
 */
export function settingValue(env: Env, name: SettingName): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** The value, else the catalogue's default (as text); undefined when neither. */
export function settingOrDefault(env: Env, name: SettingName): string | undefined {
  const fallback = settingDefinition(name).default;
  return settingValue(env, name) ?? (fallback === undefined ? undefined : String(fallback));
}

/**
 * The words for a broken requirement, used by the start-up check and by the Bicep's deployment-time
 * check alike: "MAILBOX_SCOPE_GROUP is set but EWS_SERVICE_MAILBOX is not set: <why>". `actual` is the
 * needed setting's value when the requirement wants a given one (`is`).
 */
export function requirementMessage(name: string, requirement: Requirement, actual = 'not set'): string {
  const subject = requirement.when === undefined ? `${name} is set` : `${name} is ${requirement.when}`;
  const needs = requirement.needs;
  let unmet: string;
  if (requirement.is !== undefined) unmet = `${needs.join(' or ')} is ${actual}, not ${requirement.is}`;
  else if (needs.length > 1) unmet = `neither ${needs.join(' nor ')} is set`;
  else unmet = `${needs[0]} is not set`;
  return `${subject} but ${unmet}: ${requirement.why}`;
}
