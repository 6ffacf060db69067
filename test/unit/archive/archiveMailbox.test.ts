import { planArchive, runArchive } from '../../../shared/archive/archiveMailbox';
import { archived, FakeMailboxes } from '../sweep/fakeMailboxes';

const cutoff = new Date('2026-01-01T00:00:00Z');
const options = { folders: ['inbox' as const], receivedBefore: cutoff };

describe('archiving one mailbox', () => {
  it('plans what is older than the cutoff and changes nothing', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250, recent: 30 });
    const plan = await planArchive(fake, 'a@contoso.com', options);
    expect(plan).toMatchObject({ planned: 250, capped: false, folders: [{ folder: 'inbox', items: 250 }] });
    expect(fake.count('a@contoso.com', 'primary')).toBe(280);
    expect(fake.calls.filter((c) => c.op === 'archive')).toHaveLength(0);
  });

  it('moves exactly the old items in calls of at most 100 ids, none lost or duplicated', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250, recent: 30 });
    const progress: number[] = [];
    const result = await runArchive(fake, 'a@contoso.com', {
      ...options,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result).toMatchObject({ moved: 250, failed: [], capped: false });
    expect(fake.count('a@contoso.com', 'primary')).toBe(30);
    expect(archived(fake, 'a@contoso.com')).toBe(250);
    expect(fake.calls.filter((c) => c.op === 'archive')).toHaveLength(3);
    // The third query found 50 of the 100 asked: the folder was done without a fourth, empty one.
    expect(fake.calls.filter((c) => c.op === 'find')).toHaveLength(3);
    expect(progress).toEqual([100, 200, 250]);
  });

  it('archives a mailbox with a few old items in one query and one ArchiveItem', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 2, recent: 5 });
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result).toMatchObject({ moved: 2, failed: [], capped: false });
    expect(fake.calls.map((c) => c.op)).toEqual(['find', 'archive']);
  });

  it('queries again after a full batch: exactly 100 old items need a second, empty query', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 100 });
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result.moved).toBe(100);
    expect(fake.calls.map((c) => c.op)).toEqual(['find', 'archive', 'find']);
  });

  it('stops at the per-run cap and says more is left; the next run continues', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250 });
    const plan = await planArchive(fake, 'a@contoso.com', { ...options, maxItems: 120 });
    expect(plan).toMatchObject({ planned: 120, capped: true });
    const first = await runArchive(fake, 'a@contoso.com', { ...options, maxItems: 120 });
    expect(first).toMatchObject({ moved: 120, capped: true });
    const second = await runArchive(fake, 'a@contoso.com', { ...options, maxItems: 200 });
    expect(second).toMatchObject({ moved: 130, capped: false });
    expect(archived(fake, 'a@contoso.com')).toBe(250);
  });

  it('reports items Exchange refuses without offering them again forever', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 5 });
    fake.refuse.add('i0');
    fake.refuse.add('i3');
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result.moved).toBe(3);
    expect(result.failed.map((f) => f.id).sort()).toEqual(['i0', 'i3']);
    expect(fake.count('a@contoso.com', 'primary')).toBe(2);
  });
});
