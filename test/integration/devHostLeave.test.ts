/**
 * The HR webhook and the leave orchestration through the dev host: real HTTP on 127.0.0.1, the real
 * DurableClient against the dev host's stand-in of the extension API, the real replay engine, and an
 * in-memory mailbox. Time is the dev host's virtual clock. What the sandbox end-to-end tests
 * (leaveEndToEnd, hibobWebhook) already show against a real EWS mailbox is not repeated here: these cover
 * the webhook's refusals, the fuzz, duplicates and ordering, scope, and what the logs may hold.
 */
import type { DevClock } from '../../dev/host/devClock';
import type { DevHost } from '../../dev/host/devHost';
import { signGeneric } from '../../shared/leave/sources/signature';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { FakeMailbox } from '../support/durableMailboxFake';
import { durableStatusUrl, pollStatus, type DurableStatus } from '../support/durableStatus';
import {
  postGenericHrEvent,
  startLeaveDevHost,
  type LeaveDevHost,
  type WebhookAnswer,
} from '../support/leaveDevHost';

const SECRET = 'current-secret-for-tests';
const OLD_SECRET = 'previous-secret-still-active';
const ALICE = 'alice@contoso.com';
const previous: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: '<p>Back soon &amp; thanks</p>',
  externalReply: '<p>Out</p>',
};

let devHost: LeaveDevHost;
let host: DevHost;
let clock: DevClock;
const mailbox = new FakeMailbox();

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
  mailbox.oof.clear();
  mailbox.calls.length = 0;
  mailbox.oof.set(ALICE, { ...previous });
});

let seq = 0;
function leaveEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date(clock.now());
  const day = (offset: number): string =>
    new Date(now.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  return {
    eventId: `evt-${++seq}`,
    type: 'approved',
    occurredAt: new Date(clock.now() - 60_000).toISOString(),
    leaveId: `L-${seq}`,
    start: day(10),
    end: day(20),
    timeZone: 'Europe/Berlin',
    employee: { email: ALICE, displayName: 'Alice <Example>' },
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

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The durable status (output included) of the leave a 202 names; the answer itself carries no such URL. */
const statusOf = (answer: WebhookAnswer | undefined): string =>
  durableStatusUrl(host.url, String(answer?.json.id));
const cleanUp = (answer: WebhookAnswer | undefined): void => {
  host.durable.terminate(String(answer?.json.id), 'cleanup');
};
const waiting = (url: string) => pollStatus(url, (s) => s.customStatus?.phase === 'waiting', 'phase waiting');
/** The leave's final status, once the dev host's durable engine says the instance has ended (no polling). */
async function finished(url: string): Promise<DurableStatus> {
  await host.durable.waitForCompletion(decodeURIComponent(url.slice(url.lastIndexOf('/') + 1)));
  return (await (await fetch(url)).json()) as DurableStatus;
}

describe('HR webhook through the dev host', () => {
  test('a signed approval schedules the replies in the person’s language, with UTC times and escaped names', async () => {
    const event = leaveEvent({
      start: '2030-03-25',
      end: '2030-04-05',
      occurredAt: new Date(clock.now()).toISOString(),
    });
    const r = await post(JSON.stringify(event));
    expect(r.status).toBe(202);
    expect(r.json.outcome).toBe('started');
    expect(String(r.json.id)).toMatch(/^leave-generic-L-/);
    await waiting(statusOf(r));
    const oof = mailbox.oof.get(ALICE);
    expect(oof).toMatchObject({
      state: 'Scheduled',
      start: '2030-03-24T23:00:00.000Z',
      end: '2030-04-05T22:00:00.000Z',
      externalAudience: 'Known',
    });
    expect(oof?.internalReply).toContain('Alice &lt;Example&gt; ist im Urlaub');
    expect(oof?.internalReply).toContain('Samstag, 6. April 2030');
    cleanUp(r);
  });

  test('the same event delivered five times changes the mailbox once', async () => {
    const body = JSON.stringify(leaveEvent());
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post(body));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(answers.map((a) => a.json.outcome)).toEqual([
      'started',
      'forwarded',
      'forwarded',
      'forwarded',
      'forwarded',
    ]);
    const url = statusOf(answers[0]);
    await waiting(url);
    await new Promise((r) => setTimeout(r, 100));
    expect(mailbox.calls.filter((c) => c.startsWith('setOof'))).toHaveLength(1);
    cleanUp(answers[0]);
  });

  test('a change moves the replies; an older event arriving later is ignored; a cancellation restores', async () => {
    const first = leaveEvent({ occurredAt: new Date(clock.now() - 3_600_000).toISOString() });
    const r = await post(JSON.stringify(first));
    const url = statusOf(r);
    await waiting(url);
    const endBefore = mailbox.oof.get(ALICE)?.end;
    const later = {
      ...first,
      eventId: 'chg-1',
      type: 'updated',
      occurredAt: new Date(clock.now() - 60_000).toISOString(),
      end: '2031-01-09',
    };
    expect((await post(JSON.stringify(later))).json.outcome).toBe('forwarded');
    await until(
      () => Promise.resolve(mailbox.oof.get(ALICE)?.end),
      (e) => e === '2031-01-09T23:00:00.000Z',
      'the new end',
    );
    const older = {
      ...first,
      eventId: 'chg-0',
      type: 'updated',
      occurredAt: new Date(clock.now() - 1_800_000).toISOString(),
      end: '2031-05-01',
    };
    await post(JSON.stringify(older));
    await new Promise((r) => setTimeout(r, 100));
    expect(mailbox.oof.get(ALICE)?.end).toBe('2031-01-09T23:00:00.000Z');
    expect(endBefore).not.toBe('2031-01-09T23:00:00.000Z');
    const cancel = {
      ...first,
      eventId: 'cxl-1',
      type: 'cancelled',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    await post(JSON.stringify(cancel));
    const s = await finished(url);
    expect(s.output).toMatchObject({
      outcome: 'restored',
      endedBy: 'cancelled',
      eventsIgnored: ['chg-0'],
      timesSet: 2,
    });
    expect(mailbox.oof.get(ALICE)).toEqual(previous);
  });

  test('a cancellation for a leave that already finished changes nothing', async () => {
    const first = leaveEvent();
    const url = statusOf(await post(JSON.stringify(first)));
    await waiting(url);
    clock.advance(30 * 86_400_000);
    await finished(url);
    mailbox.calls.length = 0;
    const cancel = {
      ...first,
      eventId: 'late-cxl',
      type: 'cancelled',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    const r = await post(JSON.stringify(cancel));
    expect(r.status).toBe(202);
    expect(r.json.outcome).toBe('ignored');
    expect(mailbox.calls).toEqual([]);
  });

  test('a mailbox outside MAILBOX_SCOPE: the orchestration says so and no mailbox call is made', async () => {
    const url = statusOf(
      await post(JSON.stringify(leaveEvent({ employee: { email: 'ceo@fabrikam.com', displayName: 'CEO' } }))),
    );
    const s = await finished(url);
    expect(s.output).toMatchObject({ outcome: 'out-of-scope' });
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
      const r = await post(JSON.stringify(leaveEvent()), headers);
      expect(r.status).toBe(401);
      expect(instancesBefore()).toBe(n);
      expect(mailbox.calls).toEqual([]);
    });

    test('401 for a signature older than five minutes, 202 for one from a rotated (older but active) secret', async () => {
      const body = JSON.stringify(leaveEvent());
      expect((await post(body, {}, SECRET, Math.floor(Date.now() / 1000) - 301)).status).toBe(401);
      expect((await post(body, {}, 'not-a-secret-we-know')).status).toBe(401);
      const ok = await post(body, {}, OLD_SECRET);
      expect(ok.status).toBe(202);
      cleanUp(ok);
    });

    test('400 names the field at fault', async () => {
      expect((await post('{"eventId":')).json).toMatchObject({ error: 'InvalidJson', field: '(body)' });
      const bad = await post(
        JSON.stringify(leaveEvent({ employee: { email: 'not-an-address', displayName: 'X' } })),
      );
      expect(bad.status).toBe(400);
      expect(bad.json.field).toBe('employee.email');
      expect((await post(JSON.stringify(leaveEvent({ timeZone: 'Mars/Olympus' })))).json.field).toBe(
        'timeZone',
      );
      expect((await post(JSON.stringify(leaveEvent({ start: '2030-02-30' })))).json.field).toBe('start');
      expect(
        (await post(JSON.stringify(leaveEvent({ start: '2030-05-10', end: '2030-05-01' })))).json.field,
      ).toBe('end');
    });

    test('413 above 256 KiB, 415 for a body that is not JSON', async () => {
      const big = JSON.stringify(leaveEvent({ locale: 'en', padding: 'x'.repeat(300 * 1024) }));
      expect((await post(big)).status).toBe(413);
      const r = await post('eventId=1', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(r.status).toBe(415);
    });
  });

  test('fuzz: 10,000 random and mutated deliveries get only 4xx answers and start nothing', async () => {
    const n = host.durable.listInstances().length;
    const base = JSON.stringify(leaveEvent());
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
