/**
 * Retry and failure lines of the leave and sweep workflows go through the invocation's logger (what the
 * Functions host sends to Application Insights) and name the orchestration instance, so one query finds
 * everything that happened to one person's leave calendar or one sweep. Leaves go through the webhook of the
 * dev host (its in-process durable driver's log handler stands in for the host's) to the person's calendar
 * owner; sweeps run whole on the durable driver; the mailbox client's own per-call retry lines are checked
 * against the EWS sandbox with injected faults.
 */
import '../../functions/archiveSweep';
import { InvocationContext } from '@azure/functions';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { LocalDurableHost } from '../../dev/host/localDurableHost';
import { leaveSyncMailbox } from '../../functions/leaveActivities';
import { RETRY_AFTER_GIVE_UP_MS } from '../../functions/leaveCalendarOrchestrator';
import { ORCHESTRATOR } from '../../functions/archiveSweepOrchestrator';
import { useAppServices } from '../../shared/app/appServices';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { useFakeSweepTenant } from '../support/sweepStarters';
import { SWEEP_METRICS_PREFIX, type SweepMetrics } from '../../shared/sweep/sweepReport';
import type { SweepSummary } from '../../shared/sweep/sweepTypes';
import { decisionLines, ownerOf, settleOwners } from '../support/calendarOwners';
import { DEMO_SERVICE_ACCOUNT, startDemoSandbox } from '../support/demoTenant';
import { DISABLED, FakeMailbox, permanent, transient } from '../support/durableMailboxFake';
import { postGenericHrEvent, startLeaveDevHost, type LeaveDevHost } from '../support/leaveDevHost';
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

/** A driver whose log handler collects lines as the Functions host would: `[function] level: text`. */
function driverWithLog(): { host: LocalDurableHost; lines: string[] } {
  const lines: string[] = [];
  return { host: new LocalDurableHost(registrations, { timers: 'skip', log: (l) => lines.push(l) }), lines };
}

describe('leave workflow lines (through the webhook, to the calendar owner)', () => {
  const ALICE = 'alice@contoso.com';
  const OWNER = calendarInstanceId(ALICE);
  const SECRET = 'generic-secret-for-log-tests';
  let devHost: LeaveDevHost;
  let mailbox: FakeMailbox;

  beforeEach(async () => {
    mailbox = new FakeMailbox(() => devHost.host.clock.now());
    mailbox.oof.set(ALICE, { ...DISABLED });
    devHost = await startLeaveDevHost({
      env: {
        HR_WEBHOOK_SECRETS: SECRET,
        MAILBOX_SCOPE: 'contoso.com',
        LEAVE_RETRY_FIRST_MS: '10',
        LEAVE_MAX_ATTEMPTS: '3',
      },
      mailbox,
    });
  });
  afterEach(async () => {
    devHost.host.durable.terminate(OWNER, 'test over');
    await devHost.close();
  });

  /** Alice's leave next July through the webhook, her mailbox failing as given first; waits for the owner. */
  async function deliverLeave(leaveId: string, ...failures: MailboxError[]): Promise<void> {
    mailbox.failures.push(...failures);
    const body = JSON.stringify({
      eventId: `evt-${leaveId}`,
      type: 'approved',
      occurredAt: new Date(devHost.host.clock.now() - 60_000).toISOString(),
      leaveId,
      start: '2030-07-01',
      end: '2030-07-12',
      timeZone: 'Europe/Berlin',
      employee: { email: ALICE, displayName: 'Alice Example' },
    });
    const answer = await postGenericHrEvent(devHost.host, body, { secret: SECRET });
    expect(answer.status).toBe(202);
    await settleOwners(devHost.host.durable, [ALICE]);
  }

  const ownerLines = (): string[] => devHost.logs.filter((l) => l.startsWith('[leaveCalendarOrchestrator]'));
  /** The owner's line for a failed look at the mailbox, with the error's code. */
  const ownerFailed = (code: string): RegExp =>
    new RegExp(`^\\[leaveCalendarOrchestrator\\] instance=${OWNER} failed: automatic replies: ${code}: `);

  test('a transient error is retried, the retry line names the owner, and the reply is set', async () => {
    await deliverLeave('L-7', transient('ErrorServerBusy'));

    expect(devHost.logs).toContain(
      `[leaveSyncMailbox] warning: instance=${OWNER} leaveSyncMailbox: transient ErrorServerBusy, will be retried`,
    );
    expect(mailbox.oof.get(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
    expect(devHost.orchestratorErrors).toEqual([]);
  });

  test('a permanent error is one failed decision of the owner at error level, and the owner keeps running', async () => {
    await deliverLeave('L-8', permanent('ErrorNonExistentMailbox'));

    expect(devHost.logs).toContain(
      `[leaveSyncMailbox] error: instance=${OWNER} leaveSyncMailbox: permanent ErrorNonExistentMailbox`,
    );
    const failed = ownerFailed('ErrorNonExistentMailbox');
    expect(devHost.orchestratorErrors).toEqual([expect.stringMatching(failed)]);
    expect(ownerLines().filter((l) => failed.test(l))).toHaveLength(1);
    expect(decisionLines(devHost.host.durable, ALICE)).toContainEqual(
      expect.stringMatching(/^failed: automatic replies: ErrorNonExistentMailbox: /),
    );
    expect(ownerOf(devHost.host.durable, ALICE)).toMatchObject({
      runtimeStatus: 'Running',
      status: { phase: 'waiting' },
    });
    expect(mailbox.oof.get(ALICE)).toEqual(DISABLED);

    // The next leave event is applied: the owner was not ended by the failure, and does not say it again.
    await deliverLeave('L-8b');
    expect(mailbox.oof.get(ALICE)).toMatchObject({ state: 'Scheduled' });
    expect(devHost.orchestratorErrors).toHaveLength(1);
  });

  test('giving up after transient errors is one failed line of the owner, which tries again an hour later', async () => {
    await deliverLeave('L-9', transient(), transient(), transient());

    expect(
      devHost.logs.filter((l) => l.includes(`instance=${OWNER}`) && l.includes('will be retried')),
    ).toHaveLength(3);
    expect(devHost.orchestratorErrors).toEqual([expect.stringMatching(ownerFailed('TransientGiveUp'))]);
    const waiting = ownerOf(devHost.host.durable, ALICE);
    expect(waiting?.runtimeStatus).toBe('Running');
    const retryAt = Date.parse(String(waiting?.status.until));
    expect(retryAt - devHost.host.clock.now()).toBeGreaterThan(RETRY_AFTER_GIVE_UP_MS - 60_000);
    expect(retryAt - devHost.host.clock.now()).toBeLessThanOrEqual(RETRY_AFTER_GIVE_UP_MS);
    expect(mailbox.oof.get(ALICE)).toEqual(DISABLED);

    // An hour later the mailbox answers again: the owner sets the reply, with no further failure line.
    devHost.host.clock.advanceTo(retryAt);
    await settleOwners(devHost.host.durable, [ALICE]);
    expect(mailbox.oof.get(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
    expect(devHost.orchestratorErrors).toHaveLength(1);
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
      functionName: 'leaveSyncMailbox',
      logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }),
    });
    const owner = calendarInstanceId('alice@contoso.com');

    // One look at a mailbox with no absence on record: one read (retried once), nothing written.
    const result = await leaveSyncMailbox(
      { instanceId: owner, mailbox: 'alice@contoso.com', now: new Date().toISOString(), state: {} },
      context,
    );

    expect(result).toMatchObject({ ok: true, value: { decision: 'nothing-to-do' } });
    const warnings = lines.filter((l) => l.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.text).toMatch(new RegExp(`^instance=${owner} mailbox call retry: \\{`));
    const event = JSON.parse(warnings[0]?.text.replace(/^[^{]*/, '') ?? '{}') as Record<string, unknown>;
    expect(event).toMatchObject({
      source: 'ews',
      operation: 'GetUserOofSettings',
      mailbox: 'alice@contoso.com',
      attempt: 1,
      outcome: 'retry',
    });
    expect(lines.every((l) => l.text.startsWith(`instance=${owner} `))).toBe(true);
    expect(lines.map((l) => l.text).join('\n')).not.toContain(DEMO_SERVICE_ACCOUNT.password);
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
        /^\[archiveSweepPrepare\] error: instance=archive-sweep archive sweep not started: nothing to sweep: set MAILBOX_SCOPE_GROUP/,
      ),
    );
    expect(lines.filter((l) => l.startsWith('[archiveSweepOrchestrator]'))).toEqual([
      expect.stringMatching(
        /^\[archiveSweepOrchestrator\] instance=archive-sweep archive sweep not started: /,
      ),
    ]);
  });
});
