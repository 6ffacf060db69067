/**
 * An in-memory tenant behind MailboxOperations, for tests of the sweep's logic (the EWS sandbox is
 * for the end-to-end tests). Items have received dates; archiving moves them to the archive side.
 */
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type {
  BatchOutcome,
  FolderInfo,
  FolderName,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofSettings,
} from '../../shared/mailbox/mailboxOperations';

export interface FakeItem {
  id: string;
  received: Date;
}

export interface FakeMailbox {
  primary: Map<string, FakeItem[]>;
  archive?: Map<string, FakeItem[]>;
  aliases?: string[];
}

export class FakeMailboxes implements MailboxOperations {
  readonly mailboxes = new Map<string, FakeMailbox>();
  readonly groups = new Map<string, GroupMember[]>();
  readonly calls: { op: string; mailbox: string }[] = [];
  /** Per mailbox: error to throw on the next N calls of any operation. */
  readonly failures = new Map<string, { error: MailboxError; times: number }>();
  /** Items that ArchiveItem refuses one by one. */
  readonly refuse = new Set<string>();
  latencyMs = 0;
  private nextId = 0;

  addMailbox(
    address: string,
    options: { old?: number; recent?: number; archive?: boolean; folder?: FolderName; now?: Date } = {},
  ): void {
    const now = options.now ?? new Date('2026-11-25T00:00:00Z');
    const items: FakeItem[] = [];
    for (let i = 0; i < (options.old ?? 0); i++)
      items.push({ id: `i${this.nextId++}`, received: new Date(now.getTime() - (400 + i) * 86_400_000) });
    for (let i = 0; i < (options.recent ?? 0); i++)
      items.push({ id: `i${this.nextId++}`, received: new Date(now.getTime() - (10 + i) * 3_600_000) });
    this.mailboxes.set(address, {
      primary: new Map([[options.folder ?? 'inbox', items]]),
      archive: options.archive === false ? undefined : new Map(),
    });
  }

  count(address: string, side: 'primary' | 'archive', folder: FolderName = 'inbox'): number {
    const m = this.mailboxes.get(address);
    return (side === 'primary' ? m?.primary : m?.archive)?.get(folder)?.length ?? 0;
  }

  private async enter(op: string, mailbox: string): Promise<FakeMailbox> {
    this.calls.push({ op, mailbox });
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const failure = this.failures.get(mailbox);
    if (failure && failure.times > 0) {
      failure.times--;
      throw failure.error;
    }
    const m = this.mailboxes.get(mailbox);
    if (!m)
      throw new MailboxError({
        code: 'ErrorNonExistentMailbox',
        errorClass: 'permanent',
        message: `no mailbox ${mailbox}`,
        mailbox,
      });
    return m;
  }

  getOof(): Promise<OofSettings> {
    return Promise.reject(new Error('not used'));
  }
  setOof(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }
  // The sweep never touches a calendar.
  createOofEvent(): Promise<string> {
    return Promise.reject(new Error('not used'));
  }
  updateOofEvent(): Promise<string> {
    return Promise.reject(new Error('not used'));
  }
  deleteOofEvent(): Promise<'deleted' | 'already-gone'> {
    return Promise.reject(new Error('not used'));
  }

  async findItemIdsReceivedBefore(
    mailbox: string,
    folder: FolderName,
    receivedBefore: Date,
    options?: { maxItems?: number },
  ): Promise<ItemRef[]> {
    const m = await this.enter('find', mailbox);
    const items = (m.primary.get(folder) ?? [])
      .filter((i) => i.received < receivedBefore)
      .sort((a, b) => a.received.getTime() - b.received.getTime())
      .map((i) => ({ id: i.id }));
    return options?.maxItems === undefined ? items : items.slice(0, options.maxItems);
  }

  async archiveItems(mailbox: string, sourceFolder: FolderName, items: ItemRef[]): Promise<BatchOutcome> {
    if (items.length > 100) throw new Error('more than 100 ids in one ArchiveItem call');
    const m = await this.enter('archive', mailbox);
    if (!m.archive)
      throw new MailboxError({
        code: 'ErrorArchiveMailboxNotEnabled',
        errorClass: 'permanent',
        message: 'Archive mailbox is not enabled',
      });
    const source = m.primary.get(sourceFolder) ?? [];
    const target = m.archive.get('archiveinbox') ?? [];
    m.archive.set('archiveinbox', target);
    const outcome: BatchOutcome = { moved: 0, failed: [] };
    for (const ref of items) {
      const at = source.findIndex((i) => i.id === ref.id);
      if (this.refuse.has(ref.id) || at < 0) {
        outcome.failed.push({ id: ref.id, code: 'ErrorItemNotFound', message: 'refused' });
        continue;
      }
      const [item] = source.splice(at, 1);
      if (item) target.push(item);
      outcome.moved++;
    }
    return outcome;
  }

  moveItems(): Promise<BatchOutcome> {
    return Promise.reject(new Error('not used'));
  }
  async getFolder(mailbox: string, folder: FolderName): Promise<FolderInfo> {
    const m = await this.enter('getFolder', mailbox);
    return { folder, displayName: folder, totalCount: m.primary.get(folder)?.length ?? 0 };
  }
  async hasArchiveMailbox(mailbox: string): Promise<boolean> {
    const m = await this.enter('hasArchive', mailbox);
    return m.archive !== undefined;
  }
  async expandGroup(group: string, asMailbox: string): Promise<GroupMember[]> {
    this.calls.push({ op: 'expand', mailbox: asMailbox });
    const members = this.groups.get(group.toLowerCase());
    if (!members)
      throw new MailboxError({
        code: 'ErrorNameResolutionNoResults',
        errorClass: 'permanent',
        message: `no group ${group}`,
      });
    return Promise.resolve(members);
  }
  async resolvePrimaryAddress(nameOrAddress: string, asMailbox: string): Promise<string | undefined> {
    this.calls.push({ op: 'resolve', mailbox: asMailbox });
    const wanted = nameOrAddress.toLowerCase();
    for (const [address, m] of this.mailboxes) {
      if (address === wanted || m.aliases?.includes(wanted)) return Promise.resolve(address);
    }
    return Promise.resolve(undefined);
  }
}

/** The archive-side count (the fake keeps archived items in archiveinbox). */
export function archived(fake: FakeMailboxes, address: string): number {
  return fake.mailboxes.get(address)?.archive?.get('archiveinbox')?.length ?? 0;
}
