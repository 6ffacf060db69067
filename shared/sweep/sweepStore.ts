/**
 * Where a sweep keeps what must not travel through orchestration histories: the discovered mailbox
 * list, each batch's rows, and finally the report. Blob storage (the app's own account, container
 * `reports`) in Azure and locally (Azurite); an in-memory store for tests.
 */
import type { ReportsStorageSettings } from '../platform/config';
import { ConfigError } from '../platform/configError';
import { openBlobContainer } from '../platform/blobContainer';
import type { MailboxRow } from './sweepTypes';

export interface SweepStore {
  putMailboxes(reportPath: string, addresses: readonly string[]): Promise<void>;
  /** Addresses [start, end) of the list written by putMailboxes. */
  getMailboxes(reportPath: string, start: number, end: number): Promise<string[]>;
  putBatchRows(reportPath: string, batch: number, rows: readonly MailboxRow[]): Promise<void>;
  getBatchRows(reportPath: string, batch: number): Promise<MailboxRow[] | undefined>;
  /** Writes `<reportPath>.json` and `.csv`; returns where they are (URLs for blobs). */
  putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }>;
  /** Removes the working files of a finished run. */
  deleteParts(reportPath: string, batches: number): Promise<void>;
}

const mailboxesBlob = (p: string): string => `${p}.parts/mailboxes.json`;
const batchBlob = (p: string, i: number): string => `${p}.parts/batch-${String(i).padStart(6, '0')}.json`;

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

  putMailboxes(reportPath: string, addresses: readonly string[]): Promise<void> {
    this.blobs.set(mailboxesBlob(reportPath), JSON.stringify(addresses));
    return Promise.resolve();
  }
  getMailboxes(reportPath: string, start: number, end: number): Promise<string[]> {
    const raw = this.blobs.get(mailboxesBlob(reportPath));
    if (raw === undefined) return Promise.reject(new Error(`no mailbox list for ${reportPath}`));
    return Promise.resolve((JSON.parse(raw) as string[]).slice(start, end));
  }
  putBatchRows(reportPath: string, batch: number, rows: readonly MailboxRow[]): Promise<void> {
    this.blobs.set(batchBlob(reportPath, batch), JSON.stringify(rows));
    return Promise.resolve();
  }
  getBatchRows(reportPath: string, batch: number): Promise<MailboxRow[] | undefined> {
    const raw = this.blobs.get(batchBlob(reportPath, batch));
    return Promise.resolve(raw === undefined ? undefined : (JSON.parse(raw) as MailboxRow[]));
  }
  putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }> {
    this.blobs.set(`${reportPath}.json`, json);
    this.blobs.set(`${reportPath}.csv`, csv);
    return Promise.resolve({ json: `memory:${reportPath}.json`, csv: `memory:${reportPath}.csv` });
  }
  deleteParts(reportPath: string): Promise<void> {
    for (const key of [...this.blobs.keys()])
      if (key.startsWith(`${reportPath}.parts/`)) this.blobs.delete(key);
    return Promise.resolve();
  }
}

type ContainerClient = import('@azure/storage-blob').ContainerClient;

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

  async putBatchRows(reportPath: string, batch: number, rows: readonly MailboxRow[]): Promise<void> {
    await this.put(batchBlob(reportPath, batch), JSON.stringify(rows), 'application/json');
  }

  async getBatchRows(reportPath: string, batch: number): Promise<MailboxRow[] | undefined> {
    const raw = await this.get(batchBlob(reportPath, batch));
    return raw === undefined ? undefined : (JSON.parse(raw) as MailboxRow[]);
  }

  async putReport(reportPath: string, json: string, csv: string): Promise<{ json: string; csv: string }> {
    return {
      json: await this.put(`${reportPath}.json`, json, 'application/json'),
      csv: await this.put(`${reportPath}.csv`, csv, 'text/csv; charset=utf-8'),
    };
  }

  async deleteParts(reportPath: string, batches: number): Promise<void> {
    const container = await this.client();
    const names = [
      mailboxesBlob(reportPath),
      ...Array.from({ length: batches }, (_, i) => batchBlob(reportPath, i)),
    ];
    for (const name of names) await container.getBlockBlobClient(name).deleteIfExists();
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
