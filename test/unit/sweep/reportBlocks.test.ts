/**
 * The streamed report: batches' rows staged part by part into the in-memory store (which keeps Azure's
 * block rules, shared/sweep/stagedBlocks.ts), committed at the end. What a person downloads must be the
 * bytes reportJson and reportCsv make of the same rows, whatever failed, and however often a step ran.
 */
import {
  BLOCKS_PER_BLOB,
  batchFailedRow,
  blockId,
  blockName,
  commitStreamedReport,
  stageBatchPart,
  type StreamedReport,
} from '../../../shared/sweep/reportBlocks';
import { reportCsv, reportJson } from '../../../shared/sweep/sweepReport';
import { MemorySweepStore } from '../../../shared/sweep/sweepStore';
import type { MailboxRow } from '../../../shared/sweep/sweepTypes';
import { reportSummary } from '../../support/sweepReportSummary';

const PATH = 'archive/2026-12-06T020000Z-archive-sweep';
const BATCH_SIZE = 3;

function row(i: number): MailboxRow {
  const mailbox = `user${String(i).padStart(4, '0')}@contoso.com`;
  if (i % 4 === 1) {
    return {
      mailbox,
      outcome: 'failed',
      itemsPlanned: 0,
      itemsMoved: 0,
      errorCode: 'ErrorAccessDenied',
      errorMessage: 'Access is denied, "really"\nsecond line é',
    };
  }
  return {
    mailbox,
    outcome: 'archived',
    itemsPlanned: i,
    itemsMoved: i,
    ...(i % 5 === 0 ? { capped: true } : {}),
  };
}

const mailboxCount = (mailboxes: number, batch: number): number =>
  Math.min(BATCH_SIZE, mailboxes - batch * BATCH_SIZE);
const batchRows = (mailboxes: number, batch: number): MailboxRow[] =>
  Array.from({ length: mailboxCount(mailboxes, batch) }, (_, i) => row(batch * BATCH_SIZE + i));

/** A sweep of `mailboxes`: discovery's parts written; every batch but `failed` saved, in `partsOf(batch)` parts. */
async function sweep(
  mailboxes: number,
  options: { failed?: number[]; partSize?: number } = {},
): Promise<{ store: MemorySweepStore; report: StreamedReport; expected: MailboxRow[] }> {
  const store = new MemorySweepStore();
  const batches = Math.ceil(mailboxes / BATCH_SIZE);
  const expected: MailboxRow[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const rows = batchRows(mailboxes, batch);
    await store.putMailboxPart(
      PATH,
      batch,
      rows.map((r) => r.mailbox),
    );
    if (options.failed?.includes(batch)) {
      expected.push(...rows.map((r) => batchFailedRow(r.mailbox)));
      continue;
    }
    expected.push(...rows);
    const size = options.partSize ?? BATCH_SIZE;
    const parts = Math.max(1, Math.ceil(rows.length / size));
    for (let part = 0; part < parts; part++) {
      await stageBatchPart(store, {
        reportPath: PATH,
        batch,
        part,
        parts,
        rows: rows.slice(part * size, (part + 1) * size),
      });
    }
  }
  const report: StreamedReport = {
    reportPath: PATH,
    batches,
    summary: reportSummary(mailboxes, expected, { outOfScope: 1 }),
    droppedExamples: [{ address: 'dave@fabrikam.com', reason: 'outOfScope' }],
    mailboxesOf: async (batch) => (await store.getMailboxPart(PATH, batch)) ?? [],
  };
  return { store, report, expected };
}

async function committed(
  store: MemorySweepStore,
  report: StreamedReport,
): Promise<{ json: string; csv: string }> {
  const where = await commitStreamedReport(store, report);
  expect(where).toEqual({ json: `memory:${PATH}.json`, csv: `memory:${PATH}.csv` });
  return { json: store.blobs.get(`${PATH}.json`) ?? '', csv: store.blobs.get(`${PATH}.csv`) ?? '' };
}

function whole(report: StreamedReport, rows: MailboxRow[]): { json: string; csv: string } {
  return {
    json: reportJson({ summary: report.summary, droppedExamples: report.droppedExamples, rows }),
    csv: reportCsv(rows),
  };
}

describe('the streamed report', () => {
  it('has the same bytes as the report written whole: every batch saved, one part each', async () => {
    const { store, report, expected } = await sweep(10);
    expect(await committed(store, report)).toEqual(whole(report, expected));
    expect(JSON.parse(store.blobs.get(`${PATH}.json`)!)).toEqual({
      summary: report.summary,
      droppedExamples: report.droppedExamples,
      rows: expected,
    });
  });

  it('no mailboxes: the head, `"rows": []` and the CSV header only', async () => {
    const { store, report } = await sweep(0);
    const texts = await committed(store, report);
    expect(texts).toEqual(whole(report, []));
    expect(texts.json).toMatch(/"rows": \[\]\n\}\n$/);
    expect(texts.csv).toBe('mailbox,outcome,itemsPlanned,itemsMoved,capped,errorCode\r\n');
  });

  it('a batch saved in several parts: its rows in order, one comma between each', async () => {
    const { store, report, expected } = await sweep(9, { partSize: 1 });
    expect(await committed(store, report)).toEqual(whole(report, expected));
  });

  it.each([
    ['first', [0]],
    ['middle', [1]],
    ['last', [3]],
    ['first and last', [0, 3]],
    ['every', [0, 1, 2, 3]],
  ])('a batch that saved no rows (%s): its mailboxes are BatchFailed, in its place', async (_, failed) => {
    const { store, report, expected } = await sweep(11, { failed });
    const texts = await committed(store, report);
    expect(texts).toEqual(whole(report, expected));
    const rows = (JSON.parse(texts.json) as { rows: MailboxRow[] }).rows;
    expect(rows.filter((r) => r.errorCode === 'BatchFailed').map((r) => r.mailbox)).toEqual(
      failed.flatMap((batch) => batchRows(11, batch).map((r) => r.mailbox)),
    );
  });

  it('a batch with a part missing counts as BatchFailed whole: none of its saved parts appear', async () => {
    const { store, report, expected } = await sweep(6, { failed: [1] });
    // batch 1 saved its first part of two, then its orchestration failed
    const rows = batchRows(6, 1);
    await stageBatchPart(store, { reportPath: PATH, batch: 1, part: 0, parts: 2, rows: rows.slice(0, 1) });
    expect(await committed(store, report)).toEqual(whole(report, expected));
  });

  it.each([
    ['after', false],
    ['before', true],
  ])(
    'a batch saved whole in 3 parts %s a first save in 2 parts that stopped part-way: its rows, once',
    async (_, wholeFirst) => {
      // A version that splits batches otherwise saved the batch again (a deployment during the sweep).
      const { store, report, expected } = await sweep(6, { failed: [1] });
      const rows = batchRows(6, 1);
      const stopped = (): Promise<void> =>
        stageBatchPart(store, { reportPath: PATH, batch: 1, part: 0, parts: 2, rows: rows.slice(0, 2) });
      if (!wholeFirst) await stopped();
      for (let part = 0; part < 3; part++) {
        await stageBatchPart(store, { reportPath: PATH, batch: 1, part, parts: 3, rows: [rows[part]!] });
      }
      if (wholeFirst) await stopped();
      const saved = [...batchRows(6, 0), ...rows];
      expect(await committed(store, report)).toEqual(whole(report, saved));
      expect(expected).not.toEqual(saved);
    },
  );

  it('a part half staged (its JSON, not its CSV) is not saved: the batch is BatchFailed', async () => {
    const { store, report, expected } = await sweep(6, { failed: [0] });
    const name = { kind: 'rows' as const, batch: 0, part: 0, parts: 1 };
    await store.stageReportBlock(PATH, 'json', blockId({ ...name, variant: 'first' }), 'garbage');
    await store.stageReportBlock(PATH, 'json', blockId({ ...name, variant: 'rest' }), 'garbage');
    expect(await committed(store, report)).toEqual(whole(report, expected));
  });

  it('a save run twice and a report step run twice change nothing', async () => {
    const { store, report, expected } = await sweep(8, { failed: [1], partSize: 2 });
    // batch 0's second part saved again (its activity ran twice)
    await stageBatchPart(store, {
      reportPath: PATH,
      batch: 0,
      part: 1,
      parts: 2,
      rows: batchRows(8, 0).slice(2),
    });
    const first = await committed(store, report);
    expect(first).toEqual(whole(report, expected));
    // run again after the commit: the mailbox list is gone (the working files are removed after it)
    await store.deleteParts(PATH);
    expect(await committed(store, report)).toEqual(first);
  });

  it('the report step run again after committing only the CSV commits the same JSON', async () => {
    const { store, report, expected } = await sweep(7, { failed: [2] });
    const commit = store.commitReportBlocks.bind(store);
    store.commitReportBlocks = (path, file, ids) =>
      file === 'json' ? Promise.reject(new Error('the worker stopped')) : commit(path, file, ids);
    await expect(commitStreamedReport(store, report)).rejects.toThrow('the worker stopped');
    store.commitReportBlocks = commit;
    expect(await committed(store, report)).toEqual(whole(report, expected));
  });

  it('leaves no uncommitted block behind: the unused variants are discarded at commit', async () => {
    const { store, report } = await sweep(10, { failed: [2] });
    await committed(store, report);
    expect(store.blocks.uncommittedCount(`${PATH}.json`)).toBe(0);
    expect(store.blocks.uncommittedCount(`${PATH}.csv`)).toBe(0);
    expect(store.blocks.ids(`${PATH}.json`)).toHaveLength(1 + 4 + 1);
  });

  it('refuses a report of more blocks than Azure commits into one blob, naming the limit, and writes nothing', async () => {
    const { store, report } = await sweep(0);
    const batches = BLOCKS_PER_BLOB - 1; // head + 49,999 batches + end = 50,001 blocks
    const many = { ...report, batches, mailboxesOf: () => Promise.resolve(['a@contoso.com']) };
    await expect(commitStreamedReport(store, many)).rejects.toThrow(
      /would be 50001 blocks: Azure Storage commits at most 50000 into one blob/,
    );
    expect(store.blocks.ids(`${PATH}.json`)).toEqual([]);
    expect(store.blobs.has(`${PATH}.json`)).toBe(false);
  });

  it('refuses a part that is no part of its batch, and an empty part of a batch of several', async () => {
    const store = new MemorySweepStore();
    const rows = [row(0)];
    await expect(
      stageBatchPart(store, { reportPath: PATH, batch: 0, part: 2, parts: 2, rows }),
    ).rejects.toThrow('batch 0: part 2 of 2 is no part of it');
    await expect(
      stageBatchPart(store, { reportPath: PATH, batch: 0, part: 0, parts: 2, rows: [] }),
    ).rejects.toThrow('batch 0: part 0 of 2 has no rows');
    await expect(
      stageBatchPart(store, { reportPath: PATH, batch: 10_000_000, part: 0, parts: 1, rows }),
    ).rejects.toThrow('report block: batch 10000000 is not a whole number from 0 to 9999999');
    expect(store.blocks.ids(`${PATH}.json`)).toEqual([]);
  });
});

describe('report block ids', () => {
  it('are Base64 of one fixed width, at most 64 bytes, and read back', () => {
    const names = [
      { kind: 'head' as const, batch: 0, part: 0, parts: 1, variant: 'first' as const },
      { kind: 'rows' as const, batch: 19_999, part: 3, parts: 4, variant: 'rest' as const },
      { kind: 'failed' as const, batch: 9_999_999, part: 0, parts: 1, variant: 'csv' as const },
      { kind: 'end' as const, batch: 0, part: 0, parts: 1, variant: 'rest' as const },
    ];
    const ids = names.map(blockId);
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    for (const id of ids) expect(Buffer.from(id, 'base64').length).toBeLessThanOrEqual(64);
    expect(ids.map(blockName)).toEqual(names);
    expect(Buffer.from(ids[1]!, 'base64').toString()).toBe('B0019999-00003-00004-r');
    expect(blockName(Buffer.from('someone else').toString('base64'))).toBeUndefined();
  });
});
