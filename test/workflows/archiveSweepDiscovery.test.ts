/**
 * The sweep with discovery in parts, whole runs on the dev host's in-process driver: batches start on
 * the first parts while the groups are still being expanded; a discovery that fails part-way still
 * sweeps (and reports) what it found; one retried after a transient failure sweeps nobody twice.
 */
import '../../functions/archiveSweep';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { LocalDurableHost } from '../../dev/host/localDurableHost';
import { ORCHESTRATOR } from '../../functions/archiveSweepOrchestrator';
import { useAppServices } from '../../shared/app/appServices';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { GroupMember } from '../../shared/mailbox/mailboxOperations';
import { MemorySweepStore } from '../../shared/sweep/sweepStore';
import type { MailboxRow, SweepSummary } from '../../shared/sweep/sweepTypes';
import { archived, FakeMailboxes } from '../support/fakeMailboxes';
import { useFakeSweepTenant } from '../support/sweepStarters';

const NOW = new Date('2026-11-25T02:00:00Z');

afterEach(() => useAppServices(undefined));

/** all@contoso.com holds `teams` teams of `size` mailboxes, each with 2 old items. */
function tenant(teams: number, size: number): FakeMailboxes {
  const fake = new FakeMailboxes();
  fake.addMailbox('svc@contoso.com');
  const top: GroupMember[] = [];
  for (let t = 0; t < teams; t++) {
    const members: GroupMember[] = [];
    for (let i = 0; i < size; i++) {
      const address = `t${String(t).padStart(2, '0')}u${i}@contoso.com`;
      fake.addMailbox(address, { old: 2, now: NOW });
      members.push({ name: address, address, kind: 'Mailbox' });
    }
    fake.groups.set(`team${t}@contoso.com`, members);
    top.push({ name: `team${t}`, address: `team${t}@contoso.com`, kind: 'PublicDL' });
  }
  fake.groups.set('all@contoso.com', top);
  return fake;
}

/** The tenant behind the app, swept from its group (not a list), in batches of 5, 3 at a time. */
function useTenant(fake: FakeMailboxes): Promise<MemorySweepStore> {
  return useFakeSweepTenant(fake, {
    MAILBOX_SCOPE_GROUP: 'all@contoso.com',
    EWS_SERVICE_MAILBOX: 'svc@contoso.com',
    SWEEP_MAILBOXES: '',
    SWEEP_BATCH_SIZE: '5',
    SWEEP_MAX_BATCHES_IN_FLIGHT: '3',
  });
}

function reportRows(store: MemorySweepStore, summary: SweepSummary): MailboxRow[] {
  const json = store.blobs.get(summary.report?.json.replace(/^memory:/, '') ?? '') ?? '{"rows":[]}';
  return (JSON.parse(json) as { rows: MailboxRow[] }).rows;
}

describe('archive sweep with discovery in parts', () => {
  it('archives the first parts while the groups are still being expanded', async () => {
    const fake = tenant(12, 5);
    await useTenant(fake);
    // The last team's expansion waits until some mailbox has been archived (or 3 s, so a sweep that
    // does not overlap still ends): archiving must not wait for discovery.
    let firstArchive: () => void = () => undefined;
    const archivedOnce = new Promise<void>((resolve) => (firstArchive = resolve));
    const archive = fake.archiveItems.bind(fake);
    fake.archiveItems = (...args) => {
      firstArchive();
      return archive(...args);
    };
    let archivingStartedFirst = false;
    const expand = fake.expandGroup.bind(fake);
    fake.expandGroup = async (group, as) => {
      if (group === 'team11@contoso.com') {
        archivingStartedFirst = await Promise.race([
          archivedOnce.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
        ]);
      }
      return expand(group, as);
    };
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    expect(archivingStartedFirst).toBe(true);
    const summary = run.output as SweepSummary;
    expect(summary.mailboxes).toMatchObject({ total: 60, archived: 60 });
    expect(summary.discovery).toMatchObject({ total: 60, groupsExpanded: 13 });
    for (const address of fake.mailboxes.keys())
      if (address !== 'svc@contoso.com') expect(archived(fake, address)).toBe(2);
  });

  it('a discovery refused part-way sweeps and reports what it had found, and names the refusal', async () => {
    const fake = tenant(8, 5);
    const store = await useTenant(fake);
    const expand = fake.expandGroup.bind(fake);
    fake.expandGroup = async (group, as) => {
      if (group === 'team6@contoso.com') {
        throw new MailboxError({
          code: 'ErrorAccessDenied',
          errorClass: 'permanent',
          message: 'Access is denied. Check credentials and try again.',
        });
      }
      return expand(group, as);
    };
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    const summary = run.output as SweepSummary;
    expect(summary.discoveryError).toMatch(/Access is denied/);
    // teams 0..5 (30 mailboxes, 6 full parts) were found before team 6 was refused
    expect(summary.mailboxes).toMatchObject({ total: 30, archived: 30, failed: 0 });
    expect(summary.discovery.total).toBe(30);
    const rows = reportRows(store, summary);
    expect(rows.map((r) => r.mailbox).sort()).toEqual(
      [...fake.mailboxes.keys()].filter((a) => /^t0[0-5]u/.test(a)).sort(),
    );
    expect(archived(fake, 't07u0@contoso.com')).toBe(0);
    expect(run.customStatus).toMatchObject({ phase: 'done', total: 30, done: 30 });
  });

  it('a discovery refused before it found anybody ends the sweep as not started, touching nobody', async () => {
    const fake = tenant(2, 5);
    await useTenant(fake);
    fake.groups.delete('all@contoso.com');
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Failed');
    expect(run.error).toMatch(/archive sweep not started: no group all@contoso.com/);
    expect(fake.calls.filter((c) => c.op !== 'expand')).toEqual([]);
  });

  it("a request's list whose names Exchange refuses to resolve: not started, and the stored list removed", async () => {
    const fake = tenant(1, 2);
    const store = await useTenant(fake);
    fake.resolvePrimaryAddress = () =>
      Promise.reject(
        new MailboxError({
          code: 'ErrorAccessDenied',
          errorClass: 'permanent',
          message: 'Access is denied. Check credentials and try again.',
        }),
      );
    const list = 'archive-requests/20301201T000000Z-test';
    await store.putMailboxes(list, ['t00u0@contoso.com']);
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, { mailboxList: list }, 'archive-sweep');
    expect(run.status).toBe('Failed');
    expect(run.error).toMatch(/archive sweep not started: Access is denied/);
    expect([...store.blobs.keys()].filter((k) => k.startsWith('archive-requests/'))).toEqual([]);
    expect(fake.calls.filter((c) => c.op === 'archive' || c.op === 'find')).toEqual([]);
  });

  it('a discovery retried after a transient failure sweeps every mailbox exactly once', async () => {
    const fake = tenant(10, 5);
    const store = await useTenant(fake);
    const expand = fake.expandGroup.bind(fake);
    let failed = false;
    fake.expandGroup = async (group, as) => {
      if (group === 'team7@contoso.com' && !failed) {
        failed = true;
        throw new MailboxError({
          code: 'ErrorServerBusy',
          errorClass: 'transient',
          message: 'The server cannot service this request right now.',
        });
      }
      return expand(group, as);
    };
    const host = new LocalDurableHost(registrations, { timers: 'skip' });
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep');
    expect(run.status).toBe('Completed');
    expect(failed).toBe(true);
    const summary = run.output as SweepSummary;
    expect(summary.discoveryError).toBeUndefined();
    expect(summary.mailboxes).toMatchObject({ total: 50, archived: 50 });
    // the retry kept the parts written before the failure and counted nobody twice
    expect(summary.discovery).toMatchObject({ total: 50, duplicates: 0 });
    const rows = reportRows(store, summary);
    expect(new Set(rows.map((r) => r.mailbox)).size).toBe(50);
    expect(rows).toHaveLength(50);
    expect(fake.calls.filter((c) => c.op === 'archive')).toHaveLength(50);
  });
});
