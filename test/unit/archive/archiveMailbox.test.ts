import { planArchive, runArchive, type ArchiveProgress } from '../../../shared/sweep/archiveMailbox';
import type { FolderName } from '../../../shared/mailbox/mailboxOperations';
import { archived, FakeMailboxes } from '../../support/fakeMailboxes';

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

/** Adds `count` old items to another folder of the mailbox, ids `<folder>-0`, `<folder>-1`, ... */
function addOldItems(fake: FakeMailboxes, mailbox: string, folder: FolderName, count: number): void {
  const items = Array.from({ length: count }, (_, i) => ({
    id: `${folder}-${i}`,
    received: new Date(cutoff.getTime() - (i + 1) * 86_400_000),
  }));
  fake.mailboxes.get(mailbox)?.primary.set(folder, items);
}

/** Records how many ids each FindItem asked for (undefined: all). */
function askedSizes(fake: FakeMailboxes): (number | undefined)[] {
  const asked: (number | undefined)[] = [];
  const find = fake.findItemIdsReceivedBefore.bind(fake);
  fake.findItemIdsReceivedBefore = (mailbox, folder, before, findOptions) => {
    asked.push(findOptions?.maxItems);
    return find(mailbox, folder, before, findOptions);
  };
  return asked;
}

/** Records the ids offered to ArchiveItem, call by call. */
function offeredIds(fake: FakeMailboxes): string[][] {
  const offered: string[][] = [];
  const archiveItems = fake.archiveItems.bind(fake);
  fake.archiveItems = (mailbox, folder, items) => {
    offered.push(items.map((i) => i.id));
    return archiveItems(mailbox, folder, items);
  };
  return offered;
}

describe('archiving a large mailbox over several rounds and folders', () => {
  it('an item Exchange refuses is offered once, reported once, and the rest of a big folder still moves', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250 });
    for (const id of ['i0', 'i99', 'i150']) fake.refuse.add(id);
    const offered = offeredIds(fake);
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result).toMatchObject({
      moved: 247,
      capped: false,
      folders: [{ folder: 'inbox', moved: 247, failed: 3 }],
    });
    // Oldest first: i150 is in the first round, i99 in the second, i0 in the third.
    expect(result.failed).toEqual([
      { folder: 'inbox', id: 'i150', code: 'ErrorItemNotFound', message: 'refused' },
      { folder: 'inbox', id: 'i99', code: 'ErrorItemNotFound', message: 'refused' },
      { folder: 'inbox', id: 'i0', code: 'ErrorItemNotFound', message: 'refused' },
    ]);
    // The refused id is asked for again on top of the batch (it is still there) but never offered.
    expect(offered.map((ids) => ids.length)).toEqual([100, 100, 50]);
    const all = offered.flat();
    expect(all).toHaveLength(250);
    expect(new Set(all).size).toBe(250);
    expect(fake.count('a@contoso.com', 'primary')).toBe(3);
  });

  it('a server that moves nothing and refuses nothing does not make the run loop: it ends with nothing moved', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 250 });
    addOldItems(fake, 'a@contoso.com', 'sentitems', 3);
    let asked = 0;
    fake.archiveItems = (_mailbox, _folder, items) => {
      if (++asked > 10)
        throw new Error(`ArchiveItem asked ${asked} times for ${items.length} items: the run loops`);
      return Promise.resolve({ moved: 0, failed: [] });
    };
    const result = await runArchive(fake, 'a@contoso.com', { ...options, folders: ['inbox', 'sentitems'] });
    expect(result).toMatchObject({ moved: 0, failed: [], capped: false });
    expect(result.folders).toEqual([
      { folder: 'inbox', moved: 0, failed: 0 },
      { folder: 'sentitems', moved: 0, failed: 0 },
    ]);
    // One attempt per folder: offering the next batch to a server that acts on none would only repeat it.
    expect(asked).toBe(2);
  });

  it('refused items use up the per-run cap: they count as work done, not as room for more', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 150 });
    // The ten oldest, so all in the first ArchiveItem call.
    for (let i = 140; i < 150; i++) fake.refuse.add(`i${i}`);
    const offered = offeredIds(fake);
    const result = await runArchive(fake, 'a@contoso.com', { ...options, maxItems: 100 });
    expect(result).toMatchObject({ moved: 90, capped: true });
    expect(result.failed).toHaveLength(10);
    expect(offered.flat()).toHaveLength(100);
  });

  it('a run that uses exactly the cap on exactly what was old says nothing is left', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 120 });
    addOldItems(fake, 'a@contoso.com', 'sentitems', 0);
    const folders = ['inbox', 'sentitems'] as const;
    const plan = await planArchive(fake, 'a@contoso.com', { ...options, folders, maxItems: 120 });
    expect(plan).toMatchObject({ planned: 120, capped: false });
    const result = await runArchive(fake, 'a@contoso.com', { ...options, folders, maxItems: 120 });
    expect(result).toMatchObject({ moved: 120, capped: false });
  });

  it('a run that uses exactly the cap with refusals left behind says nothing is left', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 100 });
    fake.refuse.add('i5');
    const result = await runArchive(fake, 'a@contoso.com', { ...options, maxItems: 100 });
    expect(result).toMatchObject({ moved: 99, capped: false });
    expect(result.failed.map((f) => f.id)).toEqual(['i5']);
  });

  it('the cap is shared by all folders, in the order given, in the plan and in the run', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 80 });
    addOldItems(fake, 'a@contoso.com', 'sentitems', 50);
    addOldItems(fake, 'a@contoso.com', 'deleteditems', 5);
    const capped = { ...options, folders: ['inbox', 'sentitems', 'deleteditems'] as const, maxItems: 100 };
    const plan = await planArchive(fake, 'a@contoso.com', capped);
    expect(plan).toMatchObject({
      planned: 100,
      capped: true,
      folders: [
        { folder: 'inbox', items: 80 },
        { folder: 'sentitems', items: 20 },
      ],
    });
    const result = await runArchive(fake, 'a@contoso.com', capped);
    expect(result).toMatchObject({ moved: 100, capped: true });
    expect(result.folders).toEqual([
      { folder: 'inbox', moved: 80, failed: 0 },
      { folder: 'sentitems', moved: 20, failed: 0 },
    ]);
    expect(fake.count('a@contoso.com', 'primary', 'sentitems')).toBe(30);
    expect(fake.count('a@contoso.com', 'primary', 'deleteditems')).toBe(5);
  });

  it('without a cap every folder is planned and emptied of old items, with counts per folder', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, recent: 2 });
    addOldItems(fake, 'a@contoso.com', 'sentitems', 120);
    const both = { ...options, folders: ['inbox', 'sentitems'] as const };
    const progress: ArchiveProgress[] = [];
    const plan = await planArchive(fake, 'a@contoso.com', { ...both, onProgress: (p) => progress.push(p) });
    expect(plan).toEqual({
      mailbox: 'a@contoso.com',
      receivedBefore: cutoff.toISOString(),
      planned: 123,
      capped: false,
      folders: [
        { folder: 'inbox', items: 3 },
        { folder: 'sentitems', items: 120 },
      ],
    });
    expect(progress).toEqual([
      { mailbox: 'a@contoso.com', folder: 'inbox', phase: 'plan', done: 3, planned: 3 },
      { mailbox: 'a@contoso.com', folder: 'sentitems', phase: 'plan', done: 123, planned: 123 },
    ]);
    progress.length = 0;
    const result = await runArchive(
      fake,
      'a@contoso.com',
      { ...both, onProgress: (p) => progress.push(p) },
      123,
    );
    expect(result).toEqual({
      mailbox: 'a@contoso.com',
      receivedBefore: cutoff.toISOString(),
      moved: 123,
      failed: [],
      capped: false,
      folders: [
        { folder: 'inbox', moved: 3, failed: 0 },
        { folder: 'sentitems', moved: 120, failed: 0 },
      ],
    });
    expect(progress.map((p) => [p.folder, p.phase, p.done, p.planned])).toEqual([
      ['inbox', 'run', 3, 123],
      ['sentitems', 'run', 103, 123],
      ['sentitems', 'run', 123, 123],
    ]);
  });

  it('more moved than planned (mail aged past the cutoff since) shows as done = planned', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 5 });
    const progress: ArchiveProgress[] = [];
    await runArchive(fake, 'a@contoso.com', { ...options, onProgress: (p) => progress.push(p) }, 3);
    expect(progress.map((p) => [p.done, p.planned])).toEqual([[5, 5]]);
  });

  it('ArchiveItem calls are as large as asked, and a batch size outside 1..100 is refused before any call', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 25 });
    const offered = offeredIds(fake);
    await runArchive(fake, 'a@contoso.com', { ...options, batchSize: 10 });
    expect(offered.map((ids) => ids.length)).toEqual([10, 10, 5]);
    for (const batchSize of [0, 101, 2.5]) {
      await expect(runArchive(fake, 'a@contoso.com', { ...options, batchSize })).rejects.toThrow(
        `batchSize must be 1..100, got ${batchSize}`,
      );
    }
    expect(offered).toHaveLength(3);
    expect(fake.calls.filter((c) => c.op === 'find')).toHaveLength(3);
  });
});

describe('what archiving asks of the server', () => {
  it('a plan under a cap asks for one id more than there is room for, not for the whole folder', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 300 });
    addOldItems(fake, 'a@contoso.com', 'sentitems', 10);
    const asked = askedSizes(fake);
    await planArchive(fake, 'a@contoso.com', { ...options, folders: ['sentitems', 'inbox'], maxItems: 50 });
    expect(asked).toEqual([51, 41]);
  });

  it('a capped run asks only whether one more old item is left, past the ones refused', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 300 });
    fake.refuse.add('i299');
    const asked = askedSizes(fake);
    const result = await runArchive(fake, 'a@contoso.com', { ...options, maxItems: 30 });
    expect(result).toMatchObject({ moved: 29, capped: true });
    expect(asked).toEqual([30, 2]);
  });

  it('batches of one id are allowed', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 2 });
    const offered = offeredIds(fake);
    await expect(runArchive(fake, 'a@contoso.com', { ...options, batchSize: 1 })).resolves.toMatchObject({
      moved: 2,
    });
    expect(offered).toEqual([['i1'], ['i0']]);
  });

  it('a small folder with one refusal costs one FindItem and one ArchiveItem', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 5 });
    fake.refuse.add('i2');
    await runArchive(fake, 'a@contoso.com', options);
    expect(fake.calls.map((c) => c.op)).toEqual(['find', 'archive']);
  });

  it('a first batch refused entirely does not stop the folder: the next old items still move', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 150 });
    for (let i = 50; i < 150; i++) fake.refuse.add(`i${i}`);
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result).toMatchObject({ moved: 50, capped: false });
    expect(result.failed).toHaveLength(100);
  });

  it('items the server neither moved nor refused are offered again', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 5 });
    const archiveItems = fake.archiveItems.bind(fake);
    let calls = 0;
    // The first answer covers only the first three ids (a partial answer); later ones are complete.
    fake.archiveItems = (mailbox, folder, items) =>
      archiveItems(mailbox, folder, ++calls === 1 ? items.slice(0, 3) : items);
    const result = await runArchive(fake, 'a@contoso.com', options);
    expect(result).toMatchObject({ moved: 5, capped: false });
    expect(calls).toBe(2);
  });

  it('an item refused and then deleted by its owner does not make the next call larger than the batch', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 150 });
    fake.refuse.add('i149');
    const archiveItems = fake.archiveItems.bind(fake);
    fake.archiveItems = async (mailbox, folder, items) => {
      const outcome = await archiveItems(mailbox, folder, items);
      const inbox = fake.mailboxes.get(mailbox)?.primary.get(folder) ?? [];
      for (const f of outcome.failed)
        inbox.splice(
          inbox.findIndex((i) => i.id === f.id),
          1,
        );
      return outcome;
    };
    const offered = offeredIds(fake);
    const result = await runArchive(fake, 'a@contoso.com', { ...options, batchSize: 40 });
    expect(result).toMatchObject({ moved: 149, capped: false });
    expect(Math.max(...offered.map((ids) => ids.length))).toBe(40);
  });
});
