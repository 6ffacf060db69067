/**
 * The HR webhook and the person's calendar owner through the dev host: real HTTP on 127.0.0.1, the real
 * DurableClient against the dev host's stand-in of the extension API, the real replay engine, and an
 * in-memory mailbox that refuses what Exchange refuses. Time is the dev host's virtual clock. What the
 * sandbox end-to-end tests (leaveEndToEnd, hibobWebhook) already show against a real EWS mailbox is not
 * repeated here: these cover the webhook's answers and refusals, the fuzz, duplicates and ordering (a
 * cancellation before its approval, 200 deliveries of one event), ids that must not collide, scope, and
 * what the logs may hold. Every test has people of its own: one owner per mailbox lives across tests.
 */
import type { DevClock } from '../../dev/host/devClock';
import type { DevHost } from '../../dev/host/devHost';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { signGeneric } from '../../shared/leave/sources/signature';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { decisionLines, ownerOf, runningOwners, settleOwners } from '../support/calendarOwners';
import { FakeMailbox } from '../support/durableMailboxFake';
import {
  postGenericHrEvent,
  startLeaveDevHost,
  type LeaveDevHost,
  type WebhookAnswer,
} from '../support/leaveDevHost';

const SECRET = 'current-secret-for-tests';
const OLD_SECRET = 'previous-secret-still-active';
/** A person's own reply that is on (it stays until their absence starts). */
const previous: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: '<p>Back soon &amp; thanks</p>',
  externalReply: '<p>Out</p>',
};
/** A person's own reply that is off, texts kept (quiet: their absence is scheduled ahead). */
const quiet: OofSettings = { ...previous, state: 'Disabled' };

let devHost: LeaveDevHost;
let host: DevHost;
let clock: DevClock;
const mailbox = new FakeMailbox(() => clock.now());

beforeAll(async () => {
  devHost = await startLeaveDevHost({
    env: {
      HR_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}`,
      MAILBOX_SCOPE: 'contoso.com',
      LEAVE_OOF_AUDIENCE: 'known',
      LEAVE_RETRY_FIRST_MS: '10',
    },
    mailbox,
  });
  host = devHost.host;
  clock = host.clock;
});

afterAll(() => devHost.close());

beforeEach(() => {
  mailbox.calls.length = 0;
});

let seq = 0;
/** A new person of the test's own, with `own` as their replies. */
function person(own: OofSettings = previous): string {
  const email = `person${++seq}@contoso.com`;
  mailbox.oof.set(email, { ...own });
  return email;
}

const day = (offset: number): string =>
  new Date(clock.now() + offset * 86_400_000).toISOString().slice(0, 10);

function leaveEvent(email: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: `evt-${++seq}`,
    type: 'approved',
    occurredAt: new Date(clock.now() - 60_000).toISOString(),
    leaveId: `L-${seq}`,
    start: day(10),
    end: day(20),
    timeZone: 'Europe/Berlin',
    employee: { email, displayName: 'Alice <Example>' },
    locale: 'de-AT',
    ...overrides,
  };
}

const post = (
  body: string,
  headers: Record<string, string> = {},
  secret = SECRET,
  signedAt?: number,
): Promise<WebhookAnswer> => postGenericHrEvent(host, body, { secret, signedAt, headers });

/** Posts an event and waits until the owner of its person has handled it. */
async function deliver(event: Record<string, unknown>): Promise<WebhookAnswer> {
  const answer = await post(JSON.stringify(event));
  expect(answer.status).toBe(202);
  await settleOwners(host.durable, [(event.employee as { email: string }).email]);
  return answer;
}

/** Moves the virtual clock to `iso` and waits until every owner (other tests' too) has handled what came due. */
async function advanceTo(iso: string): Promise<void> {
  clock.advanceTo(Date.parse(iso));
  await settleOwners(host.durable, runningOwners(host.durable));
}

const setOofCalls = (email: string): string[] =>
  mailbox.calls.filter((c) => c.startsWith(`setOof ${email} `));

describe('HR webhook through the dev host', () => {
  test('a signed approval schedules the replies in the person’s language, with UTC times and escaped names', async () => {
    const alice = person(quiet);
    const r = await deliver(
      leaveEvent(alice, {
        start: '2030-03-25',
        end: '2030-04-05',
        occurredAt: new Date(clock.now()).toISOString(),
      }),
    );
    expect(r.json).toMatchObject({ id: calendarInstanceId(alice), outcome: 'started' });
    const oof = mailbox.oof.get(alice);
    expect(oof).toMatchObject({
      state: 'Scheduled',
      start: '2030-03-24T23:00:00.000Z',
      end: '2030-04-05T22:00:00.000Z',
      externalAudience: 'Known',
    });
    expect(oof?.internalReply).toContain('Alice &lt;Example&gt; ist im Urlaub');
    expect(oof?.internalReply).toContain('Samstag, 6. April 2030');
  });

  test('the reply starts with the leave and the person’s own reply is back after it, as the clock moves', async () => {
    const alice = person(previous);
    const event = leaveEvent(alice);
    await deliver(event);
    // Her own reply is on: it stays until the leave starts, when the owner looks again.
    expect(mailbox.oof.get(alice)).toEqual(previous);
    const until = String(ownerOf(host.durable, alice)?.status.until);
    expect(until.slice(0, 10) <= String(event.start)).toBe(true);

    await advanceTo(until);
    expect(mailbox.oof.get(alice)).toMatchObject({ state: 'Scheduled', externalAudience: 'Known' });
    expect(mailbox.oof.get(alice)?.internalReply).toContain('ist im Urlaub');

    await advanceTo(String(ownerOf(host.durable, alice)?.status.until));
    expect(mailbox.oof.get(alice)).toEqual(previous);
    expect(ownerOf(host.durable, alice)).toMatchObject({
      runtimeStatus: 'Running',
      status: { phase: 'waiting' },
    });
    expect(ownerOf(host.durable, alice)?.status.until).toBeUndefined();
  });

  test('the same event delivered 200 times to a running owner: every answer after the first is ignored, nothing grows', async () => {
    const alice = person(quiet);
    const body = JSON.stringify(leaveEvent(alice));
    const first = await post(body);
    expect(first.json.outcome).toBe('started');
    await settleOwners(host.durable, [alice]);
    const before = ownerOf(host.durable, alice);
    const callsBefore = mailbox.calls.length;

    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const answer = await post(body);
      expect(answer.json).toMatchObject({ id: calendarInstanceId(alice), status: 'Running' });
      const outcome = String(answer.json.outcome);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    await settleOwners(host.durable, [alice]);

    expect(Object.fromEntries(outcomes)).toEqual({ ignored: 200 });
    // The owner was never woken: the same generation, history and state; the mailbox not even read.
    const after = ownerOf(host.durable, alice);
    expect(after?.historyLength).toBe(before?.historyLength);
    expect(after?.lastUpdatedTime).toBe(before?.lastUpdatedTime);
    expect(after?.calendar).toEqual(before?.calendar);
    expect(mailbox.calls.length).toBe(callsBefore);
    expect(setOofCalls(alice)).toHaveLength(1);
  });

  test('a change moves the replies; an older event arriving later is ignored; a cancellation restores', async () => {
    const alice = person(quiet);
    const first = leaveEvent(alice, { occurredAt: new Date(clock.now() - 3_600_000).toISOString() });
    await deliver(first);
    const endBefore = mailbox.oof.get(alice)?.end;
    const later = {
      ...first,
      eventId: 'chg-1',
      type: 'updated',
      occurredAt: new Date(clock.now() - 60_000).toISOString(),
      end: day(30),
    };
    expect((await deliver(later)).json.outcome).toBe('forwarded');
    const movedEnd = mailbox.oof.get(alice)?.end;
    expect(movedEnd).not.toBe(endBefore);
    expect(movedEnd?.slice(0, 10)).toBe(day(30));

    const older = {
      ...first,
      eventId: 'chg-0',
      type: 'updated',
      occurredAt: new Date(clock.now() - 1_800_000).toISOString(),
      end: day(40),
    };
    const ignored = await deliver(older);
    expect(ignored.json).toMatchObject({ outcome: 'ignored' });
    expect(mailbox.oof.get(alice)?.end).toBe(movedEnd);

    const cancel = {
      ...first,
      eventId: 'cxl-1',
      type: 'cancelled',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    expect((await deliver(cancel)).json.outcome).toBe('forwarded');
    expect(mailbox.oof.get(alice)).toEqual(quiet);
    expect(setOofCalls(alice)).toHaveLength(3);
  });

  test('a cancellation that arrives before its approval: 202, the older approval is ignored, no reply ever', async () => {
    const alice = person(quiet);
    const approval = leaveEvent(alice, { occurredAt: new Date(clock.now() - 3_600_000).toISOString() });
    const cancellation = {
      ...approval,
      eventId: `${String(approval.eventId)}-cxl`,
      type: 'cancelled',
      occurredAt: new Date(clock.now() - 60_000).toISOString(),
    };
    const first = await deliver(cancellation);
    expect(first.json).toMatchObject({ id: calendarInstanceId(alice), outcome: 'started' });
    const late = await deliver(approval);
    expect(late.json).toMatchObject({ id: calendarInstanceId(alice), outcome: 'ignored' });

    // Not at the leave's start either: the calendar holds the cancellation, nothing to show.
    await advanceTo(new Date(Date.parse(String(approval.start)) + 86_400_000).toISOString());
    expect(setOofCalls(alice)).toEqual([]);
    expect(mailbox.oof.get(alice)).toEqual(quiet);
  });

  test('leave ids K:1 and K_3A1 of two people reach two owners, and of one person two leaves', async () => {
    const [ann, ben] = [person(quiet), person(quiet)];
    const a = await deliver(leaveEvent(ann, { leaveId: 'K:1', start: day(10), end: day(12) }));
    const b = await deliver(leaveEvent(ben, { leaveId: 'K_3A1', start: day(20), end: day(22) }));
    expect(a.json).toMatchObject({ id: calendarInstanceId(ann), outcome: 'started' });
    expect(b.json).toMatchObject({ id: calendarInstanceId(ben), outcome: 'started' });
    expect(a.json.id).not.toBe(b.json.id);
    expect(mailbox.oof.get(ann)?.start?.slice(0, 10)).toBe(day(9));
    expect(mailbox.oof.get(ben)?.start?.slice(0, 10)).toBe(day(19));

    // One person with both ids: two leaves, not one changed twice.
    const cid = person(quiet);
    await deliver(leaveEvent(cid, { leaveId: 'K:1', start: day(10), end: day(12) }));
    const second = await deliver(leaveEvent(cid, { leaveId: 'K_3A1', start: day(30), end: day(32) }));
    expect(second.json.outcome).toBe('forwarded');
    expect(
      ownerOf(host.durable, cid)
        ?.calendar.leaves.map((l) => l.key)
        .sort(),
    ).toEqual(['generic:K:1', 'generic:K_3A1']);
    // The first leave is what the mailbox shows (the second one comes after it).
    expect(mailbox.oof.get(cid)?.start?.slice(0, 10)).toBe(day(9));
  });

  test('a cancellation for a leave that already finished changes nothing', async () => {
    const alice = person(previous);
    const first = leaveEvent(alice, { start: day(1), end: day(2) });
    await deliver(first);
    await advanceTo(new Date(clock.now() + 2 * 86_400_000).toISOString());
    await advanceTo(new Date(clock.now() + 30 * 86_400_000).toISOString());
    expect(mailbox.oof.get(alice)).toEqual(previous);
    mailbox.calls.length = 0;
    const cancel = {
      ...first,
      eventId: 'late-cxl',
      type: 'cancelled',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    const r = await deliver(cancel);
    expect(r.json.outcome).toBe('forwarded');
    expect(setOofCalls(alice)).toEqual([]);
    expect(mailbox.oof.get(alice)).toEqual(previous);
  });

  test('a mailbox outside MAILBOX_SCOPE: the owner says so and no mailbox call is made', async () => {
    const ceo = 'ceo@fabrikam.com';
    await deliver(leaveEvent(ceo));
    expect(decisionLines(host.durable, ceo)).toContainEqual(
      expect.stringMatching(/^out-of-scope: ceo@fabrikam\.com is outside MAILBOX_SCOPE/),
    );
    expect(mailbox.calls).toEqual([]);
  });

  describe('refusals: nothing starts, nothing changes', () => {
    const instancesBefore = () => host.durable.listInstances().length;

    test.each([
      ['missing', { 'x-signature': '' }],
      ['wrong', { 'x-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` }],
      ['malformed', { 'x-signature': 'sha256=abc' }],
    ])('401 for a %s signature', async (_what, headers) => {
      const n = instancesBefore();
      const r = await post(JSON.stringify(leaveEvent(person())), headers);
      expect(r.status).toBe(401);
      expect(instancesBefore()).toBe(n);
      expect(mailbox.calls).toEqual([]);
    });

    test('401 for a signature older than five minutes, 202 for one from a rotated (older but active) secret', async () => {
      const body = JSON.stringify(leaveEvent(person()));
      expect((await post(body, {}, SECRET, Math.floor(Date.now() / 1000) - 301)).status).toBe(401);
      expect((await post(body, {}, 'not-a-secret-we-know')).status).toBe(401);
      const ok = await post(body, {}, OLD_SECRET);
      expect(ok.status).toBe(202);
    });

    test('400 names the field at fault', async () => {
      expect((await post('{"eventId":')).json).toMatchObject({ error: 'InvalidJson', field: '(body)' });
      const bad = await post(JSON.stringify(leaveEvent('not-an-address')));
      expect(bad.status).toBe(400);
      expect(bad.json.field).toBe('employee.email');
      expect(
        (await post(JSON.stringify(leaveEvent(person(), { timeZone: 'Mars/Olympus' })))).json.field,
      ).toBe('timeZone');
      expect((await post(JSON.stringify(leaveEvent(person(), { start: '2030-02-30' })))).json.field).toBe(
        'start',
      );
      expect(
        (await post(JSON.stringify(leaveEvent(person(), { start: '2030-05-10', end: '2030-05-01' })))).json
          .field,
      ).toBe('end');
    });

    test('413 above 256 KiB, 415 for a body that is not JSON', async () => {
      const big = JSON.stringify(leaveEvent(person(), { locale: 'en', padding: 'x'.repeat(300 * 1024) }));
      expect((await post(big)).status).toBe(413);
      const r = await post('eventId=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status).toBe(415);
    });
  });

  test('fuzz: 10,000 random and mutated deliveries get only 4xx answers and start nothing', async () => {
    const n = host.durable.listInstances().length;
    const base = JSON.stringify(leaveEvent(person()));
    const goodSig = signGeneric(SECRET, base, Math.floor(Date.now() / 1000));
    let seed = 42;
    const rnd = (k: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % k;
    const mutate = (s: string): string => {
      const chars = [...s];
      for (let i = 0, m = 1 + rnd(5); i < m; i++) {
        const at = rnd(chars.length + 1);
        const op = rnd(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, String.fromCharCode(rnd(0x2fff)));
        else chars[at] = String.fromCharCode(32 + rnd(95));
      }
      return chars.join('');
    };
    const statuses = new Map<number, number>();
    const types = [
      'application/json',
      'text/plain',
      '',
      'application/json; charset=utf-8',
      'application/xml',
    ];
    const sigs = () => [
      goodSig,
      mutate(goodSig).replace(/[^\x20-\x7e]/g, 'z'),
      '',
      `t=${rnd(1e10)},v1=${'a'.repeat(64)}`,
      'x'.repeat(rnd(2000)),
    ];
    const batch = async (i: number): Promise<void> => {
      let body =
        rnd(3) === 0
          ? Buffer.from(Array.from({ length: rnd(512) }, () => rnd(256))).toString('latin1')
          : mutate(base);
      if (body === base) body += ' '; // a mutation that changed nothing would be a genuine delivery
      const sigOptions = sigs();
      const res = await fetch(`${host.url}/api/hr/generic`, {
        method: 'POST',
        headers: {
          'content-type': types[i % types.length] ?? '',
          'x-signature': sigOptions[rnd(sigOptions.length)] ?? '',
        },
        body,
      });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    };
    for (let i = 0; i < 10_000; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => batch(i + j)));
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(host.durable.listInstances().length).toBe(n);
    expect(mailbox.calls).toEqual([]);
  }, 120_000);

  test('logs never carry the signing secret or the reply text', () => {
    const all = devHost.logs.join('\n');
    expect(all).toContain('hr/generic: event'); // we did capture the webhook's logs
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(OLD_SECRET);
    expect(all).not.toMatch(/ist im Urlaub|is on leave/);
  });
});
