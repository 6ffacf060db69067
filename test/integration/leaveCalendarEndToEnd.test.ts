/**
 * A person's leaves as one calendar, end to end: signed webhooks → the dev host → each person's calendar
 * owner → the EWS sandbox (or the Graph stand-in over the same tenant), with LEAVE_CALENDAR_EVENT on. The
 * host, the sandbox and the Graph stand-in share one virtual clock, so the stand-ins judge a scheduled
 * window's end as Exchange would at that time. The demo tenant's people: alice (Disabled), bob (his own
 * scheduled window, a few days from the real today, long over by 2030) and carol (Enabled, "Working from the
 * Lisbon office this week.").
 */
import type { EwsSandbox, MailboxSnapshot } from '../../dev/ews-sandbox';
import { startGraphStandIn, GRAPH_ROLES, type GraphStandIn } from '../../dev/graph/graphStandIn';
import type { DevClock } from '../../dev/host/devClock';
import type { DevHost } from '../../dev/host/devHost';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { demoEwsSettings, demoSeed, startDemoSandbox } from '../support/demoTenant';
import { graphAppSettings } from '../support/graphTenant';
import { postGenericHrEvent, startLeaveDevHost, type LeaveDevHost } from '../support/leaveDevHost';

const SECRET = 'calendar-e2e-secret';
const GRAPH_SECRET = 'calendar-e2e-graph-secret';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';

let sandbox: EwsSandbox;
let devHost: LeaveDevHost;
let host: DevHost;
let clock: DevClock | undefined;
let tokens: EntraTokenServer | undefined;
let graph: GraphStandIn | undefined;

const oofOf = (address: string): MailboxSnapshot['oof'] => {
  const snapshot = sandbox.inspectMailbox(address);
  if (!snapshot) throw new Error(`no ${address} in the sandbox`);
  return snapshot.oof;
};

/** The person's calendar as the back end in use shows it: subject and days of each event. */
function calendarOf(address: string): string[] {
  const events = graph
    ? graph.events(address).map((e) => `${String(e.subject)} ${e.startUtc}`)
    : (sandbox.inspectCalendar(address) ?? []).map((e) => `${e.subject} ${e.start}`);
  return events.sort();
}

/**
 * Retries `check` until it passes (the owners work asynchronously), at most 30 s (a loaded 2-core machine runs
 * several suites at once); on failure the owners' lines say what they decided.
 */
async function eventually(check: () => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        const lines = devHost.logs.filter((l) => l.includes('leave-calendar-')).slice(-30);
        throw new Error(`${(error as Error).message}\nowner lines:\n${lines.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

let seq = 0;
async function send(
  type: 'approved' | 'updated' | 'cancelled',
  person: string,
  leaveId: string,
  start: string,
  end: string,
): Promise<void> {
  seq++;
  const now = clock?.now() ?? Date.now();
  const event = {
    eventId: `cal-e2e-${seq}`,
    type,
    occurredAt: new Date(now - 60_000 + seq).toISOString(),
    leaveId,
    start,
    end,
    timeZone: 'Europe/Berlin',
    employee: { email: person, displayName: person.split('@')[0] },
    locale: 'en-GB',
  };
  const answer = await postGenericHrEvent(host, JSON.stringify(event), {
    secret: SECRET,
    signedAt: Math.floor(Date.now() / 1000),
  });
  expect(answer.status).toBe(202);
}

async function advanceTo(iso: string): Promise<void> {
  const res = await fetch(`${host.url}/dev/clock/advance?to=${iso}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

describe.each(['ews', 'graph'] as const)('leave calendar end to end (MAILBOX_BACKEND=%s)', (backend) => {
  beforeAll(async () => {
    // The sandbox reads the clock on every request; the host's clock exists once the host runs.
    sandbox = await startDemoSandbox({ knobs: { latencyMs: 0 }, now: () => clock?.now() ?? Date.now() });
    const env: Record<string, string | undefined> = {
      ...demoEwsSettings(sandbox),
      MAILBOX_SCOPE: 'contoso.com',
      HR_WEBHOOK_SECRETS: SECRET,
      LEAVE_RETRY_FIRST_MS: '10',
      LEAVE_MAX_ATTEMPTS: '8',
      LEAVE_CALENDAR_EVENT: 'on',
    };
    if (backend === 'graph') {
      const appId = demoSeed.apps?.[0]?.clientId ?? '';
      tokens = await startEntraTokenServer({
        clients: [{ clientId: appId, clientSecret: GRAPH_SECRET, roles: GRAPH_ROLES }],
      });
      graph = await startGraphStandIn({
        tenant: sandbox.tenant,
        signingKeys: [tokens.signingKey],
        now: () => clock?.now() ?? Date.now(),
      });
      Object.assign(env, {
        EWS_AUTH: undefined,
        ...graphAppSettings(tokens, graph, { clientId: appId, clientSecret: GRAPH_SECRET }),
      });
    }
    devHost = await startLeaveDevHost({ env });
    host = devHost.host;
    clock = host.clock;
  });

  afterAll(async () => {
    await devHost.close();
    await graph?.close();
    await tokens?.close();
    graph = undefined;
    tokens = undefined;
    clock = undefined;
    await sandbox.close();
  });

  test('alice’s July and August, carol’s overlapping leaves with one cancelled, bob’s expired window', async () => {
    const before = { alice: oofOf(ALICE), carol: oofOf(CAROL), bob: oofOf(BOB) };
    const ownEvents = { alice: calendarOf(ALICE), carol: calendarOf(CAROL) };
    expect(before.alice.state).toBe('Disabled');
    expect(before.carol.state).toBe('Enabled');
    expect(before.bob.state).toBe('Scheduled');

    await send('approved', ALICE, 'A-JUL', '2030-07-01', '2030-07-12');
    await send('approved', ALICE, 'A-AUG', '2030-08-05', '2030-08-16');
    await send('approved', CAROL, 'C-1', '2030-07-01', '2030-07-12');
    await send('approved', CAROL, 'C-2', '2030-07-08', '2030-07-20');
    await send('approved', BOB, 'B-SEP', '2030-09-02', '2030-09-06');

    // alice's own replies are off: July is scheduled ahead; carol and bob keep their own for now
    await eventually(() =>
      expect(oofOf(ALICE)).toMatchObject({
        state: 'Scheduled',
        start: '2030-06-30T22:00:00.000Z',
        end: '2030-07-12T22:00:00.000Z',
      }),
    );
    expect(oofOf(ALICE).internalReply).toContain('13 July 2030');
    await eventually(() => expect(calendarOf(ALICE)).toHaveLength(ownEvents.alice.length + 2));
    expect(calendarOf(ALICE)).toEqual(expect.arrayContaining(ownEvents.alice));
    await eventually(() => expect(calendarOf(CAROL)).toHaveLength(ownEvents.carol.length + 1));
    expect(oofOf(CAROL)).toEqual(before.carol);
    expect(oofOf(BOB)).toEqual(before.bob);

    // carol's first leave is cancelled before it starts: her absence is now C-2 alone
    await send('cancelled', CAROL, 'C-1', '2030-07-01', '2030-07-12');
    await eventually(() =>
      expect(calendarOf(CAROL).filter((e) => e.startsWith('Out of office'))).toHaveLength(1),
    );

    await advanceTo('2030-07-10T08:00:00Z');
    await eventually(() =>
      expect(oofOf(CAROL)).toMatchObject({ state: 'Scheduled', end: '2030-07-20T22:00:00.000Z' }),
    );
    expect(oofOf(ALICE).end).toBe('2030-07-12T22:00:00.000Z');

    await advanceTo('2030-07-14T08:00:00Z');
    await eventually(() =>
      expect(oofOf(ALICE)).toMatchObject({
        state: 'Scheduled',
        start: '2030-08-04T22:00:00.000Z',
        end: '2030-08-16T22:00:00.000Z',
      }),
    );

    await advanceTo('2030-07-22T08:00:00Z');
    await eventually(() => expect(oofOf(CAROL)).toEqual(before.carol));

    await advanceTo('2030-08-20T08:00:00Z');
    await eventually(() => expect(oofOf(ALICE)).toEqual(before.alice));

    await advanceTo('2030-09-03T08:00:00Z');
    await eventually(() =>
      expect(oofOf(BOB)).toMatchObject({ state: 'Scheduled', end: '2030-09-06T22:00:00.000Z' }),
    );
    await advanceTo('2030-09-08T08:00:00Z');
    // his own window ended in 2026: back as Disabled with his texts and audience, never a past window
    await eventually(() =>
      expect(oofOf(BOB)).toMatchObject({
        state: 'Disabled',
        externalAudience: before.bob.externalAudience,
        internalReply: before.bob.internalReply,
        externalReply: before.bob.externalReply,
      }),
    );

    // every owner is still running and none recorded a failure
    const failures = devHost.logs.filter(
      (l) => / failed: /.test(l) && l.includes('leaveCalendarOrchestrator'),
    );
    expect(failures).toEqual([]);
    expect(calendarOf(ALICE)).toEqual(expect.arrayContaining(ownEvents.alice));
    expect(calendarOf(CAROL)).toEqual(expect.arrayContaining(ownEvents.carol));
  });
});
