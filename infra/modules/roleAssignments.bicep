// Least privilege for the app's identity, each role scoped to the one resource that needs it.
// Role definition ids are Azure built-in roles (the same GUID in every tenant).
@description('Name of the user-assigned managed identity that receives the roles.')
param identityName string

@description('Name of the host storage account.')
param storageAccountName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Blob container of the change journal: the app may read and append there, never delete.')
param journalContainerName string

// Storage Blob Data Owner: host leases and deployment package, Durable large messages, sweep reports.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
// Storage Queue Data Contributor: Durable control and work-item queues.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
// Storage Table Data Contributor: Durable history and instance tables.
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
// Monitoring Metrics Publisher: Entra-authenticated telemetry to Application Insights (local auth off).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
// Key Vault Secrets User: read secret values, nothing else.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Storage Blob Data Owner on the storage account, except deleting in the change journal's container.
// The host needs the account-wide role (leases, the deployment package, Durable large messages, the
// reports); the journal's lines are appended with it. A role assignment condition (Azure ABAC,
// conditionVersion 2.0: "Azure role assignment condition format and syntax") takes away, in that container
// only, the actions that remove or unprotect what is there: delete a blob, delete a blob version, and act
// as the immutability super user. So even before the container's retention policy is locked, this
// identity cannot remove a line; the policy (storage.bicep) stops everyone else and every overwrite.
var journalProtectedActions = [
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete'
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/deleteBlobVersion/action'
  'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/immutableStorage/runAsSuperUser/action'
]
var journalCondition = '((${join(map(journalProtectedActions, action => '!(ActionMatches{\'${action}\'})'), ' AND ')}) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals \'${journalContainerName}\'))'

resource blobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Storage Blob Data Owner for the function app identity, no deletes in the change journal'
    condition: journalCondition
    conditionVersion: '2.0'
  }
}

// Storage Queue Data Contributor on the storage account
resource queueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Storage Queue Data Contributor for the function app identity'
  }
}

// Storage Table Data Contributor on the storage account
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Storage Table Data Contributor for the function app identity'
  }
}

// Monitoring Metrics Publisher on the Application Insights component
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identity.id, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Monitoring Metrics Publisher for the function app identity'
  }
}

// Key Vault Secrets User on the Key Vault
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Key Vault Secrets User for the function app identity'
  }
}
