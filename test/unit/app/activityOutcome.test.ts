/**
 * The one way errors cross the durable boundary (shared/app/activityOutcome.ts): what an activity
 * returns for a permanent failure, what it throws for a transient one, and reading the code back from
 * what the durable extension keeps of it (a message).
 */
import { activityOutcome, transientCodeOf, TransientFailure } from '../../../shared/app/activityOutcome';
import { ConfigError } from '../../../shared/platform/configError';
import { HibobApiError } from '../../../shared/leave/sources/hibobApi';
import { MailboxError } from '../../../shared/mailbox/mailboxError';
import { MailboxScope } from '../../../shared/mailbox/scope';

const failing = (error: Error) => () => Promise.reject(error);

test('a value is the ok outcome', async () => {
  expect(await activityOutcome(() => Promise.resolve(42))).toEqual({ ok: true, value: 42 });
});

test('a permanent mailbox error is a result naming its code, with one permanent line', async () => {
  const lines: string[] = [];
  const outcome = await activityOutcome(
    failing(
      new MailboxError({ code: 'ErrorImpersonateUserDenied', errorClass: 'permanent', message: 'denied' }),
    ),
    {
      permanent: (f) => lines.push(`permanent ${f.code}`),
      retried: (e) => lines.push(`retried ${e.message}`),
    },
  );
  expect(outcome).toEqual({ ok: false, failure: { code: 'ErrorImpersonateUserDenied', message: 'denied' } });
  expect(lines).toEqual(['permanent ErrorImpersonateUserDenied']);
});

test.each([
  ['throttled', new MailboxError({ code: 'ErrorServerBusy', errorClass: 'throttled', message: 'busy' })],
  ['transient', new MailboxError({ code: 'HTTP_503', errorClass: 'transient', message: 'unavailable' })],
  ['HiBob 429', new HibobApiError('HibobThrottled', true, 'slow down')],
])('a %s error is thrown as a TransientFailure whose message carries the code', async (_what, error) => {
  const retried: Error[] = [];
  const thrown = await activityOutcome(failing(error), {
    permanent: () => undefined,
    retried: (e) => retried.push(e),
  })
    .then(() => undefined)
    .catch((e: unknown) => e);
  expect(thrown).toBeInstanceOf(TransientFailure);
  expect(thrown).toMatchObject({
    name: 'TransientFailure',
    code: error.code,
    message: `[${error.code}] ${error.message}`,
  });
  expect(retried).toEqual([thrown]);
});

test('a setting that is wrong is a Configuration failure naming the setting', async () => {
  const outcome = await activityOutcome(failing(new ConfigError('EWS_URL is not set', 'EWS_URL')));
  expect(outcome).toEqual({
    ok: false,
    failure: { code: 'Configuration', message: 'EWS_URL is not set', setting: 'EWS_URL' },
  });
});

test('a mailbox out of scope is permanent OutOfScope', async () => {
  const scope = MailboxScope.parse('contoso.com');
  const outcome = await activityOutcome(() => Promise.resolve(scope.assertAllows('eve@fabrikam.com')));
  expect(outcome).toMatchObject({ ok: false, failure: { code: 'OutOfScope' } });
});

test('an error that names no code and no retry class (a bug, a system error) is rethrown as it is', async () => {
  const bug = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  await expect(activityOutcome(failing(bug))).rejects.toBe(bug);
  await expect(activityOutcome(failing(new TypeError('x is undefined')))).rejects.toThrow(TypeError);
});

test('the code is read back from the failure, its message, or the message with the extension’s words before it', () => {
  const failure = new TransientFailure('ErrorServerBusy', 'alice@contoso.com: busy');
  expect(transientCodeOf(failure)).toBe('ErrorServerBusy');
  expect(transientCodeOf(failure.message)).toBe('ErrorServerBusy');
  expect(transientCodeOf(`Activity function 'archiveSweepMailbox' failed: ${failure.message}`)).toBe(
    'ErrorServerBusy',
  );
  expect(transientCodeOf('a permanent message [not a code]')).toBeUndefined();
  expect(transientCodeOf(undefined)).toBeUndefined();
});
