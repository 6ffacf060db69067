// Flex Consumption plan (FC1, Linux) and the function app running as the user-assigned identity.
// Host storage, the deployment package, Application Insights and Key Vault are all reached with
// that identity: no account key, connection string with a key, or SAS appears in any setting.
import { optionalAppSettings } from '../appSettings.bicep'

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the resources (the app also gets azd-service-name).')
param tags object

@description('azd service name from azure.yaml; azd finds the app by this tag.')
param serviceName string

@description('Name of the user-assigned managed identity the app runs as.')
param identityName string

@description('Name of the host storage account.')
param storageAccountName string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (ingestion endpoint; no key auth with DisableLocalAuth).')
param applicationInsightsConnectionString string

@description('Node.js version for the Functions runtime.')
@allowed(['22'])
param nodeVersion string

@description('Memory per instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

@description('Upper bound on instances; also bounds the total EWS load the app can put on Exchange.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances for the Durable Functions group (orchestrations, activities, entities).')
@minValue(0)
param durableAlwaysReadyInstances int

// The app's own settings (shared/platform/config.ts reads and validates them at start). No secrets:
// the app reads those from Key Vault itself (KEY_VAULT_URI). An empty value means "not set".
@description('Key Vault URI the app reads its secrets from.')
param keyVaultUri string

@description('Durable task hub name.')
param taskHubName string

@description('Mailbox back end (ews or graph).')
param mailboxBackend string

@description('Service mailbox for directory calls, or empty.')
param ewsServiceMailbox string

@description('Blob container for the sweep reports.')
param reportsContainerName string

@description('Blob container of the change journal.')
param journalContainerName string

@description('Mailboxes swept besides the group members, or empty.')
param sweepMailboxes string

@description('The optional app settings (main.bicep optionalSettings).')
param optionalSettings optionalAppSettings

@description('EWS endpoint.')
param ewsUrl string

@description('EWS auth mode: oauth or basic.')
param ewsAuth string

@description('Entra tenant id of the Exchange Online app registration, or empty.')
param ewsTenantId string

@description('Client id of the Exchange Online app registration, or empty.')
param ewsClientId string

@description('On-premises service account name for basic auth, or empty.')
param ewsUsername string

@description('EWS RequestServerVersion.')
param ewsServerVersion string

@description('Overall timeout of one EWS call in milliseconds.')
param ewsTimeoutMs int

@description('Mailboxes that may be impersonated (domains, addresses or *), or empty for none.')
param mailboxScope string

@description('Distribution group that lists the mailboxes swept, or empty.')
param mailboxScopeGroup string

@description('NCRONTAB schedule of the archive sweep, or empty for none.')
param archiveSweepSchedule string

@description('Archive mail older than this many days.')
param archiveOlderThanDays int

@description('Folders to archive from, comma-separated.')
param archiveFolders string

@description('Mailboxes per sweep batch.')
param sweepBatchSize int

@description('Sweep batches in flight at once.')
param sweepMaxBatchesInFlight int

@description('Most items archived per mailbox per run.')
param archiveMaxItemsPerRun int

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    // Key Vault references (if an operator adds any) resolve with the same identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstances
          }
        ]
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  // Flex Consumption sets the worker runtime and version from functionAppConfig.runtime:
  // FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_RUN_FROM_PACKAGE are not used there.
  resource settings 'config' = {
    name: 'appsettings'
    properties: {
      // Host storage through the managed identity (identity-based connection).
      AzureWebJobsStorage__accountName: storage.name
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId
      // Telemetry with Entra ID auth (the component has local auth off).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
      // DefaultAzureCredential in the app picks the user-assigned identity by this client id.
      AZURE_CLIENT_ID: identity.properties.clientId
      KEY_VAULT_URI: keyVaultUri
      TASKHUB_NAME: taskHubName
      MAILBOX_BACKEND: mailboxBackend
      EWS_URL: ewsUrl
      EWS_AUTH: ewsAuth
      EWS_TENANT_ID: ewsTenantId
      EWS_CLIENT_ID: ewsClientId
      EWS_USERNAME: ewsUsername
      EWS_SERVER_VERSION: ewsServerVersion
      EWS_TIMEOUT_MS: string(ewsTimeoutMs)
      MAILBOX_SCOPE: mailboxScope
      MAILBOX_SCOPE_GROUP: mailboxScopeGroup
      ARCHIVE_SWEEP_SCHEDULE: archiveSweepSchedule
      ARCHIVE_OLDER_THAN_DAYS: string(archiveOlderThanDays)
      ARCHIVE_FOLDERS: archiveFolders
      SWEEP_BATCH_SIZE: string(sweepBatchSize)
      SWEEP_MAX_BATCHES_IN_FLIGHT: string(sweepMaxBatchesInFlight)
      ARCHIVE_MAX_ITEMS_PER_RUN: string(archiveMaxItemsPerRun)
      EWS_SERVICE_MAILBOX: ewsServiceMailbox
      SWEEP_MAILBOXES: sweepMailboxes
      REPORTS_CONTAINER: reportsContainerName
      JOURNAL_CONTAINER: journalContainerName
      // The cloud's own Entra endpoint (sovereign clouds included) for every credential the app builds.
      AZURE_AUTHORITY_HOST: environment().authentication.loginEndpoint
      // Generated from shared/platform/settings.ts (npm run docs:settings); "" means not set.
      // settings:optional
      SECRETS_CACHE_TTL_SECONDS: string(optionalSettings.?SECRETS_CACHE_TTL_SECONDS ?? '')
      EWS_CLIENT_CERTIFICATE_PATH: optionalSettings.?EWS_CLIENT_CERTIFICATE_PATH ?? ''
      EWS_OAUTH_SCOPE: optionalSettings.?EWS_OAUTH_SCOPE ?? ''
      EWS_AUTHORITY_HOST: optionalSettings.?EWS_AUTHORITY_HOST ?? ''
      EWS_IMPERSONATION_ID: optionalSettings.?EWS_IMPERSONATION_ID ?? ''
      EWS_CONNECT_TIMEOUT_MS: string(optionalSettings.?EWS_CONNECT_TIMEOUT_MS ?? '')
      EWS_CONNECTIONS: string(optionalSettings.?EWS_CONNECTIONS ?? '')
      EWS_MAX_IN_FLIGHT: string(optionalSettings.?EWS_MAX_IN_FLIGHT ?? '')
      EWS_MAX_IN_FLIGHT_PER_MAILBOX: string(optionalSettings.?EWS_MAX_IN_FLIGHT_PER_MAILBOX ?? '')
      EWS_MAX_ATTEMPTS: string(optionalSettings.?EWS_MAX_ATTEMPTS ?? '')
      EWS_MAX_RETRY_WAIT_MS: string(optionalSettings.?EWS_MAX_RETRY_WAIT_MS ?? '')
      EWS_MAX_BACKOFF_MS: string(optionalSettings.?EWS_MAX_BACKOFF_MS ?? '')
      EWS_CA_FILE: optionalSettings.?EWS_CA_FILE ?? ''
      GRAPH_URL: optionalSettings.?GRAPH_URL ?? ''
      GRAPH_OAUTH_SCOPE: optionalSettings.?GRAPH_OAUTH_SCOPE ?? ''
      GRAPH_TIMEOUT_MS: string(optionalSettings.?GRAPH_TIMEOUT_MS ?? '')
      GRAPH_CONNECT_TIMEOUT_MS: string(optionalSettings.?GRAPH_CONNECT_TIMEOUT_MS ?? '')
      GRAPH_CONNECTIONS: string(optionalSettings.?GRAPH_CONNECTIONS ?? '')
      GRAPH_MAX_IN_FLIGHT: string(optionalSettings.?GRAPH_MAX_IN_FLIGHT ?? '')
      GRAPH_MAX_IN_FLIGHT_PER_MAILBOX: string(optionalSettings.?GRAPH_MAX_IN_FLIGHT_PER_MAILBOX ?? '')
      GRAPH_MAX_ATTEMPTS: string(optionalSettings.?GRAPH_MAX_ATTEMPTS ?? '')
      GRAPH_MAX_RETRY_WAIT_MS: string(optionalSettings.?GRAPH_MAX_RETRY_WAIT_MS ?? '')
      GRAPH_CA_FILE: optionalSettings.?GRAPH_CA_FILE ?? ''
      LEAVE_OOF_AUDIENCE: optionalSettings.?LEAVE_OOF_AUDIENCE ?? ''
      LEAVE_DEFAULT_LOCALE: optionalSettings.?LEAVE_DEFAULT_LOCALE ?? ''
      LEAVE_TEMPLATES_FILE: optionalSettings.?LEAVE_TEMPLATES_FILE ?? ''
      LEAVE_MAX_ATTEMPTS: string(optionalSettings.?LEAVE_MAX_ATTEMPTS ?? '')
      LEAVE_RETRY_FIRST_MS: string(optionalSettings.?LEAVE_RETRY_FIRST_MS ?? '')
      LEAVE_CALENDAR_EVENT: optionalSettings.?LEAVE_CALENDAR_EVENT ?? ''
      LEAVE_RECONCILE_SCHEDULE: optionalSettings.?LEAVE_RECONCILE_SCHEDULE ?? ''
      LEAVE_START_MAX_PAST_DAYS: string(optionalSettings.?LEAVE_START_MAX_PAST_DAYS ?? '')
      LEAVE_START_MAX_AHEAD_DAYS: string(optionalSettings.?LEAVE_START_MAX_AHEAD_DAYS ?? '')
      LEAVE_MAX_LENGTH_DAYS: string(optionalSettings.?LEAVE_MAX_LENGTH_DAYS ?? '')
      HIBOB_API_URL: optionalSettings.?HIBOB_API_URL ?? ''
      HIBOB_TIME_ZONE: optionalSettings.?HIBOB_TIME_ZONE ?? ''
      HIBOB_LOCALE: optionalSettings.?HIBOB_LOCALE ?? ''
      BAMBOOHR_POLL_SCHEDULE: optionalSettings.?BAMBOOHR_POLL_SCHEDULE ?? ''
      BAMBOOHR_COMPANY_DOMAIN: optionalSettings.?BAMBOOHR_COMPANY_DOMAIN ?? ''
      BAMBOOHR_API_URL: optionalSettings.?BAMBOOHR_API_URL ?? ''
      BAMBOOHR_TIME_ZONE: optionalSettings.?BAMBOOHR_TIME_ZONE ?? ''
      BAMBOOHR_LOCALE: optionalSettings.?BAMBOOHR_LOCALE ?? ''
      BAMBOOHR_LOOKAHEAD_DAYS: string(optionalSettings.?BAMBOOHR_LOOKAHEAD_DAYS ?? '')
      SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: string(optionalSettings.?SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH ?? '')
      SWEEP_MAX_ATTEMPTS: string(optionalSettings.?SWEEP_MAX_ATTEMPTS ?? '')
      SWEEP_RETRY_INTERVAL_MS: string(optionalSettings.?SWEEP_RETRY_INTERVAL_MS ?? '')
      SCOPE_AUDIT_SCHEDULE: optionalSettings.?SCOPE_AUDIT_SCHEDULE ?? ''
      SCOPE_AUDIT_CANARIES: optionalSettings.?SCOPE_AUDIT_CANARIES ?? ''
      SCOPE_AUDIT_SAMPLE: string(optionalSettings.?SCOPE_AUDIT_SAMPLE ?? '')
      DURABLE_HISTORY_RETENTION_DAYS: string(optionalSettings.?DURABLE_HISTORY_RETENTION_DAYS ?? '')
      // /settings:optional
    }
  }

  // Publishing with basic credentials (FTP, SCM) is off: azd deploys with an Entra token.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output id string = functionApp.id
output defaultHostName string = functionApp.properties.defaultHostName
