/**
 * No spill: what a sweep sends through the Durable extension's queues stays under its 45 KB inline limit
 * (DurableTask.AzureStorage sends a larger message compressed through a blob). A start over HTTP with
 * 10,000 addresses passes the name of its stored list, not the list, to the orchestration and to
 * discovery; batches of 1,000 rows with long error messages are saved in parts, each under
 * SAVE_PART_BYTES, and the report still holds every row once. The real function modules on the dev host,
 * the fake tenant in memory.
 */
import { registrations } from '../../dev/host/functionsCoreStandIn';
import type { DevHost } from '../../dev/host/devHost';
import { EventType } from '../../dev/host/history';
import { ACTIVITY, messageBytes, SAVE_PART_BYTES, saveParts } from '../../functions/archiveSweepActivities';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import { SWEEP_INSTANCE_ID } from '../../shared/sweep/sweepControl';
import type { MailboxRow, SweepSummary } from '../../shared/sweep/sweepTypes';
import { FakeMailboxes } from '../support/fakeMailboxes';
import { startQuietDevHost, useFakeSweepTenant } from '../support/sweepStarters';

jest.setTimeout(120_000);

const MAILBOXES = 10_000;
const address = (i: number) => `person.with.a.long.name.${String(i).padStart(5, '0')}@contoso.com`;
/** An Exchange refusal as long as they come, with quotes and accents (escaped in the message). */
const LONG_REFUSAL = `Access is denied. "Vérifiez" the account's permissions: ${'ç"'.repeat(200)}`.slice(
  0,
  500,
);

let host: DevHost;
const saves: { bytes: number; rows: number }[] = [];

beforeAll(async () => {
  host = await startQuietDevHost();
  // The save activity as registered, its inputs measured on the way in.
  const save = registrations.get(ACTIVITY.saveBatch);
  if (!save) throw new Error('no save activity registered');
  const real = save.callback;
  save.callback = (input, context) => {
    saves.push({ bytes: messageBytes(input), rows: (input as { rows: unknown[] }).rows.length });
    return real(input, context);
  };
});

afterAll(async () => {
  await host?.close();
});

test('saveParts: 1,000 rows with 500-character refusals go in parts under the budget, in order, none lost', () => {
  const rows: MailboxRow[] = Array.from({ length: 1000 }, (_, i) => ({
    mailbox: address(i),
    outcome: 'failed',
    itemsPlanned: 0,
    itemsMoved: 0,
    errorCode: 'ErrorAccessDenied',
    errorMessage: LONG_REFUSAL,
  }));
  expect(messageBytes({ reportPath: 'archive/x', batch: 0, rows })).toBeGreaterThan(600 * 1024);
  const parts = saveParts(rows);
  expect(parts.length).toBeGreaterThan(1);
  for (const [part, partRows] of parts.entries()) {
    const input = {
      reportPath: 'archive/2026-11-25T020000Z-archive-sweep',
      batch: 999,
      part,
      parts: 9,
      rows: partRows,
    };
    expect(messageBytes(input)).toBeLessThanOrEqual(SAVE_PART_BYTES);
  }
  expect(parts.flat()).toEqual(rows);
  expect(saveParts([])).toEqual([[]]);
});

test('10,000 listed addresses: the inputs carry a name; rows saved in parts under the budget; the report has each once', async () => {
  const fake = new FakeMailboxes();
  for (let i = 0; i < MAILBOXES; i++) fake.addMailbox(address(i), { old: 1 });
  // Every tenth mailbox refuses with a long message: a permanent failure, one row each.
  for (let i = 0; i < MAILBOXES; i += 10)
    fake.failures.set(address(i), {
      error: new MailboxError({ code: 'ErrorAccessDenied', errorClass: 'permanent', message: LONG_REFUSAL }),
      times: 1_000,
    });
  const store = await useFakeSweepTenant(fake, {
    SWEEP_MAILBOXES: '',
    SWEEP_BATCH_SIZE: '1000',
    SWEEP_MAX_BATCHES_IN_FLIGHT: '10',
  });
  const listed = Array.from({ length: MAILBOXES }, (_, i) => address(i).toUpperCase());
  const body = JSON.stringify({ dryRun: true, mailboxes: listed });
  expect(body.length).toBeGreaterThan(400_000);

  const res = await fetch(`${host.url}/api/sweeps/archive`, { method: 'POST', body });
  expect(res.status).toBe(202);
  const run = await host.durable.waitForCompletion(SWEEP_INSTANCE_ID);
  expect(run.status).toBe('Completed');
  const summary = run.output as SweepSummary;
  expect(summary.mailboxes).toMatchObject({
    total: MAILBOXES,
    planned: MAILBOXES * 0.9,
    failed: MAILBOXES / 10,
  });

  // The orchestration's input and discovery's: a list's name, whatever the list's length.
  const record = host.durable.getStatus(SWEEP_INSTANCE_ID);
  expect(messageBytes(record?.input)).toBeLessThan(300);
  const discover = run.history.find(
    (e) => e.EventType === EventType.TaskScheduled && e.Name === ACTIVITY.discover,
  );
  expect(discover?.Input).toMatch(/"mailboxList":"archive-requests\//);
  // the run's job (the same in every lane's and batch's input) and the list's name: under 1 KB
  expect(messageBytes(JSON.parse(String(discover?.Input)))).toBeLessThan(1024);

  // Ten batches of 1,000 rows, each saved in parts under the budget.
  expect(saves.reduce((n, s) => n + s.rows, 0)).toBe(MAILBOXES);
  expect(saves.length).toBeGreaterThan(10);
  expect(Math.max(...saves.map((s) => s.bytes))).toBeLessThanOrEqual(SAVE_PART_BYTES);

  // The report holds every mailbox once; the request's list and the staged parts are gone.
  const report = JSON.parse(store.blobs.get(`${summary.report?.json.replace(/^memory:/, '')}`) ?? '{}') as {
    rows: MailboxRow[];
  };
  expect(new Set(report.rows.map((r) => r.mailbox)).size).toBe(MAILBOXES);
  expect(report.rows.filter((r) => r.errorMessage === LONG_REFUSAL)).toHaveLength(MAILBOXES / 10);
  expect(
    [...store.blobs.keys()].filter((k) => k.includes('archive-requests/') || k.includes('.staging-')),
  ).toEqual([]);
});
