/**
 * `npm start` sweeps the demo tenant out of the box: the dev host with exactly the settings dev/start.ts
 * gives it (demoAppSettings), the EWS sandbox on the demo seed and Azurite, then what the README shows:
 * `POST /api/sweeps/archive {"dryRun":true}` and `GET /api/sweeps/archive` until it completes.
 */
import { startAzurite, type Azurite } from '../../dev/azurite';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import type { DevHost } from '../../dev/host/devHost';
import { demoAppSettings } from '../../dev/start';
import { SWEEP_INSTANCE_ID } from '../../shared/sweep/sweepControl';
import type { SweepSummary } from '../../shared/sweep/sweepTypes';
import { demoSeed, startDemoSandbox } from '../support/demoTenant';
import { startLeaveDevHost, type LeaveDevHost } from '../support/leaveDevHost';

jest.setTimeout(90_000);

let sandbox: EwsSandbox;
let azurite: Azurite;
let devHost: LeaveDevHost;
let host: DevHost;

beforeAll(async () => {
  sandbox = await startDemoSandbox({ knobs: { latencyMs: 0 } });
  azurite = await startAzurite();
  const settings = demoAppSettings(demoSeed, {
    ewsUrl: sandbox.url,
    reportsConnectionString: azurite.connectionString,
  });
  // Exactly the demo's settings: what the developer's shell sets for the app is taken away.
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env))
    if (/^(EWS_|MAILBOX_|SWEEP_|ARCHIVE_|KEY_VAULT)/.test(name)) env[name] = undefined;
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  devHost = await startLeaveDevHost({ env });
  host = devHost.host;
});

afterAll(async () => {
  await devHost?.close();
  await sandbox?.close();
  await azurite?.stop();
});

/** Old inbox items per mailbox, as the sandbox holds them. */
function inboxCounts(): Record<string, number> {
  return Object.fromEntries(
    demoSeed.mailboxes.map((m) => [m.address, sandbox.inspectMailbox(m.address)?.folders.inbox ?? -1]),
  );
}

test('the demo settings sweep a group of the demo tenant, acting as a mailbox in scope', () => {
  const settings = demoAppSettings(demoSeed, { ewsUrl: sandbox.url, reportsConnectionString: 'x' });
  expect(settings).toMatchObject({
    MAILBOX_SCOPE: 'contoso.com',
    MAILBOX_SCOPE_GROUP: 'all-staff@contoso.com',
    EWS_SERVICE_MAILBOX: 'alice@contoso.com',
  });
});

test('POST /api/sweeps/archive {"dryRun":true} completes with items planned and nothing moved; GET shows it', async () => {
  const before = inboxCounts();
  const start = await fetch(`${host.url}/api/sweeps/archive`, {
    method: 'POST',
    body: JSON.stringify({ dryRun: true }),
  });
  expect(start.status).toBe(202);

  // The dev host's durable engine says when the sweep has ended; then GET shows it as a caller sees it.
  await host.durable.waitForCompletion(SWEEP_INSTANCE_ID);
  const res = await fetch(`${host.url}/api/sweeps/archive`);
  expect(res.status).toBe(200);
  const status = (await res.json()) as { runtimeStatus: string; output: SweepSummary | null };
  if (status.runtimeStatus !== 'Completed') {
    throw new Error(
      `the sweep is ${JSON.stringify(status)}; the host's last lines:\n${devHost.logs.slice(-20).join('\n')}`,
    );
  }
  expect(status.runtimeStatus).toBe('Completed');
  const summary = status.output as SweepSummary;
  expect(summary.dryRun).toBe(true);
  // all-staff: alice, and engineering's bob and carol; fabrikam and example.org are outside the scope.
  expect(summary.mailboxes.total).toBe(3);
  expect(summary.discovery.outOfScope).toBeGreaterThan(0);
  expect(summary.itemsPlanned).toBeGreaterThan(0);
  expect(summary.itemsArchived).toBe(0);
  expect(summary.report?.json).toContain('/reports/archive/');
  expect(inboxCounts()).toEqual(before);
});
