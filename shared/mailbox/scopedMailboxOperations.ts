import type { MailboxScope } from './scope';
import type {
  BatchOutcome,
  FindOldItemsOptions,
  FolderInfo,
  FolderName,
  GroupMember,
  ItemRef,
  MailboxOperations,
  OofCalendarEvent,
  OofReadResult,
  OofSettings,
} from './mailboxOperations';

/**
 * Wraps any MailboxOperations so that every call checks the mailbox against the configured scope
 * before anything is sent. Out of scope: OutOfScopeError, no request.
 */
export class ScopedMailboxOperations implements MailboxOperations {
  constructor(
    private readonly inner: MailboxOperations,
    readonly scope: MailboxScope,
  ) {}

  getOof(mailbox: string): Promise<OofSettings> {
    this.scope.assertAllows(mailbox);
    return this.inner.getOof(mailbox);
  }

  setOof(mailbox: string, settings: OofSettings): Promise<void> {
    this.scope.assertAllows(mailbox);
    return this.inner.setOof(mailbox, settings);
  }

  findItemIdsReceivedBefore(
    mailbox: string,
    folder: FolderName,
    receivedBefore: Date,
    options?: FindOldItemsOptions,
  ): Promise<ItemRef[]> {
    this.scope.assertAllows(mailbox);
    return this.inner.findItemIdsReceivedBefore(mailbox, folder, receivedBefore, options);
  }

  archiveItems(mailbox: string, sourceFolder: FolderName, items: ItemRef[]): Promise<BatchOutcome> {
    this.scope.assertAllows(mailbox);
    return this.inner.archiveItems(mailbox, sourceFolder, items);
  }

  moveItems(mailbox: string, items: ItemRef[], destination: FolderName): Promise<BatchOutcome> {
    this.scope.assertAllows(mailbox);
    return this.inner.moveItems(mailbox, items, destination);
  }

  getFolder(mailbox: string, folder: FolderName): Promise<FolderInfo> {
    this.scope.assertAllows(mailbox);
    return this.inner.getFolder(mailbox, folder);
  }

  hasArchiveMailbox(mailbox: string): Promise<boolean> {
    this.scope.assertAllows(mailbox);
    return this.inner.hasArchiveMailbox(mailbox);
  }

  createOofEvent(mailbox: string, event: OofCalendarEvent): Promise<string> {
    this.scope.assertAllows(mailbox);
    return this.inner.createOofEvent(mailbox, event);
  }

  updateOofEvent(mailbox: string, id: string, event: OofCalendarEvent): Promise<string> {
    this.scope.assertAllows(mailbox);
    return this.inner.updateOofEvent(mailbox, id, event);
  }

  deleteOofEvent(mailbox: string, id: string): Promise<'deleted' | 'already-gone'> {
    this.scope.assertAllows(mailbox);
    return this.inner.deleteOofEvent(mailbox, id);
  }

  // Group expansion and name resolution act *as* a mailbox (the impersonated caller), which must be in
  // scope; the group's members are checked by the caller before any of them is acted on.
  expandGroup(group: string, asMailbox: string): Promise<GroupMember[]> {
    this.scope.assertAllows(asMailbox);
    return this.inner.expandGroup(group, asMailbox);
  }

  resolvePrimaryAddress(nameOrAddress: string, asMailbox: string): Promise<string | undefined> {
    this.scope.assertAllows(asMailbox);
    return this.inner.resolvePrimaryAddress(nameOrAddress, asMailbox);
  }

  /**
   * Many mailboxes' automatic replies: out-of-scope ones get their OutOfScopeError as result and are never
   * sent; the rest go through the inner getOofMany (Graph `$batch`) or, without one, one getOof each.
   */
  async getOofMany(mailboxes: readonly string[]): Promise<OofReadResult[]> {
    const results = new Array<OofReadResult>(mailboxes.length);
    const allowed: number[] = [];
    mailboxes.forEach((mailbox, index) => {
      try {
        this.scope.assertAllows(mailbox);
        allowed.push(index);
      } catch (error) {
        results[index] = { mailbox, error: error as Error };
      }
    });
    const addresses = allowed.map((index) => mailboxes[index] ?? '');
    const read = this.inner.getOofMany
      ? await this.inner.getOofMany(addresses)
      : await Promise.all(
          addresses.map((mailbox) =>
            this.inner.getOof(mailbox).then(
              (settings): OofReadResult => ({ mailbox, settings }),
              (error: unknown): OofReadResult => ({ mailbox, error: error as Error }),
            ),
          ),
        );
    allowed.forEach((index, i) => {
      results[index] = read[i] ?? { mailbox: mailboxes[index] ?? '', error: new Error('no result') };
    });
    return results;
  }
}
