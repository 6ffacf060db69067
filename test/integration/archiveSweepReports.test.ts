/** Sweep reports in Blob storage: the real @azure/storage-blob client against Azurite started here. */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../../dev/azurite';
import { batchFailedRow, commitStreamedReport, stageBatchPart } from '../../shared/sweep/reportBlocks';
import { reportCsv, reportJson } from '../../shared/sweep/sweepReport';
import { mapWithLimit } from '../../shared/platform/transport/concurrency';
import { BlobSweepStore } from '../../shared/sweep/sweepStore';
import type { MailboxRow } from '../../shared/sweep/sweepTypes';
import { reportSummary } from '../support/sweepReportSummary';

let azurite: Azurite;
let store: BlobSweepStore;
let container: ContainerClient;
beforeAll(async () => {
  azurite = await startAzurite();
  store = new BlobSweepStore({
    kind: 'connectionString',
    connectionString: azurite.connectionString,
    container: 'reports',
  });
  container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('reports');
}, 30_000);
afterAll(async () => azurite?.stop());

async function names(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix })) found.push(blob.name);
  return found.sort();
}

async function download(name: string): Promise<{ text: string; contentType?: string }> {
  const blob = container.getBlobClient(name);
  const text = (await blob.downloadToBuffer()).toString('utf8');
  return { text, contentType: (await blob.getProperties()).contentType };
}

it('writes a report held whole (the CLI) as JSON and CSV under reports/archive/', async () => {
  const path = 'archive/2026-11-25T020000Z-cli-20261125020000';
  const where = await store.putReport(path, '{"ok":true}\n', 'mailbox\r\n');
  expect(where.json).toBe(`${azurite.blobEndpoint}/reports/${path}.json`);
  expect(await names(path)).toEqual([`${path}.csv`, `${path}.json`]);
  expect((await download(`${path}.csv`)).text).toBe('mailbox\r\n');
});

it('streams a report: batches staged as they end, one missing, a save run twice; the commit has the bytes of the report written whole', async () => {
  const path = 'archive/2026-12-06T020000Z-archive-sweep';
  const row = (i: number): MailboxRow =>
    i === 4
      ? {
          mailbox: `user${i}@contoso.com`,
          outcome: 'failed',
          itemsPlanned: 0,
          itemsMoved: 0,
          errorCode: 'ErrorAccessDenied',
          errorMessage: 'Access is denied, "é"',
        }
      : { mailbox: `user${i}@contoso.com`, outcome: 'archived', itemsPlanned: i, itemsMoved: i };
  const batches = [
    [row(0), row(1), row(2)],
    [row(3), row(4), row(5)], // never saved: its orchestration failed
    [row(6), row(7), row(8)], // saved in two parts
    [row(9)],
  ];
  for (const [batch, rows] of batches.entries()) {
    await store.putMailboxPart(
      path,
      batch,
      rows.map((r) => r.mailbox),
    );
  }
  // Batches end in any order; batch 2's second part is saved twice (its activity ran again).
  await stageBatchPart(store, { reportPath: path, batch: 3, part: 0, parts: 1, rows: batches[3]! });
  await stageBatchPart(store, { reportPath: path, batch: 2, part: 1, parts: 2, rows: batches[2]!.slice(2) });
  await stageBatchPart(store, {
    reportPath: path,
    batch: 2,
    part: 0,
    parts: 2,
    rows: batches[2]!.slice(0, 2),
  });
  await stageBatchPart(store, { reportPath: path, batch: 2, part: 1, parts: 2, rows: batches[2]!.slice(2) });
  await stageBatchPart(store, { reportPath: path, batch: 0, part: 0, parts: 1, rows: batches[0]! });
  // Nothing is a blob yet: staged blocks are not part of one until committed.
  expect(await names(path)).toEqual([
    `${path}.parts/mailboxes-000000.json`,
    `${path}.parts/mailboxes-000001.json`,
    `${path}.parts/mailboxes-000002.json`,
    `${path}.parts/mailboxes-000003.json`,
  ]);

  const rows = [
    ...batches[0]!,
    ...batches[1]!.map((r) => batchFailedRow(r.mailbox)),
    ...batches[2]!,
    ...batches[3]!,
  ];
  const summary = reportSummary(10, rows);
  const report = {
    reportPath: path,
    batches: batches.length,
    summary,
    droppedExamples: [],
    mailboxesOf: async (batch: number) => (await store.getMailboxPart(path, batch)) ?? [],
  };
  const where = await commitStreamedReport(store, report);
  expect(where).toEqual({
    json: `${azurite.blobEndpoint}/reports/${path}.json`,
    csv: `${azurite.blobEndpoint}/reports/${path}.csv`,
  });
  const json = await download(`${path}.json`);
  const csv = await download(`${path}.csv`);
  expect(json).toEqual({
    text: reportJson({ summary, droppedExamples: [], rows }),
    contentType: 'application/json',
  });
  expect(csv).toEqual({ text: reportCsv(rows), contentType: 'text/csv; charset=utf-8' });
  // The variants not chosen were discarded with the commit.
  const blocks = await container.getBlockBlobClient(`${path}.json`).getBlockList('all');
  expect(blocks.uncommittedBlocks).toEqual([]);
  expect(blocks.committedBlocks).toHaveLength(1 + 1 + 1 + 2 + 1 + 1);

  // The report step run again, after the working files are gone: the same report.
  await store.deleteParts(path, batches.length);
  expect(await names(path)).toEqual([`${path}.csv`, `${path}.json`]);
  await commitStreamedReport(store, report);
  expect((await download(`${path}.json`)).text).toBe(json.text);
  expect((await download(`${path}.csv`)).text).toBe(csv.text);
});

it('a sweep of no mailboxes: a report of no rows, though no block was ever staged', async () => {
  const path = 'archive/2026-12-06T030000Z-empty';
  const summary = reportSummary(0, [], { sweepId: 'empty', dryRun: true });
  await commitStreamedReport(store, {
    reportPath: path,
    batches: 0,
    summary,
    droppedExamples: [],
    mailboxesOf: () => Promise.resolve([]),
  });
  expect((await download(`${path}.json`)).text).toBe(reportJson({ summary, droppedExamples: [], rows: [] }));
  expect((await download(`${path}.csv`)).text).toBe(reportCsv([]));
});

it('deletes a run folder of more blobs than one listing page holds, and nothing outside it', async () => {
  // 2,101 working files: eleven pages of List Blobs at deleteParts' 200 a page, deleted while listed.
  const path = 'archive/2026-12-06T040000Z-large';
  const parts = Array.from({ length: 2_100 }, (_, i) => i);
  await mapWithLimit(parts, 32, (part) => store.putMailboxPart(path, part, [`user${part}@contoso.com`]));
  await store.putDiscoveryEnd(path, { ended: 'failed', parts: parts.length, message: 'stopped' });
  await store.putReport(path, '{}\n', 'mailbox\r\n');
  // Another run whose path begins with this one's: its folder is not this run's.
  const other = `${path}2`;
  await store.putMailboxPart(other, 0, ['someone@contoso.com']);
  expect(await names(`${path}.parts/`)).toHaveLength(2_101);

  await store.deleteParts(path, parts.length);

  expect(await names(path)).toEqual([`${path}.csv`, `${path}.json`, `${other}.parts/mailboxes-000000.json`]);
  expect(await store.getMailboxPart(other, 0)).toEqual(['someone@contoso.com']);
}, 30_000);
