/**
 * The EWS sandbox's operations, driven with hand-written SOAP as any EWS client would send it: OOF
 * settings, paging, archiving and moving (counts change, nothing lost or duplicated), folders, groups,
 * name resolution and the inspection route.
 */
import {
  GENERATED_SERVICE_ACCOUNT,
  startEwsSandbox,
  generateTenant,
  type EwsSandbox,
} from '../../dev/ews-sandbox';
import { demoServiceCredentials, startDemoSandbox } from '../support/demoTenant';
import {
  basic,
  bodies,
  findAll,
  itemIds,
  post,
  responseCodes,
  rootFolder,
  soap,
  texts,
  type EwsAnswer,
} from '../support/sandboxSoap';

const DAY = 86_400_000;

describe('EWS sandbox with the demo tenant', () => {
  let sandbox: EwsSandbox;
  const call = (
    body: string,
    as: string,
    extra: { headers?: Record<string, string> } = {},
  ): Promise<EwsAnswer> =>
    post(sandbox.url, soap(body, { as }), { ...demoServiceCredentials, anchor: as, ...extra });

  beforeAll(async () => {
    sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
  });
  afterAll(() => sandbox.close());

  it('answers GetUserOofSettings in the shape Exchange uses', async () => {
    const answer = await call(bodies.getOof('alice@contoso.com'), 'alice@contoso.com');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(findAll(answer.xml, 'ServerVersionInfo')).toHaveLength(1);
    expect(findAll(answer.xml, 'ResponseMessage')[0]?.attrs.ResponseClass).toBe('Success');
    expect(texts(answer.xml, 'OofState')).toEqual(['Disabled']);
    expect(texts(answer.xml, 'ExternalAudience')).toEqual(['All']);
    expect(texts(answer.xml, 'AllowExternalOof')).toEqual(['All']);
  });

  it('reads back scheduled replies exactly as set, HTML, XML specials and emoji included', async () => {
    const internal = `<p>Back on Monday & "soon" — it's <b>fine</b> ]]> 🌴</p>`;
    const external = "Out of office: <a href='https://contoso.com?a=1&b=2'>contact</a>\n  second line";
    const escape = (s: string): string =>
      s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const settings =
      '<t:OofState>Scheduled</t:OofState><t:ExternalAudience>Known</t:ExternalAudience>' +
      '<t:Duration><t:StartTime>2030-07-01T08:00:00Z</t:StartTime><t:EndTime>2030-07-15T17:00:00Z</t:EndTime></t:Duration>' +
      `<t:InternalReply><t:Message>${escape(internal)}</t:Message></t:InternalReply>` +
      `<t:ExternalReply><t:Message><![CDATA[${external}]]></t:Message></t:ExternalReply>`;
    const set = await call(bodies.setOof('carol@contoso.com', settings), 'carol@contoso.com');
    expect(responseCodes(set)).toEqual(['NoError']);

    const get = await call(bodies.getOof('carol@contoso.com'), 'carol@contoso.com');
    expect(texts(get.xml, 'OofState')).toEqual(['Scheduled']);
    expect(texts(get.xml, 'StartTime')).toEqual(['2030-07-01T08:00:00']);
    expect(texts(get.xml, 'EndTime')).toEqual(['2030-07-15T17:00:00']);
    const messages = findAll(get.xml, 'Message').map((m) => m.text);
    expect(messages).toEqual([internal, external]);

    const inspected = sandbox.inspectMailbox('carol@contoso.com');
    expect(inspected?.oof).toMatchObject({
      state: 'Scheduled',
      start: '2030-07-01T08:00:00.000Z',
      end: '2030-07-15T17:00:00.000Z',
      externalAudience: 'Known',
      internalReply: internal,
      externalReply: external,
    });
  });

  it('refuses a scheduled OOF that ends before it starts and keeps the previous settings', async () => {
    const before = sandbox.inspectMailbox('bob@contoso.com')?.oof;
    const settings =
      '<t:OofState>Scheduled</t:OofState><t:ExternalAudience>All</t:ExternalAudience>' +
      '<t:Duration><t:StartTime>2030-07-15T00:00:00Z</t:StartTime><t:EndTime>2030-07-01T00:00:00Z</t:EndTime></t:Duration>';
    const answer = await call(bodies.setOof('bob@contoso.com', settings), 'bob@contoso.com');
    expect(responseCodes(answer)).toEqual(['ErrorInvalidScheduledOofDuration']);
    expect(sandbox.inspectMailbox('bob@contoso.com')?.oof).toEqual(before);
  });

  it('does not let one impersonated mailbox read another mailbox’s OOF', async () => {
    const answer = await call(bodies.getOof('bob@contoso.com'), 'alice@contoso.com');
    expect(responseCodes(answer)).toEqual(['ErrorAccessDenied']);
  });

  it('reports folders of the primary and archive mailbox, and no archive where there is none', async () => {
    const inbox = await call(bodies.getFolder('inbox'), 'alice@contoso.com');
    expect(texts(inbox.xml, 'DisplayName')).toEqual(['Inbox']);
    expect(Number(texts(inbox.xml, 'TotalCount')[0])).toBe(
      sandbox.inspectMailbox('alice@contoso.com')?.folders.inbox,
    );

    const archiveRoot = await call(bodies.getFolder('archivemsgfolderroot'), 'alice@contoso.com');
    expect(responseCodes(archiveRoot)).toEqual(['NoError']);
    expect(texts(archiveRoot.xml, 'DisplayName')).toEqual(['Top of Information Store']);

    const none = await call(bodies.getFolder('archivemsgfolderroot'), 'carol@contoso.com');
    expect(responseCodes(none)).toEqual(['ErrorFolderNotFound']);
    expect(findAll(none.xml, 'GetFolderResponseMessage')[0]?.attrs.ResponseClass).toBe('Error');
  });

  it('archives inbox items into the archive inbox: counts move and the items leave the view', async () => {
    const before = sandbox.inspectMailbox('alice@contoso.com');
    const cutoff = new Date(Date.now() - 365 * DAY);
    const page = await call(bodies.findOld('inbox', cutoff, 0, 10), 'alice@contoso.com');
    const ids = itemIds(page);
    expect(ids).toHaveLength(10);
    const oldTotal = Number(rootFolder(page).TotalItemsInView);

    const archived = await call(bodies.archive('inbox', ids), 'alice@contoso.com');
    expect(responseCodes(archived)).toEqual(Array(10).fill('NoError'));

    const after = sandbox.inspectMailbox('alice@contoso.com');
    expect(after?.folders.inbox).toBe((before?.folders.inbox ?? 0) - 10);
    expect(after?.archive.folders.inbox).toBe((before?.archive.folders.inbox ?? 0) + 10);
    const again = await call(bodies.findOld('inbox', cutoff, 0, 10), 'alice@contoso.com');
    expect(Number(rootFolder(again).TotalItemsInView)).toBe(oldTotal - 10);
    expect(itemIds(again).filter((id) => ids.includes(id))).toEqual([]);
  });

  it('fails ArchiveItem per item the way Exchange does when the user has no archive', async () => {
    const before = sandbox.inspectMailbox('carol@contoso.com');
    const ids = itemIds(await call(bodies.findAll('inbox', 0, 3), 'carol@contoso.com'));
    const answer = await call(bodies.archive('inbox', ids), 'carol@contoso.com');
    expect(answer.status).toBe(200);
    expect(responseCodes(answer)).toEqual([
      'ErrorInvalidOperation',
      'ErrorInvalidOperation',
      'ErrorInvalidOperation',
    ]);
    expect(texts(answer.xml, 'MessageText')[0]).toBe('Archive mailbox is not enabled for this user.');
    expect(sandbox.inspectMailbox('carol@contoso.com')).toEqual(before);
  });

  it('answers each id of a batch on its own: repeated, unknown and malformed ids fail, the rest move once', async () => {
    const ids = itemIds(await call(bodies.findAll('inbox', 0, 2), 'bob@contoso.com'));
    const [first, second] = ids as [string, string];
    const answer = await call(
      bodies.archive('inbox', [first, first, 'not-an-id', second, 'AAMkADk0AAA=']),
      'bob@contoso.com',
    );
    expect(responseCodes(answer)).toEqual([
      'NoError',
      'ErrorItemNotFound',
      'ErrorInvalidIdMalformed',
      'NoError',
      'ErrorInvalidIdMalformed',
    ]);
    expect(sandbox.inspectMailbox('bob@contoso.com')?.archive.folders.inbox).toBe(2);
  });

  it('moves items with MoveItem, giving new ids within the mailbox and none into the archive', async () => {
    const ids = itemIds(await call(bodies.findAll('inbox', 0, 2), 'bob@contoso.com'));
    const toDeleted = await call(bodies.move('deleteditems', [ids[0] as string]), 'bob@contoso.com');
    expect(responseCodes(toDeleted)).toEqual(['NoError']);
    const newId = itemIds(toDeleted)[0];
    expect(newId).toBeDefined();
    expect(newId).not.toBe(ids[0]);

    const toArchive = await call(bodies.move('archivedeleteditems', [newId as string]), 'bob@contoso.com');
    expect(responseCodes(toArchive)).toEqual(['NoError']);
    expect(itemIds(toArchive)).toEqual([]);
    const bob = sandbox.inspectMailbox('bob@contoso.com');
    expect(bob?.folders.deleteditems).toBe(0);
    expect(bob?.archive.folders.deleteditems).toBe(1);

    const noArchive = await call(bodies.move('archiveinbox', [ids[1] as string]), 'bob@contoso.com');
    expect(responseCodes(noArchive)).toEqual(['NoError']);
    const carolIds = itemIds(await call(bodies.findAll('inbox', 0, 1), 'carol@contoso.com'));
    const carol = await call(bodies.move('archiveinbox', carolIds), 'carol@contoso.com');
    expect(responseCodes(carol)).toEqual(['ErrorFolderNotFound']);
  });

  it('expands a group one level, reporting nested groups as PublicDL and outsiders as contacts', async () => {
    const answer = await call(bodies.expandDL('all-staff@contoso.com'), 'alice@contoso.com');
    const members = findAll(answer.xml, 'Mailbox').map((m) => [
      texts(m, 'EmailAddress')[0],
      texts(m, 'MailboxType')[0],
    ]);
    expect(members).toEqual([
      ['alice@contoso.com', 'Mailbox'],
      ['engineering@contoso.com', 'PublicDL'],
      ['partners@fabrikam.com', 'PublicDL'],
      ['ext.consultant@example.org', 'Contact'],
    ]);
    const nested = await call(bodies.expandDL('eng@contoso.com'), 'alice@contoso.com');
    expect(texts(nested.xml, 'EmailAddress')).toEqual(['bob@contoso.com', 'carol@contoso.com']);
    const missing = await call(bodies.expandDL('nobody@contoso.com'), 'alice@contoso.com');
    expect(responseCodes(missing)).toEqual(['ErrorNameResolutionNoResults']);
  });

  it('resolves proxy addresses, smtp: prefixes and UPNs to the primary address', async () => {
    for (const entry of [
      'a.wilber@contoso.com',
      'SMTP:alice@contoso.onmicrosoft.com',
      'alice.wilber@corp.contoso.com',
    ]) {
      const answer = await call(bodies.resolve(entry), 'carol@contoso.com');
      expect(responseCodes(answer)).toEqual(['NoError']);
      expect(texts(answer.xml, 'EmailAddress')).toEqual(['alice@contoso.com']);
    }
    const none = await call(bodies.resolve('zed@contoso.com'), 'carol@contoso.com');
    expect(responseCodes(none)).toEqual(['ErrorNameResolutionNoResults']);
    const many = await call(bodies.resolve('a'), 'carol@contoso.com');
    expect(responseCodes(many)).toEqual(['ErrorNameResolutionMultipleResults']);
    expect(findAll(many.xml, 'ResolveNamesResponseMessage')[0]?.attrs.ResponseClass).toBe('Warning');
  });

  it('serves read-only mailbox snapshots at /sandbox/mailboxes/{address}', async () => {
    const res = await fetch(`${sandbox.origin}/sandbox/mailboxes/alice@contoso.com`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      address: 'alice@contoso.com',
      oof: { state: 'Disabled', externalAudience: 'All' },
      folders: { inbox: expect.any(Number) as number, sentitems: 1 },
      archive: { present: true },
    });
    const proxy = await fetch(`${sandbox.origin}/sandbox/mailboxes/a.wilber@contoso.com`);
    expect(((await proxy.json()) as { address: string }).address).toBe('alice@contoso.com');
    expect((await fetch(`${sandbox.origin}/sandbox/mailboxes/zed@contoso.com`)).status).toBe(404);
    const carol = (await (await fetch(`${sandbox.origin}/sandbox/mailboxes/carol@contoso.com`)).json()) as {
      archive: { present: boolean };
    };
    expect(carol.archive.present).toBe(false);
  });

  it('answers a request-id and echoes client-request-id only when asked to', async () => {
    const asked = await call(bodies.getOof('alice@contoso.com'), 'alice@contoso.com', {
      headers: { 'client-request-id': 'trace-123', 'return-client-request-id': 'true' },
    });
    expect(asked.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(asked.headers.get('client-request-id')).toBe('trace-123');
    const silent = await call(bodies.getOof('alice@contoso.com'), 'alice@contoso.com', {
      headers: { 'client-request-id': 'trace-456' },
    });
    expect(silent.headers.get('client-request-id')).toBeNull();
    const logged = sandbox.requests.find((r) => r.clientRequestId === 'trace-456');
    expect(logged).toMatchObject({
      operation: 'GetUserOofSettings',
      auth: 'basic',
      principal: 'svc-mailbox@contoso.com',
      impersonation: { kind: 'PrimarySmtpAddress', value: 'alice@contoso.com' },
      mailbox: 'alice@contoso.com',
      anchorMailbox: 'alice@contoso.com',
      anchorMatches: true,
      status: 200,
      responseCodes: ['NoError'],
    });
  });
});

describe('EWS sandbox with a generated tenant', () => {
  let sandbox: EwsSandbox;
  const as = 'user00001@contoso.com';
  const call = (body: string): Promise<EwsAnswer> =>
    post(sandbox.url, soap(body, { as }), {
      ...basic(`${GENERATED_SERVICE_ACCOUNT.username}@contoso.com`, GENERATED_SERVICE_ACCOUNT.password),
      anchor: as,
    });

  beforeAll(async () => {
    sandbox = await startEwsSandbox({
      seed: generateTenant({
        mailboxes: 10_000,
        itemsPerMailbox: 3000,
        oldFraction: 2500 / 3000,
        withArchive: 0.5,
      }),
    });
  });
  afterAll(() => sandbox.close());

  it('holds 10,000 mailboxes and creates items only for mailboxes that are touched', () => {
    expect(sandbox.tenant.mailboxes).toHaveLength(10_000);
    expect(sandbox.inspectMailbox('user00002@contoso.com')?.archive.present).toBe(false);
    expect(sandbox.inspectMailbox('user10000@contoso.com')?.folders.inbox).toBe(3000);
  });

  it('pages restricted searches at 250 items until IncludesLastItemInRange, then archives 2,500 of 3,000', async () => {
    const cutoff = new Date(Date.now() - 365 * DAY);
    const seen = new Set<string>();
    let offset = 0;
    let pages = 0;
    for (;;) {
      const page = await call(bodies.findOld('inbox', cutoff, offset, 1000));
      const ids = itemIds(page);
      const folder = rootFolder(page);
      expect(ids.length).toBeLessThanOrEqual(250);
      ids.forEach((id) => seen.add(id));
      pages++;
      if (folder.IncludesLastItemInRange === 'true') break;
      offset = Number(folder.IndexedPagingOffset);
    }
    expect(pages).toBe(10);
    expect(seen.size).toBe(2500);

    // Archive in batches of 100, re-querying from offset 0 as moved items leave the view.
    let archived = 0;
    for (;;) {
      const page = await call(bodies.findOld('inbox', cutoff, 0, 100));
      const ids = itemIds(page);
      if (ids.length === 0) break;
      const answer = await call(bodies.archive('inbox', ids));
      expect(responseCodes(answer).every((c) => c === 'NoError')).toBe(true);
      archived += ids.length;
    }
    expect(archived).toBe(2500);
    const mailbox = sandbox.inspectMailbox(as);
    expect(mailbox?.folders.inbox).toBe(500);
    expect(mailbox?.archive.folders.inbox).toBe(2500);
  });
});
