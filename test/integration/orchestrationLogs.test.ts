/**
 * Retry and failure lines of the leave and sweep workflows go through the invocation's logger (what the
 * Functions host sends to Application Insights) and name the orchestration instance, so one query finds
 * everything that happened to one leave or one sweep. Whole runs on the dev host's in-process durable
 * driver, whose log handler stands in for the host's; the mailbox client's own per-call retry lines are
 * checked against the EWS sandbox with injected faults.
 */
import '../../functions/leaveOrchestrator';
import '../../functions/archiveSweep';
import { InvocationContext } from '@azure/functions';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { LocalDurableHost } from '../../dev/host/localDurableHost';
import { leaveGetOof } from '../../functions/leaveActivities';
import { LEAVE_ORCHESTRATOR } from '../../functions/leaveOrchestrator';
import { ORCHESTRATOR } from '../../functions/archiveSweepOrchestrator';
import { useAppServices } from '../../shared/app/appServices';
import { useFakeSweepTenant } from '../support/sweepStarters';
import type { LeaveOrchestrationInput } from '../../shared/leave/leaveDispatch';
import { SWEEP_METRICS_PREFIX, type SweepMetrics } from '../../shared/sweep/sweepReport';
import type { SweepSummary } from '../../shared/sweep/sweepTypes';
import { DEMO_SERVICE_ACCOUNT, startDemoSandbox } from '../support/demoTenant';
import { FakeMailbox, permanent, transient } from '../support/durableMailboxFake';
import type { MailboxError } from '../../shared/mailbox/mailboxError';
import { FakeMailboxes } from '../support/fakeMailboxes';

let consoleWarn: jest.SpyInstance;

beforeEach(() => {
  // Nothing of this goes to the console: a console line reaches Application Insights without the invocation.
  consoleWarn = jest.spyOn(console, 'warn');
});

afterEach(async () => {
  expect(consoleWarn).not.toHaveBeenCalled();
  consoleWarn.mockRestore();
  await useAppServices(undefined);
});

/** `YYYY-MM-DD`, `days` from today: a leave soon, so the driver's timer to its end fires in few pieces. */
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function leaveInput(leaveId: string): LeaveOrchestrationInput {
  return {
    source: 'generic',
    retry: { firstRetryMs: 10, maxAttempts: 3 },
    event: {
      eventId: `evt-${leaveId}`,
      type: 'approved',
      occurredAt: new Date().toISOString(),
      leaveId,
      start: inDays(1),
      end: inDays(2),
      timeZone: 'Europe/Berlin',
      employee: { email: 'alice@contoso.com', displayName: 'Alice Example' },
      locale: 'en',
    },
  };
}

/** A driver whose log handler collects lines as the Functions host would: `[function] level: text`. */
function driverWithLog(): { host: LocalDurableHost; lines: string[] } {
  const lines: string[] = [];
  return { host: new LocalDurableHost(registrations, { timers: 'skip', log: (l) => lines.push(l) }), lines };
}

/** Alice's leave `leave-generic-<leaveId>`, run whole, her mailbox failing as given first. */
async function runLeave(
  leaveId: string,
  ...failures: MailboxError[]
): Promise<{ status: string; lines: string[] }> {
  const mailbox = new FakeMailbox();
  mailbox.failures.push(...failures);
  await useAppServices({ env: { MAILBOX_SCOPE: 'contoso.com' }, mailbox });
  const { host, lines } = driverWithLog();
  const run = await host.runOrchestration(
    LEAVE_ORCHESTRATOR,
    leaveInput(leaveId),
    `leave-generic-${leaveId}`,
  );
  return { status: run.status, lines };
}

describe('leave workflow lines', () => {
  test('a transient error is retried, and the retry line names the instance', async () => {
    const { status, lines } = await runLeave('L-7', transient('ErrorServerBusy'));

    expect(status).toBe('Completed');
    expect(lines).toContain(
      '[leaveGetOof] warning: instance=leave-generic-L-7 leaveGetOof: transient ErrorServerBusy, will be retried',
    );
  });

  test('a permanent error ends the leave; the activity and the orchestrator each say so once, with the instance', async () => {
    const { status, lines } = await runLeave('L-8', permanent('ErrorNonExistentMailbox'));

    expect(status).toBe('Failed');
    expect(lines).toContain(
      '[leaveGetOof] error: instance=leave-generic-L-8 leaveGetOof: permanent ErrorNonExistentMailbox',
    );
    const orchestratorLines = lines.filter((l) => l.startsWith(`[${LEAVE_ORCHESTRATOR}]`));
    expect(orchestratorLines).toEqual([
      expect.stringMatching(
        /^\[leaveOrchestrator\] instance=leave-generic-L-8 leaveGetOof failed with ErrorNonExistentMailbox: /,
      ),
    ]);
  });

  test('giving up after transient errors is one failure line of the orchestrator, with the instance', async () => {
    const { status, lines } = await runLeave('L-9', transient(), transient(), transient());

    expect(status).toBe('Failed');
    expect(lines.filter((l) => l.includes('will be retried'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith(`[${LEAVE_ORCHESTRATOR}]`))).toEqual([
      expect.stringMatching(
        /^\[leaveOrchestrator\] instance=leave-generic-L-9 leaveGetOof failed with TransientGiveUp/,
      ),
    ]);
  });
});

describe("the mailbox client's own retry lines (EWS sandbox)", () => {
  let sandbox: EwsSandbox;

  beforeAll(async () => {
    sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
  });
  afterAll(() => sandbox.close());

  test('a 503 retried inside one activity is logged through that invocation, naming the instance', async () => {
    await useAppServices({
      env: {
        EWS_URL: sandbox.url,
        EWS_AUTH: 'basic',
        EWS_USERNAME: DEMO_SERVICE_ACCOUNT.username,
        EWS_PASSWORD: DEMO_SERVICE_ACCOUNT.password,
        MAILBOX_SCOPE: 'contoso.com',
      },
    });
    sandbox.injectFaults({ kind: 'http503', operation: 'GetUserOofSettings', retryAfterSeconds: 0 });
    const lines: { level: string; text: string }[] = [];
    const context = new InvocationContext({
      functionName: 'leaveGetOof',
      logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }),
    });

    const result = await leaveGetOof(
      { mailbox: 'alice@contoso.com', instanceId: 'leave-generic-L-10' },
      context,
    );

    expect(result.ok).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warning');
    expect(lines[0]?.text).toMatch(/^instance=leave-generic-L-10 mailbox call retry: \{/);
    const event = JSON.parse(lines[0]?.text.replace(/^[^{]*/, '') ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({
      source: 'ews',
      operation: 'GetUserOofSettings',
      mailbox: 'alice@contoso.com',
      attempt: 1,
      outcome: 'retry',
    });
    expect(lines[0]?.text).not.toContain(DEMO_SERVICE_ACCOUNT.password);
  });
});

describe('archive sweep lines and metrics', () => {
  const NOW = new Date();

  async function sweepTenant(): Promise<FakeMailboxes> {
    const fake = new FakeMailboxes();
    for (const name of ['ann', 'ben', 'cid', 'dot'])
      fake.addMailbox(`${name}@contoso.com`, { old: 4, recent: 1, now: NOW });
    fake.addMailbox('noarchive@contoso.com', { old: 2, archive: false, now: NOW });
    fake.addMailbox('denied@contoso.com', { old: 3, now: NOW });
    fake.failures.set('denied@contoso.com', { error: permanent('ErrorImpersonateUserDenied'), times: 99 });
    // The sweep's settings and scope come from the app's settings, as in a function app.
    await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '4', SWEEP_MAX_BATCHES_IN_FLIGHT: '2' });
    return fake;
  }

  type MetricsLine = SweepMetrics & { scope: string; dryRun: boolean };
  const metricsOf = (lines: string[], scope: 'sweep' | 'batch'): MetricsLine[] =>
    lines
      .filter((l) => l.includes(SWEEP_METRICS_PREFIX))
      .map(
        (l) =>
          JSON.parse(l.slice(l.indexOf(SWEEP_METRICS_PREFIX) + SWEEP_METRICS_PREFIX.length)) as MetricsLine,
      )
      .filter((m) => m.scope === scope);

  test('a failed mailbox is an error line naming the batch instance; the counts are emitted once per sweep and batch', async () => {
    await sweepTenant();
    const { host, lines } = driverWithLog();

    const run = await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun: false }, 'archive-sweep');

    expect(run.status).toBe('Completed');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[archiveSweepMailbox\] error: instance=archive-sweep:\d+T\d+Z:lane\d:batch\d archive sweep: denied@contoso\.com failed \(ErrorImpersonateUserDenied\)$/,
      ),
    );
    const summary = run.output as SweepSummary;
    expect(summary.mailboxes).toMatchObject({ total: 6, archived: 4, skipped: 1, failed: 1 });

    const sweep = metricsOf(lines, 'sweep');
    expect(sweep).toEqual([
      {
        scope: 'sweep',
        dryRun: false,
        mailboxesPlanned: 6,
        mailboxesArchived: 4,
        mailboxesUpToDate: 0,
        mailboxesToArchive: 0,
        mailboxesSkipped: 1,
        mailboxesPartial: 0,
        mailboxesFailed: 1,
        itemsPlanned: 16,
        itemsMoved: 16,
        itemsFailed: 0,
      },
    ]);
    expect(lines.filter((l) => l.includes(SWEEP_METRICS_PREFIX) && l.includes('"scope":"sweep"'))[0]).toMatch(
      /^\[archiveSweepOrchestrator\] instance=archive-sweep archive sweep metrics /,
    );
    // one line per batch (6 mailboxes in batches of 4), adding up to the sweep's
    const batches = metricsOf(lines, 'batch');
    expect(batches.map((b) => b.mailboxesPlanned)).toEqual(expect.arrayContaining([4, 2]));
    expect(batches).toHaveLength(2);
    expect(batches.reduce((n, b) => n + b.itemsMoved, 0)).toBe(16);
    expect(batches.reduce((n, b) => n + b.mailboxesFailed, 0)).toBe(1);
  });

  test('a mailbox that stays busy is given up on in one error line of its batch, not one per replay', async () => {
    const fake = await sweepTenant();
    fake.failures.set('ben@contoso.com', { error: transient('ErrorServerBusy'), times: 99 });
    const { host, lines } = driverWithLog();

    const run = await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun: false }, 'archive-sweep');

    expect((run.output as SweepSummary).mailboxes.failed).toBe(2);
    expect(lines.filter((l) => l.includes('ben@contoso.com gave up'))).toEqual([
      expect.stringMatching(
        /^\[archiveSweepBatch\] instance=archive-sweep:\d+T\d+Z:lane\d:batch\d archive sweep: ben@contoso\.com gave up after \d+ attempts$/,
      ),
    ]);
  });

  test('a dry run says so in its metrics and moves nothing', async () => {
    await sweepTenant();
    const { host, lines } = driverWithLog();

    await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun: true }, 'archive-sweep');

    expect(metricsOf(lines, 'sweep')).toEqual([
      expect.objectContaining({
        dryRun: true,
        mailboxesPlanned: 6,
        mailboxesToArchive: 4,
        itemsMoved: 0,
        itemsPlanned: 16,
      }),
    ]);
  });

  test('a sweep that cannot start is one error line naming the setting and the instance', async () => {
    await useAppServices({ env: {} });
    const { host, lines } = driverWithLog();

    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');

    expect(run.status).toBe('Failed');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^\[archiveSweepDiscover\] error: instance=archive-sweep archive sweep not started: EWS_URL is not set/,
      ),
    );
    expect(lines.filter((l) => l.startsWith('[archiveSweepOrchestrator]'))).toEqual([
      expect.stringMatching(
        /^\[archiveSweepOrchestrator\] instance=archive-sweep archive sweep not started: /,
      ),
    ]);
  });
});
