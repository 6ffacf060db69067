/**
 * Every route answers a problem in one shape (shared/app/problem.ts, docs/openapi.yaml `Problem`):
 * `error` a code, `message` a sentence, and `field` or `setting` when one thing is at fault. Served by
 * the dev host from functions/, with the app's settings handed to its composition root.
 */
import type { DevHost } from '../../dev/host/devHost';
import { useAppServices } from '../../shared/app/appServices';
import { signGeneric } from '../../shared/leave/sources/signature';
import { startQuietDevHost } from '../support/sweepStarters';

const SECRET = 'problem-answers-secret';
let host: DevHost;

beforeAll(async () => {
  host = await startQuietDevHost();
});

afterAll(async () => {
  await host.close();
  await useAppServices(undefined);
});

const settings = (extra: Record<string, string> = {}) =>
  useAppServices({ env: { HR_WEBHOOK_SECRETS: SECRET, MAILBOX_SCOPE: 'contoso.com', ...extra } });

async function answer(res: Response): Promise<{ status: number; type: string | null; body: unknown }> {
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

test('a webhook event when a leave setting does not parse: 500 naming the setting, nothing started', async () => {
  await settings({ LEAVE_OOF_AUDIENCE: 'everyone' });
  const body = JSON.stringify({ any: 'event' });
  const res = await fetch(`${host.url}/api/hr/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signGeneric(SECRET, body, Math.floor(Date.now() / 1000)),
    },
    body,
  });
  const { status, body: problem } = await answer(res);
  expect(status).toBe(500);
  expect(problem).toMatchObject({ error: 'Configuration', setting: 'LEAVE_OOF_AUDIENCE' });
  expect((problem as { message: string }).message).toContain('"everyone"');
  expect(host.durable.listInstances()).toEqual([]);
});

test.each([
  [
    'a sweep start with a field that does not exist',
    'POST',
    '/api/sweeps/archive',
    '{"dryrun":true}',
    400,
    { error: 'InvalidRequest', field: 'dryrun' },
  ],
  [
    'a sweep start with a body that is not JSON',
    'POST',
    '/api/sweeps/archive',
    '{',
    400,
    { error: 'InvalidRequest', field: 'body' },
  ],
  ['the last sweep when none has run', 'GET', '/api/sweeps/archive', undefined, 404, { error: 'NoSweep' }],
  [
    'a leave status for an id that is not a leave’s',
    'GET',
    '/api/hr/leaves/archive-sweep',
    undefined,
    400,
    { error: 'InvalidLeaveId', field: 'id' },
  ],
  [
    'a leave status for a leave that does not exist',
    'GET',
    // A calendar owner's id (leave-calendar-<32 hex digits>) that nothing started.
    `/api/hr/leaves/leave-calendar-${'0'.repeat(32)}`,
    undefined,
    404,
    { error: 'UnknownLeave' },
  ],
  ['an HR source that does not exist', 'POST', '/api/hr/workday', '{}', 404, { error: 'UnknownSource' }],
])('%s: %s %s answers the one problem shape', async (_what, method, path, body, status, expected) => {
  await settings();
  const res = await answer(await fetch(`${host.url}${path}`, { method, body }));
  expect(res.status).toBe(status);
  expect(res.type).toMatch(/^application\/json/);
  expect(res.body).toMatchObject(expected);
  expect(typeof (res.body as { message?: unknown }).message).toBe('string');
  expect(
    Object.keys(res.body as object).every((k) => ['error', 'message', 'field', 'setting'].includes(k)),
  ).toBe(true);
});
