/**
 * A sweep starts only when it can run: a configuration mistake the sweep would trip over (discovery, the
 * report's storage, the mailbox back end) answers `POST /api/sweeps/archive` with 409 naming the setting,
 * and no orchestration starts; the timer logs it and starts nothing. Before, the start answered 202 and
 * the orchestration failed a moment later. The settings are the demo's (dev/start.ts) with one broken
 * at a time; the EWS endpoint is a closed port, so any request sent would fail the test.
 */
import type { DevHost } from '../../dev/host/devHost';
import { demoAppSettings } from '../../dev/start';
import { SWEEP_INSTANCE_ID } from '../../shared/sweep/sweepControl';
import { useAppServices } from '../../shared/app/appServices';
import { MemorySweepStore } from '../../shared/sweep/sweepStore';
import { demoSeed } from '../support/demoTenant';
import { fireSweepTimer, startQuietDevHost } from '../support/sweepStarters';

const DEMO = demoAppSettings(demoSeed, {
  ewsUrl: 'http://127.0.0.1:9/EWS/Exchange.asmx',
  reportsConnectionString: 'UseDevelopmentStorage=true',
});
let host: DevHost;

/** The app's services on the demo's settings, with `changes` applied (undefined removes a setting). */
async function configure(
  changes: Record<string, string | undefined>,
  parts: { reports?: MemorySweepStore } = {},
): Promise<void> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(EWS_|MAILBOX_|SWEEP_|ARCHIVE_|KEY_VAULT|AzureWebJobs|REPORTS_)/.test(name)) env[name] = value;
  for (const [name, value] of Object.entries({ ...DEMO, ...changes }))
    if (value !== undefined) env[name] = value;
  await useAppServices({ env, ...parts });
}

beforeAll(async () => {
  host = await startQuietDevHost();
});

afterAll(async () => {
  await host.close();
  await useAppServices(undefined);
});

test.each([
  ['no group and no SWEEP_MAILBOXES', 'MAILBOX_SCOPE_GROUP', { MAILBOX_SCOPE_GROUP: undefined }],
  ['a group without a service mailbox', 'EWS_SERVICE_MAILBOX', { EWS_SERVICE_MAILBOX: undefined }],
  [
    'a service mailbox outside MAILBOX_SCOPE',
    'EWS_SERVICE_MAILBOX',
    { EWS_SERVICE_MAILBOX: 'dave@fabrikam.com' },
  ],
  ['no MAILBOX_SCOPE', 'MAILBOX_SCOPE', { MAILBOX_SCOPE: undefined }],
  ['no EWS_URL', 'EWS_URL', { EWS_URL: undefined }],
  ['no storage for the report', 'AzureWebJobsStorage', { AzureWebJobsStorage: undefined }],
  ['a folder that is not one', 'ARCHIVE_FOLDERS', { ARCHIVE_FOLDERS: 'inbox,attic' }],
])('%s: 409 naming %s, no sweep started', async (_what, setting, changes) => {
  await configure(changes);
  const res = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body: '{"dryRun":true}' });
  const body = (await res.json()) as { error: string; message: string; setting: string };
  expect(res.status).toBe(409);
  expect(body).toMatchObject({ error: 'Configuration', setting });
  expect(body.message).toContain(setting);
  expect(host.durable.getStatus(SWEEP_INSTANCE_ID)).toBeUndefined();
  expect((await fetch(`${host.url}/api/sweeps/archive`)).status).toBe(404);
});

test('without a group, a start that names its own mailboxes is not refused for want of one', async () => {
  // The report of this run goes nowhere.
  await configure(
    { MAILBOX_SCOPE_GROUP: undefined, EWS_SERVICE_MAILBOX: undefined },
    { reports: new MemorySweepStore() },
  );
  // An address outside the scope: discovery drops it without a call, and the sweep ends with nothing to do.
  const res = await fetch(`${host.url}/api/sweeps/archive`, {
    method: 'POST',
    body: '{"dryRun":true,"mailboxes":["dave@fabrikam.com"]}',
  });
  expect(res.status).toBe(202);
  await host.durable.waitForCompletion(SWEEP_INSTANCE_ID);
  expect(host.durable.getStatus(SWEEP_INSTANCE_ID)).toMatchObject({
    runtimeStatus: 'Completed',
    output: { discovery: { outOfScope: 1 }, mailboxes: { total: 0 } },
  });
});

test('the timer logs the setting at fault and starts nothing', async () => {
  await configure({ EWS_SERVICE_MAILBOX: 'dave@fabrikam.com' });
  const before = host.durable.listInstances().length;
  const errors = await fireSweepTimer();
  expect(errors).toEqual([
    expect.stringMatching(/archive sweep not started: EWS_SERVICE_MAILBOX .* outside MAILBOX_SCOPE/),
  ]);
  expect(host.durable.listInstances().length).toBe(before);
});
