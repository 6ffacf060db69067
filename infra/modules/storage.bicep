// Host storage for the Functions runtime (Durable task hub queues/tables/blobs), the Flex
// deployment package and the sweep reports. Shared-key access is off: every caller uses Entra ID.
@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Blob container for sweep reports (reports/archive/<date>-<instance>.json|csv).')
param reportsContainerName string

@description('Blob container of the change journal (<yyyy>/<mm>/<dd>.jsonl append blobs).')
param journalContainerName string

@description('Days each journal blob is kept immutable after it is created (time-based retention).')
@minValue(1)
@maxValue(146000)
param journalRetentionDays int

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'
    properties: {
      deleteRetentionPolicy: {
        enabled: true
        days: 7
      }
      containerDeleteRetentionPolicy: {
        enabled: true
        days: 7
      }
    }

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    resource reportsContainer 'containers' = {
      name: reportsContainerName
      properties: {
        publicAccess: 'None'
      }
    }

    // The change journal (shared/journal/changeJournal.ts): write once, read many. A time-based retention
    // policy at container level: no blob can be overwritten or deleted until journalRetentionDays after
    // it was created, by anyone, the app's identity and the account's owners included; protected append
    // writes let the app add lines (Append Block) to a day's blob, and nothing else. The policy is
    // deployed unlocked so that a test deployment can be removed (delete the policy, then the group); a
    // production deployment locks it once (docs/operations.md, "The change journal"): a locked policy
    // can only be lengthened, and the account cannot be deleted while it protects a blob.
    resource journalContainer 'containers' = {
      name: journalContainerName
      properties: {
        publicAccess: 'None'
      }

      resource journalImmutability 'immutabilityPolicies' = {
        name: 'default'
        properties: {
          immutabilityPeriodSinceCreationInDays: journalRetentionDays
          allowProtectedAppendWrites: true
        }
      }
    }
  }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
