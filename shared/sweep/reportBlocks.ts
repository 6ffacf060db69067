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

/** What a batch is in the report, besides its saved parts (> 0): its mailboxes as BatchFailed rows, or nothing. */
const BATCH_FAILED = -1;
const NO_ROWS = 0;

/** Parts counts kept apart by batch in one number: batch and parts below these widths (blockId's). */
const PARTS_KEY = 10 ** PART_DIGITS;

/**
 * What the CSV's block list says of each batch: how many parts it saved whole (0: not all of them; a part's
 * CSV block is staged after its JSON ones), and whether an earlier run of this step staged its BatchFailed
 * rows. Kept in typed arrays, a few bytes a batch: the ids as the storage SDK parses them (about 5 MiB
 * for 20,000, a million mailboxes) are let go before the report's lists are made.
 */
async function readBatches(
  store: SweepStore,
  reportPath: string,
  batches: number,
): Promise<{ partsSaved: Int32Array; failedStaged: Uint8Array }> {
  const partsSaved = new Int32Array(batches);
  const failedStaged = new Uint8Array(batches);
  // Per batch, the parts count its first CSV block names and how many of its parts were found; blocks of
  // another count (a batch saved again by a version that splits it otherwise) are counted apart.
  const parts = new Int32Array(batches);
  const found = new Int32Array(batches);
  const otherCounts = new Map<number, number>();
  // Committed and uncommitted ids: one id may be in both lists (staged again after a commit).
  for (const id of new Set(await store.reportBlockIds(reportPath, 'csv'))) {
    const name = blockName(id);
    if (!name || name.batch >= batches || name.variant !== 'csv') continue;
    if (name.kind === 'failed') failedStaged[name.batch] = 1;
    if (name.kind !== 'rows') continue;
    if (parts[name.batch] === 0) parts[name.batch] = name.parts;
    if (parts[name.batch] === name.parts) found[name.batch]!++;
    else {
      const key = name.batch * PARTS_KEY + name.parts;
      otherCounts.set(key, (otherCounts.get(key) ?? 0) + 1);
    }
  }
  for (let batch = 0; batch < batches; batch++) {
    if (found[batch]! > 0 && found[batch] === parts[batch]) partsSaved[batch] = parts[batch]!;
  }
  for (const [key, count] of otherCounts) {
    const batch = Math.floor(key / PARTS_KEY);
    if (count === key % PARTS_KEY && partsSaved[batch] === 0) partsSaved[batch] = count;
  }
  return { partsSaved, failedStaged };
}

/**
 * Commits the report: the head, then batch by batch its saved parts (the first rows of the report without
 * a comma, every later one with) or, for a batch whose parts are not all saved, its mailboxes as BatchFailed
 * rows, then the end. Returns where the two blobs are.
 *
 * What it holds, a million mailboxes (20,000 batches) measured by bench/reportMemory.ts: the block list
 * while it is read, then a few bytes a batch, then one blob's list of ids at a time while it is committed
 * (20,002 ids, about 1 MiB, and the SDK's XML body of them); never a row but one failed batch's.
 */
export async function commitStreamedReport(
  store: SweepStore,
  report: StreamedReport,
): Promise<{ json: string; csv: string }> {
  const { reportPath, batches } = report;
  const { partsSaved, failedStaged } = await readBatches(store, reportPath, batches);
  // Counted before anything is staged: head, each saved part or one block of BatchFailed rows, end.
  let blocks = 2;
  for (let batch = 0; batch < batches; batch++) blocks += partsSaved[batch] || 1;
  if (blocks > BLOCKS_PER_BLOB) {
    throw new Error(
      `the report ${reportPath} would be ${blocks} blocks: Azure Storage commits at most ` +
        `${BLOCKS_PER_BLOB} into one blob (fewer, larger batches: SWEEP_BATCH_SIZE)`,
    );
  }
  // What each batch is in the report; a failed batch's rows staged now (unless an earlier run of this
  // step staged them: its CSV block last, as for a saved part), one batch's mailboxes at a time.
  const inReport = new Int32Array(batches);
  let anyRows = false;
  for (let batch = 0; batch < batches; batch++) {
    if (partsSaved[batch]! > 0) {
      inReport[batch] = partsSaved[batch]!;
      anyRows = true;
      continue;
    }
    if (!failedStaged[batch]) {
      const rows = (await report.mailboxesOf(batch)).map(batchFailedRow);
      if (rows.length === 0) {
        inReport[batch] = NO_ROWS;
        continue;
      }
      const failed = single('failed', batch, anyRows ? 'rest' : 'first');
      await store.stageReportBlock(reportPath, 'json', blockId(failed), jsonRows(rows, !anyRows));
      await store.stageReportBlock(reportPath, 'csv', blockId({ ...failed, variant: 'csv' }), csvRows(rows));
    }
    inReport[batch] = BATCH_FAILED;
    anyRows = true;
  }
  const head = single('head', 0, 'first');
  const end = single('end', 0, anyRows ? 'rest' : 'first');
  await Promise.all([
    store.stageReportBlock(reportPath, 'json', blockId(head), jsonHeadText(report)),
    store.stageReportBlock(reportPath, 'json', blockId(end), jsonEndText(anyRows)),
    store.stageReportBlock(reportPath, 'csv', blockId({ ...head, variant: 'csv' }), CSV_HEADER_TEXT),
  ]);
  // One blob's list at a time, made when it is committed.
  const csv = await store.commitReportBlocks(reportPath, 'csv', blockList(inReport, 'csv'));
  const json = await store.commitReportBlocks(reportPath, 'json', blockList(inReport, 'json'));
  return { json, csv };
}

/** The ids one blob commits: head, each batch's blocks as `inReport` says, end (the JSON's; the CSV has none). */
function blockList(inReport: Int32Array, file: 'json' | 'csv'): string[] {
  const variant = (anyRowsBefore: boolean): Variant =>
    file === 'csv' ? 'csv' : anyRowsBefore ? 'rest' : 'first';
  const ids = [blockId(single('head', 0, file === 'csv' ? 'csv' : 'first'))];
  let anyRows = false;
  for (let batch = 0; batch < inReport.length; batch++) {
    const parts = inReport[batch]!;
    if (parts === NO_ROWS) continue;
    if (parts === BATCH_FAILED) ids.push(blockId(single('failed', batch, variant(anyRows))));
    for (let part = 0; part < parts; part++) {
      ids.push(blockId({ kind: 'rows', batch, part, parts, variant: variant(anyRows || part > 0) }));
    }
    anyRows = true;
  }
  if (file === 'json') ids.push(blockId(single('end', 0, anyRows ? 'rest' : 'first')));
  return ids;
}
