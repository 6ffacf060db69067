import {
  BackOffGate,
  jitteredBackOff,
  KeyedSemaphore,
  Semaphore,
} from '../../../shared/platform/transport/concurrency';

describe('in-flight caps', () => {
  it('a semaphore never lets more than its limit in, and serves waiters in order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    let inside = 0;
    let peak = 0;
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (n) => {
        await semaphore.acquire();
        inside++;
        peak = Math.max(peak, inside);
        order.push(n);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
        semaphore.release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('per-key semaphores are independent and forgotten when idle', async () => {
    const keyed = new KeyedSemaphore(1);
    const a = await keyed.acquire('a');
    const b = await keyed.acquire('b');
    expect(keyed.size).toBe(2);
    let secondA = false;
    const waiting = keyed.acquire('a').then((release) => {
      secondA = true;
      release();
    });
    await new Promise((r) => setImmediate(r));
    expect(secondA).toBe(false);
    a();
    await waiting;
    expect(secondA).toBe(true);
    b();
    expect(keyed.size).toBe(0);
  });
});

describe('back-off', () => {
  it('the gate keeps the longest pause asked for', () => {
    let now = 1000;
    const gate = new BackOffGate(() => now);
    gate.backOff(500);
    gate.backOff(100);
    expect(gate.remaining()).toBe(500);
    now = 1400;
    expect(gate.remaining()).toBe(100);
    now = 2000;
    expect(gate.remaining()).toBe(0);
  });

  it('jittered back-off grows exponentially and stays within [half, full] of the step, capped', () => {
    expect(jitteredBackOff(1, 100, 10_000, () => 0)).toBe(50);
    expect(jitteredBackOff(1, 100, 10_000, () => 1)).toBe(100);
    expect(jitteredBackOff(4, 100, 10_000, () => 0.5)).toBe(600);
    expect(jitteredBackOff(20, 100, 10_000, () => 1)).toBe(10_000);
  });
});
