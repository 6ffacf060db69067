/**
 * Block blobs in memory, kept by the rules Azure Storage keeps them by, for the in-memory sweep store
 * (MemorySweepStore) that tests, the dev host's tests and the benchmarks use: a report that Azure would
 * refuse is refused here too, with the service's status and error code.
 *
 * - Put Block (https://learn.microsoft.com/rest/api/storageservices/put-block): the block id is a valid
 *   Base64 string of at most 64 bytes before encoding; all block ids of a blob have the same length
 *   (400 InvalidBlobOrBlock otherwise); staging an id again replaces that uncommitted block; a blob holds
 *   at most 100,000 uncommitted blocks (409 BlockCountExceedsLimit).
 * - Put Block List (https://learn.microsoft.com/rest/api/storageservices/put-block-list): the blob becomes
 *   the listed blocks in the listed order, each looked up as "Latest" (the uncommitted block first, else the
 *   committed one: the JavaScript SDK's commitBlockList lists every id so); an id found in neither is
 *   400 InvalidBlockList; at most 50,000 blocks (400 BlockListTooLong); every uncommitted block not listed
 *   is discarded.
 * - Get Block List (https://learn.microsoft.com/rest/api/storageservices/get-block-list): committed ids in
 *   order, then the uncommitted ones.
 *
 * Not modelled: uncommitted blocks expiring after 7 days, and block sizes (a report's blocks are kilobytes).
 * The rules are BlockLedger's, whatever a block keeps: StagedBlocks keeps its text.
 */

export const MAX_BLOCK_ID_BYTES = 64;
export const MAX_UNCOMMITTED_BLOCKS = 100_000;
export const MAX_COMMITTED_BLOCKS = 50_000;

/** An error as @azure/storage-blob's RestError carries it: the HTTP status and the service's code. */
export class BlockBlobRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(`${statusCode} ${code}: ${message}`);
    this.name = 'BlockBlobRefusal';
  }
}

interface BlockBlob<Block> {
  committed: { id: string; block: Block }[];
  uncommitted: Map<string, Block>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The block bookkeeping of Azure's rules, whatever a block keeps of its bytes: StagedBlocks keeps the
 * text, the report memory bench's store (bench/reportMemory.ts) only the block's length, so that a
 * million rows' report is bookkept without being held.
 */
export class BlockLedger<Block> {
  private readonly blobs = new Map<string, BlockBlob<Block>>();

  private blob(name: string): BlockBlob<Block> {
    let blob = this.blobs.get(name);
    if (!blob) {
      blob = { committed: [], uncommitted: new Map() };
      this.blobs.set(name, blob);
    }
    return blob;
  }

  stage(name: string, id: string, block: Block): Promise<void> {
    if (id === '' || !BASE64.test(id)) {
      return Promise.reject(
        new BlockBlobRefusal(400, 'InvalidQueryParameterValue', `block id "${id}" is not Base64`),
      );
    }
    const bytes = Buffer.from(id, 'base64').length;
    if (bytes > MAX_BLOCK_ID_BYTES) {
      return Promise.reject(
        new BlockBlobRefusal(400, 'InvalidQueryParameterValue', `block id of ${bytes} bytes (at most 64)`),
      );
    }
    const blob = this.blob(name);
    // Every id of the blob has one length, so any one of them stands for all (and staging stays O(1)).
    const other = blob.committed[0]?.id ?? blob.uncommitted.keys().next().value;
    if (other !== undefined && other.length !== id.length) {
      return Promise.reject(
        new BlockBlobRefusal(
          400,
          'InvalidBlobOrBlock',
          `block id "${id}" is not as long as "${other}" of ${name}`,
        ),
      );
    }
    if (!blob.uncommitted.has(id) && blob.uncommitted.size >= MAX_UNCOMMITTED_BLOCKS) {
      return Promise.reject(
        new BlockBlobRefusal(
          409,
          'BlockCountExceedsLimit',
          `${name} holds ${MAX_UNCOMMITTED_BLOCKS} uncommitted blocks`,
        ),
      );
    }
    blob.uncommitted.set(id, block);
    return Promise.resolve();
  }

  /** Committed ids, then uncommitted ones; none for a blob never staged to. */
  ids(name: string): string[] {
    return this.list(name).map((entry) => entry.id);
  }

  /** Get Block List's answer: committed blocks in order, then the uncommitted ones. */
  list(name: string): { id: string; block: Block; committed: boolean }[] {
    const blob = this.blobs.get(name);
    if (!blob) return [];
    return [
      ...blob.committed.map(({ id, block }) => ({ id, block, committed: true })),
      ...[...blob.uncommitted].map(([id, block]) => ({ id, block, committed: false })),
    ];
  }

  /** The uncommitted blocks' count: what Azure would still hold before the 7 days run out. */
  uncommittedCount(name: string): number {
    return this.blobs.get(name)?.uncommitted.size ?? 0;
  }

  /** Whether the blob has committed blocks or staged ones (Get Block List answers 404 otherwise). */
  has(name: string): boolean {
    const blob = this.blobs.get(name);
    return blob !== undefined && (blob.committed.length > 0 || blob.uncommitted.size > 0);
  }

  /** Forgets the blob and its blocks (Delete Blob, or Put Blob writing it whole). */
  delete(name: string): void {
    this.blobs.delete(name);
  }

  /** Writes the blob from `ids` and returns its blocks in that order. */
  commitBlocks(name: string, ids: readonly string[]): Promise<Block[]> {
    if (ids.length > MAX_COMMITTED_BLOCKS) {
      return Promise.reject(
        new BlockBlobRefusal(
          400,
          'BlockListTooLong',
          `${ids.length} blocks for ${name} (at most ${MAX_COMMITTED_BLOCKS})`,
        ),
      );
    }
    const blob = this.blob(name);
    const committed = new Map(blob.committed.map((b) => [b.id, b.block]));
    const blocks: { id: string; block: Block }[] = [];
    for (const id of ids) {
      const block = blob.uncommitted.get(id) ?? committed.get(id);
      if (block === undefined) {
        return Promise.reject(new BlockBlobRefusal(400, 'InvalidBlockList', `no block "${id}" in ${name}`));
      }
      blocks.push({ id, block });
    }
    blob.committed = blocks;
    blob.uncommitted.clear();
    return Promise.resolve(blocks.map((b) => b.block));
  }
}

/** Blocks that keep their text: the in-memory sweep store's report blobs. */
export class StagedBlocks extends BlockLedger<string> {
  /** Writes the blob from `ids` and returns its text. */
  commit(name: string, ids: readonly string[]): Promise<string> {
    return this.commitBlocks(name, ids).then((texts) => texts.join(''));
  }
}
