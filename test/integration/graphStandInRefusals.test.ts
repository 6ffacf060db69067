/**
 * The Graph stand-in refuses what Microsoft Graph v1.0 refuses, each as the reference page cited above
 * the test describes it, so a client that passes against the stand-in does what Graph accepts. Plain
 * HTTP requests with tokens from the loopback Entra token server; the stand-in served over HTTPS.
 */
import type { Agent } from 'undici';
import { loadSeedFile, type EwsSandbox } from '../../dev/ews-sandbox';
import { DevClock } from '../../dev/host/devClock';
import { startGraphStandIn, type GraphStandIn } from '../../dev/graph/graphStandIn';
import type { EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { graphAccessToken, startGraphTenant, type HttpsGraphTenant } from '../support/graphTenant';

const seed = loadSeedFile(demoSeedPath());
const APP = seed.apps?.[0]?.clientId ?? '';
const OTHER_APP = '0f1e2d3c-0000-4000-8000-0000000000a2';
/** Two years ahead of any run: a window meant to be taken is in the future, as Graph requires of a scheduled one. */
const AHEAD = new Date().getUTCFullYear() + 2;
const ONPREM = { address: 'olga@contoso.com', upn: 'olga@corp.contoso.com', displayName: 'Olga On-Prem' };

let world: HttpsGraphTenant;
let tokens: EntraTokenServer;
let sandbox: EwsSandbox;
let graph: GraphStandIn;
let dispatcher: Agent;

beforeAll(async () => {
  world = await startGraphTenant({ usersWithoutMailbox: [ONPREM], tls: true });
  ({ tokens, sandbox, graph, dispatcher } = world);
});

afterAll(() => world.close());

beforeEach(() => world.reset());

const token = (appid = APP): string => graphAccessToken(tokens, appid);

interface GraphReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & {
    error?: { code?: string; message?: string; innerError?: Record<string, string> };
  };
}

async function ask(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; app?: string } = {},
): Promise<GraphReply> {
  const { fetch } = await import('undici');
  const res = await fetch(path.startsWith('https:') ? path : `${graph.url}${path}`, {
    method: init.method ?? 'GET',
    dispatcher,
    headers: {
      authorization: `Bearer ${token(init.app)}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers as unknown as Headers,
    body: text ? (JSON.parse(text) as GraphReply['body']) : {},
  };
}

const ALICE_UPN = 'alice.wilber@corp.contoso.com';
const aliceId = (): string => graph.userId('alice@contoso.com') ?? '';

describe('addressing users (learn.microsoft.com/graph/api/user-get: /users/{id | userPrincipalName})', () => {
  test('Alice, whose UPN differs from her address, is not found by her SMTP address; her object id and UPN find her', async () => {
    const bySmtp = await ask('/users/alice@contoso.com/mailboxSettings/automaticRepliesSetting');
    expect(bySmtp.status).toBe(404);
    expect(bySmtp.body.error?.code).toBe('ErrorInvalidUser');
    expect((await ask('/users/alice@contoso.com')).status).toBe(404);
    for (const key of [aliceId(), 'alice.wilber@corp.contoso.com']) {
      const settings = await ask(`/users/${key}/mailboxSettings/automaticRepliesSetting`);
      expect(settings.status).toBe(200);
      expect(settings.body.status).toBe('disabled');
      expect((await ask(`/users/${key}?$select=id,mail`)).body).toEqual({
        id: aliceId(),
        mail: 'alice@contoso.com',
      });
    }
  });

  test('a user in the directory without an Exchange Online mailbox: 404 MailboxNotEnabledForRESTAPI (exchange troubleshooting: rest-api-is-not-yet-supported-for-this-mailbox)', async () => {
    const found = await ask(`/users?$filter=mail eq '${ONPREM.address}'&$select=id,mail`);
    const id = (found.body.value as { id: string }[])[0]?.id ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const settings = await ask(`/users/${id}/mailboxSettings`);
    expect(settings.status).toBe(404);
    expect(settings.body.error).toMatchObject({
      code: 'MailboxNotEnabledForRESTAPI',
      message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    });
  });

  test('a proxyAddresses filter finds the user by an alias (user-list, $filter on proxyAddresses)', async () => {
    const found = await ask(
      `/users?$filter=proxyAddresses/any(p:p eq 'smtp:a.wilber@contoso.com')&$select=id&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    expect(found.body).toEqual({ '@odata.count': 1, value: [{ id: aliceId() }] });
  });
});

describe('automatic replies (learn.microsoft.com/graph/api/user-update-mailboxsettings)', () => {
  const patch = (replies: Record<string, unknown>) =>
    ask(`/users/${aliceId()}/mailboxSettings`, {
      method: 'PATCH',
      body: { automaticRepliesSetting: replies },
    });

  test('a scheduled window wholly in the past is refused ("only a future date range") and nothing changes', async () => {
    const before = sandbox.tenant.mailboxByAddress('alice@contoso.com')?.oof;
    const refused = await patch({
      status: 'scheduled',
      scheduledStartDateTime: { dateTime: '2020-01-01T00:00:00', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2020-01-10T00:00:00', timeZone: 'UTC' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('ErrorInvalidScheduledOofDuration');
    expect(sandbox.tenant.mailboxByAddress('alice@contoso.com')?.oof).toEqual(before);
  });

  test('a time zone neither Windows nor IANA knows is refused with TimeZoneNotSupportedException', async () => {
    const refused = await patch({
      status: 'scheduled',
      scheduledStartDateTime: { dateTime: '2031-01-01T00:00:00', timeZone: 'Mars/Olympus_Mons' },
      scheduledEndDateTime: { dateTime: '2031-01-10T00:00:00', timeZone: 'UTC' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('TimeZoneNotSupportedException');
    expect(refused.body.error?.message).toContain("'Mars/Olympus_Mons'");
  });

  test('a future window in a Windows zone is stored at the right instant', async () => {
    const before = sandbox.tenant.mailboxByAddress('alice@contoso.com')?.oof;
    try {
      const ok = await patch({
        status: 'scheduled',
        scheduledStartDateTime: {
          dateTime: `${AHEAD}-07-01T09:00:00.0000000`,
          timeZone: 'W. Europe Standard Time',
        },
        scheduledEndDateTime: {
          dateTime: `${AHEAD}-07-02T09:00:00.0000000`,
          timeZone: 'W. Europe Standard Time',
        },
      });
      expect(ok.status).toBe(200);
      expect(sandbox.tenant.mailboxByAddress('alice@contoso.com')?.oof.start).toBe(
        Date.parse(`${AHEAD}-07-01T07:00:00Z`),
      );
    } finally {
      const m = sandbox.tenant.mailboxByAddress('alice@contoso.com');
      if (m && before) m.oof = before;
    }
  });
});

describe('transitive members (learn.microsoft.com/graph/api/group-list-transitivemembers)', () => {
  const groupId = async (): Promise<string> => {
    const found = await ask(`/groups?$filter=mail eq 'all-staff@contoso.com'`);
    return (found.body.value as { id: string }[])[0]?.id ?? '';
  };

  test('the OData cast without ConsistencyLevel and $count is 400 Request_UnsupportedQuery', async () => {
    const id = await groupId();
    for (const [query, headers] of [
      ['', {}],
      ['?$count=true', {}],
      ['', { ConsistencyLevel: 'eventual' }],
    ] as const) {
      const refused = await ask(`/groups/${id}/transitiveMembers/microsoft.graph.user${query}`, { headers });
      expect(refused.status).toBe(400);
      expect(refused.body.error?.code).toBe('Request_UnsupportedQuery');
    }
  });

  test('with both, the first page carries @odata.count and nextLinks are https URLs on the stand-in a client can follow', async () => {
    const id = await groupId();
    graph.configure({ pageSize: 3 });
    try {
      const first = await ask(
        `/groups/${id}/transitiveMembers/microsoft.graph.user?$count=true&$select=mail`,
        {
          headers: { ConsistencyLevel: 'eventual' },
        },
      );
      expect(first.body['@odata.count']).toBe(4);
      const next = String(first.body['@odata.nextLink']);
      expect(next.startsWith(`${graph.origin}/v1.0/groups/${id}/`)).toBe(true);
      expect(next).toMatch(/^https:\/\/127\.0\.0\.1:/);
      const second = await ask(next, { headers: { ConsistencyLevel: 'eventual' } });
      const mails = [
        ...(first.body.value as { mail: string }[]),
        ...(second.body.value as { mail: string }[]),
      ];
      expect(mails.map((u) => u.mail).sort()).toEqual([
        'alice@contoso.com',
        'bob@contoso.com',
        'carol@contoso.com',
        'dave@fabrikam.com',
      ]);
      expect(second.body['@odata.nextLink']).toBeUndefined();
    } finally {
      graph.configure({ pageSize: 100 });
    }
  });
});

describe('$batch (learn.microsoft.com/graph/json-batching)', () => {
  const replies = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    method: 'GET',
    // Alice by her UPN: the table is built before the stand-in has started.
    url: `/users/${ALICE_UPN}/mailboxSettings/automaticRepliesSetting`,
    ...extra,
  });

  test.each([
    ['the same id twice', [replies('1'), replies('1')]],
    ['ids that differ only in case', [replies('a'), replies('A')]],
    [
      'a body without headers',
      [
        {
          id: '1',
          method: 'PATCH',
          url: `/users/${ALICE_UPN}/mailboxSettings`,
          body: { automaticRepliesSetting: {} },
        },
      ],
    ],
    ['a dependsOn naming no request of the batch', [replies('1', { dependsOn: ['9'] })]],
    ['21 requests', Array.from({ length: 21 }, (_, i) => replies(String(i)))],
  ])('%s: the whole batch is refused with 400 and nothing runs', async (_, requests) => {
    const refused = await ask('/$batch', { method: 'POST', body: { requests } });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('BadRequest');
    expect(graph.requests.filter((r) => r.batchRequestId)).toHaveLength(0);
  });

  test('dependsOn: a request runs after its dependency, and fails with 424 when the dependency failed; item headers as Graph spells them', async () => {
    const answer = await ask('/$batch', {
      method: 'POST',
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users/nobody@contoso.com/mailboxSettings' },
          replies('2', { dependsOn: ['1'] }),
          replies('3'),
        ],
      },
    });
    expect(answer.status).toBe(200);
    const responses = answer.body.responses as {
      id: string;
      status: number;
      headers: Record<string, string>;
    }[];
    expect(responses.map((r) => [r.id, r.status])).toEqual([
      ['1', 404],
      ['2', 424],
      ['3', 200],
    ]);
    expect(Object.keys(responses[2]?.headers ?? {})).toContain('Content-Type');
  });

  test('twenty requests for one mailbox are handed on four at a time: none is throttled by the batch itself', async () => {
    graph.configure({ latencyMs: 20 });
    try {
      const answer = await ask('/$batch', {
        method: 'POST',
        body: { requests: Array.from({ length: 20 }, (_, i) => replies(String(i + 1))) },
      });
      const statuses = (answer.body.responses as { status: number }[]).map((r) => r.status);
      expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
    } finally {
      graph.configure({ latencyMs: 0 });
    }
  });
});

describe('throttling and errors (learn.microsoft.com/graph/throttling-limits: Outlook service limits; learn.microsoft.com/graph/errors)', () => {
  test('limits hold per application and mailbox: one app over its budget for Alice is throttled there only', async () => {
    graph.configure({ requestsPerWindow: 2 });
    try {
      const alice = `/users/${aliceId()}/mailboxSettings`;
      expect((await ask(alice)).status).toBe(200);
      expect((await ask(alice)).status).toBe(200);
      const throttled = await ask(alice);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await ask(alice, { app: OTHER_APP })).status).toBe(200);
      expect((await ask(`/users/${graph.userId('bob@contoso.com')}/mailboxSettings`)).status).toBe(200);
    } finally {
      graph.configure({ requestsPerWindow: 10_000 });
    }
  });

  test('an error body carries innerError with request-id, client-request-id and date', async () => {
    const failed = await ask('/users/nobody@contoso.com/mailboxSettings', {
      headers: { 'client-request-id': '11111111-2222-4333-8444-555555555555' },
    });
    expect(failed.status).toBe(404);
    const { date, ...ids } = failed.body.error?.innerError ?? {};
    expect(ids).toEqual({
      'request-id': failed.headers.get('request-id'),
      'client-request-id': '11111111-2222-4333-8444-555555555555',
    });
    expect(date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  test('a mailbox outside the application access policy: 403 ErrorAccessDenied "Access to OData is disabled."', async () => {
    const denied = await ask(`/users/${graph.userId('dave@fabrikam.com')}/mailboxSettings`);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 'ErrorAccessDenied',
      message: 'Access to OData is disabled.',
    });
  });
});

describe('"in the future" is the stand-in’s clock (its now option, the dev host’s virtual clock)', () => {
  test('a window that ends tomorrow is taken; once the clock has passed its end, the same window is refused and nothing changes', async () => {
    const clock = new DevClock();
    const onClock = await startGraphStandIn({
      tenant: sandbox.tenant,
      signingKeys: [tokens.signingKey],
      now: () => clock.now(),
    });
    const alice = sandbox.tenant.mailboxByAddress('alice@contoso.com');
    const before = alice?.oof;
    const day = 86_400_000;
    const at = (ms: number) => ({ dateTime: new Date(ms).toISOString().slice(0, 19), timeZone: 'UTC' });
    const window = {
      status: 'scheduled',
      scheduledStartDateTime: at(clock.now() - day),
      scheduledEndDateTime: at(clock.now() + day),
    };
    const { fetch } = await import('undici');
    const patch = () =>
      fetch(`${onClock.url}/users/${aliceId()}/mailboxSettings`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ automaticRepliesSetting: window }),
      });
    try {
      expect((await patch()).status).toBe(200);
      const taken = alice?.oof;
      clock.advance(2 * day);
      const refused = await patch();
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as GraphReply['body']).error?.code).toBe(
        'ErrorInvalidScheduledOofDuration',
      );
      expect(alice?.oof).toEqual(taken);
    } finally {
      if (alice && before) alice.oof = before;
      await onClock.close();
    }
  });
});
