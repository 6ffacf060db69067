import { MailboxError } from '../../../shared/mailbox/mailboxError';
import type { BatchOutcome, FolderName, ItemRef } from '../../../shared/mailbox/mailboxOperations';
import { sweepMailbox } from '../../../shared/sweep/sweepMailbox';
import { archived, FakeMailboxes } from '../../support/fakeMailboxes';

const job = {
  dryRun: false,
  receivedBefore: '2026-01-01T00:00:00.000Z',
  folders: ['inbox' as const],
  maxItemsPerRun: 5000,
};

/** Refuses the whole ArchiveItem call number `failingCall` with a permanent error, as Exchange can. */
class FailingOnArchiveCall extends FakeMailboxes {
  private archiveCalls = 0;
  constructor(private readonly failingCall: number) {
    super();
  }
  override archiveItems(mailbox: string, folder: FolderName, items: ItemRef[]): Promise<BatchOutcome> {
    if (++this.archiveCalls === this.failingCall) {
      return Promise.reject(
        new MailboxError({
          code: 'ErrorQuotaExceeded',
          errorClass: 'permanent',
          message: 'The archive mailbox is full',
          mailbox,
        }),
      );
    }
    return super.archiveItems(mailbox, folder, items);
  }
}

describe('sweeping one mailbox', () => {
  it('archives without counting first: archive check, one query, one ArchiveItem', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 2, recent: 3 });
    const row = await sweepMailbox(fake, 'a@contoso.com', job);
    expect(row).toEqual({ mailbox: 'a@contoso.com', outcome: 'archived', itemsPlanned: 2, itemsMoved: 2 });
    expect(fake.calls.map((c) => c.op)).toEqual(['hasArchive', 'find', 'archive']);
    expect(archived(fake, 'a@contoso.com')).toBe(2);
  });

  it('a dry run counts and moves nothing', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 2, recent: 3 });
    const row = await sweepMailbox(fake, 'a@contoso.com', { ...job, dryRun: true });
    expect(row).toMatchObject({ outcome: 'planned', itemsPlanned: 2, itemsMoved: 0 });
    expect(fake.calls.map((c) => c.op)).toEqual(['hasArchive', 'find']);
    expect(fake.count('a@contoso.com', 'primary')).toBe(5);
  });

  it('reports what the run planned and moved when the per-run cap stops it', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250 });
    const row = await sweepMailbox(fake, 'a@contoso.com', { ...job, maxItemsPerRun: 120 });
    expect(row).toMatchObject({ outcome: 'archived', itemsPlanned: 120, itemsMoved: 120, capped: true });
    expect(archived(fake, 'a@contoso.com')).toBe(120);
  });

  it('counts items refused one by one as planned and not moved', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 4 });
    fake.refuse.add('i1');
    const row = await sweepMailbox(fake, 'a@contoso.com', job);
    expect(row).toMatchObject({
      outcome: 'partial',
      itemsPlanned: 4,
      itemsMoved: 3,
      errorCode: 'ErrorItemNotFound',
    });
  });

  it('a permanent error after a first batch reports the items already in the archive', async () => {
    const fake = new FailingOnArchiveCall(2);
    fake.addMailbox('a@contoso.com', { old: 250 });
    const row = await sweepMailbox(fake, 'a@contoso.com', job);
    expect(row).toMatchObject({ outcome: 'failed', itemsMoved: 100, errorCode: 'ErrorQuotaExceeded' });
    expect(archived(fake, 'a@contoso.com')).toBe(100);
  });
});
