// mailbox-automation: everything the function app needs in one resource group.
// Deploy with `azd up` (azure.yaml at the repo root) or
// `az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.json`.
// Secrets are never parameters here: operators put them in Key Vault (docs/operations.md).
targetScope = 'resourceGroup'

import { optionalAppSettings } from 'appSettings.bicep'

@minLength(1)
@maxLength(64)
@description('azd environment name; part of every resource name.')
param environmentName string

@description('Azure region (must offer Flex Consumption).')
param location string = resourceGroup().location

@description('Extra tags for every resource.')
param tags object = {}

// --- EWS (see docs/settings.md) ---
@description('EWS endpoint, e.g. https://outlook.office365.com/EWS/Exchange.asmx or https://mail.contoso.com/EWS/Exchange.asmx.')
param ewsUrl string

@description('oauth (Exchange Online, app-only) or basic (Exchange on-premises service account).')
@allowed(['oauth', 'basic'])
param ewsAuth string = 'oauth'

@description('Entra tenant id of the Exchange Online app registration (oauth); empty for on-premises.')
param ewsTenantId string = ''

@description('Client id of the Exchange Online app registration (oauth); empty to use the managed identity.')
param ewsClientId string = ''

@description('On-premises service account (DOMAIN\\user or UPN) for basic auth; its password lives in Key Vault.')
param ewsUsername string = ''

@description('RequestServerVersion; Exchange2016 is right for 2016, 2019, SE and Exchange Online.')
@allowed([
  'Exchange2013_SP1'
  'Exchange2015'
  'Exchange2016'
  'V2015_10_05'
  'V2016_01_06'
  'V2016_04_13'
  'V2016_07_13'
  'V2016_10_10'
  'V2017_01_07'
  'V2017_04_14'
  'V2017_07_11'
])
param ewsServerVersion string = 'Exchange2016'

@description('Overall timeout of one EWS call in milliseconds.')
@minValue(1000)
param ewsTimeoutMs int = 100000

@description('Mailbox back end: ews (Exchange Server, or Exchange Online while EWS is allowed) or graph (Exchange Online through Microsoft Graph; no archive sweeps).')
@allowed(['ews', 'graph'])
param mailboxBackend string = 'ews'

@description('An in-scope mailbox the app acts as for directory calls (group expansion); needed with mailboxScopeGroup.')
param ewsServiceMailbox string = ''

// --- Scope: the app refuses every mailbox outside it ---
@description('Domains and addresses that may be impersonated, comma-separated (contoso.com,ceo@fabrikam.com), or * for all. Empty: none.')
param mailboxScope string = ''

@description('Distribution group whose (nested) members the sweeps cover. Empty: explicit list only.')
param mailboxScopeGroup string = ''

// --- Sweeps ---
@description('NCRONTAB schedule of the archive sweep (e.g. 0 0 2 * * * for 02:00 UTC). Empty: no scheduled sweep.')
param archiveSweepSchedule string = ''

@description('Archive mail older than this many days.')
@minValue(1)
param archiveOlderThanDays int = 365

@description('Folders to archive from, comma-separated distinguished folder names.')
param archiveFolders string = 'inbox'

@description('Mailboxes swept in addition to the group members, comma-separated. Empty: the group only.')
param sweepMailboxes string = ''

@description('Mailboxes per sweep batch (one sub-orchestration each).')
@minValue(1)
@maxValue(1000)
param sweepBatchSize int = 50

@description('Batches in flight at once.')
@minValue(1)
param sweepMaxBatchesInFlight int = 10

@description('Most items archived per mailbox per run; the rest waits for the next run.')
@minValue(1)
param archiveMaxItemsPerRun int = 5000

@description('Every other app setting of docs/settings.md, by name (a typo fails the deployment); unset ones keep the app default.')
param optionalSettings optionalAppSettings = {}

// Settings that need another (shared/platform/settings.ts `requires`), checked before anything is deployed: the
// deployment fails naming both, as the app itself would at start.
// settings:relations
var settingProblems = filter([
  toLower((empty(mailboxBackend) ? 'ews' : mailboxBackend)) == 'graph' && !(toLower((empty(ewsAuth) ? 'oauth' : ewsAuth)) == 'oauth') ? 'MAILBOX_BACKEND is graph but EWS_AUTH is ${(empty(ewsAuth) ? 'oauth' : ewsAuth)}, not oauth: Microsoft Graph takes app-only OAuth only' : ''
  toLower((empty(ewsAuth) ? 'oauth' : ewsAuth)) == 'basic' && !(!empty(ewsUsername)) ? 'EWS_AUTH is basic but EWS_USERNAME is not set: Basic auth needs the service account' : ''
  !empty(string(optionalSettings.?EWS_CLIENT_CERTIFICATE_PATH ?? '')) && !(!empty(ewsTenantId)) ? 'EWS_CLIENT_CERTIFICATE_PATH is set but EWS_TENANT_ID is not set: app-only OAuth needs the Entra tenant id' : ''
  !empty(string(optionalSettings.?EWS_CLIENT_CERTIFICATE_PATH ?? '')) && !(!empty(ewsClientId)) ? 'EWS_CLIENT_CERTIFICATE_PATH is set but EWS_CLIENT_ID is not set: app-only OAuth needs the app registration\'s client id' : ''
  !empty(string(optionalSettings.?BAMBOOHR_POLL_SCHEDULE ?? '')) && !(!empty(string(optionalSettings.?BAMBOOHR_COMPANY_DOMAIN ?? ''))) ? 'BAMBOOHR_POLL_SCHEDULE is set but BAMBOOHR_COMPANY_DOMAIN is not set: the poll reads that company' : ''
  !empty(archiveSweepSchedule) && !(!empty(mailboxScopeGroup) || !empty(sweepMailboxes)) ? 'ARCHIVE_SWEEP_SCHEDULE is set but neither MAILBOX_SCOPE_GROUP nor SWEEP_MAILBOXES is set: a scheduled sweep needs mailboxes to sweep' : ''
  !empty(archiveSweepSchedule) && !(toLower((empty(mailboxBackend) ? 'ews' : mailboxBackend)) == 'ews') ? 'ARCHIVE_SWEEP_SCHEDULE is set but MAILBOX_BACKEND is ${(empty(mailboxBackend) ? 'ews' : mailboxBackend)}, not ews: only EWS reaches the In-Place Archive' : ''
  !empty(mailboxScopeGroup) && !(!empty(ewsServiceMailbox)) ? 'MAILBOX_SCOPE_GROUP is set but EWS_SERVICE_MAILBOX is not set: expanding the group acts as a mailbox: set it to a service mailbox in MAILBOX_SCOPE' : ''
  !empty(string(optionalSettings.?SCOPE_AUDIT_SCHEDULE ?? '')) && !(!empty(string(optionalSettings.?SCOPE_AUDIT_CANARIES ?? ''))) ? 'SCOPE_AUDIT_SCHEDULE is set but SCOPE_AUDIT_CANARIES is not set: the audit tries to read the canary mailboxes' : ''
], problem => !empty(problem))
// /settings:relations

// --- Hosting ---
@description('Durable task hub name (letters and digits, starts with a letter).')
@minLength(3)
@maxLength(45)
param taskHubName string = 'MailboxAutomation'

@description('Memory per Flex Consumption instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on Flex Consumption instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for the durable group.')
@minValue(0)
param durableAlwaysReadyInstances int = 1

@description('Days each change journal blob (one per day) stays immutable: nobody can delete or overwrite it before (docs/operations.md, "The change journal").')
@minValue(1)
@maxValue(146000)
param journalRetentionDays int = 400

@description('Days to keep logs in Log Analytics.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var names = {
  identity: 'id-${resourceToken}'
  storage: 'st${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
}
var deploymentContainerName = 'app-package-${take(resourceToken, 32)}'
var reportsContainerName = 'reports'
var journalContainerName = 'journal'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: allTags
    deploymentContainerName: deploymentContainerName
    reportsContainerName: reportsContainerName
    journalContainerName: journalContainerName
    journalRetentionDays: journalRetentionDays
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    keyVaultName: names.keyVault
    storageAccountName: names.storage
  }
  // Its diagnostic settings attach to the vault and the storage services.
  dependsOn: [
    keyVault
    storage
  ]
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyVault'
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    softDeleteRetentionInDays: 90
  }
}

module roles 'modules/roleAssignments.bicep' = {
  name: 'roleAssignments'
  params: {
    identityName: names.identity
    storageAccountName: names.storage
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
    journalContainerName: journalContainerName
  }
  // Names are known before deployment (precise what-if), so the order is stated here.
  dependsOn: [
    identity
    storage
    monitoring
    keyVault
  ]
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: allTags
    serviceName: 'api'
    identityName: names.identity
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    nodeVersion: '22'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    keyVaultUri: keyVault.outputs.uri
    taskHubName: taskHubName
    mailboxBackend: mailboxBackend
    ewsServiceMailbox: ewsServiceMailbox
    reportsContainerName: reportsContainerName
    journalContainerName: journalContainerName
    ewsUrl: ewsUrl
    ewsAuth: ewsAuth
    ewsTenantId: ewsTenantId
    ewsClientId: ewsClientId
    ewsUsername: ewsUsername
    ewsServerVersion: ewsServerVersion
    ewsTimeoutMs: ewsTimeoutMs
    mailboxScope: mailboxScope
    mailboxScopeGroup: mailboxScopeGroup
    archiveSweepSchedule: archiveSweepSchedule
    archiveOlderThanDays: archiveOlderThanDays
    archiveFolders: archiveFolders
    sweepBatchSize: sweepBatchSize
    sweepMaxBatchesInFlight: sweepMaxBatchesInFlight
    archiveMaxItemsPerRun: archiveMaxItemsPerRun
    sweepMailboxes: sweepMailboxes
    // The app gets its settings only if they hold together; otherwise the deployment stops with the problems.
    optionalSettings: empty(settingProblems) ? optionalSettings : fail(join(settingProblems, '; '))
  }
  // The host needs its storage roles before its first start (and azd needs them to upload the package).
  dependsOn: [
    identity
    storage
    roles
  ]
}

// Flex Consumption has no platform health check (siteConfig.healthCheckPath): an Application Insights
// standard test calls the anonymous GET /api/health every five minutes instead.
module healthCheck 'modules/healthCheck.bicep' = {
  name: 'healthCheck'
  params: {
    name: 'health-${resourceToken}'
    location: location
    tags: allTags
    applicationInsightsName: names.applicationInsights
    // The function app's host name orders this after the app, and so after monitoring.
    healthUrl: 'https://${functionApp.outputs.defaultHostName}/api/health'
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output REPORTS_CONTAINER string = reportsContainerName
output JOURNAL_CONTAINER string = journalContainerName
