/**
 * The change journal: every change the app makes to a mailbox, appended as a JSON line
 * (shared/journal/journalEntry.ts) to one append blob per day, `<JOURNAL_CONTAINER>/<yyyy>/<mm>/<dd>.jsonl`, in
 * the app's own storage account (Azurite locally). In Azure the container has a time-based immutability
 * policy with protected append writes (infra/modules/storage.bicep): lines can be added, none changed or
 * removed until the retention has passed.
 *
 * What we chose, and why:
 * - Journal after the write. A line is a fact ("this call was made, with these request ids"), never an
 *   intention; journaling first would leave lines for changes that never happened.
 * - Journaling never makes a change fail or repeat: `append` does not throw. A failed write is logged at
 *   warning level (with the orchestration's instance id) and counted (the metric `journalWriteFailures`
 *   and `failures`); the change stands.
 * - One appendBlock per line: Append Block is atomic, so lines from many activities appending at once to the
 *   same blob never interleave within a line (their order is the order the service took them in).
 * - Repeats are recognisable, not prevented: an activity that is run again (callActivityWithRetry after a
 *   later step failed, or the host delivering it twice) may make a change it already made and journaled.
 *   Each line carries an id derived from what identifies the change (the orchestration instance, its
 *   generation's time, the step, and the change itself: see shared/leave/leaveSteps.ts), so the same change
 *   gets the same id. This process skips an id it has already appended; a repeat from another process
 *   reaches the blob and the reader (shared/journal/journalReader.ts) keeps its first line. Preventing
 *   repeats in storage would need a read of the day's blob before every append, or a lease, and neither is
 *   atomic with the append.
 * - A day's blob takes 50,000 blocks (lines); past that the service answers BlockCountExceedsLimit and the
 *   day continues in `<dd>.1.jsonl`, `<dd>.2.jsonl`, …
 */
import { metrics } from '@opentelemetry/api';
import type { ReportsStorageSettings } from '../platform/config';
import { ConfigError } from '../platform/configError';
import { openBlobContainer } from '../platform/blobContainer';
import { METER_NAME } from '../sweep/sweepCounters';
import { dayBlobName, journalLine, type JournalEntry } from './journalEntry';

/** Where a failed write is told: the activity's log (its lines name the orchestration instance). */
export interface JournalLog {
  warn(text: string): void;
}

/** A line as the caller gives it: the journal stamps the time. */
export type JournalChange = Omit<JournalEntry, 'time'>;

export interface ChangeJournal {
  /** Appends one line; never throws. False: not written (logged to `log` and counted). */
  append(change: JournalChange, log: JournalLog): Promise<boolean>;
  /** Every line of one UTC day, in the order they were appended (all of the day's blobs). */
  readDay(day: Date): Promise<JournalEntry[]>;
  /** Writes that failed in this process. */
  readonly failures: number;
}

/** Ids this process appended lately: a retried activity on the same worker does not write its change twice. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit = 10_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value as string);
  }
}

function countFailure(reason: string): void {
  metrics
    .getMeterProvider()
    .getMeter(METER_NAME)
    .createCounter('journalWriteFailures', { description: 'Change journal lines that could not be written' })
    .add(1, { reason });
}

function parseLines(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** The journal's common part: stamping, repeats, failures. Subclasses only store lines. */
abstract class JournalBase implements ChangeJournal {
  failures = 0;
  private readonly appended = new RecentIds();

  constructor(private readonly now: () => Date) {}

  protected abstract write(time: Date, line: string): Promise<void>;
  abstract readDay(day: Date): Promise<JournalEntry[]>;

  async append(change: JournalChange, log: JournalLog): Promise<boolean> {
    if (this.appended.has(change.id)) return true;
    const time = this.now();
    try {
      await this.write(time, journalLine({ time: time.toISOString(), ...change }));
      this.appended.add(change.id);
      return true;
    } catch (error) {
      this.failures++;
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : error instanceof Error ? error.name : 'Unknown';
      countFailure(reason);
      log.warn(
        `change journal: ${change.action} of ${change.mailbox} (${change.result}) not journaled: ` +
          `${error instanceof Error ? error.message : String(error)}; the change stands`,
      );
      return false;
    }
  }
}

/** In memory (tests, and the CLI reading a journal written by the same process). */
export class MemoryChangeJournal extends JournalBase {
  readonly blobs = new Map<string, string>();

  protected write(time: Date, line: string): Promise<void> {
    const name = dayBlobName(time);
    this.blobs.set(name, (this.blobs.get(name) ?? '') + line);
    return Promise.resolve();
  }

  readDay(day: Date): Promise<JournalEntry[]> {
    return Promise.resolve(parseLines(this.blobs.get(dayBlobName(day)) ?? ''));
  }
}

type ContainerClient = import('@azure/storage-blob').ContainerClient;

/** Append blobs in JOURNAL_CONTAINER: a connection string (Azurite) or the host's identity, as the reports. */
export class BlobChangeJournal extends JournalBase {
  private container?: Promise<ContainerClient>;
  /** The part each day is written to now, and the blobs known to exist. */
  private readonly parts = new Map<string, number>();
  private readonly created = new Set<string>();

  constructor(
    private readonly settings: ReportsStorageSettings,
    now: () => Date,
  ) {
    super(now);
  }

  private client(): Promise<ContainerClient> {
    // In Azure the template made it (with its immutability policy); locally Azurite starts empty.
    this.container ??= openBlobContainer(this.settings);
    this.container.catch(() => (this.container = undefined));
    return this.container;
  }

  protected async write(time: Date, line: string): Promise<void> {
    const container = await this.client();
    const day = dayBlobName(time);
    for (;;) {
      const part = this.parts.get(day) ?? 0;
      const name = dayBlobName(time, part);
      const blob = container.getAppendBlobClient(name);
      try {
        if (!this.created.has(name)) {
          await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } });
          this.created.add(name);
        }
        await blob.appendBlock(line, Buffer.byteLength(line, 'utf8'));
        return;
      } catch (error) {
        // 50,000 blocks per append blob: the day goes on in its next part.
        if ((error as { code?: unknown }).code !== 'BlockCountExceedsLimit') throw error;
        this.parts.set(day, part + 1);
      }
    }
  }

  async readDay(day: Date): Promise<JournalEntry[]> {
    const container = await this.client();
    const first = dayBlobName(day);
    const prefix = first.slice(0, -'.jsonl'.length);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix })) {
      if (blob.name === first || /^\.\d+\.jsonl$/.test(blob.name.slice(prefix.length))) names.push(blob.name);
    }
    const part = (name: string): number => Number(/\.(\d+)\.jsonl$/.exec(name)?.[1] ?? 0);
    names.sort((a, b) => part(a) - part(b));
    const entries: JournalEntry[] = [];
    for (const name of names) {
      const text = (await container.getAppendBlobClient(name).downloadToBuffer()).toString('utf8');
      entries.push(...parseLines(text));
    }
    return entries;
  }
}

/** Why nothing is journaled without storage, and which setting to set. */
export const NO_JOURNAL_STORAGE =
  'no storage for the change journal: set AzureWebJobsStorage (UseDevelopmentStorage=true for Azurite) ' +
  'or AzureWebJobsStorage__accountName';

/**
 * No storage was configured (a test or dev host given none): every write fails as a write to unreachable
 * storage would (logged and counted, the change stands), and reading says which setting to set.
 */
class UnconfiguredChangeJournal extends JournalBase {
  protected write(): Promise<void> {
    return Promise.reject(new ConfigError(NO_JOURNAL_STORAGE, 'AzureWebJobsStorage'));
  }
  async readDay(): Promise<JournalEntry[]> {
    await this.write();
    return [];
  }
}

/** The journal the storage settings name (the app keeps one, in shared/app/appServices.ts). */
export function createChangeJournal(
  settings: ReportsStorageSettings | undefined,
  now: () => Date,
): ChangeJournal {
  return settings ? new BlobChangeJournal(settings, now) : new UnconfiguredChangeJournal(now);
}
