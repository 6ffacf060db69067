import { batchMailboxes, endFailedDiscovery } from '../../../shared/sweep/sweepSteps';
import { MemorySweepStore } from '../../../shared/sweep/sweepStore';

const path = 'archive/2026-11-25T020000Z-archive-sweep';
const counts = { total: 3, groupsExpanded: 1, notMailboxes: 0, duplicates: 0, unresolved: 0, outOfScope: 0 };

describe("a batch's part of the mailbox list", () => {
  it('is answered as soon as discovery writes it, even while discovery runs', async () => {
    const store = new MemorySweepStore();
    const asked = batchMailboxes(store, path, 1, 2_000, 5);
    setTimeout(() => void store.putMailboxPart(path, 1, ['c@contoso.com']), 30);
    await expect(asked).resolves.toEqual({ state: 'ready', mailboxes: ['c@contoso.com'] });
  });

  it('is "waiting" after the wait when discovery has neither written it nor ended', async () => {
    const store = new MemorySweepStore();
    await store.putMailboxPart(path, 0, ['a@contoso.com']);
    await expect(batchMailboxes(store, path, 1, 40, 5)).resolves.toEqual({ state: 'waiting' });
  });

  it('is "none" once discovery ended below it, complete or failed', async () => {
    const store = new MemorySweepStore();
    await store.putMailboxPart(path, 0, ['a@contoso.com', 'b@contoso.com']);
    await store.putDiscoveryEnd(path, {
      ended: 'complete',
      parts: 1,
      discovery: counts,
      droppedExamples: [],
    });
    await expect(batchMailboxes(store, path, 1, 1_000, 5)).resolves.toEqual({ state: 'none' });
    await expect(batchMailboxes(store, path, 0, 1_000, 5)).resolves.toEqual({
      state: 'ready',
      mailboxes: ['a@contoso.com', 'b@contoso.com'],
    });
  });

  it('a part missing below the end discovery recorded is an error naming it, not a batch of nobody', async () => {
    const store = new MemorySweepStore();
    await store.putDiscoveryEnd(path, {
      ended: 'complete',
      parts: 3,
      discovery: counts,
      droppedExamples: [],
    });
    await expect(batchMailboxes(store, path, 2, 1_000, 5)).rejects.toThrow(
      'batch 2: discovery ended with 3 parts but part 2 is missing',
    );
  });

  it('after discovery gave up, its end counts the parts it wrote, the gaps filled, and the waiting batches hear it', async () => {
    const store = new MemorySweepStore();
    await store.putMailboxPart(path, 0, ['a@contoso.com', 'b@contoso.com']);
    await store.putMailboxPart(path, 2, ['e@contoso.com']); // part 1's write never finished
    const waiting = batchMailboxes(store, path, 3, 2_000, 5);
    await expect(endFailedDiscovery(path, 'ExpandDL refused', store)).resolves.toEqual({
      parts: 3,
      total: 3,
    });
    await expect(waiting).resolves.toEqual({ state: 'none' });
    await expect(store.getMailboxPart(path, 1)).resolves.toEqual([]);
    await expect(store.getDiscoveryEnd(path)).resolves.toEqual({
      ended: 'failed',
      parts: 3,
      message: 'ExpandDL refused',
    });
  });
});
