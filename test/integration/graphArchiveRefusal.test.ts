/**
 * With MAILBOX_BACKEND=graph, archiving cannot work (Graph v1.0 has no path to the In-Place Archive): the
 * archive sweep refuses to start, over HTTP, on its timer and from the CLI, saying why. Never a sweep that
 * runs and silently does nothing.
 */
import { runCli } from '../../cli/main';
import type { DevHost } from '../../dev/host/devHost';
import { useAppServices } from '../../shared/app/appServices';
import { fireSweepTimer, startQuietDevHost } from '../support/sweepStarters';

const GRAPH_ENV = {
  MAILBOX_BACKEND: 'graph',
  GRAPH_URL: 'http://127.0.0.1:9/v1.0', // nothing listens there: nothing may be sent
  EWS_TENANT_ID: '8a1b2c3d-0000-4000-8000-00000000c0de',
  EWS_CLIENT_ID: '00000000-0000-4000-8000-00000000c11e',
  EWS_CLIENT_SECRET: 'not-used',
  MAILBOX_SCOPE: 'contoso.com',
  SWEEP_MAILBOXES: 'alice@contoso.com',
};
let host: DevHost;

beforeAll(async () => {
  await useAppServices({ env: { ...process.env, ...GRAPH_ENV } });
  host = await startQuietDevHost();
});

afterAll(async () => {
  await host.close();
  await useAppServices(undefined);
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: GRAPH_ENV,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

test('POST /api/sweeps/archive answers 409 naming MAILBOX_BACKEND, and no sweep exists afterwards', async () => {
  const res = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body: '{"dryRun":true}' });
  expect(res.status).toBe(409);
  const body = (await res.json()) as { error: string; message: string; setting: string };
  expect(body).toMatchObject({ error: 'Configuration', setting: 'MAILBOX_BACKEND' });
  expect(body.message).toMatch(/archiving needs the EWS back end/);
  expect(body.message).toMatch(/In-Place Archive/);
  expect((await fetch(`${host.url}/api/sweeps/archive`)).status).toBe(404);
});

test('the timer logs an error and starts nothing', async () => {
  const errors = await fireSweepTimer();
  expect(errors).toEqual([
    expect.stringMatching(/archive sweep not started: archiving needs the EWS back end/),
  ]);
});

test.each([
  [['sweep', 'archive', '--dry-run']],
  [['archive', 'plan', 'alice@contoso.com', '--older-than', '365d']],
  [['archive', 'run', 'alice@contoso.com', '--older-than', '365d']],
])('mailbox-automation %j exits 2 with the reason, nothing sent', async (argv) => {
  const { code, stderr } = await cli(...argv);
  expect(code).toBe(2);
  expect(stderr).toMatch(/archiving needs the EWS back end: MAILBOX_BACKEND=graph/);
});
