/**
 * Where Exchange says no, the sandbox says no: each behaviour below follows the Microsoft page named
 * beside it, so a client regression that real Exchange would refuse fails here too.
 */
import { startEwsSandbox, type EwsSandbox, type SandboxSeed } from '../../dev/ews-sandbox';
import type { ServerVersion } from '../../shared/platform/config';
import { EwsClient, type EwsCallEvent } from '../../shared/mailbox/ews/ewsClient';
import { SERVICE_ACCOUNT, sandboxClient } from '../support/ewsTestClient';
import { mailboxFailure } from '../support/mailboxFailure';
import { basic, bodies, faultCode, messageValue, post, soap, texts } from '../support/sandboxSoap';

const seed: SandboxSeed = {
  tenant: { name: 'Test', domains: ['contoso.com'] },
  mailboxes: [
    {
      address: 'alice@contoso.com',
      folders: { inbox: { generate: { count: 20, oldFraction: 1, oldAgeDays: 400 } } },
      archive: {},
    },
    { address: 'bob@contoso.com' },
    { address: 'carol@contoso.com' },
  ],
  groups: [
    { address: 'sales-emea@contoso.com', displayName: 'Sales', members: ['alice@contoso.com'] },
    { address: 'sales-us@contoso.com', displayName: 'Sales', members: ['bob@contoso.com'] },
  ],
  serviceAccounts: [{ ...SERVICE_ACCOUNT, impersonation: { domains: ['contoso.com'] } }],
};
const credentials = basic(SERVICE_ACCOUNT.username, SERVICE_ACCOUNT.password);

let sandbox: EwsSandbox;
beforeAll(async () => {
  sandbox = await startEwsSandbox({ seed, knobs: { missingAnchorFailureRate: 0, missingAnchorDelayMs: 0 } });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.clearFaults();
  sandbox.configure({ latencyMs: 0, maxConcurrentPerMailbox: 27, throttleForms: ['serverBusy'] });
});

describe('RequestServerVersion (Versioning Requests; ArchiveItem operation; DistinguishedFolderId)', () => {
  it('refuses archiving asked for as Exchange 2010 SP2 with ErrorIncorrectSchemaVersion, and the client never retries it', async () => {
    // The settings refuse a version this old (EWS_SERVER_VERSION): this stands for a client regression
    // that downgrades the header.
    const calls: EwsCallEvent[] = [];
    const { client: configured } = sandboxClient(sandbox);
    const client = new EwsClient(
      { ...configured.settings, serverVersion: 'Exchange2010_SP2' as ServerVersion },
      { onCall: (event) => calls.push(event) },
    );
    await configured.close();
    try {
      const items = await client.findItemIdsReceivedBefore('alice@contoso.com', 'inbox', new Date());
      expect(items).toHaveLength(20);
      const error = await mailboxFailure(client.archiveItems('alice@contoso.com', 'inbox', items));
      expect(error).toMatchObject({ code: 'ErrorIncorrectSchemaVersion', errorClass: 'bug', attempts: 1 });
      expect(error.message).toMatch(/Exchange2010_SP2.*ArchiveItem.*Exchange2013/);
      expect(calls.filter((c) => c.operation === 'ArchiveItem')).toHaveLength(1);
      expect(sandbox.inspectMailbox('alice@contoso.com')?.archive.folders.inbox ?? 0).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('handles a request without the header as Exchange 2007: no ArchiveItem, no archive folders; older operations work', async () => {
    const as = 'alice@contoso.com';
    const archive = await post(
      sandbox.url,
      soap(bodies.archive('inbox', ['x']), { as, version: null }),
      credentials,
    );
    expect(faultCode(archive)).toBe('ErrorIncorrectSchemaVersion');
    expect(texts(archive.xml, 'faultstring')[0]).toMatch(/without the header it is handled as Exchange2007/);
    const archiveRoot = await post(
      sandbox.url,
      soap(bodies.getFolder('archivemsgfolderroot'), { as, version: null }),
      credentials,
    );
    expect(faultCode(archiveRoot)).toBe('ErrorIncorrectSchemaVersion');
    const oof = await post(sandbox.url, soap(bodies.getOof(as), { as, version: null }), credentials);
    expect(oof.status).toBe(200);
  });

  it('knows the archive folders from Exchange 2010 SP1 on, and archiveinbox only from Exchange 2013', async () => {
    const as = 'alice@contoso.com';
    const folder = (id: string, version: string) =>
      post(sandbox.url, soap(bodies.getFolder(id), { as, version }), credentials);
    expect((await folder('archivemsgfolderroot', 'Exchange2010_SP1')).status).toBe(200);
    expect(faultCode(await folder('archivemsgfolderroot', 'Exchange2010'))).toBe(
      'ErrorIncorrectSchemaVersion',
    );
    expect(faultCode(await folder('archiveinbox', 'Exchange2010_SP2'))).toBe('ErrorIncorrectSchemaVersion');
    expect((await folder('archiveinbox', 'Exchange2013')).status).toBe(200);
  });
});

describe('ExpandDL (ExpandDL operation, Remarks)', () => {
  it('reports an error when several groups match the name, instead of expanding one of them', async () => {
    const { client } = sandboxClient(sandbox);
    try {
      const error = await mailboxFailure(client.expandGroup('Sales', 'alice@contoso.com'));
      expect(error).toMatchObject({ code: 'ErrorNameResolutionMultipleResults', errorClass: 'permanent' });
      expect(error.message).toContain('sales-emea@contoso.com');
      expect(error.message).toContain('sales-us@contoso.com');
      // By address there is no doubt.
      const members = await client.expandGroup('sales-us@contoso.com', 'alice@contoso.com');
      expect(members.map((m) => m.address)).toEqual(['bob@contoso.com']);
    } finally {
      await client.close();
    }
  });
});

describe('throttling (EWS throttling in Exchange; Exchange Online details in the samples NOTES file)', () => {
  const busyCalls = async (): Promise<Awaited<ReturnType<typeof post>>[]> => {
    sandbox.configure({ latencyMs: 150, maxConcurrentPerMailbox: 1 });
    const call = (): ReturnType<typeof post> =>
      post(sandbox.url, soap(bodies.getOof('bob@contoso.com'), { as: 'bob@contoso.com' }), {
        ...credentials,
        anchor: 'bob@contoso.com',
      });
    return Promise.all([call(), call(), call()]);
  };

  it('answers ErrorExceededConnectionCount with Exchange Online policy details', async () => {
    sandbox.configure({ throttleForms: ['exceededConnectionCount'], throttleBackOffMs: 0 });
    const refused = (await busyCalls()).filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(faultCode(answer)).toBe('ErrorExceededConnectionCount');
      expect(messageValue(answer, 'Policy')).toBe('MaxConcurrency');
      expect(messageValue(answer, 'MaxConcurrencyLimit')).toBe('1');
      expect(messageValue(answer, 'ErrorMessage')).toMatch(/Suggested backoff time 0 ms/);
    }
  });

  it('answers ErrorServerBusy without a back-off value, and the client still comes through', async () => {
    sandbox.configure({ throttleForms: ['serverBusyNoBackOff'] });
    const refused = (await busyCalls()).filter((a) => a.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(faultCode(answer)).toBe('ErrorServerBusy');
      expect(messageValue(answer, 'BackOffMilliseconds')).toBeUndefined();
    }
    sandbox.injectFaults({ kind: 'serverBusyNoBackOff' }, { kind: 'exceededConnectionCount', backOffMs: 0 });
    const { client, calls } = sandboxClient(sandbox);
    await client.getOof('carol@contoso.com').finally(() => client.close());
    expect(calls.map((c) => c.code ?? 'ok')).toEqual([
      'ErrorServerBusy',
      'ErrorExceededConnectionCount',
      'ok',
    ]);
  });

  it('sends the inner ErrorServerBusy both with HTTP 200 (as the throttling page shows) and with HTTP 500', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      sandbox.injectFaults({ kind: 'internalServerBusy' });
      const answer = await post(
        sandbox.url,
        soap(bodies.getOof('carol@contoso.com'), { as: 'carol@contoso.com' }),
        {
          ...credentials,
          anchor: 'carol@contoso.com',
        },
      );
      expect(messageValue(answer, 'InnerErrorResponseCode')).toBe('ErrorServerBusy');
      statuses.add(answer.status);
    }
    expect([...statuses].sort()).toEqual([200, 500]);
  });
});

describe('X-AnchorMailbox', () => {
  it('a call without it takes twice as long; the client always sends it', async () => {
    sandbox.configure({ latencyMs: 60, missingAnchorSlowdown: 2 });
    sandbox.clearRequests();
    const { client } = sandboxClient(sandbox);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await client.getOof('carol@contoso.com');
    const anchored = (Date.now() - started) / 5;
    await client.close();
    expect(sandbox.requests.map((r) => r.anchorMatches)).toEqual([true, true, true, true, true]);
    const bare = Date.now();
    await post(
      sandbox.url,
      soap(bodies.getOof('carol@contoso.com'), { as: 'carol@contoso.com' }),
      credentials,
    );
    const unanchored = Date.now() - bare;
    // Only lower bounds on wall time: a loaded machine can make any call slower, never faster. That the
    // client's calls were not penalised is what anchorMatches above shows.
    expect(anchored).toBeGreaterThanOrEqual(60 - 5);
    expect(unanchored).toBeGreaterThanOrEqual(120 - 5);
  });
});
