/**
 * The app's own Blob storage, one container: a connection string (Azurite locally, or
 * REPORTS_STORAGE_CONNECTION_STRING) or the host's identity in Azure (DefaultAzureCredential, with
 * AzureWebJobsStorage__clientId for a user-assigned identity). The sweep reports (shared/sweep/sweepStore.ts)
 * and the change journal (shared/journal/changeJournal.ts) open theirs here.
 */
import type { ReportsStorageSettings } from './config';

type ContainerClient = import('@azure/storage-blob').ContainerClient;

/** The container the settings name, created when missing (in Azure the template made it). */
export async function openBlobContainer(settings: ReportsStorageSettings): Promise<ContainerClient> {
  // @azure/storage-blob and @azure/identity load on first use: they are heavy, and most function
  // invocations never need them.
  const { BlobServiceClient } = await import('@azure/storage-blob');
  let service;
  if (settings.kind === 'connectionString') {
    service = BlobServiceClient.fromConnectionString(settings.connectionString);
  } else {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const credential = new DefaultAzureCredential(
      settings.clientId ? { managedIdentityClientId: settings.clientId } : {},
    );
    service = new BlobServiceClient(settings.blobServiceUrl, credential);
  }
  const container = service.getContainerClient(settings.container);
  await container.createIfNotExists();
  return container;
}
