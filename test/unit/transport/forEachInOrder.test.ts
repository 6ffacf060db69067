import { forEachInOrder } from '../../../shared/platform/transport/concurrency';

const later = <T>(value: T, ms: number): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

describe('streaming answers in order with a bounded window', () => {
  it('hands results over in the items order whatever order they finish in, with at most `limit` calls at once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachInOrder(
      [5, 1, 4, 2, 3, 1, 2],
      3,
      async (ms) => {
        running++;
        most = Math.max(most, running);
        const value = await later(ms, ms * 3);
        running--;
        return value;
      },
      (value) => void seen.push(value),
    );
    expect(seen).toEqual([5, 1, 4, 2, 3, 1, 2]);
    expect(most).toBe(3);
  });

  it('a slow consumer holds the calls back: no more than `limit` answers ever wait for it', async () => {
    let started = 0;
    let consumed = 0;
    let mostAhead = 0;
    await forEachInOrder(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      (i) => {
        started++;
        return Promise.resolve(i);
      },
      async () => {
        mostAhead = Math.max(mostAhead, started - consumed);
        await later(undefined, 2);
        consumed++;
      },
    );
    expect(consumed).toBe(20);
    expect(mostAhead).toBeLessThanOrEqual(4 + 1);
  });

  it('the first failure ends the walk and reaches the caller; nothing after it is consumed', async () => {
    const seen: number[] = [];
    await expect(
      forEachInOrder(
        [1, 2, 3, 4],
        2,
        (i) => (i === 2 ? Promise.reject(new Error('ExpandDL refused team 2')) : Promise.resolve(i)),
        (i) => void seen.push(i),
      ),
    ).rejects.toThrow('ExpandDL refused team 2');
    expect(seen).toEqual([1]);
  });

  it('refuses a limit that is not a positive whole number', async () => {
    await expect(
      forEachInOrder(
        [1],
        0,
        (i) => Promise.resolve(i),
        () => undefined,
      ),
    ).rejects.toThrow('limit must be >= 1, got 0');
  });
});
