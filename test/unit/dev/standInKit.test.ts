/**
 * The stand-in kit (dev/stand-in-kit/standInKit.ts) behind the EWS sandbox and the Graph stand-in: knobs
 * that refuse a bad change whole, faults that hit the request they are aimed at, a bounded request log,
 * and throttling budgets that refuse and admit as the services' limits say.
 */
import { FaultQueue, Knobs, RequestLog, ThrottleBudgets } from '../../../dev/stand-in-kit/standInKit';

describe('Knobs', () => {
  const defaults = { latencyMs: 0, forms: ['a'], strict: false };
  const noNegativeLatency = (c: Partial<typeof defaults>): string[] =>
    c.latencyMs !== undefined && c.latencyMs < 0 ? ['latencyMs must be >= 0'] : [];

  it('starts from the defaults with the initial values over them, and takes later changes', () => {
    const knobs = new Knobs('test knobs', defaults, noNegativeLatency, { latencyMs: 5 });
    expect(knobs.snapshot()).toEqual({ latencyMs: 5, forms: ['a'], strict: false });
    knobs.configure({ strict: true });
    expect(knobs.current.strict).toBe(true);
  });

  it('refuses a misspelt name, a value of another type and a broken rule, naming each, and changes nothing', () => {
    const knobs = new Knobs('test knobs', defaults, noNegativeLatency);
    const bad = { latencyMS: 5, strict: 'yes', latencyMs: -1 } as unknown as Partial<typeof defaults>;
    expect(() => knobs.configure(bad)).toThrow(
      'test knobs: unknown knob "latencyMS"; strict must be a boolean; latencyMs must be >= 0',
    );
    expect(knobs.snapshot()).toEqual(defaults);
    expect(() => new Knobs('test knobs', defaults, noNegativeLatency, { forms: 'a' } as never)).toThrow(
      'forms must be a list',
    );
  });

  it('a snapshot is a copy: changing it changes no knob', () => {
    const knobs = new Knobs('test knobs', defaults, noNegativeLatency);
    const copy = knobs.snapshot();
    copy.latencyMs = 99;
    expect(knobs.current.latencyMs).toBe(0);
  });
});

describe('FaultQueue', () => {
  const isAlice = (address: string): boolean => address === 'alice@contoso.example';

  it('a fault hits the first request it is aimed at, once, in the order queued', () => {
    const faults = new FaultQueue<{ id: number; operation?: string; mailbox?: string }>();
    faults.push({ id: 1, operation: 'FindItem' }, { id: 2, mailbox: 'alice@contoso.example' }, { id: 3 });
    expect(faults.take('GetFolder', () => false)?.id).toBe(3);
    expect(faults.take('GetFolder', isAlice)?.id).toBe(2);
    expect(faults.take('FindItem', () => false)?.id).toBe(1);
    expect(faults.take('FindItem', isAlice)).toBeUndefined();
    expect(faults.pending).toBe(0);
  });

  it('clear drops what has not fired', () => {
    const faults = new FaultQueue<{ operation?: string }>();
    faults.push({}, {});
    faults.clear();
    expect(faults.pending).toBe(0);
    expect(faults.take('any', () => true)).toBeUndefined();
  });
});

describe('RequestLog', () => {
  it('keeps entries in order; past its limit it drops the older half', () => {
    const log = new RequestLog<number>(4);
    for (let i = 1; i <= 5; i++) log.record(i);
    expect(log.entries).toEqual([4, 5]);
    log.record(6);
    expect(log.entries).toEqual([4, 5, 6]);
    log.clear();
    expect(log.entries).toEqual([]);
  });
});

describe('ThrottleBudgets', () => {
  const admitted = (r: (() => void) | { refused: string }): (() => void) => {
    if (typeof r !== 'function') throw new Error(`refused: ${r.refused}`);
    return r;
  };

  it('refuses a request over the concurrency limit until one in flight ends; other keys are not affected', () => {
    const budgets = new ThrottleBudgets();
    const limits = { maxConcurrent: 2 };
    const first = admitted(budgets.admit('alice', limits, 0));
    admitted(budgets.admit('alice', limits, 0));
    expect(budgets.admit('alice', limits, 0)).toEqual({ refused: 'concurrency', retryAfterMs: 0 });
    admitted(budgets.admit('bob', limits, 0));
    first();
    first(); // ending twice frees one slot, not two
    admitted(budgets.admit('alice', limits, 0));
    expect(budgets.admit('alice', limits, 0)).toMatchObject({ refused: 'concurrency' });
  });

  it('counts requests per window and says when the window ends; a new window, or resetWindows, starts from zero', () => {
    const budgets = new ThrottleBudgets();
    const limits = { maxConcurrent: 10, requestsPerWindow: 2, windowMs: 1000 };
    admitted(budgets.admit('k', limits, 0))();
    admitted(budgets.admit('k', limits, 100))();
    expect(budgets.admit('k', limits, 400)).toEqual({ refused: 'window', retryAfterMs: 600 });
    admitted(budgets.admit('k', limits, 1000))();
    admitted(budgets.admit('k', limits, 1001))();
    expect(budgets.admit('k', limits, 1002)).toMatchObject({ refused: 'window' });
    budgets.resetWindows();
    admitted(budgets.admit('k', limits, 1003));
  });

  it('holdOff refuses a key until the time given, with the time left, unless hold-offs are switched off', () => {
    const budgets = new ThrottleBudgets();
    budgets.holdOff('alice', 5000);
    expect(budgets.admit('alice', { maxConcurrent: 1 }, 2000)).toEqual({
      refused: 'backOff',
      retryAfterMs: 3000,
    });
    admitted(budgets.admit('alice', { maxConcurrent: 1, holdOffs: false }, 2000))();
    admitted(budgets.admit('alice', { maxConcurrent: 1 }, 5000));
  });
});
