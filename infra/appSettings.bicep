// Generated from shared/platform/settings.ts by `npm run docs:settings`: edit the catalogue, not this file.
// The app settings a deployment may set beyond main.bicep's explicit parameters; unset ones reach
// the app as "" (not set), so the app uses the default docs/settings.md lists.
@export()
@sealed()
@description('Optional app settings (docs/settings.md); each unset one keeps the app default.')
type optionalAppSettings = {
  @description('How long a secret read from Key Vault is kept before it is read again.')
  @minValue(0)
  SECRETS_CACHE_TTL_SECONDS: int?
  @description('PEM file with the certificate and private key of the app registration (instead of a secret).')
  EWS_CLIENT_CERTIFICATE_PATH: string?
  @description('Token scope for EWS.')
  EWS_OAUTH_SCOPE: string?
  @description('Entra authority host for the EWS and Graph credentials (sovereign clouds, tests).')
  EWS_AUTHORITY_HOST: string?
  @description('How the impersonation header names the mailbox (ConnectingSID form).')
  EWS_IMPERSONATION_ID: ('PrimarySmtpAddress' | 'SmtpAddress' | 'PrincipalName' | 'SID')?
  @description('TCP and TLS connect timeout.')
  @minValue(1)
  EWS_CONNECT_TIMEOUT_MS: int?
  @description('Keep-alive connections in the pool to the EWS endpoint (a few spare ones let a queued call go out at once).')
  @minValue(1)
  EWS_CONNECTIONS: int?
  @description('Calls in flight to the EWS endpoint (Exchange\'s default concurrency budget).')
  @minValue(1)
  EWS_MAX_IN_FLIGHT: int?
  @description('Calls in flight per mailbox (budgets are charged per impersonated mailbox).')
  @minValue(1)
  EWS_MAX_IN_FLIGHT_PER_MAILBOX: int?
  @description('Attempts per call for transient and throttled errors.')
  @minValue(1)
  EWS_MAX_ATTEMPTS: int?
  @description('Total back-off per call before giving up.')
  @minValue(1)
  EWS_MAX_RETRY_WAIT_MS: int?
  @description('Longest back-off a server may ask for (BackOffMilliseconds, Retry-After) that is honoured; a longer one ends the call as throttled and pauses that mailbox this long at most.')
  @minValue(1)
  EWS_MAX_BACKOFF_MS: int?
  @description('Extra CA certificate (PEM) to trust for the EWS endpoint.')
  EWS_CA_FILE: string?
  @description('Graph base URL up to the version (national clouds: their Graph host).')
  GRAPH_URL: string?
  @description('Token scope for Graph.')
  GRAPH_OAUTH_SCOPE: string?
  @description('Deadline of one mailbox call, retries included.')
  @minValue(1)
  GRAPH_TIMEOUT_MS: int?
  @description('TCP and TLS connect timeout.')
  @minValue(1)
  GRAPH_CONNECT_TIMEOUT_MS: int?
  @description('Keep-alive connections in the pool to the Graph endpoint (a few spare ones let a queued call go out at once).')
  @minValue(1)
  GRAPH_CONNECTIONS: int?
  @description('Calls in flight to the Graph endpoint (per app).')
  @minValue(1)
  GRAPH_MAX_IN_FLIGHT: int?
  @description('Calls in flight per mailbox (Outlook\'s concurrency limit per app and mailbox).')
  @minValue(1)
  GRAPH_MAX_IN_FLIGHT_PER_MAILBOX: int?
  @description('Attempts per call for transient and throttled errors.')
  @minValue(1)
  GRAPH_MAX_ATTEMPTS: int?
  @description('Total back-off per call before giving up.')
  @minValue(1)
  GRAPH_MAX_RETRY_WAIT_MS: int?
  @description('Extra CA certificate (PEM) to trust for the Graph endpoint.')
  GRAPH_CA_FILE: string?
  @description('Who outside the organisation gets the external reply.')
  LEAVE_OOF_AUDIENCE: ('none' | 'known' | 'all')?
  @description('Language whose templates are used when the person\'s language has none.')
  LEAVE_DEFAULT_LOCALE: string?
  @description('Your own templates, `{ "<locale>": { "internal", "external" } }` with `{{name}}`, `{{firstDayBack}}`, `{{#delegate}}…{{/delegate}}`.')
  LEAVE_TEMPLATES_FILE: string?
  @description('Attempts of a mailbox or HiBob call that failed transiently.')
  @minValue(1)
  LEAVE_MAX_ATTEMPTS: int?
  @description('First retry interval of those calls, doubled each time.')
  @minValue(1)
  LEAVE_RETRY_FIRST_MS: int?
  @description('`on`: each absence also gets an all-day Out of office event in the person\'s own calendar (no attendees, no notifications).')
  LEAVE_CALENDAR_EVENT: ('off' | 'on')?
  @description('When to compare every mailbox with a current or upcoming absence against what the app last set and repair the app\'s own misses (six-field NCRONTAB, UTC); unset: no reconcile.')
  LEAVE_RECONCILE_SCHEDULE: string?
  @description('A leave may start at most this many days ago; older dates are refused as a mistake.')
  @minValue(1)
  LEAVE_START_MAX_PAST_DAYS: int?
  @description('A leave may start at most this many days ahead.')
  @minValue(1)
  LEAVE_START_MAX_AHEAD_DAYS: int?
  @description('The longest leave accepted, in days.')
  @minValue(1)
  LEAVE_MAX_LENGTH_DAYS: int?
  @description('HiBob\'s API; the app re-reads each time-off request there only.')
  HIBOB_API_URL: string?
  @description('Time zone of HiBob\'s leave dates (HiBob sends none).')
  HIBOB_TIME_ZONE: string?
  @description('Language of the replies for HiBob leaves (HiBob sends none).')
  HIBOB_LOCALE: string?
  @description('When to poll BambooHR\'s time-off requests (six-field NCRONTAB, UTC, e.g. `0 */15 * * * *`); unset: BambooHR is not read.')
  BAMBOOHR_POLL_SCHEDULE: string?
  @description('The company\'s BambooHR subdomain (`acme` for acme.bamboohr.com).')
  BAMBOOHR_COMPANY_DOMAIN: string?
  @description('BambooHR\'s API; the poll calls it only.')
  BAMBOOHR_API_URL: string?
  @description('Time zone of BambooHR\'s leave dates (BambooHR sends none).')
  BAMBOOHR_TIME_ZONE: string?
  @description('Language of the replies for BambooHR leaves.')
  BAMBOOHR_LOCALE: string?
  @description('How far ahead each poll reads requests (and it always reads from 31 days back).')
  @minValue(1)
  BAMBOOHR_LOOKAHEAD_DAYS: int?
  @description('Mailboxes one batch sweeps at once: the sweep has at most SWEEP_MAX_BATCHES_IN_FLIGHT × this many in flight, on any number of instances.')
  @minValue(1)
  @maxValue(1000)
  SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: int?
  @description('Attempts of a sweep activity that failed transiently.')
  @minValue(1)
  SWEEP_MAX_ATTEMPTS: int?
  @description('First retry interval of those activities.')
  @minValue(1)
  SWEEP_RETRY_INTERVAL_MS: int?
  @description('When to ask Exchange whether the service account can reach mailboxes outside the scope (six-field NCRONTAB, UTC); unset: no scheduled audit.')
  SCOPE_AUDIT_SCHEDULE: string?
  @description('Mailboxes outside MAILBOX_SCOPE that the service account must not reach (e.g. a canary mailbox in another domain or OU); the audit reads each once, read-only.')
  SCOPE_AUDIT_CANARIES: string?
  @description('How many mailboxes outside MAILBOX_SCOPE the audit also reads, sampled from the directory (the same ones all day); 0: only SCOPE_AUDIT_CANARIES.')
  @minValue(0)
  @maxValue(20)
  SCOPE_AUDIT_SAMPLE: int?
  @description('Completed, failed and terminated orchestrations older than this are purged from the task hub every night (running calendar owners are never purged).')
  @minValue(1)
  DURABLE_HISTORY_RETENTION_DAYS: int?
}
