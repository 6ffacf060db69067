/**
 * The sweep report, streamed: each batch's rows go into the two report blobs (`<reportPath>.json` and
 * `.csv`) as staged blocks the moment the batch saves them, and the report step at the end of the sweep
 * commits the blocks in batch order between a head and an end it writes then. Nothing ever holds every
 * row: a save holds one part of one batch's rows, the report step the blobs' block list and one failed
 * batch's mailboxes at a time. The texts are those of reportJson and reportCsv (shared/sweep/sweepReport.ts,
 * the same pieces), so what a person downloads is the same as when the report was written whole.
 *
 * Azure Storage's rules for blocks (Put Block, https://learn.microsoft.com/rest/api/storageservices/put-block,
 * and Put Block List, https://learn.microsoft.com/rest/api/storageservices/put-block-list):
 * - a block id is Base64 of at most 64 bytes, and every block id of one blob has the same length: ours are
 *   BLOCK_NAME_LENGTH characters, fixed-width numbers;
 * - a blob commits at most 50,000 blocks (BLOCKS_PER_BLOB) and holds at most 100,000 uncommitted ones:
 *   the JSON stages two blocks per part of a batch (see below), so a sweep fits up to 49,998 parts: at the
 *   default SWEEP_BATCH_SIZE of 50, one part per batch (rows of 90 to 650 bytes stay under a part's 40 KB),
 *   about 2.5 million mailboxes. Beyond, the report is refused with an error saying so, never cut short;
 * - uncommitted blocks are discarded after 7 days: a sweep that runs longer loses the rows of the batches
 *   that ended more than 7 days before its report (docs/operations.md says so);
 * - committing writes the blob from the listed blocks and discards the blob's other uncommitted ones.
 *
 * The comma between JSON rows: a batch's part cannot know whether rows come before it in the report (an
 * earlier batch may fail, or be empty). So each part stages its JSON twice, as the first rows (no leading
 * comma) and as later ones (a leading comma), and the report step commits the one its place needs.
 *
 * Every step may run again (activities run at least once): staging the same id again with the same bytes
 * changes nothing, and the report step, run again after it committed, finds the blocks it committed and
 * commits the same list.
 */
import type { MailboxRow } from './sweepTypes';
import {
  CSV_HEADER_TEXT,
  csvRowText,
  jsonEndText,
  jsonHeadText,
  jsonRowText,
  type SweepReport,
} from './sweepReport';
import type { SweepStore } from './sweepStore';

/** The most blocks Put Block List commits into one blob. */
export const BLOCKS_PER_BLOB = 50_000;

/**
 * What a block holds: the JSON head, a part of a batch's rows, the BatchFailed rows of a batch that saved
 * none, or the JSON end.
 */
type BlockKind = 'head' | 'rows' | 'failed' | 'end';
/** JSON rows with no comma before them, JSON rows with one, or CSV lines. */
type Variant = 'first' | 'rest' | 'csv';

interface BlockName {
  kind: BlockKind;
  batch: number;
  part: number;
  parts: number;
  variant: Variant;
}

const KIND_LETTER: Record<BlockKind, string> = { head: 'H', rows: 'B', failed: 'X', end: 'Z' };
const VARIANT_LETTER: Record<Variant, string> = { first: 'f', rest: 'r', csv: 'c' };
const BATCH_DIGITS = 7;
const PART_DIGITS = 5;

/** `B0000012-00000-00001-r`: kind, batch, part, parts, variant; 22 characters whatever the numbers. */
const BLOCK_NAME = /^([HBXZ])(\d{7})-(\d{5})-(\d{5})-([frc])$/;

function fixed(value: number, digits: number, what: string): string {
  if (!Number.isInteger(value) || value < 0 || value >= 10 ** digits) {
    throw new Error(`report block: ${what} ${value} is not a whole number from 0 to ${10 ** digits - 1}`);
  }
  return String(value).padStart(digits, '0');
}

/** The block's id as Azure takes it: Base64 of its fixed-width name. */
export function blockId(name: BlockName): string {
  const text =
    KIND_LETTER[name.kind] +
    fixed(name.batch, BATCH_DIGITS, 'batch') +
    `-${fixed(name.part, PART_DIGITS, 'part')}-${fixed(name.parts, PART_DIGITS, 'parts')}-` +
    VARIANT_LETTER[name.variant];
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The name in a block id of ours; undefined for any other block. */
export function blockName(id: string): BlockName | undefined {
  const match = BLOCK_NAME.exec(Buffer.from(id, 'base64').toString('utf8'));
  if (!match) return undefined;
  const [, kind, batch, part, parts, variant] = match;
  const byLetter = <T extends string>(letters: Record<T, string>, letter: string | undefined): T =>
    (Object.keys(letters) as T[]).find((key) => letters[key] === letter)!;
  return {
    kind: byLetter(KIND_LETTER, kind),
    batch: Number(batch),
    part: Number(part),
    parts: Number(parts),
    variant: byLetter(VARIANT_LETTER, variant),
  };
}

const single = (kind: BlockKind, batch: number, variant: Variant): BlockName => ({
  kind,
  batch,
  part: 0,
  parts: 1,
  variant,
});

/** JSON text of `rows`, the first of them with or without the comma before it. */
function jsonRows(rows: readonly MailboxRow[], first: boolean): string {
  return rows.map((row, i) => jsonRowText(row, first && i === 0)).join('');
}

function csvRows(rows: readonly MailboxRow[]): string {
  return rows.map(csvRowText).join('');
}

/** One part of a batch's rows, as the batch orchestration saves it (parts of it stay under a queue message). */
export interface BatchPart {
  reportPath: string;
  batch: number;
  part: number;
  parts: number;
  rows: readonly MailboxRow[];
}

/**
 * Stages one part of a batch's rows into both report blobs: its JSON as first and as later rows, then its
 * CSV. The CSV block is staged last, so it is the mark that the part is saved whole: the report step reads
 * only the CSV's block list. A batch without rows (no mailboxes) stages nothing: the report has nothing
 * of it either way.
 */
export async function stageBatchPart(store: SweepStore, input: BatchPart): Promise<void> {
  const { reportPath, batch, part, parts, rows } = input;
  if (!Number.isInteger(parts) || parts < 1 || !Number.isInteger(part) || part < 0 || part >= parts) {
    throw new Error(`batch ${batch}: part ${part} of ${parts} is no part of it (parts are 0 to parts - 1)`);
  }
  if (rows.length === 0) {
    if (parts === 1) return;
    throw new Error(
      `batch ${batch}: part ${part} of ${parts} has no rows (only a batch of one part may be empty)`,
    );
  }
  const name = (variant: Variant): BlockName => ({ kind: 'rows', batch, part, parts, variant });
  await Promise.all([
    store.stageReportBlock(reportPath, 'json', blockId(name('first')), jsonRows(rows, true)),
    store.stageReportBlock(reportPath, 'json', blockId(name('rest')), jsonRows(rows, false)),
  ]);
  await store.stageReportBlock(reportPath, 'csv', blockId(name('csv')), csvRows(rows));
}

/** What the report step needs: where, how many batches, the head, and each batch's mailboxes. */
export interface StreamedReport extends Omit<SweepReport, 'rows'> {
  reportPath: string;
  batches: number;
  /** Batch k's mailboxes, for the BatchFailed rows of a batch that saved none. */
  mailboxesOf(batch: number): Promise<string[]>;
}

/** A batch whose rows were never saved whole: its mailboxes failed with code BatchFailed, as the lane counted them. */
export function batchFailedRow(mailbox: string): MailboxRow {
  return { mailbox, outcome: 'failed', itemsPlanned: 0, itemsMoved: 0, errorCode: 'BatchFailed' };
}

/**
 * How many parts each batch saved whole (0: not all of them), from the CSV's block ids: a part's CSV block
 * is staged after its JSON ones.
 */
function savedParts(has: ReadonlySet<string>): (batch: number) => number {
  const partsOf = new Map<number, number>();
  for (const id of has) {
    const name = blockName(id);
    if (name?.kind === 'rows') partsOf.set(name.batch, name.parts);
  }
  return (batch) => {
    const parts = partsOf.get(batch) ?? 0;
    for (let part = 0; part < parts; part++) {
      if (!has.has(blockId({ kind: 'rows', batch, part, parts, variant: 'csv' }))) return 0;
    }
    return parts;
  };
}

/**
 * Commits the report: the head, then batch by batch its saved parts (the first rows of the report without
 * a comma, every later one with) or, for a batch whose parts are not all saved, its mailboxes as BatchFailed
 * rows, then the end. Returns where the two blobs are.
 */
export async function commitStreamedReport(
  store: SweepStore,
  report: StreamedReport,
): Promise<{ json: string; csv: string }> {
  const { reportPath, batches } = report;
  const has = new Set(await store.reportBlockIds(reportPath, 'csv'));
  const partsSaved = savedParts(has);
  // Counted before anything is staged: head, each saved part or one block of BatchFailed rows, end.
  let blocks = 2;
  for (let batch = 0; batch < batches; batch++) blocks += partsSaved(batch) || 1;
  if (blocks > BLOCKS_PER_BLOB) {
    throw new Error(
      `the report ${reportPath} would be ${blocks} blocks: Azure Storage commits at most ` +
        `${BLOCKS_PER_BLOB} into one blob (fewer, larger batches: SWEEP_BATCH_SIZE)`,
    );
  }
  const json = [blockId(single('head', 0, 'first'))];
  const csv = [blockId(single('head', 0, 'csv'))];
  let anyRows = false;
  for (let batch = 0; batch < batches; batch++) {
    const parts = partsSaved(batch);
    if (parts > 0) {
      for (let part = 0; part < parts; part++) {
        const name = { kind: 'rows' as const, batch, part, parts };
        json.push(blockId({ ...name, variant: anyRows || part > 0 ? 'rest' : 'first' }));
        csv.push(blockId({ ...name, variant: 'csv' }));
      }
      anyRows = true;
      continue;
    }
    const failed = single('failed', batch, anyRows ? 'rest' : 'first');
    const failedCsv = blockId({ ...failed, variant: 'csv' });
    // Staged by an earlier run of this step (its CSV block last, as for a saved part): read no list again.
    if (!has.has(failedCsv)) {
      const rows = (await report.mailboxesOf(batch)).map(batchFailedRow);
      if (rows.length === 0) continue;
      await store.stageReportBlock(reportPath, 'json', blockId(failed), jsonRows(rows, !anyRows));
      await store.stageReportBlock(reportPath, 'csv', failedCsv, csvRows(rows));
    }
    json.push(blockId(failed));
    csv.push(failedCsv);
    anyRows = true;
  }
  const end = single('end', 0, anyRows ? 'rest' : 'first');
  json.push(blockId(end));
  await Promise.all([
    store.stageReportBlock(reportPath, 'json', json[0]!, jsonHeadText(report)),
    store.stageReportBlock(reportPath, 'json', blockId(end), jsonEndText(anyRows)),
    store.stageReportBlock(reportPath, 'csv', csv[0]!, CSV_HEADER_TEXT),
  ]);
  return {
    csv: await store.commitReportBlocks(reportPath, 'csv', csv),
    json: await store.commitReportBlocks(reportPath, 'json', json),
  };
}
