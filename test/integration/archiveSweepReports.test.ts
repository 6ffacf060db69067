/** Sweep reports in Blob storage: the real @azure/storage-blob client against Azurite started here. */
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../../dev/azurite';
import { BlobSweepStore } from '../../shared/sweep/sweepStore';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 30_000);
afterAll(async () => azurite?.stop());

it('writes the report as JSON and CSV under reports/archive/ and removes the working files', async () => {
  const store = new BlobSweepStore({
    kind: 'connectionString',
    connectionString: azurite.connectionString,
    container: 'reports',
  });
  const path = 'archive/2026-11-25T020000Z-archive-sweep';
  await store.putMailboxes(path, ['a@contoso.com', 'b@contoso.com', 'c@contoso.com']);
  expect(await store.getMailboxes(path, 1, 3)).toEqual(['b@contoso.com', 'c@contoso.com']);
  await store.putBatchRows(path, 0, [
    { mailbox: 'a@contoso.com', outcome: 'archived', itemsPlanned: 1, itemsMoved: 1 },
  ]);
  expect(await store.getBatchRows(path, 0)).toHaveLength(1);
  expect(await store.getBatchRows(path, 1)).toBeUndefined();
  const where = await store.putReport(path, '{"ok":true}\n', 'mailbox\r\n');
  expect(where.json).toBe(`${azurite.blobEndpoint}/reports/${path}.json`);
  await store.deleteParts(path, 1);

  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    'reports',
  );
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  expect(names.sort()).toEqual([`${path}.csv`, `${path}.json`]);
  const csv = await container.getBlobClient(`${path}.csv`).downloadToBuffer();
  expect(csv.toString()).toBe('mailbox\r\n');
});
