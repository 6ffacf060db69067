/**
 * The archive sweep end to end, as an administrator runs it: the dev host serving the real function
 * modules over HTTP, the real EWS client against the EWS sandbox, reports in Azurite. Counts come from
 * the sandbox's inspection API, primary and archive.
 */
import { startAzurite, type Azurite } from '../../dev/azurite';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox/ewsSandbox';
import {
  generateTenant,
  generatedAddress,
  GENERATED_SERVICE_ACCOUNT,
} from '../../dev/ews-sandbox/generateTenant';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { useAppServices } from '../../shared/app/appServices';
import type { SweepSummary } from '../../shared/sweep/sweepTypes';
import { join } from 'node:path';

jest.setTimeout(240_000);

const MAILBOXES = 300;
const mailboxes = Array.from({ length: MAILBOXES }, (_, i) => generatedAddress(i));

let azurite: Azurite;
let sandbox: EwsSandbox;
let host: DevHost;

beforeAll(async () => {
  azurite = await startAzurite();
  sandbox = await startEwsSandbox({
    // every 7th mailbox has no archive mailbox; 10 inbox items each, 40 % of them more than a year old
    seed: generateTenant({
      mailboxes: MAILBOXES,
      itemsPerMailbox: 10,
      oldFraction: 0.4,
      oldAgeDays: 365,
      withArchive: 6 / 7,
      groupSize: 40,
    }),
  });
  const env = {
    ...process.env,
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: `${GENERATED_SERVICE_ACCOUNT.username}@contoso.com`,
    EWS_PASSWORD: GENERATED_SERVICE_ACCOUNT.password,
    MAILBOX_SCOPE: 'contoso.com',
    MAILBOX_SCOPE_GROUP: 'all-staff@contoso.com',
    EWS_SERVICE_MAILBOX: generatedAddress(0),
    ARCHIVE_OLDER_THAN_DAYS: '365',
    ARCHIVE_FOLDERS: 'inbox',
    SWEEP_BATCH_SIZE: '25',
    SWEEP_MAX_BATCHES_IN_FLIGHT: '4',
    SWEEP_RETRY_INTERVAL_MS: '200',
    AzureWebJobsStorage: azurite.connectionString,
  };
  await useAppServices({ env });
  host = await startDevHost({
    port: 0,
    functionsDir: join(__dirname, '../../functions'),
    log: () => undefined,
    timers: false,
    env,
  });
});

afterAll(async () => {
  await host?.close();
  await useAppServices(undefined);
  await sandbox?.close();
  await azurite?.stop();
});

interface Counts {
  primary: number;
  archive: number;
  hasArchive: boolean;
}

function counts(): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const m of mailboxes) {
    const s = sandbox.inspectMailbox(m);
    if (!s) throw new Error(`sandbox lost ${m}`);
    const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
    out.set(m, {
      primary: s.folders.inbox ?? 0,
      archive: sum(s.archive.folders),
      hasArchive: s.archive.present,
    });
  }
  return out;
}

async function sweep(body: unknown): Promise<{
  summary: SweepSummary;
  report: { rows: { mailbox: string; outcome: string; itemsPlanned: number; itemsMoved: number }[] };
}> {
  const start = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body: JSON.stringify(body) });
  expect(start.status).toBe(202);
  const second = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body: '{}' });
  expect(second.status).toBe(409);
  expect(((await second.json()) as { statusQueryGetUri: string }).statusQueryGetUri).toMatch(/archive-sweep/);
  for (;;) {
    const res = await fetch(`${host.url}/api/sweeps/archive`);
    const status = (await res.json()) as { runtimeStatus: string; output: SweepSummary };
    if (res.status !== 200)
      throw new Error(`GET /api/sweeps/archive: ${res.status} ${JSON.stringify(status)}`);
    if (status.runtimeStatus === 'Completed') {
      const reportUrl = status.output.report?.json ?? '';
      expect(reportUrl).toContain('/reports/archive/');
      const { BlobClient } = await import('@azure/storage-blob');
      const { DEV_ACCOUNT, DEV_KEY } = await import('../../dev/azurite');
      const { StorageSharedKeyCredential } = await import('@azure/storage-blob');
      const blob = new BlobClient(reportUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY));
      const report = JSON.parse((await blob.downloadToBuffer()).toString()) as Awaited<
        ReturnType<typeof sweep>
      >['report'];
      return { summary: status.output, report };
    }
    if (status.runtimeStatus !== 'Running')
      throw new Error(`sweep ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('with 10 % injected transient faults and throttling, every mailbox still ends archived', async () => {
  const targets = mailboxes.slice(200).filter((m) => sandbox.inspectMailbox(m)?.archive.present);
  const before = counts();
  sandbox.configure({
    faultRate: 0.1,
    faultKinds: ['http503', 'internalServerBusy', 'serverBusy'],
    throttleBackOffMs: 50,
    maxConcurrentPerMailbox: 1,
  });
  try {
    const run = await sweep({ mailboxes: targets });
    expect(run.summary.mailboxes).toMatchObject({
      total: targets.length,
      archived: targets.length,
      failed: 0,
    });
    const after = counts();
    for (const m of mailboxes) {
      const b = before.get(m)!;
      const a = after.get(m)!;
      expect(a.primary + a.archive).toBe(b.primary + b.archive);
      expect(b.primary - a.primary).toBe(targets.includes(m) ? 4 : 0);
    }
    expect(sandbox.requests.some((r) => r.fault !== undefined)).toBe(true);
  } finally {
    sandbox.configure({ faultRate: 0, maxConcurrentPerMailbox: 27 });
  }
});

it('a dry run moves nothing; the sweep then archives exactly the old mail; a second sweep moves nothing', async () => {
  const before = counts();
  const dry = await sweep({ dryRun: true });
  expect(counts()).toEqual(before);
  expect(dry.summary.mailboxes.total).toBe(MAILBOXES);
  const planned = new Map(dry.report.rows.map((r) => [r.mailbox, r.itemsPlanned]));

  const real = await sweep({});
  const after = counts();
  const withArchive = [...before.values()].filter((c) => c.hasArchive).length;
  // the mailboxes the previous test archived are up to date now
  expect(real.summary.mailboxes).toMatchObject({ skipped: MAILBOXES - withArchive, failed: 0 });
  expect(real.summary.mailboxes.archived + real.summary.mailboxes.upToDate).toBe(withArchive);
  let moved = 0;
  for (const m of mailboxes) {
    const b = before.get(m)!;
    const a = after.get(m)!;
    expect(a.primary + a.archive).toBe(b.primary + b.archive); // none lost, none duplicated
    const expected = b.hasArchive ? (planned.get(m) ?? -1) : 0;
    expect(b.primary - a.primary).toBe(expected);
    expect(a.archive - b.archive).toBe(expected);
    moved += expected;
  }
  expect(moved).toBe(real.summary.mailboxes.archived * 4); // 40 % of 10 items are old
  expect(real.summary.itemsArchived).toBe(moved);

  const again = await sweep({});
  expect(again.summary.itemsArchived).toBe(0);
  expect(counts()).toEqual(after);
});
