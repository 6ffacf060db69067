/**
 * Every request the client can send, headers included, validated against Microsoft's EWS schema
 * (test/fixtures/ews-schema, see SOURCE.txt). The documents are the ones the client puts on the wire:
 * built by the same functions, and sent through the sandbox in strict mode, which answers
 * ErrorSchemaValidation to anything invalid.
 */
import { startEwsSandbox } from '../../dev/ews-sandbox';
import { CONNECTING_SID_KINDS, SERVER_VERSIONS } from '../../shared/platform/config';
import { toEwsOofEvent } from '../../shared/mailbox/ews/calendarEvent';
import * as requests from '../../shared/mailbox/ews/soapRequests';
import { SERVICE_ACCOUNT, sandboxClient } from '../support/ewsTestClient';
import { validateEwsRequests } from '../support/schemaValidator';

const tricky = `<p>Ünïcödé & "quotes" 'apos' <b>bold</b> ]]> 🌴</p>`;
const items = [{ id: 'AAMkAGM2Zm==', changeKey: 'CQAAABYA' }, { id: 'AAMkAGM3Zm==' }];

const oofEvent = toEwsOofEvent({
  subject: `Out of office ${tricky}`,
  body: tricky,
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  tag: 'leave-generic-3f2a',
});

const bodies: Record<string, string> = {
  GetUserOofSettings: requests.getUserOofSettingsBody('alice@contoso.com'),
  'SetUserOofSettings Scheduled': requests.setUserOofSettingsBody('alice@contoso.com', {
    state: 'Scheduled',
    start: '2026-12-21T08:00:00Z',
    end: '2027-01-04T08:00:00Z',
    externalAudience: 'Known',
    internalReply: tricky,
    externalReply: tricky,
  }),
  'SetUserOofSettings Disabled': requests.setUserOofSettingsBody('alice@contoso.com', {
    state: 'Disabled',
    externalAudience: 'None',
    internalReply: '',
    externalReply: '',
  }),
  FindItem: requests.findItemsReceivedBeforeBody('inbox', new Date('2025-11-25T00:00:00Z'), 250, 250),
  ArchiveItem: requests.archiveItemBody('inbox', items),
  MoveItem: requests.moveItemBody(items, 'archiveinbox'),
  GetFolder: requests.getFolderBody('archivemsgfolderroot'),
  ExpandDL: requests.expandDlBody('all-staff@contoso.com'),
  ResolveNames: requests.resolveNamesBody('Alice Wilber'),
  'FindItem of the tagged event': requests.findOofEventBody(oofEvent.tag),
  CreateItem: requests.createOofEventBody(oofEvent),
  UpdateItem: requests.updateOofEventBody('AAMkAGM2Zm==', oofEvent),
  DeleteItem: requests.deleteOofEventBody('AAMkAGM2Zm=='),
};

const sidValues = {
  PrimarySmtpAddress: 'alice@contoso.com',
  SmtpAddress: 'alice@contoso.com',
  PrincipalName: 'alice.wilber@corp.contoso.com',
  SID: 'S-1-5-21-3642464542-282065186-3871681729-1101',
};

describe("requests are valid against Microsoft's EWS schema", () => {
  it('every operation, every ConnectingSID form and every server version', async () => {
    const documents: { name: string; xml: string }[] = [];
    for (const [operation, body] of Object.entries(bodies)) {
      for (const kind of CONNECTING_SID_KINDS) {
        documents.push({
          name: `${operation} as ${kind}`,
          xml: requests.envelope('Exchange2016', { kind, value: sidValues[kind] }, body),
        });
      }
    }
    for (const version of SERVER_VERSIONS) {
      documents.push({
        name: `GetUserOofSettings with ${version}`,
        xml: requests.envelope(
          version,
          { kind: 'PrimarySmtpAddress', value: 'a@contoso.com' },
          bodies.GetUserOofSettings ?? '',
        ),
      });
    }
    const results = await validateEwsRequests(documents.map((d) => d.xml));
    const invalid = results.flatMap((r, i) =>
      r.valid ? [] : [`${documents[i]?.name}: ${r.errors.join('; ')}`],
    );
    expect(invalid).toEqual([]);
    expect(results).toHaveLength(documents.length);
  });

  it('the validator does catch a mistake (a misspelled header element and a bad folder id)', async () => {
    const good = requests.envelope(
      'Exchange2016',
      { kind: 'PrimarySmtpAddress', value: 'a@contoso.com' },
      bodies.GetFolder ?? '',
    );
    const results = await validateEwsRequests([
      good
        .replace('t:ExchangeImpersonation>', 't:ExchangeImpersonatoin>')
        .replace('<t:ExchangeImpersonation>', '<t:ExchangeImpersonatoin>'),
      good.replace('archivemsgfolderroot', 'archive-root'),
      good.replace('Exchange2016', 'Exchange2019'),
    ]);
    expect(results.map((r) => r.valid)).toEqual([false, false, false]);
  });

  it('the client passes a strict sandbox that validates every request it receives', async () => {
    const sandbox = await startEwsSandbox({
      seed: {
        tenant: { domains: ['contoso.com'] },
        mailboxes: [
          {
            address: 'alice@contoso.com',
            archive: {},
            folders: { inbox: { generate: { count: 10, oldFraction: 0.5 } } },
          },
          { address: 'bob@contoso.com' },
        ],
        groups: [{ address: 'team@contoso.com', members: ['alice@contoso.com', 'bob@contoso.com'] }],
        serviceAccounts: [{ ...SERVICE_ACCOUNT, impersonation: { domains: ['contoso.com'] } }],
      },
      knobs: { strictSchema: true },
    });
    const { client } = sandboxClient(sandbox);
    try {
      // A window in the future, whenever the test runs: the sandbox refuses one that has ended.
      await client.setOof('alice@contoso.com', {
        state: 'Scheduled',
        start: new Date(Date.now() + 15 * 86_400_000).toISOString(),
        end: new Date(Date.now() + 29 * 86_400_000).toISOString(),
        externalAudience: 'All',
        internalReply: tricky,
        externalReply: tricky,
      });
      await client.getOof('alice@contoso.com');
      const ids = await client.findItemIdsReceivedBefore(
        'alice@contoso.com',
        'inbox',
        new Date(Date.now() - 365 * 86_400_000),
      );
      await client.archiveItems('alice@contoso.com', 'inbox', ids.slice(0, 2));
      await client.moveItems('alice@contoso.com', ids.slice(2, 3), 'archiveinbox');
      await client.hasArchiveMailbox('alice@contoso.com');
      await client.expandGroup('team@contoso.com', 'bob@contoso.com');
      await client.resolvePrimaryAddress('bob@contoso.com', 'alice@contoso.com');
    } finally {
      await client.close();
      await sandbox.close();
    }
    expect(sandbox.requests).toHaveLength(8);
    expect(sandbox.requests.flatMap((r) => r.responseCodes).filter((c) => c !== 'NoError')).toEqual([]);
  });
});
