/**
 * The Graph back end against the loopback Graph stand-in, sharing its tenant with the EWS sandbox: real
 * @azure/identity credential (token server over HTTPS, RS256 tokens for Graph's audience and roles), real
 * undici pool, the stand-in's request log as the witness of what went over the wire.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSeedFile, type EwsSandbox } from '../../dev/ews-sandbox';
import { startGraphStandIn, GRAPH_ROLES, type GraphStandIn } from '../../dev/graph/graphStandIn';
import type { EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { loadGraphSettings, type Env } from '../../shared/platform/config';
import { GraphClient, type GraphCallEvent } from '../../shared/mailbox/graph/graphClient';
import { expandGroupDeep } from '../../shared/mailbox/groupExpansion';
import { createMailboxBackend } from '../../shared/mailbox/mailboxBackend';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { OutOfScopeError } from '../../shared/mailbox/scope';
import { sandboxClient } from '../support/ewsTestClient';
import {
  graphAccessToken,
  graphAppSettings,
  startGraphTenant,
  type GraphTenant,
} from '../support/graphTenant';
import { mailboxFailure } from '../support/mailboxFailure';

const seed = loadSeedFile(demoSeedPath());
const APP = seed.apps?.[0]?.clientId ?? '';
const SECRET = 'graph-app-secret';
const NO_ROLES = { clientId: '0f1e2d3c-0000-4000-8000-0000000000b1', clientSecret: 'no-roles' };
/**
 * A spring two years ahead, so that the windows set here stay in the future (the stand-in refuses a window
 * that has ended, as Exchange does): 25 March to 5 April in Berlin always spans the last Sunday of March,
 * the change to summer time.
 */
const SPRING = new Date().getUTCFullYear() + 2;
const EXTRA = Array.from({ length: 41 }, (_, i) => `user${String(i + 1).padStart(2, '0')}@contoso.com`);

let world: GraphTenant;
let tokens: EntraTokenServer;
let sandbox: EwsSandbox;
let graph: GraphStandIn;
let env: Env;
let client: GraphClient;
let calls: GraphCallEvent[];

beforeAll(async () => {
  world = await startGraphTenant({
    tokenClients: [
      { clientId: APP, clientSecret: SECRET, roles: GRAPH_ROLES },
      { ...NO_ROLES, roles: [] },
    ],
    extraMailboxes: EXTRA,
    usersWithoutMailbox: [{ address: 'olga@contoso.com', upn: 'olga@corp.contoso.com' }],
  });
  ({ tokens, sandbox, graph } = world);
  const account = seed.serviceAccounts?.[0];
  env = {
    ...graphAppSettings(tokens, graph, { clientId: APP, clientSecret: SECRET }),
    MAILBOX_SCOPE: 'contoso.com',
    GRAPH_MAX_ATTEMPTS: '4',
  };
  calls = [];
  client = new GraphClient(loadGraphSettings(env), {
    backOffBaseMs: 20,
    backOffCapMs: 200,
    onCall: (e) => calls.push(e),
  });
  expect(account).toBeDefined();
});

afterAll(async () => {
  await client.close();
  await world.close();
});

beforeEach(() => {
  world.reset();
  calls.length = 0;
});

const ews = () =>
  sandboxClient(sandbox, {
    EWS_USERNAME: seed.serviceAccounts?.[0]?.username,
    EWS_PASSWORD: seed.serviceAccounts?.[0]?.password,
  }).client;

describe('automatic replies through Graph, on the same mailboxes EWS sees', () => {
  test('Graph and EWS read the same settings for every demo mailbox, window included', async () => {
    const viaEws = ews();
    try {
      for (const mailbox of ['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com']) {
        expect(await client.getOof(mailbox)).toEqual(await viaEws.getOof(mailbox));
      }
    } finally {
      await viaEws.close();
    }
    const bob = await client.getOof('bob@contoso.com');
    expect(bob).toMatchObject({ state: 'Scheduled', externalAudience: 'Known' });
    expect(bob.start).toMatch(/Z$/);
  });

  test('a snapshot taken with EWS restores exactly through Graph, and the other way round', async () => {
    const viaEws = ews();
    try {
      const snapshot = await viaEws.getOof('bob@contoso.com');
      const leave: OofSettings = {
        state: 'Scheduled',
        start: `${SPRING}-03-24T23:00:00.000Z`,
        end: `${SPRING}-04-05T22:00:00.000Z`,
        externalAudience: 'Known',
        internalReply: '<p>On leave &amp; back on 6 April</p>',
        externalReply: '<p>Out of office</p>',
      };
      await client.setOof('bob@contoso.com', leave);
      expect(await viaEws.getOof('bob@contoso.com')).toEqual(leave);
      await client.setOof('bob@contoso.com', snapshot);
      expect(await viaEws.getOof('bob@contoso.com')).toEqual(snapshot);

      const carol = await client.getOof('carol@contoso.com');
      await viaEws.setOof('carol@contoso.com', { ...leave, state: 'Disabled' });
      expect(await client.getOof('carol@contoso.com')).toEqual({ ...leave, state: 'Disabled' });
      await viaEws.setOof('carol@contoso.com', carol);
      expect(await client.getOof('carol@contoso.com')).toEqual(carol);
    } finally {
      await viaEws.close();
    }
  });

  test.each([
    ['Windows', 'W. Europe Standard Time'],
    ['IANA', 'Europe/Berlin'],
  ])(
    'when Graph answers in the mailbox’s zone named the %s way, a window across the DST change still reads right',
    async (_, zone) => {
      const leave: OofSettings = {
        state: 'Scheduled',
        start: `${SPRING}-03-24T23:00:00.000Z`,
        end: `${SPRING}-04-05T22:00:00.000Z`,
        externalAudience: 'All',
        internalReply: 'away',
        externalReply: 'away',
      };
      const before = await client.getOof('alice@contoso.com');
      await client.setOof('alice@contoso.com', leave);
      graph.configure({ answerTimeZone: zone });
      try {
        const raw = await fetch(
          `${graph.url}/users/${graph.userId('alice@contoso.com')}/mailboxSettings/automaticRepliesSetting`,
          {
            headers: {
              authorization: `Bearer ${graphAccessToken(tokens, APP)}`,
            },
          },
        );
        const body = (await raw.json()) as { scheduledStartDateTime: unknown; scheduledEndDateTime: unknown };
        expect(body.scheduledStartDateTime).toEqual({
          dateTime: `${SPRING}-03-25T00:00:00.0000000`,
          timeZone: zone,
        });
        expect(body.scheduledEndDateTime).toEqual({
          dateTime: `${SPRING}-04-06T00:00:00.0000000`,
          timeZone: zone,
        });
        expect(await client.getOof('alice@contoso.com')).toEqual(leave);
      } finally {
        graph.configure({ answerTimeZone: 'UTC' });
        await client.setOof('alice@contoso.com', before);
      }
    },
  );
});

describe('addressing (learn.microsoft.com/graph/api/user-get: /users/{id | userPrincipalName}; user-list: $filter on mail and proxyAddresses)', () => {
  test('Alice (UPN not her address) is read and written by object id, resolved once for the client', async () => {
    const fresh = new GraphClient(loadGraphSettings(env));
    try {
      const before = await fresh.getOof('alice@contoso.com');
      await fresh.setOof('alice@contoso.com', before);
      await fresh.getOof('ALICE@contoso.com');
      const id = graph.userId('alice@contoso.com') ?? '';
      const mailboxCalls = graph.requests.filter((r) => r.operation?.endsWith('MailboxSettings'));
      expect(mailboxCalls.map((r) => [r.method, r.status])).toEqual([
        ['GET', 200],
        ['PATCH', 200],
        ['GET', 200],
      ]);
      for (const r of mailboxCalls)
        expect(r.path).toBe(
          `/v1.0/users/${id}/mailboxSettings${r.method === 'GET' ? '/automaticRepliesSetting' : ''}`,
        );
      expect(graph.requests.filter((r) => r.operation === 'listUsers')).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  test('an alias resolves through proxyAddresses as an advanced query, to the same user', async () => {
    const fresh = new GraphClient(loadGraphSettings(env));
    try {
      expect(await fresh.getOof('a.wilber@contoso.com')).toEqual(await fresh.getOof('alice@contoso.com'));
      expect(graph.requests.filter((r) => r.operation === 'listUsers').map((r) => r.status)).toEqual([
        200, 200, 200,
      ]);
      expect(graph.requests.some((r) => r.code === 'Request_UnsupportedQuery')).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  test('a user with no Exchange Online mailbox is a permanent error naming the address (404 MailboxNotEnabledForRESTAPI)', async () => {
    const error = await mailboxFailure(client.getOof('olga@contoso.com'));
    expect(error).toMatchObject({
      code: 'MailboxNotEnabledForRESTAPI',
      errorClass: 'permanent',
      httpStatus: 404,
    });
    expect(error.message).toMatch(/olga@contoso.com has no Exchange Online mailbox/);
    expect(graph.requests.filter((r) => r.operation === 'getMailboxSettings')).toHaveLength(1);
  });
});

describe('throttling and errors', () => {
  test('509 (bandwidth cap) is retried later, not given up on (learn.microsoft.com/graph/errors)', async () => {
    await client.getOof('carol@contoso.com');
    graph.clearRequests();
    graph.injectFaults({ status: 509, operation: 'getMailboxSettings' });
    await client.getOof('carol@contoso.com');
    expect(graph.requests.map((r) => r.status)).toEqual([509, 200]);
    expect(calls.find((c) => c.outcome === 'retry')).toMatchObject({ status: 509 });
  });

  test('429 with Retry-After: the client waits at least that long, then succeeds', async () => {
    graph.injectFaults({
      status: 429,
      retryAfterSeconds: 1,
      operation: 'getMailboxSettings',
      mailbox: 'carol@contoso.com',
    });
    const started = Date.now();
    await client.getOof('carol@contoso.com');
    const elapsed = Date.now() - started;
    const attempts = graph.requests.filter((r) => r.operation === 'getMailboxSettings');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    const gap = Date.parse(attempts[1]?.at ?? '') - Date.parse(attempts[0]?.at ?? '');
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
    expect(calls.find((c) => c.outcome === 'retry')).toMatchObject({ code: 'TooManyRequests', status: 429 });
    expect(calls.find((c) => c.outcome === 'retry')?.waitMs).toBeGreaterThanOrEqual(1000);
  });

  test('503 with Retry-After is honoured the same way', async () => {
    graph.injectFaults({ status: 503, retryAfterSeconds: 1, operation: 'getMailboxSettings' });
    const started = Date.now();
    await client.getOof('alice@contoso.com');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(graph.requests.map((r) => r.status)).toEqual([503, 200]);
  });

  test('500 and 502 without Retry-After are retried with a short jittered back-off', async () => {
    graph.injectFaults({ status: 500 }, { status: 502 });
    await client.getOof('alice@contoso.com');
    expect(graph.requests.map((r) => r.status)).toEqual([500, 502, 200]);
    const waits = calls.filter((c) => c.outcome === 'retry').map((c) => c.waitMs ?? 0);
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeLessThanOrEqual(200);
  });

  test('transient failures past the attempt limit surface as retryable, after exactly GRAPH_MAX_ATTEMPTS requests', async () => {
    graph.injectFaults(...Array.from({ length: 6 }, () => ({ status: 500 as const })));
    const error = await mailboxFailure(client.getOof('alice@contoso.com'));
    expect(error).toMatchObject({ errorClass: 'transient', httpStatus: 500, attempts: 4 });
    expect(graph.requests).toHaveLength(4);
  });

  test('403 (the app’s access policy excludes the mailbox) is permanent at once: one request, ids captured', async () => {
    const error = await mailboxFailure(client.getOof('dave@fabrikam.com'));
    // The directory lookup of dave's object id is not mailbox data: the access policy does not cover it.
    expect(graph.requests.map((r) => r.operation)).toEqual(['listUsers', 'getMailboxSettings']);
    expect(error).toMatchObject({
      code: 'ErrorAccessDenied',
      errorClass: 'permanent',
      httpStatus: 403,
      attempts: 1,
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/application access policy or RBAC for Applications/);
    expect(error.message).toMatch(/Access to OData is disabled/);
    const logged = graph.requests[1];
    expect(error.requestId).toBe(logged?.clientRequestId);
    expect(error.serverRequestId).toBe(logged?.requestId);
    expect(calls[1]).toEqual(
      expect.objectContaining({
        outcome: 'failed',
        requestId: logged?.clientRequestId,
        serverRequestId: logged?.requestId,
      }),
    );
    expect(calls).toHaveLength(2);
  });

  test('an address no user has is permanent at once, named, and nothing is written', async () => {
    const error = await mailboxFailure(
      client.setOof('nobody@contoso.com', {
        state: 'Disabled',
        externalAudience: 'All',
        internalReply: '',
        externalReply: '',
      }),
    );
    expect(error).toMatchObject({ code: 'UserNotFound', errorClass: 'permanent' });
    expect(error.message).toMatch(/no user with the address nobody@contoso.com/);
    // mail, then proxyAddresses: no mailbox path is tried for a user that does not exist.
    expect(graph.requests.map((r) => r.operation)).toEqual(['listUsers', 'listUsers']);
  });

  test('an app without the Graph permissions is refused (403), not retried', async () => {
    const noRoles = new GraphClient(
      loadGraphSettings({
        ...env,
        EWS_CLIENT_ID: NO_ROLES.clientId,
        EWS_CLIENT_SECRET: NO_ROLES.clientSecret,
      }),
    );
    try {
      const error = await mailboxFailure(noRoles.getOof('alice@contoso.com'));
      expect(error).toMatchObject({ errorClass: 'permanent', httpStatus: 403 });
      expect(graph.requests).toHaveLength(1);
    } finally {
      await noRoles.close();
    }
  });

  test('a credential that fails (a wrong secret) surfaces as itself at once: no request, no retry', async () => {
    let asked = 0;
    const broken = new GraphClient(loadGraphSettings(env), {
      credential: {
        getToken: () => {
          asked++;
          return Promise.reject(new Error('AADSTS7000215: Invalid client secret provided.'));
        },
      },
    });
    try {
      const error = await broken.getOof('alice@contoso.com').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).not.toBeInstanceOf(MailboxError);
      expect((error as Error).message).toMatch(/Invalid client secret/);
      expect(asked).toBe(1);
      expect(graph.requests).toHaveLength(0);
    } finally {
      await broken.close();
    }
  });

  test('401 (a token Graph does not accept) is tried once more with a fresh token, then permanent', async () => {
    const wrongAudience = new GraphClient(
      loadGraphSettings({ ...env, GRAPH_OAUTH_SCOPE: 'https://outlook.office365.com/.default' }),
    );
    try {
      const error = await mailboxFailure(wrongAudience.getOof('alice@contoso.com'));
      expect(error).toMatchObject({
        code: 'InvalidAuthenticationToken',
        errorClass: 'permanent',
        httpStatus: 401,
      });
      expect(graph.requests.map((r) => r.status)).toEqual([401, 401]);
    } finally {
      await wrongAudience.close();
    }
  });

  test('archiving is refused with a typed permanent error and nothing sent', async () => {
    for (const call of [
      () => client.hasArchiveMailbox('alice@contoso.com'),
      () => client.findItemIdsReceivedBefore('alice@contoso.com'),
      () => client.archiveItems('alice@contoso.com'),
      () => client.moveItems('alice@contoso.com'),
      () => client.getFolder('alice@contoso.com'),
    ]) {
      const error = await mailboxFailure(call());
      expect(error).toMatchObject({ code: 'NotSupportedByGraph', errorClass: 'permanent' });
      expect(error.message).toMatch(/archiving needs the EWS back end/);
    }
    expect(graph.requests).toHaveLength(0);
  });
});

describe('the stand-in checks each token as Graph does', () => {
  const repliesUrl = (): string =>
    `${graph.url}/users/${graph.userId('alice@contoso.com')}/mailboxSettings/automaticRepliesSetting`;
  const validClaims = (): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      aud: 'https://graph.microsoft.com',
      tid: tokens.tenantId,
      appid: APP,
      roles: GRAPH_ROLES,
      iat: now,
      nbf: now - 5,
      exp: now + 600,
    };
  };
  const answerTo = async (claims: Record<string, unknown>): Promise<{ status: number; code?: string }> => {
    const res = await fetch(repliesUrl(), {
      headers: { authorization: `Bearer ${tokens.issueToken(claims)}` },
    });
    const body = (await res.json()) as { error?: { code?: string } };
    return { status: res.status, code: body.error?.code };
  };

  test('a token signed by the token server for Graph, this tenant and now is accepted', async () => {
    expect(await answerTo(validClaims())).toEqual({ status: 200, code: undefined });
  });

  test.each([
    ['not valid yet (nbf an hour ahead)', { nbf: Math.floor(Date.now() / 1000) + 3600 }],
    ['expired an hour ago', { exp: Math.floor(Date.now() / 1000) - 3600 }],
    ['for another resource', { aud: 'https://outlook.office365.com' }],
    ['for another tenant', { tid: '00000000-0000-0000-0000-000000000000' }],
  ])('a token %s is refused with 401 InvalidAuthenticationToken', async (_, change) => {
    expect(await answerTo({ ...validClaims(), ...change })).toEqual({
      status: 401,
      code: 'InvalidAuthenticationToken',
    });
  });
});

describe('many mailboxes at once: $batch', () => {
  test('45 mailboxes in 3 batches of at most 20; a throttled item is asked again, failures stay per mailbox', async () => {
    const mailboxes = [
      'alice@contoso.com',
      'bob@contoso.com',
      'nobody@contoso.com',
      'dave@fabrikam.com',
      ...EXTRA,
    ];
    graph.injectFaults({
      status: 429,
      retryAfterSeconds: 1,
      operation: 'getMailboxSettings',
      mailbox: 'user07@contoso.com',
    });
    const started = Date.now();
    const results = await client.getOofMany(mailboxes);
    expect(results.map((r) => r.mailbox)).toEqual(mailboxes);
    const failed = results.filter((r) => 'error' in r);
    expect(failed.map((r) => [r.mailbox, 'error' in r && (r.error as MailboxError).code])).toEqual([
      ['nobody@contoso.com', 'UserNotFound'],
      ['dave@fabrikam.com', 'ErrorAccessDenied'],
    ]);
    expect(results.find((r) => r.mailbox === 'bob@contoso.com')).toMatchObject({
      settings: { state: 'Scheduled' },
    });
    const batches = graph.requests.filter((r) => r.operation === 'batch');
    expect(batches).toHaveLength(4); // 20 + 20 + 4 (nobody has no user), and one more for the throttled item
    const user07 = graph.requests.filter((r) => r.mailbox === 'user07@contoso.com').map((r) => r.status);
    expect(user07).toEqual([429, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    for (const b of batches) {
      expect(graph.requests.filter((r) => r.batchRequestId === b.requestId).length).toBeLessThanOrEqual(20);
    }
  });

  test('a batch refused as a whole (424 envelope) loses no mailbox: each is read on its own (learn.microsoft.com/graph/json-batching)', async () => {
    const mailboxes = ['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com'];
    const expected = await Promise.all(mailboxes.map((m) => client.getOof(m)));
    graph.clearRequests();
    graph.injectFaults({ status: 424, operation: 'batch' });
    const results = await client.getOofMany(mailboxes);
    expect(results).toEqual(mailboxes.map((mailbox, i) => ({ mailbox, settings: expected[i] })));
    expect(graph.requests.map((r) => [r.operation, r.status])).toEqual([
      ['batch', 424],
      ['getMailboxSettings', 200],
      ['getMailboxSettings', 200],
      ['getMailboxSettings', 200],
    ]);
  });

  test('a batch item that keeps failing is asked again by the same retry loop as any call: GRAPH_MAX_ATTEMPTS batches, one call event each', async () => {
    const mailboxes = ['alice@contoso.com', 'bob@contoso.com'];
    // Both object ids known first, so the batches are the only calls.
    const [expected] = await Promise.all(mailboxes.map((m) => client.getOof(m)));
    graph.clearRequests();
    calls.length = 0;
    // GRAPH_MAX_ATTEMPTS is 4 here: four 503s for bob, each in the batch of its attempt.
    graph.injectFaults(
      ...Array.from({ length: 4 }, () => ({
        status: 503 as const,
        operation: 'getMailboxSettings' as const,
        mailbox: 'bob@contoso.com',
      })),
    );
    const results = await client.getOofMany(mailboxes);
    expect(results[0]).toEqual({ mailbox: 'alice@contoso.com', settings: expected });
    expect(results[1]?.mailbox).toBe('bob@contoso.com');
    const error = results[1] && 'error' in results[1] ? results[1].error : undefined;
    expect(error).toMatchObject({ httpStatus: 503, errorClass: 'transient', attempts: 4 });
    expect(graph.requests.filter((r) => r.operation === 'batch')).toHaveLength(4);
    expect(graph.requests.filter((r) => r.mailbox === 'bob@contoso.com').map((r) => r.status)).toEqual([
      503, 503, 503, 503,
    ]);
    expect(calls.map((c) => [c.operation, c.outcome])).toEqual([
      ['GetOofBatch', 'retry'],
      ['GetOofBatch', 'retry'],
      ['GetOofBatch', 'retry'],
      ['GetOofBatch', 'failed'],
    ]);
  });

  test('through the scope guard: out-of-scope mailboxes are answered without being sent', async () => {
    const backend = createMailboxBackend(env);
    try {
      const results = await backend.operations.getOofMany(['dave@fabrikam.com', 'alice@contoso.com']);
      expect(results[0]).toMatchObject({ mailbox: 'dave@fabrikam.com' });
      expect('error' in (results[0] ?? {}) && (results[0] as { error: Error }).error).toBeInstanceOf(
        OutOfScopeError,
      );
      expect(results[1]).toEqual({
        mailbox: 'alice@contoso.com',
        settings: await client.getOof('alice@contoso.com'),
      });
      expect(graph.requests.some((r) => r.mailbox === 'dave@fabrikam.com')).toBe(false);
    } finally {
      await backend.close();
    }
  });
});

describe('directory: groups and addresses', () => {
  test('a group expands to every user with a mailbox, nested groups included, across pages', async () => {
    graph.configure({ pageSize: 2 });
    try {
      const members = await client.expandGroup('all-staff@contoso.com', 'alice@contoso.com');
      expect(members.map((m) => m.address).sort()).toEqual([
        'alice@contoso.com',
        'bob@contoso.com',
        'carol@contoso.com',
        'dave@fabrikam.com',
      ]);
      expect(members.every((m) => m.kind === 'Mailbox')).toBe(true);
      expect(graph.requests.filter((r) => r.operation === 'listTransitiveMembers')).toHaveLength(2);
      // The sweep's level-by-level expansion stops at once: no nested group comes back.
      const deep = await expandGroupDeep(client, 'all-staff@contoso.com', 'alice@contoso.com');
      expect(deep.groups).toEqual(['all-staff@contoso.com']);
      expect(deep.members).toHaveLength(4);
    } finally {
      graph.configure({ pageSize: 100 });
    }
    const error = await mailboxFailure(client.expandGroup('nosuchgroup@contoso.com', 'alice@contoso.com'));
    expect(error).toMatchObject({ code: 'GroupNotFound', errorClass: 'permanent' });
  });

  test('addresses resolve to the primary SMTP address by UPN, primary or proxy address; unknown ones to undefined', async () => {
    expect(await client.resolvePrimaryAddress('alice.wilber@corp.contoso.com', 'alice@contoso.com')).toBe(
      'alice@contoso.com',
    );
    expect(await client.resolvePrimaryAddress('a.wilber@contoso.com', 'alice@contoso.com')).toBe(
      'alice@contoso.com',
    );
    expect(await client.resolvePrimaryAddress('SMTP:Robert.Kelly@contoso.com', 'alice@contoso.com')).toBe(
      'bob@contoso.com',
    );
    expect(await client.resolvePrimaryAddress('nobody@contoso.com', 'alice@contoso.com')).toBeUndefined();
  });
});

/** The guard throws before returning a promise: either way, nothing may be sent. */
const settle = async (call: () => Promise<unknown>): Promise<unknown> => call();

describe('the scope guard runs before anything is sent', () => {
  test('an out-of-scope mailbox is refused with no token request and no Graph request', async () => {
    const backend = createMailboxBackend(env);
    const tokenRequests = tokens.requests.length;
    try {
      expect(backend.kind).toBe('graph');
      await expect(settle(() => backend.operations.getOof('dave@fabrikam.com'))).rejects.toBeInstanceOf(
        OutOfScopeError,
      );
      await expect(
        settle(() =>
          backend.operations.setOof('dave@fabrikam.com', {
            state: 'Disabled',
            externalAudience: 'All',
            internalReply: '',
            externalReply: '',
          }),
        ),
      ).rejects.toBeInstanceOf(OutOfScopeError);
      await expect(
        settle(() => backend.operations.expandGroup('all-staff@contoso.com', 'dave@fabrikam.com')),
      ).rejects.toBeInstanceOf(OutOfScopeError);
      expect(graph.requests).toHaveLength(0);
      expect(tokens.requests.length).toBe(tokenRequests);
    } finally {
      await backend.close();
    }
  });
});

describe('the CLI on the Graph back end', () => {
  it('check proves access through the automatic-reply settings and says the archive is not visible', async () => {
    const { runCli } = await import('../../cli/main');
    let stdout = '';
    let stderr = '';
    const code = await runCli(['check', 'alice@contoso.com'], {
      env,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /alice@contoso.com: access ok .* archive mailbox: not visible through Microsoft Graph/,
    );
  });
});

describe('HTTPS on loopback', () => {
  test('a certificate nothing trusts is permanent at once and names GRAPH_CA_FILE: asking again cannot make it trusted', async () => {
    const { generateLoopbackCertificate } = await import('../../dev/identity/tlsCertificate');
    const secure = await startGraphStandIn({
      tenant: sandbox.tenant,
      signingKeys: [tokens.signingKey],
      tls: await generateLoopbackCertificate(),
    });
    // GRAPH_CA_FILE names the token server's CA, not the one that issued the stand-in's certificate.
    const untrusting = new GraphClient(loadGraphSettings({ ...env, GRAPH_URL: secure.url }), {
      credential: {
        getToken: () => Promise.resolve({ token: 'unused', expiresOnTimestamp: Date.now() + 600_000 }),
      },
    });
    try {
      const error = await mailboxFailure(untrusting.getOof('bob@contoso.com'));
      expect(error).toMatchObject({ code: 'TLS', errorClass: 'permanent', attempts: 1 });
      expect(error.message).toMatch(/certificate is not trusted .*set GRAPH_CA_FILE/);
      expect(secure.requests).toHaveLength(0);
    } finally {
      await untrusting.close();
      await secure.close();
    }
  });

  test('the client trusts the stand-in’s certificate through GRAPH_CA_FILE and follows https nextLinks', async () => {
    const { generateLoopbackCertificate } = await import('../../dev/identity/tlsCertificate');
    const certificate = await generateLoopbackCertificate();
    const secure = await startGraphStandIn({
      tenant: sandbox.tenant,
      signingKeys: [tokens.signingKey],
      tls: certificate,
      knobs: { pageSize: 2 },
    });
    const caFile = join(mkdtempSync(join(tmpdir(), 'graph-https-')), 'ca.pem');
    writeFileSync(caFile, certificate.caPem);
    // Tokens straight from the token server's key: GRAPH_CA_FILE then names the stand-in's CA alone.
    const overTls = new GraphClient(
      loadGraphSettings({ ...env, GRAPH_URL: secure.url, GRAPH_CA_FILE: caFile }),
      {
        credential: {
          getToken: () =>
            Promise.resolve({
              token: graphAccessToken(tokens, APP),
              expiresOnTimestamp: Date.now() + 600_000,
            }),
        },
      },
    );
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
      expect((await overTls.getOof('bob@contoso.com')).state).toBe('Scheduled');
      const members = await overTls.expandGroup('all-staff@contoso.com', 'alice@contoso.com');
      expect(members).toHaveLength(4);
      expect(secure.requests.filter((r) => r.operation === 'listTransitiveMembers')).toHaveLength(2);
    } finally {
      await overTls.close();
      await secure.close();
    }
  });
});
