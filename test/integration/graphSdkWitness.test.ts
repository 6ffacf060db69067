/**
 * Microsoft's own JavaScript Graph SDK (@microsoft/microsoft-graph-client, default middleware: auth,
 * retry, redirect, telemetry) against the Graph stand-in over HTTPS: what the SDK does with Graph, the
 * stand-in must accept and answer as Graph does. Pages followed: user-get-mailboxsettings and
 * user-update-mailboxsettings, group-list-transitivemembers with the SDK's PageIterator (paging),
 * json-batching with BatchRequestContent / BatchResponseContent, throttling (the RetryHandler honours
 * Retry-After on a 429).
 */
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  PageIterator,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { fetch as undiciFetch } from 'undici';
import { loadSeedFile, type EwsSandbox } from '../../dev/ews-sandbox';
import type { GraphStandIn } from '../../dev/graph/graphStandIn';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { graphAccessToken, startGraphTenant, type HttpsGraphTenant } from '../support/graphTenant';

const seed = loadSeedFile(demoSeedPath());
const APP = seed.apps?.[0]?.clientId ?? '';
const EXTRA = Array.from({ length: 16 }, (_, i) => `staff${String(i + 1).padStart(2, '0')}@contoso.com`);

let world: HttpsGraphTenant;
let sandbox: EwsSandbox;
let graph: GraphStandIn;
let client: Client;
const nodeFetch = globalThis.fetch;
/** Two years ahead of any run: the window set here is in the future, as Graph requires of a scheduled one. */
const AHEAD = new Date().getUTCFullYear() + 2;

beforeAll(async () => {
  world = await startGraphTenant({ extraMailboxes: EXTRA, tls: true });
  ({ sandbox, graph } = world);
  const { tokens, dispatcher } = world;
  // The SDK calls the global fetch. Node's own bundles an older undici that does not take this undici's
  // Agent (the one that trusts the stand-in's certificate), so the test lends the SDK undici's fetch.
  globalThis.fetch = undiciFetch as unknown as typeof fetch;
  client = Client.initWithMiddleware({
    // The SDK sends the token only to Graph's hosts and these (host names, port ignored).
    customHosts: new Set(['127.0.0.1']),
    baseUrl: `${graph.origin}/`,
    defaultVersion: 'v1.0',
    fetchOptions: { dispatcher } as Record<string, unknown>,
    authProvider: { getAccessToken: () => Promise.resolve(graphAccessToken(tokens, APP)) },
  });
});

afterAll(async () => {
  globalThis.fetch = nodeFetch;
  await world.close();
});

beforeEach(() => world.reset());

const idOf = (address: string): string => graph.userId(address) ?? '';

test('get and set automatic replies by object id (user-get-mailboxsettings, user-update-mailboxsettings)', async () => {
  const path = `/users/${idOf('alice@contoso.com')}/mailboxSettings`;
  const before = (await client.api(`${path}/automaticRepliesSetting`).get()) as Record<string, unknown>;
  expect(before.status).toBe('disabled');
  const leave = {
    status: 'scheduled',
    externalAudience: 'contactsOnly',
    scheduledStartDateTime: { dateTime: `${AHEAD}-03-03T08:00:00.0000000`, timeZone: 'UTC' },
    scheduledEndDateTime: { dateTime: `${AHEAD}-03-10T17:00:00.0000000`, timeZone: 'UTC' },
    internalReplyMessage: 'Away',
    externalReplyMessage: 'Out of office',
  };
  try {
    await client.api(path).patch({ automaticRepliesSetting: leave });
    expect(await client.api(`${path}/automaticRepliesSetting`).get()).toMatchObject(leave);
    expect(sandbox.tenant.mailboxByAddress('alice@contoso.com')?.oof).toMatchObject({
      state: 'Scheduled',
      start: Date.parse(`${AHEAD}-03-03T08:00:00Z`),
    });
  } finally {
    // What was read, without the annotation a GET adds: the automaticRepliesSetting type has no such property.
    const { '@odata.context': _context, ...restore } = before;
    await client.api(path).patch({ automaticRepliesSetting: restore });
  }
});

test('the PageIterator pages through transitive members by following @odata.nextLink (group-list-transitivemembers)', async () => {
  const groups = (await client.api('/groups').filter("mail eq 'all-staff@contoso.com'").get()) as {
    value: { id: string }[];
  };
  const groupId = groups.value[0]?.id ?? '';
  graph.configure({ pageSize: 1 });
  try {
    const advanced = { ConsistencyLevel: 'eventual' };
    const first = (await client
      .api(`/groups/${groupId}/transitiveMembers/microsoft.graph.user`)
      .headers(advanced)
      .query({ $count: 'true' })
      .select('mail')
      .get()) as PageCollection & { '@odata.count': number };
    expect(first['@odata.count']).toBe(4);
    const mails: string[] = [];
    const pages = new PageIterator(
      client,
      first,
      (user: { mail: string }) => {
        mails.push(user.mail);
        return true;
      },
      { headers: advanced },
    );
    await pages.iterate();
    expect(pages.isComplete()).toBe(true);
    expect(mails.sort()).toEqual([
      'alice@contoso.com',
      'bob@contoso.com',
      'carol@contoso.com',
      'dave@fabrikam.com',
    ]);
    expect(
      graph.requests.filter((r) => r.operation === 'listTransitiveMembers').map((r) => r.status),
    ).toEqual([200, 200, 200, 200]);
  } finally {
    graph.configure({ pageSize: 100 });
  }
});

test('a 20-request batch is read with the SDK’s batch response reader (json-batching)', async () => {
  const mailboxes = [
    'alice@contoso.com',
    'bob@contoso.com',
    'carol@contoso.com',
    'dave@fabrikam.com',
    ...EXTRA,
  ];
  expect(mailboxes).toHaveLength(20);
  const content = new BatchRequestContent(
    mailboxes.map((m, i) => ({
      id: String(i + 1),
      request: new Request(`${graph.url}/users/${idOf(m)}/mailboxSettings/automaticRepliesSetting`, {
        method: 'GET',
      }),
    })),
  );
  const answer: unknown = await client.api('/$batch').post(await content.getContent());
  const reader = new BatchResponseContent(answer as ConstructorParameters<typeof BatchResponseContent>[0]);
  const responses = reader.getResponses();
  expect(responses.size).toBe(20);
  const statuses = mailboxes.map((_, i) => responses.get(String(i + 1))?.status);
  // dave is outside the app's access policy: his item is refused on its own, the rest answer.
  expect(statuses).toEqual(mailboxes.map((m) => (m === 'dave@fabrikam.com' ? 403 : 200)));
  const bob = reader.getResponseById('2');
  expect(bob.headers.get('content-type')).toBe('application/json');
  expect(((await bob.json()) as { status: string }).status).toBe('scheduled');
});

test('a 429 with Retry-After is retried by the SDK’s RetryHandler and then answers (throttling)', async () => {
  graph.injectFaults({ status: 429, retryAfterSeconds: 1, operation: 'getMailboxSettings' });
  const started = Date.now();
  const replies = (await client
    .api(`/users/${idOf('carol@contoso.com')}/mailboxSettings/automaticRepliesSetting`)
    .get()) as {
    status: string;
  };
  expect(replies.status).toBe('alwaysEnabled');
  expect(graph.requests.map((r) => r.status)).toEqual([429, 200]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
});
