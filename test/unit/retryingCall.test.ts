import {
  callWithRetries,
  type AttemptReport,
  type RetryingCall,
} from '../../shared/platform/transport/retryingCall';
import { MailboxError, type ErrorClass } from '../../shared/mailbox/mailboxError';

const failure = (errorClass: ErrorClass, backOffMs?: number) =>
  new MailboxError({ code: `E_${errorClass}`, errorClass, message: errorClass, backOffMs });

function call(outcomes: (MailboxError | string)[], overrides: Partial<RetryingCall<string>> = {}) {
  const reports: AttemptReport<string>[] = [];
  const learned: string[] = [];
  let attempts = 0;
  const spec: RetryingCall<string> = {
    limits: { timeoutMs: 5_000, maxAttempts: 4, maxTotalWaitMs: 1_000 },
    pauseBefore: () => 0,
    pausePastDeadline: (pause) => failure('throttled', pause),
    attempt: () => {
      const next = outcomes[attempts++];
      return next instanceof MailboxError ? Promise.reject(next) : Promise.resolve(next ?? 'done');
    },
    retryWait: () => 5,
    learn: (error) => learned.push(error.code),
    report: (event) => reports.push(event),
    ...overrides,
  };
  return { run: () => callWithRetries(spec), reports, learned, attempts: () => attempts };
}

describe('the retry loop both back ends share', () => {
  it('retries transient and throttled failures, then succeeds', async () => {
    const c = call([failure('transient'), failure('throttled', 10), 'ok']);
    await expect(c.run()).resolves.toBe('ok');
    expect(c.reports.map((r) => r.outcome)).toEqual(['retry', 'retry', 'ok']);
    expect(c.learned).toEqual(['E_transient', 'E_throttled']);
  });

  it('never retries a permanent error or our bug, and says how many attempts it made', async () => {
    for (const errorClass of ['permanent', 'bug'] as const) {
      const c = call([failure(errorClass), 'never']);
      await expect(c.run()).rejects.toMatchObject({ errorClass, attempts: 1 });
      expect(c.attempts()).toBe(1);
    }
  });

  it('stops at maxAttempts and at the total-wait budget', async () => {
    const many = call(Array.from({ length: 10 }, () => failure('transient')));
    await expect(many.run()).rejects.toMatchObject({ attempts: 4 });
    const slow = call(
      Array.from({ length: 10 }, () => failure('transient')),
      { retryWait: () => 600 },
    );
    await expect(slow.run()).rejects.toMatchObject({ attempts: 2 });
  });

  it('does not start an attempt when the shared pause reaches past the deadline', async () => {
    const c = call(['never'], { pauseBefore: () => 10_000 });
    await expect(c.run()).rejects.toMatchObject({ errorClass: 'throttled', backOffMs: 10_000 });
    expect(c.attempts()).toBe(0);
  });

  it('lets anything that is not a MailboxError through untouched', async () => {
    const bug = new TypeError('bug in a reader');
    const c = call([], { attempt: () => Promise.reject(bug) });
    await expect(c.run()).rejects.toBe(bug);
    expect(bug).not.toHaveProperty('attempts');
    expect(c.reports).toEqual([]);
    expect(c.learned).toEqual([]);
  });

  it('does not send again what the server may have carried out when the call says so; the error goes up retryable', async () => {
    const lost = new MailboxError({
      code: 'CONNECTION',
      errorClass: 'transient',
      message: 'reset',
      outcomeUnknown: true,
    });
    const refused = new MailboxError({ code: 'CONNECTION', errorClass: 'transient', message: 'refused' });
    const consulted: MailboxError[] = [];
    const mayResend = (error: MailboxError): boolean => {
      consulted.push(error);
      return !error.outcomeUnknown;
    };
    // Refused: cannot have reached the server, so it is sent again; then the lost answer ends the call.
    const c = call([refused, lost, 'never'], { mayResend });
    await expect(c.run()).rejects.toBe(lost);
    expect(lost).toMatchObject({ attempts: 2, retryable: true });
    expect(c.attempts()).toBe(2);
    expect(c.reports.map((r) => r.outcome)).toEqual(['retry', 'failed']);
    expect(c.learned).toEqual(['CONNECTION', 'CONNECTION']);
    expect(consulted).toEqual([refused, lost]);

    // Without the hook, the same lost answer is sent again (reads, idempotent writes).
    const plain = call([lost, 'ok']);
    await expect(plain.run()).resolves.toBe('ok');
    // A permanent error is never sent again, and the hook is not asked.
    consulted.length = 0;
    await expect(call([failure('permanent')], { mayResend }).run()).rejects.toMatchObject({ attempts: 1 });
    expect(consulted).toEqual([]);
  });
});

describe('the call’s deadline (EWS_TIMEOUT_MS) bounds retries and shared pauses', () => {
  const T0 = Date.parse('2030-01-01T00:00:00Z');
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Runs the call on the fake clock; resolves to what it returned or threw, and when (ms after T0). */
  async function settle(c: ReturnType<typeof call>) {
    const outcome = c.run().then(
      (value) => ({ value, at: Date.now() - T0 }),
      (error: unknown) => ({ error, at: Date.now() - T0 }),
    );
    await jest.runAllTimersAsync();
    return outcome;
  }

  it('each attempt is told the deadline: when the call started plus its timeout', async () => {
    const deadlines: number[] = [];
    const c = call([failure('transient'), 'ok'], {
      limits: { timeoutMs: 1_000, maxAttempts: 4, maxTotalWaitMs: 500 },
      attempt: (_id, deadline) => {
        deadlines.push(deadline - T0);
        return deadlines.length === 1 ? Promise.reject(failure('transient')) : Promise.resolve('ok');
      },
    });
    await expect(settle(c)).resolves.toEqual({ value: 'ok', at: 5 });
    expect(deadlines).toEqual([1_000, 1_000]);
  });

  it('a retry whose wait would end at or after the deadline is not made, even with wait budget to spare', async () => {
    const limits = { timeoutMs: 1_000, maxAttempts: 10, maxTotalWaitMs: 60_000 };
    const atDeadline = call([failure('throttled'), 'never'], { limits, retryWait: () => 1_000 });
    const result = await settle(atDeadline);
    expect(result).toMatchObject({ error: { errorClass: 'throttled', attempts: 1 }, at: 0 });
    expect(atDeadline.reports.map((r) => [r.outcome, r.outcome === 'ok' ? 0 : r.waitMs])).toEqual([
      ['failed', undefined],
    ]);
    const justBefore = call([failure('throttled'), 'ok'], { limits, retryWait: () => 999 });
    await expect(settle(justBefore)).resolves.toEqual({ value: 'ok', at: 999 });
  });

  it('the waits of one call add up to at most maxTotalWaitMs', async () => {
    const limits = { timeoutMs: 60_000, maxAttempts: 10, maxTotalWaitMs: 10 };
    const c = call(
      Array.from({ length: 10 }, () => failure('transient')),
      { limits, retryWait: () => 5 },
    );
    const result = await settle(c);
    expect(result).toMatchObject({ error: { attempts: 3 }, at: 10 });
    expect(c.reports.map((r) => (r.outcome === 'ok' ? 'ok' : `${r.outcome} ${r.waitMs ?? '-'}`))).toEqual([
      'retry 5',
      'retry 5',
      'failed -',
    ]);
  });

  it('waits out a shared pause, re-reading it (another caller may extend it), before the attempt', async () => {
    const pauses = [300, 200, 0];
    const started: number[] = [];
    const c = call(['ok'], {
      pauseBefore: () => pauses.shift() ?? 0,
      attempt: () => {
        started.push(Date.now() - T0);
        return Promise.resolve('ok');
      },
    });
    await expect(settle(c)).resolves.toEqual({ value: 'ok', at: 500 });
    expect(started).toEqual([500]);
  });

  it('a shared pause ending at or after the deadline fails at once instead of being slept through', async () => {
    const limits = { timeoutMs: 1_000, maxAttempts: 4, maxTotalWaitMs: 60_000 };
    const atDeadline = call(['never'], { limits, pauseBefore: () => 1_000 });
    await expect(settle(atDeadline)).resolves.toMatchObject({ error: { backOffMs: 1_000 }, at: 0 });
    expect(atDeadline.attempts()).toBe(0);
    const pauses = [999, 0];
    const justBefore = call(['ok'], { limits, pauseBefore: () => pauses.shift() ?? 0 });
    await expect(settle(justBefore)).resolves.toEqual({ value: 'ok', at: 999 });
  });

  it('reports every attempt with its own request id, its duration and the wait before the next', async () => {
    const c = call([failure('transient'), 'ok'], {
      retryWait: () => 7,
      attempt: (requestId) => {
        const first = c.reports.length === 0;
        return new Promise((resolve, reject) =>
          setTimeout(() => (first ? reject(failure('transient')) : resolve(requestId)), 40),
        );
      },
    });
    const result = await settle(c);
    expect(result).toMatchObject({ at: 87 });
    const [retry, ok] = c.reports;
    expect(retry).toMatchObject({ attempt: 1, outcome: 'retry', durationMs: 40, waitMs: 7 });
    expect(ok).toMatchObject({ attempt: 2, outcome: 'ok', durationMs: 40, result: ok?.requestId });
    expect(retry?.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ok?.requestId).not.toBe(retry?.requestId);
  });

  it('what the server said is learnt even from the attempt the call gives up on', async () => {
    const c = call([failure('throttled', 5)], {
      limits: { timeoutMs: 5_000, maxAttempts: 1, maxTotalWaitMs: 1_000 },
    });
    await expect(settle(c)).resolves.toMatchObject({ error: { attempts: 1 } });
    expect(c.learned).toEqual(['E_throttled']);
    expect(c.reports.map((r) => r.outcome)).toEqual(['failed']);
  });
});
