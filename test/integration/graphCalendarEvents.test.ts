/**
 * The Out of office calendar event through the real GraphClient against the Graph stand-in (the demo
 * tenant, whose people have events of their own: dev/graph/demo-calendar.json), and the stand-in's
 * refusals of what Graph refuses (event resource, user-post-events, event-update, event-delete pages).
 * The stand-in's inspection route is the witness of what the calendar holds.
 */
import http from 'node:http';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';
import {
  GRAPH_ROLES,
  startGraphStandIn,
  type GraphStandIn,
  type InspectedEvent,
} from '../../dev/graph/graphStandIn';
import type { EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { GraphClient } from '../../shared/mailbox/graph/graphClient';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { OofCalendarEvent } from '../../shared/mailbox/mailboxOperations';
import { ConfigError } from '../../shared/platform/configError';
import { loadGraphSettings } from '../../shared/platform/config';
import { demoSeed } from '../support/demoTenant';
import {
  graphAccessToken,
  graphAppSettings,
  startGraphTenant,
  type GraphTenant,
} from '../support/graphTenant';

/** The demo tenant's app registration, the one its application access policy scopes. */
const APP = demoSeed.apps?.[0]?.clientId ?? '';
const SECRET = 'graph-calendar-secret';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';

let world: GraphTenant;
let tokens: EntraTokenServer;
let graph: GraphStandIn;
let client: GraphClient;

beforeAll(async () => {
  world = await startGraphTenant({
    tokenClients: [{ clientId: APP, clientSecret: SECRET, roles: GRAPH_ROLES }],
  });
  ({ tokens, graph } = world);
  const env = {
    ...graphAppSettings(tokens, graph, { clientId: APP, clientSecret: SECRET }),
    MAILBOX_SCOPE: 'contoso.com',
  };
  client = new GraphClient(loadGraphSettings(env), { backOffBaseMs: 10, backOffCapMs: 50 });
});

afterAll(async () => {
  await client.close();
  await world.close();
});

beforeEach(() => world.reset());

const leave = (change: Partial<OofCalendarEvent> = {}): OofCalendarEvent => ({
  subject: 'Out of office',
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  body: 'I am on leave; back on 15 July.',
  tag: 'absence-1',
  ...change,
});

/** What the person had, without the ids and times Graph writes (to compare before and after). */
const own = (address: string): InspectedEvent[] =>
  graph.events(address).filter((e) => !(e.transactionId as string | undefined)?.startsWith('absence-'));

const ours = (address: string): InspectedEvent[] =>
  graph.events(address).filter((e) => (e.transactionId as string | undefined)?.startsWith('absence-'));

describe('the Out of office event through the Graph client', () => {
  test('the demo people start with events of their own', () => {
    expect(own(ALICE).map((e) => e.subject)).toEqual(['Team sync', "Sister's wedding"]);
    expect(own(BOB)).toHaveLength(1);
    expect(own(CAROL)).toHaveLength(2);
  });

  test('create: one all-day OOF event over the absence’s days in Berlin; the same tag again is the same event', async () => {
    const before = own(ALICE);
    const id = await client.createOofEvent(ALICE, leave());
    const [event, ...more] = ours(ALICE);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      id,
      subject: 'Out of office',
      isAllDay: true,
      showAs: 'oof',
      isReminderOn: false,
      responseRequested: false,
      attendees: [],
      body: { contentType: 'text', content: 'I am on leave; back on 15 July.' },
      originalStartTimeZone: 'W. Europe Standard Time',
      // midnight in Berlin (summer, UTC+2) on the first day, to midnight of the first day back
      startUtc: '2030-06-30T22:00:00.000Z',
      endUtc: '2030-07-14T22:00:00.000Z',
    });

    // A retried create (the first answer lost): Graph finds the event by its transactionId.
    await expect(client.createOofEvent(ALICE, leave())).resolves.toBe(id);
    expect(ours(ALICE)).toHaveLength(1);
    expect(own(ALICE)).toEqual(before);
    await client.deleteOofEvent(ALICE, id);
  });

  test('the days are the person’s own: Los Angeles midnights', async () => {
    const id = await client.createOofEvent(
      BOB,
      leave({
        timeZone: 'America/Los_Angeles',
        firstDay: '2030-12-22',
        firstDayBack: '2031-01-05',
        tag: 'absence-la',
      }),
    );
    expect(ours(BOB)).toEqual([
      expect.objectContaining({
        id,
        originalStartTimeZone: 'Pacific Standard Time',
        startUtc: '2030-12-22T08:00:00.000Z', // UTC-8 in winter
        endUtc: '2031-01-05T08:00:00.000Z',
      }),
    ]);
    await client.deleteOofEvent(BOB, id);
  });

  test('update moves it; delete removes it; a second delete is already-gone; updating a deleted one is ErrorItemNotFound; the person’s events never change', async () => {
    const before = own(CAROL);
    const id = await client.createOofEvent(CAROL, leave({ timeZone: 'Europe/Lisbon', tag: 'absence-2' }));
    const moved = leave({
      timeZone: 'Europe/Lisbon',
      tag: 'absence-2',
      firstDayBack: '2030-07-22',
      body: 'Back on 22 July.',
    });
    await expect(client.updateOofEvent(CAROL, id, moved)).resolves.toBe(id);
    expect(ours(CAROL)).toEqual([
      expect.objectContaining({
        id,
        startUtc: '2030-06-30T23:00:00.000Z',
        endUtc: '2030-07-21T23:00:00.000Z',
        body: { contentType: 'text', content: 'Back on 22 July.' },
        transactionId: 'absence-2',
      }),
    ]);

    await expect(client.deleteOofEvent(CAROL, id)).resolves.toBe('deleted');
    expect(ours(CAROL)).toEqual([]);
    await expect(client.deleteOofEvent(CAROL, id)).resolves.toBe('already-gone');
    const gone = await client.updateOofEvent(CAROL, id, moved).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(MailboxError);
    expect(gone).toMatchObject({ code: 'ErrorItemNotFound', errorClass: 'permanent', mailbox: CAROL });
    expect(ours(CAROL)).toEqual([]);
    expect(own(CAROL)).toEqual(before);
  });

  test('a bad event is refused naming the field, and nothing is sent', async () => {
    const attempt = client.createOofEvent(ALICE, leave({ firstDayBack: '2030-06-30' }));
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/firstDayBack/);
    expect(graph.requests.filter((r) => /\/events/.test(r.path))).toEqual([]);
  });

  test('a 404 for the user is an error, never already-gone', async () => {
    const unknown = await client.deleteOofEvent('nobody@contoso.com', 'AAMkx').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'UserNotFound' });
  });
});

describe('a create whose answer is lost', () => {
  /**
   * A loopback relay in front of the stand-in: every request passed on as it came, except that the first
   * POST of an event is carried out and its connection then dropped, as a proxy or a network failure would.
   */
  async function startLossyRelay(): Promise<{
    url: string;
    postedTransactionIds: unknown[];
    close: () => Promise<void>;
  }> {
    const postedTransactionIds: unknown[] = [];
    let dropped = false;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'accept', 'prefer', 'client-request-id']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const isCreate = req.method === 'POST' && /\/events$/.test(req.url ?? '');
        if (isCreate)
          postedTransactionIds.push((JSON.parse(body) as { transactionId?: unknown }).transactionId);
        void fetch(`${graph.origin}${req.url ?? ''}`, {
          method: req.method,
          headers,
          ...(body ? { body } : {}),
        }).then(async (answered) => {
          const text = await answered.text();
          if (isCreate && !dropped) {
            dropped = true;
            res.socket?.destroy(); // Graph made the event; its answer never comes
            return;
          }
          res.writeHead(answered.status, {
            'content-type': answered.headers.get('content-type') ?? 'application/json',
          });
          res.end(text);
        });
      });
    });
    const listener = await listenOnLoopback(server);
    return { url: `${listener.origin}/v1.0`, postedTransactionIds, close: listener.close };
  }

  test('is sent again with the same transactionId, and Graph answers the first event: one event', async () => {
    const relay = await startLossyRelay();
    const env = {
      ...graphAppSettings(tokens, { url: relay.url }, { clientId: APP, clientSecret: SECRET }),
      MAILBOX_SCOPE: 'contoso.com',
    };
    const calls: string[] = [];
    const lossy = new GraphClient(loadGraphSettings(env), {
      backOffBaseMs: 10,
      backOffCapMs: 50,
      onCall: (call) => calls.push(`${call.operation} ${call.outcome}${call.code ? ` ${call.code}` : ''}`),
    });
    try {
      const id = await lossy.createOofEvent(ALICE, leave({ tag: 'absence-lost' }));
      // Both attempts carried the tag: Graph matched the second to the first (event resource, transactionId).
      expect(relay.postedTransactionIds).toEqual(['absence-lost', 'absence-lost']);
      // The user's id looked up first, then the POST: lost, sent again, answered.
      expect(calls.slice(-2)).toEqual(['CreateOofEvent retry CONNECTION', 'CreateOofEvent ok']);
      expect(ours(ALICE).map((e) => e.id)).toEqual([id]);
      await client.deleteOofEvent(ALICE, id);
    } finally {
      await lossy.close();
      await relay.close();
    }
  });
});

describe('the stand-in refuses what Graph refuses', () => {
  const ask = async (
    method: string,
    path: string,
    body?: unknown,
    roles: readonly string[] = GRAPH_ROLES,
  ): Promise<{ status: number; body: Record<string, unknown> & { error?: { code?: string } } }> => {
    const token =
      roles === GRAPH_ROLES
        ? graphAccessToken(tokens, APP)
        : tokens.issueToken({
            aud: 'https://graph.microsoft.com',
            tid: tokens.tenantId,
            appid: APP,
            roles,
            exp: Math.floor(Date.now() / 1000) + 600,
          });
    const res = await fetch(`${graph.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const alice = () => `/users/${graph.userId(ALICE) ?? ''}`;
  const allDay = {
    subject: 'x',
    isAllDay: true,
    start: { dateTime: '2030-07-01T00:00:00', timeZone: 'W. Europe Standard Time' },
    end: { dateTime: '2030-07-02T00:00:00', timeZone: 'W. Europe Standard Time' },
  };

  test.each([
    ['an unknown property', { ...allDay, colour: 'red' }, 'RequestBodyRead'],
    [
      'an all-day start that is not midnight',
      { ...allDay, start: { ...allDay.start, dateTime: '2030-07-01T09:00:00' } },
      'ErrorInvalidRequest',
    ],
    [
      'an all-day end in another time zone',
      { ...allDay, end: { ...allDay.end, timeZone: 'Pacific Standard Time' } },
      'ErrorInvalidRequest',
    ],
    [
      'a time zone no one knows',
      { ...allDay, end: { ...allDay.end, timeZone: 'Mars/Olympus' } },
      'TimeZoneNotSupportedException',
    ],
    ['showAs outside its enum', { ...allDay, showAs: 'away' }, 'RequestBodyRead'],
  ])('%s: 400, and the calendar is unchanged', async (_what, body, code) => {
    const before = graph.events(ALICE);
    const answer = await ask('POST', `${alice()}/events`, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe(code);
    expect(graph.events(ALICE)).toEqual(before);
  });

  test('without Calendars.ReadWrite: 403 ErrorAccessDenied; reading needs Calendars.Read', async () => {
    const settingsOnly = ['MailboxSettings.ReadWrite', 'User.Read.All'];
    expect(await ask('POST', `${alice()}/events`, allDay, settingsOnly)).toMatchObject({
      status: 403,
      body: { error: { code: 'ErrorAccessDenied' } },
    });
    expect((await ask('GET', `${alice()}/events`, undefined, settingsOnly)).status).toBe(403);
    expect((await ask('GET', `${alice()}/events`, undefined, ['Calendars.Read'])).status).toBe(200);
  });

  test('an unknown event id is 404 ErrorItemNotFound for GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const answer = await ask(
        method,
        `${alice()}/events/AAMknothing`,
        method === 'PATCH' ? { subject: 'y' } : undefined,
      );
      expect([method, answer.status, answer.body.error?.code]).toEqual([method, 404, 'ErrorItemNotFound']);
    }
  });

  test('GET answers the event ($select honoured, the id always); the list pages by 10; transactionId cannot change', async () => {
    const created = await ask('POST', `${alice()}/events`, { ...allDay, transactionId: 'absence-x' });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect((await ask('GET', `${alice()}/events/${id}?$select=subject,isAllDay`)).body).toEqual({
      id,
      subject: 'x',
      isAllDay: true,
    });
    const list = await ask('GET', `${alice()}/events?$select=subject`);
    expect(list.body.value).toEqual(graph.events(ALICE).map((e) => ({ id: e.id, subject: e.subject })));
    expect(list.body['@odata.nextLink']).toBeUndefined();
    // 3 + 9 more: a first page of 10 and a nextLink to the last 2.
    const extra: string[] = [];
    for (let i = 0; i < 9; i++) {
      extra.push(String((await ask('POST', `${alice()}/events`, { ...allDay, subject: `e${i}` })).body.id));
    }
    const first = await ask('GET', `${alice()}/events?$select=subject`);
    expect(first.body.value).toHaveLength(10);
    const next = new URL(String(first.body['@odata.nextLink']));
    const rest = await ask('GET', `${next.pathname.replace(/^\/v1\.0/, '')}${next.search}`);
    expect((rest.body.value as { subject: string }[]).map((e) => e.subject)).toEqual(['e7', 'e8']);
    for (const extraId of extra) await ask('DELETE', `${alice()}/events/${extraId}`);
    expect(
      (await ask('PATCH', `${alice()}/events/${id}`, { transactionId: 'absence-y' })).body.error?.code,
    ).toBe('ErrorInvalidRequest');
    // The all-day rule holds for the event after the update, not only for the request.
    const shifted = await ask('PATCH', `${alice()}/events/${id}`, {
      end: { dateTime: '2030-07-02T12:00:00', timeZone: 'W. Europe Standard Time' },
    });
    expect(shifted.body.error?.code).toBe('ErrorInvalidRequest');
    expect((await ask('DELETE', `${alice()}/events/${id}`)).status).toBe(204);
  });

  test('the inspection route shows a mailbox’s events without a token', async () => {
    const res = await fetch(`${graph.origin}/stand-in/users/${CAROL}/events`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { mailbox: string; events: InspectedEvent[] };
    expect(body.mailbox).toBe(CAROL);
    expect(body.events.map((e) => e.subject)).toEqual(['Lisbon office day', '1:1 with Alice']);
    expect((await fetch(`${graph.origin}/stand-in/users/nobody@contoso.com/events`)).status).toBe(404);
  });
});

describe('a calendar seed of its own', () => {
  const start = (events: Record<string, unknown[]>) =>
    startGraphStandIn({
      tenant: world.sandbox.tenant,
      signingKeys: [tokens.signingKey],
      calendar: { events },
    });

  test('replaces the demo events; a seeded event Graph would refuse, or a mailbox the tenant lacks, fails the start naming it', async () => {
    const own = await start({
      [BOB]: [
        {
          subject: 'Gym',
          start: { dateTime: '2030-07-03T18:00:00', timeZone: 'UTC' },
          end: { dateTime: '2030-07-03T19:00:00', timeZone: 'UTC' },
        },
      ],
    });
    expect(own.events(BOB).map((e) => e.subject)).toEqual(['Gym']);
    expect(own.events(ALICE)).toEqual([]);
    await own.close();
    await expect(start({ 'zed@contoso.com': [] })).rejects.toThrow(/zed@contoso.com: no such mailbox/);
    await expect(
      start({
        [BOB]: [
          {
            subject: 'Half day',
            isAllDay: true,
            start: { dateTime: '2030-07-03T12:00:00', timeZone: 'UTC' },
            end: { dateTime: '2030-07-04T00:00:00', timeZone: 'UTC' },
          },
        ],
      }),
    ).rejects.toThrow(/bob@contoso.com event 1: ErrorInvalidRequest/);
  });
});
