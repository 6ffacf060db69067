import { callWithRetries, type AttemptReport, type RetryingCall } from '../../shared/mailbox/retryingCall';
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
    const c = call([], { attempt: () => Promise.reject(new TypeError('bug in a reader')) });
    await expect(c.run()).rejects.toThrow(TypeError);
  });
});
