/**
 * A Blob service for the report memory bench (bench/reportMemory.ts) that keeps Azure's block bookkeeping
 * (shared/sweep/stagedBlocks.ts's BlockLedger: block ids, one id length a blob, the uncommitted and
 * committed lists, 100,000 uncommitted and 50,000 committed at most, Latest lookup, uncommitted blocks
 * discarded at commit) but counts a block's bytes instead of keeping them. A million rows' report is about
 * 300 MiB of staged blocks (the JSON twice and the CSV): Azurite holds them in memory and slows down as it
 * holds more, so that the million could not be saved in 15 minutes. Here the rows are saved in this
 * service's own process, straight into its store (CountingSweepStore, through the save activity's code),
 * and the report step, in a process of its own, reaches it through the real BlobSweepStore and
 * @azure/storage-blob over HTTP, as it reaches Azure: the block list it reads and the commit it sends are
 * those it would read and send there.
 *
 * The operations, as the Blob service REST reference gives them (https://learn.microsoft.com/rest/api/storageservices/):
 * Create Container, Put Blob, Put Block, Get Block List, Put Block List, List Blobs, Delete Blob; anything
 * else is answered 501 naming what was asked. Authorization is not checked (a bench on 127.0.0.1).
 * Small blobs written whole (Put Blob: the mailbox parts, discovery's end) are kept whole, as the in-memory
 * store keeps them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEV_ACCOUNT, DEV_KEY } from '../dev/azurite';
import { BlockBlobRefusal, BlockLedger } from '../shared/sweep/stagedBlocks';
import { MemorySweepStore, type ReportFile } from '../shared/sweep/sweepStore';

/** What is kept of a block, or of a committed blob: its length and its line breaks, to count rows by. */
export interface CountedBytes {
  bytes: number;
  lineBreaks: number;
}

function countText(text: string): CountedBytes {
  let lineBreaks = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineBreaks++;
  return { bytes: Buffer.byteLength(text), lineBreaks };
}

function total(blocks: readonly CountedBytes[]): CountedBytes {
  let bytes = 0;
  let lineBreaks = 0;
  for (const block of blocks) {
    bytes += block.bytes;
    lineBreaks += block.lineBreaks;
  }
  return { bytes, lineBreaks };
}

/** The in-memory sweep store, its report blobs bookkept by BlockLedger and counted, not kept. */
export class CountingSweepStore extends MemorySweepStore {
  readonly ledger = new BlockLedger<CountedBytes>();
  /** Committed report blobs: their bytes and line breaks, and how many blocks. */
  readonly committed = new Map<string, CountedBytes & { blocks: number }>();

  override stageReportBlock(
    reportPath: string,
    file: ReportFile,
    blockId: string,
    text: string,
  ): Promise<void> {
    return this.stageCounted(`${reportPath}.${file}`, blockId, countText(text));
  }
  override reportBlockIds(reportPath: string, file: ReportFile): Promise<string[]> {
    return Promise.resolve(this.ledger.ids(`${reportPath}.${file}`));
  }
  override async commitReportBlocks(
    reportPath: string,
    file: ReportFile,
    blockIds: readonly string[],
  ): Promise<string> {
    const name = `${reportPath}.${file}`;
    await this.commitCounted(name, blockIds);
    return `ledger:${name}`;
  }

  stageCounted(name: string, blockId: string, block: CountedBytes): Promise<void> {
    return this.ledger.stage(name, blockId, block);
  }
  async commitCounted(name: string, blockIds: readonly string[]): Promise<void> {
    const blocks = await this.ledger.commitBlocks(name, blockIds);
    this.committed.set(name, { ...total(blocks), blocks: blocks.length });
    this.blobs.delete(name);
  }
  /** Put Blob: the blob written whole replaces any blocks it had. */
  putWhole(name: string, text: string): void {
    this.ledger.delete(name);
    this.committed.delete(name);
    this.blobs.set(name, text);
  }
  /** Delete Blob; false for no blob. */
  deleteBlob(name: string): boolean {
    const existed = this.blobs.has(name) || this.ledger.has(name) || this.committed.has(name);
    this.blobs.delete(name);
    this.ledger.delete(name);
    this.committed.delete(name);
    return existed;
  }
  /** Blobs (not blocks merely staged) in name order, with their lengths. */
  blobList(prefix: string): { name: string; bytes: number }[] {
    const found: { name: string; bytes: number }[] = [];
    for (const [name, text] of this.blobs) {
      if (name.startsWith(prefix)) found.push({ name, bytes: Buffer.byteLength(text) });
    }
    for (const [name, counted] of this.committed) {
      if (name.startsWith(prefix)) found.push({ name, bytes: counted.bytes });
    }
    // List Blobs answers in lexicographical order (of the names' UTF-8 bytes; these names are ASCII).
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);

/** List Blobs' page size when maxresults is not given (https://learn.microsoft.com/rest/api/storageservices/list-blobs). */
const LIST_PAGE = 5000;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function bodyText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Put Block's body counted as it arrives, never held whole. */
async function bodyCounted(request: IncomingMessage): Promise<CountedBytes> {
  let bytes = 0;
  let lineBreaks = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) lineBreaks++;
  }
  return { bytes, lineBreaks };
}

export interface BlockLedgerService {
  port: number;
  /** For @azure/storage-blob: the account in the path, as Azurite's development account. */
  connectionString: string;
  close(): Promise<void>;
}

/** Azurite's development account: the SDK signs with its public key; this service checks no signature. */
const ACCOUNT = DEV_ACCOUNT;

/**
 * Serves `store` on 127.0.0.1 (a free port). `GET /__ledger?blob=<name>` (this bench's own, not Azure's)
 * answers a committed report blob's bytes, line breaks and blocks as JSON.
 */
export function serveBlockLedger(store: CountingSweepStore): Promise<BlockLedgerService> {
  const containers = new Set<string>();
  let etag = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const query = url.searchParams;
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-version': String(request.headers['x-ms-version'] ?? '2025-01-05'),
      date: new Date().toUTCString(),
    };
    const answer = (status: number, body = '', type = 'application/xml'): void => {
      response.writeHead(status, {
        ...headers,
        ...(body ? { 'content-type': type } : {}),
        'content-length': Buffer.byteLength(body),
      });
      response.end(body);
    };
    const written = (): void => {
      headers.etag = `"0x${(++etag).toString(16).toUpperCase()}"`;
      headers['last-modified'] = new Date().toUTCString();
      headers['x-ms-request-server-encrypted'] = 'true';
    };

    if (url.pathname === '/__ledger') {
      const counted = store.committed.get(query.get('blob') ?? '');
      if (!counted) throw new Refusal(404, 'BlobNotFound', `no committed blob "${query.get('blob')}"`);
      return answer(200, JSON.stringify(counted), 'application/json');
    }
    const [account, container, ...rest] = url.pathname.slice(1).split('/');
    if (account !== ACCOUNT) throw new Refusal(400, 'InvalidUri', `no account "${account}" here`);
    if (!container) throw new Refusal(501, 'NotImplemented', 'account operations are not served here');
    const blob = decodeURIComponent(rest.join('/'));

    if (!blob && query.get('restype') === 'container') {
      if (method === 'PUT' && !query.has('comp')) {
        if (containers.has(container)) {
          throw new Refusal(409, 'ContainerAlreadyExists', 'The specified container already exists.');
        }
        containers.add(container);
        written();
        return answer(201);
      }
      if (!containers.has(container)) {
        throw new Refusal(404, 'ContainerNotFound', 'The specified container does not exist.');
      }
      if (method === 'GET' && query.get('comp') === 'list') {
        const prefix = query.get('prefix') ?? '';
        const marker = query.get('marker') ?? '';
        const max = Math.min(Number(query.get('maxresults') ?? LIST_PAGE), LIST_PAGE);
        const after = store.blobList(prefix).filter((b) => b.name >= marker);
        const page = after.slice(0, max);
        const next = after[max]?.name ?? '';
        const now = new Date().toUTCString();
        const items = page
          .map(
            (b) =>
              `<Blob><Name>${escapeXml(b.name)}</Name><Properties><Creation-Time>${now}</Creation-Time>` +
              `<Last-Modified>${now}</Last-Modified><Etag>0x1</Etag><Content-Length>${b.bytes}</Content-Length>` +
              '<BlobType>BlockBlob</BlobType><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>' +
              '</Properties></Blob>',
          )
          .join('');
        return answer(
          200,
          '<?xml version="1.0" encoding="utf-8"?>' +
            `<EnumerationResults ServiceEndpoint="http://127.0.0.1/${ACCOUNT}" ContainerName="${escapeXml(container)}">` +
            `<Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker><MaxResults>${max}</MaxResults>` +
            `<Blobs>${items}</Blobs><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`,
        );
      }
    }
    if (!containers.has(container)) {
      throw new Refusal(404, 'ContainerNotFound', 'The specified container does not exist.');
    }
    if (!blob)
      throw new Refusal(501, 'NotImplemented', `${method} ${url.search} on a container is not served here`);

    const comp = query.get('comp');
    if (method === 'PUT' && comp === 'block') {
      const id = query.get('blockid') ?? '';
      await store.stageCounted(blob, id, await bodyCounted(request));
      headers['x-ms-request-server-encrypted'] = 'true';
      return answer(201);
    }
    if (method === 'PUT' && comp === 'blocklist') {
      const body = await bodyText(request);
      if (!/^(<\?xml[^>]*\?>)?\s*<BlockList>[\s\S]*<\/BlockList>\s*$/.test(body)) {
        throw new Refusal(400, 'InvalidXmlDocument', 'the block list is not a <BlockList> document');
      }
      const ids: string[] = [];
      for (const [, kind, id] of body.matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g)) {
        if (kind !== 'Latest') {
          throw new Refusal(501, 'NotImplemented', `<${kind}> blocks are not served here (only <Latest>)`);
        }
        ids.push(id!);
      }
      await store.commitCounted(blob, ids);
      written();
      return answer(201);
    }
    if (method === 'GET' && comp === 'blocklist') {
      if (query.get('blocklisttype') !== 'all') {
        throw new Refusal(501, 'NotImplemented', 'only blocklisttype=all is served here');
      }
      if (!store.ledger.has(blob) && !store.blobs.has(blob)) {
        throw new Refusal(404, 'BlobNotFound', 'The specified blob does not exist.');
      }
      const list = store.ledger.list(blob);
      const blocks = (committed: boolean): string =>
        list
          .filter((b) => b.committed === committed)
          .map((b) => `<Block><Name>${b.id}</Name><Size>${b.block.bytes}</Size></Block>`)
          .join('');
      headers['x-ms-blob-content-length'] = String(store.committed.get(blob)?.bytes ?? 0);
      return answer(
        200,
        '<?xml version="1.0" encoding="utf-8"?><BlockList>' +
          `<CommittedBlocks>${blocks(true)}</CommittedBlocks><UncommittedBlocks>${blocks(false)}</UncommittedBlocks>` +
          '</BlockList>',
      );
    }
    if (method === 'PUT' && !comp) {
      if (request.headers['x-ms-blob-type'] !== 'BlockBlob') {
        throw new Refusal(501, 'NotImplemented', 'only block blobs are served here');
      }
      store.putWhole(blob, await bodyText(request));
      written();
      return answer(201);
    }
    if (method === 'DELETE' && !comp) {
      if (!store.deleteBlob(blob))
        throw new Refusal(404, 'BlobNotFound', 'The specified blob does not exist.');
      return answer(202);
    }
    throw new Refusal(
      501,
      'NotImplemented',
      `${method} ${url.search || '(no query)'} on a blob is not served here`,
    );
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const refusal =
        error instanceof Refusal
          ? error
          : error instanceof BlockBlobRefusal
            ? new Refusal(error.statusCode, error.code, error.message)
            : new Refusal(500, 'InternalError', String(error));
      request.resume();
      response.writeHead(refusal.status, {
        'content-type': 'application/xml',
        'x-ms-error-code': refusal.code,
        'x-ms-request-id': randomUUID(),
      });
      response.end(
        '<?xml version="1.0" encoding="utf-8"?>' +
          `<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`,
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        port,
        connectionString:
          `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${DEV_KEY};` +
          `BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
