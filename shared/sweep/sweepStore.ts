/**
 * Where a sweep keeps what must not travel through orchestration histories: the discovered mailbox
 * list, each batch's rows, and finally the report. Blob storage (the app's own account, container
 * `reports`) in Azure and locally (Azurite); an in-memory store for tests.
 */
import type { ReportsStorageSettings } from '../platform/config';
import { ConfigError } from '../platform/configError';
import { openBlobContainer } from '../platform/blobContainer';
import { mapWithLimit } from '../platform/transport/concurrency';
import { StagedBlocks } from './stagedBlocks';
import type { DiscoveryEnd } from './sweepTypes';

/** The sweep report's two blobs: `<reportPath>.json` and `<reportPath>.csv`. */
export type ReportFile = 'json' | 'csv';

const REPORT_CONTENT_TYPE: Record<ReportFile, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
};

export interface SweepStore {
  /**
   * A list in one blob: the mailboxes an HTTP-started sweep was asked to do (shared/sweep/sweepControl.ts;
   * at most 10,000), and the whole discovered list of a sweep started by a version before the parts.
   */
  putMailboxes(reportPath: string, addresses: readonly string[]): Promise<void>;
  /** Addresses [start, end) of the list written by putMailboxes. */
  getMailboxes(reportPath: string, start: number, end: number): Promise<string[]>;
  /** Part `part` of the discovered mailboxes, i.e. batch `part`'s; discovery writes each once. */
  putMailboxPart(reportPath: string, part: number, addresses: readonly string[]): Promise<void>;
  /** Undefined while discovery has not written it (or never will: see getDiscoveryEnd). */
  getMailboxPart(reportPath: string, part: number): Promise<string[] | undefined>;
  /** Discovery's last word, written after its last part: how many parts there are, or that it failed. */
  putDiscoveryEnd(reportPath: string, end: DiscoveryEnd): Promise<void>;
  getDiscoveryEnd(reportPath: string): Promise<DiscoveryEnd | undefined>;
  /**
   * Stages a block of `<reportPath>.<file>` (Put Block): stored, not part of the blob until committed.
   * `blockId` is Base64, as Azure takes it (shared/sweep/reportBlocks.ts makes them).
   */
  stageReportBlock(reportPath: string, file: ReportFile, blockId: string, text: string): Promise<void>;
  /** The ids of the blob's blocks, committed and staged (Get Block List, all); none for no blob. */
  reportBlockIds(reportPath: string, file: ReportFile): Promise<string[]>;
  /** Writes the blob from these blocks in this order (Put Block List); returns where it is. */
  commitReportBlocks(reportPath: string, file: ReportFile, blockIds: readonly string[]): Promise<string>;
  /** Writes `<reportPath>.json` and `.csv`; returns where they are (URLs for blobs). */
  putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }>;
  /** Removes the working files of a finished run (everything under `<reportPath>.parts/`). */
  deleteParts(reportPath: string, batches: number): Promise<void>;
}

const partsFolder = (p: string): string => `${p}.parts/`;
const mailboxesBlob = (p: string): string => `${partsFolder(p)}mailboxes.json`;
const mailboxPartBlob = (p: string, i: number): string =>
  `${partsFolder(p)}mailboxes-${String(i).padStart(6, '0')}.json`;
const discoveryEndBlob = (p: string): string => `${partsFolder(p)}discovery-end.json`;

/** Keeps the last mailbox list read, so fifty batches of one run do not each download it. */
class ListCache {
  private path?: string;
  private list?: Promise<string[]>;
  get(path: string, load: () => Promise<string[]>): Promise<string[]> {
    if (this.path !== path || !this.list) {
      this.path = path;
      this.list = load();
      this.list.catch(() => (this.list = undefined));
    }
    return this.list;
  }
  forget(): void {
    this.list = undefined;
  }
}

export class MemorySweepStore implements SweepStore {
  readonly blobs = new Map<string, string>();
  /** The report blobs' blocks, kept by Azure's rules (shared/sweep/stagedBlocks.ts). */
  readonly blocks = new StagedBlocks();

  putMailboxes(reportPath: string, addresses: readonly string[]): Promise<void> {
    this.blobs.set(mailboxesBlob(reportPath), JSON.stringify(addresses));
    return Promise.resolve();
  }
  getMailboxes(reportPath: string, start: number, end: number): Promise<string[]> {
    const raw = this.blobs.get(mailboxesBlob(reportPath));
    if (raw === undefined) return Promise.reject(new Error(`no mailbox list for ${reportPath}`));
    return Promise.resolve((JSON.parse(raw) as string[]).slice(start, end));
  }
  putMailboxPart(reportPath: string, part: number, addresses: readonly string[]): Promise<void> {
    this.blobs.set(mailboxPartBlob(reportPath, part), JSON.stringify(addresses));
    return Promise.resolve();
  }
  getMailboxPart(reportPath: string, part: number): Promise<string[] | undefined> {
    const raw = this.blobs.get(mailboxPartBlob(reportPath, part));
    return Promise.resolve(raw === undefined ? undefined : (JSON.parse(raw) as string[]));
  }
  putDiscoveryEnd(reportPath: string, end: DiscoveryEnd): Promise<void> {
    this.blobs.set(discoveryEndBlob(reportPath), JSON.stringify(end));
    return Promise.resolve();
  }
  getDiscoveryEnd(reportPath: string): Promise<DiscoveryEnd | undefined> {
    const raw = this.blobs.get(discoveryEndBlob(reportPath));
    return Promise.resolve(raw === undefined ? undefined : (JSON.parse(raw) as DiscoveryEnd));
  }
  stageReportBlock(reportPath: string, file: ReportFile, blockId: string, text: string): Promise<void> {
    return this.blocks.stage(`${reportPath}.${file}`, blockId, text);
  }
  reportBlockIds(reportPath: string, file: ReportFile): Promise<string[]> {
    return Promise.resolve(this.blocks.ids(`${reportPath}.${file}`));
  }
  commitReportBlocks(reportPath: string, file: ReportFile, blockIds: readonly string[]): Promise<string> {
    const name = `${reportPath}.${file}`;
    return this.blocks.commit(name, blockIds).then((text) => {
      this.blobs.set(name, text);
      return `memory:${name}`;
    });
  }
  putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }> {
    this.blobs.set(`${reportPath}.json`, json);
    this.blobs.set(`${reportPath}.csv`, csv);
    return Promise.resolve({ json: `memory:${reportPath}.json`, csv: `memory:${reportPath}.csv` });
  }
  deleteParts(reportPath: string): Promise<void> {
    for (const key of [...this.blobs.keys()])
      if (key.startsWith(partsFolder(reportPath))) this.blobs.delete(key);
    return Promise.resolve();
  }
}

type ContainerClient = import('@azure/storage-blob').ContainerClient;

/**
 * Blob names listed (and deleted) at a time by BlobSweepStore.deleteParts. The SDK's parsed page is a few
 * KiB a name: 1,000 (List Blobs' usual page) held 4.2 MiB and peaked at 9 MiB while deleted, 200 hold
 * 1.5 MiB (bench/reportMemory.ts, bench/README.md); a million-mailbox sweep lists 100 pages.
 */
const DELETE_PAGE = 200;

export class BlobSweepStore implements SweepStore {
  private container?: Promise<ContainerClient>;
  private readonly lists = new ListCache();

  constructor(private readonly settings: ReportsStorageSettings) {}

  private client(): Promise<ContainerClient> {
    this.container ??= openBlobContainer(this.settings);
    this.container.catch(() => (this.container = undefined));
    return this.container;
  }

  private async put(name: string, body: string, contentType: string): Promise<string> {
    const blob = (await this.client()).getBlockBlobClient(name);
    await blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: contentType } });
    return blob.url;
  }

  private async get(name: string): Promise<string | undefined> {
    const blob = (await this.client()).getBlockBlobClient(name);
    try {
      return (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async putMailboxes(reportPath: string, addresses: readonly string[]): Promise<void> {
    this.lists.forget();
    await this.put(mailboxesBlob(reportPath), JSON.stringify(addresses), 'application/json');
  }

  async getMailboxes(reportPath: string, start: number, end: number): Promise<string[]> {
    const list = await this.lists.get(reportPath, async () => {
      const raw = await this.get(mailboxesBlob(reportPath));
      if (raw === undefined) throw new Error(`no mailbox list for ${reportPath}`);
      return JSON.parse(raw) as string[];
    });
    return list.slice(start, end);
  }

  async putMailboxPart(reportPath: string, part: number, addresses: readonly string[]): Promise<void> {
    await this.put(mailboxPartBlob(reportPath, part), JSON.stringify(addresses), 'application/json');
  }

  async getMailboxPart(reportPath: string, part: number): Promise<string[] | undefined> {
    const raw = await this.get(mailboxPartBlob(reportPath, part));
    return raw === undefined ? undefined : (JSON.parse(raw) as string[]);
  }

  async putDiscoveryEnd(reportPath: string, end: DiscoveryEnd): Promise<void> {
    await this.put(discoveryEndBlob(reportPath), JSON.stringify(end), 'application/json');
  }

  async getDiscoveryEnd(reportPath: string): Promise<DiscoveryEnd | undefined> {
    const raw = await this.get(discoveryEndBlob(reportPath));
    return raw === undefined ? undefined : (JSON.parse(raw) as DiscoveryEnd);
  }

  async stageReportBlock(reportPath: string, file: ReportFile, blockId: string, text: string): Promise<void> {
    const blob = (await this.client()).getBlockBlobClient(`${reportPath}.${file}`);
    await blob.stageBlock(blockId, text, Buffer.byteLength(text));
  }

  async reportBlockIds(reportPath: string, file: ReportFile): Promise<string[]> {
    const blob = (await this.client()).getBlockBlobClient(`${reportPath}.${file}`);
    try {
      const list = await blob.getBlockList('all');
      return [...(list.committedBlocks ?? []), ...(list.uncommittedBlocks ?? [])].map((block) => block.name);
    } catch (error) {
      // No blob and no staged block: Get Block List answers 404.
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
  }

  async commitReportBlocks(
    reportPath: string,
    file: ReportFile,
    blockIds: readonly string[],
  ): Promise<string> {
    const blob = (await this.client()).getBlockBlobClient(`${reportPath}.${file}`);
    await blob.commitBlockList([...blockIds], {
      blobHTTPHeaders: { blobContentType: REPORT_CONTENT_TYPE[file] },
    });
    return blob.url;
  }

  async putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }> {
    return {
      json: await this.put(`${reportPath}.json`, json, 'application/json'),
      csv: await this.put(`${reportPath}.csv`, csv, 'text/csv; charset=utf-8'),
    };
  }

  /**
   * Lists the run's folder a page at a time and deletes each page's blobs, a few at a time, before asking
   * for the next: a million-mailbox sweep leaves 20,000 parts, and only one page of names (at most
   * DELETE_PAGE) is held. Deleting what was listed does not disturb the listing: the continuation marker
   * names where the next page starts (List Blobs,
   * https://learn.microsoft.com/rest/api/storageservices/list-blobs). `batches` is not needed any more and
   * kept for the callers' sake.
   */
  async deleteParts(reportPath: string, _batches: number): Promise<void> {
    const container = await this.client();
    const pages = container
      .listBlobsFlat({ prefix: partsFolder(reportPath) })
      .byPage({ maxPageSize: DELETE_PAGE });
    for await (const page of pages) {
      await mapWithLimit(page.segment.blobItems, 16, (blob) =>
        container.getBlockBlobClient(blob.name).deleteIfExists(),
      );
    }
    this.lists.forget();
  }
}

/** The store the reports storage settings name (the app keeps one, in shared/app/appServices.ts). */
export function createSweepStore(settings: ReportsStorageSettings | undefined): SweepStore {
  if (!settings) {
    throw new ConfigError(
      'no storage for sweep reports: set AzureWebJobsStorage (UseDevelopmentStorage=true for Azurite), ' +
        'AzureWebJobsStorage__accountName, or REPORTS_STORAGE_CONNECTION_STRING',
      'AzureWebJobsStorage',
    );
  }
  return new BlobSweepStore(settings);
}
