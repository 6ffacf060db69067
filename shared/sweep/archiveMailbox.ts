/**
 * Archiving one mailbox: plan (what is older than the cutoff, per folder) and run (ArchiveItem in
 * batches into the archive mailbox). Used by the sweep's activity, the CLI's `archive plan|run` and
 * `sweep archive`. Speaks MailboxOperations only; never deletes anything.
 */
import type { BatchOutcome, FolderName, ItemRef, MailboxOperations } from '../mailbox/mailboxOperations';

/** ArchiveItem takes at most this many ids per call. */
export const MAX_ARCHIVE_BATCH = 100;

export interface ArchiveOptions {
  /** Primary-mailbox folders to archive from, in this order. */
  folders: readonly FolderName[];
  /** Items received strictly before this instant are archived. */
  receivedBefore: Date;
  /** At most this many items per mailbox and run (all folders together); the rest waits for the next run. */
  maxItems?: number;
  /** Ids per ArchiveItem call, 1..100 (default 100). */
  batchSize?: number;
  /** Called after each folder is counted (plan) and after each ArchiveItem call (run). */
  onProgress?: (progress: ArchiveProgress) => void;
  /**
   * Makes each ArchiveItem call of a run (default: the call as it is); the sweep's wraps it to journal the
   * move (shared/sweep/sweepMailbox.ts).
   */
  archiveCall?: (folder: FolderName, call: () => Promise<BatchOutcome>) => Promise<BatchOutcome>;
}

export interface ArchiveProgress {
  mailbox: string;
  folder: FolderName;
  phase: 'plan' | 'run';
  /** Items counted (plan) or moved (run) so far, all folders. */
  done: number;
  /** Items planned so far, all folders (the run's target). */
  planned: number;
}

export interface FolderPlan {
  folder: FolderName;
  /** Items older than the cutoff this run would move (capped by maxItems). */
  items: number;
}

export interface ArchivePlan {
  mailbox: string;
  receivedBefore: string;
  folders: FolderPlan[];
  /** Sum over folders: what a run would move now. */
  planned: number;
  /** True when the cap was reached: more old items remain for later runs. */
  capped: boolean;
}

export interface ItemFailure {
  folder: FolderName;
  id: string;
  code: string;
  message: string;
}

export interface FolderRun {
  folder: FolderName;
  moved: number;
  failed: number;
}

export interface ArchiveRunResult {
  mailbox: string;
  receivedBefore: string;
  folders: FolderRun[];
  moved: number;
  /** Items Exchange refused one by one (they stay where they were). */
  failed: ItemFailure[];
  /** True when the cap stopped the run with old items left. */
  capped: boolean;
}

function batchSizeOf(options: ArchiveOptions): number {
  const size = options.batchSize ?? MAX_ARCHIVE_BATCH;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ARCHIVE_BATCH) {
    throw new RangeError(`batchSize must be 1..${MAX_ARCHIVE_BATCH}, got ${size}`);
  }
  return size;
}

/** Counts, per folder, what a run would move now. Changes nothing. */
export async function planArchive(
  ops: MailboxOperations,
  mailbox: string,
  options: ArchiveOptions,
): Promise<ArchivePlan> {
  const cap = options.maxItems ?? Infinity;
  const folders: FolderPlan[] = [];
  let planned = 0;
  let capped = false;
  for (const folder of options.folders) {
    const room = cap - planned;
    // One more than there is room for tells us whether old items remain beyond the cap (with no room
    // left, whether this folder has any: a cap used exactly on what was old leaves nothing for later).
    const ids = await ops.findItemIdsReceivedBefore(mailbox, folder, options.receivedBefore, {
      maxItems: Number.isFinite(room) ? room + 1 : undefined,
    });
    const items = Math.min(ids.length, room);
    folders.push({ folder, items });
    planned += items;
    options.onProgress?.({ mailbox, folder, phase: 'plan', done: planned, planned });
    if (ids.length > room) {
      capped = true;
      break;
    }
  }
  return { mailbox, receivedBefore: options.receivedBefore.toISOString(), folders, planned, capped };
}

/**
 * Moves old items to the archive mailbox, folder by folder, in ArchiveItem calls of at most 100 ids.
 * Each round re-queries from offset 0 (moved items leave the view); items Exchange refuses are
 * remembered and not offered again, so a refusal can never loop. A query that found fewer ids than it
 * asked for has seen the whole folder: once that batch is moved or refused, the folder is done without
 * another query (the usual mailbox, with a few old items, costs one FindItem and one ArchiveItem per
 * folder). Stops at `maxItems`. MailboxErrors (no archive mailbox, throttling beyond the client's
 * retries, ...) propagate.
 */
export async function runArchive(
  ops: MailboxOperations,
  mailbox: string,
  options: ArchiveOptions,
  planned = 0,
): Promise<ArchiveRunResult> {
  const cap = options.maxItems ?? Infinity;
  const size = batchSizeOf(options);
  const folders: FolderRun[] = [];
  const failed: ItemFailure[] = [];
  let moved = 0;
  let capped = false;
  for (const folder of options.folders) {
    const refused = new Set<string>();
    const run: FolderRun = { folder, moved: 0, failed: 0 };
    folders.push(run);
    for (;;) {
      const room = cap - moved - failed.length;
      if (room <= 0) {
        // Is anything old left? One id is enough to say "continue next run".
        const more = await ops.findItemIdsReceivedBefore(mailbox, folder, options.receivedBefore, {
          maxItems: refused.size + 1,
        });
        if (more.some((i) => !refused.has(i.id))) capped = true;
        break;
      }
      const want = Math.min(size, room);
      const asked = want + refused.size;
      const found = await ops.findItemIdsReceivedBefore(mailbox, folder, options.receivedBefore, {
        maxItems: asked,
      });
      const batch: ItemRef[] = found.filter((i) => !refused.has(i.id)).slice(0, want);
      if (batch.length === 0) break;
      const archive = (): Promise<BatchOutcome> => ops.archiveItems(mailbox, folder, batch);
      const outcome = await (options.archiveCall ? options.archiveCall(folder, archive) : archive());
      for (const f of outcome.failed) {
        refused.add(f.id);
        failed.push({ folder, ...f });
      }
      run.moved += outcome.moved;
      run.failed += outcome.failed.length;
      moved += outcome.moved;
      options.onProgress?.({ mailbox, folder, phase: 'run', done: moved, planned: Math.max(planned, moved) });
      // The server moved nothing and refused nothing: re-querying would offer the same ids forever, and
      // offering the next ones would only repeat it. Leave the folder for the next run.
      if (outcome.moved === 0 && outcome.failed.length === 0) break;
      // The whole folder was in that answer and every id of it is now moved or refused.
      const wholeFolderHandled =
        found.length < asked && outcome.moved + outcome.failed.length === batch.length;
      if (wholeFolderHandled) break;
    }
    if (capped) break;
  }
  return { mailbox, receivedBefore: options.receivedBefore.toISOString(), folders, moved, failed, capped };
}
