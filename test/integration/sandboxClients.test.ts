/**
 * Another EWS client against the sandbox: ews-javascript-api (a port of Microsoft's EWS Managed API)
 * reads and writes OOF settings, pages FindItem, archives, binds folders, expands groups and resolves names
 * through its own request writer, impersonating with SmtpAddress.
 */
import {
  ConnectingIdType,
  DateTime,
  ExchangeService,
  ExchangeVersion,
  Folder,
  FolderId,
  ImpersonatedUserId,
  ItemView,
  OofExternalAudience,
  OofReply,
  OofSettings,
  OofState,
  SearchFilter,
  ItemSchema,
  TimeWindow,
  Uri,
  WebCredentials,
  WellKnownFolderName,
  ItemId,
} from 'ews-javascript-api';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { DEMO_SERVICE_ACCOUNT, startDemoSandbox } from '../support/demoTenant';

const DAY = 86_400_000;

describe('ews-javascript-api against the EWS sandbox', () => {
  let sandbox: EwsSandbox;
  const serviceFor = (mailbox: string): ExchangeService => {
    const service = new ExchangeService(ExchangeVersion.Exchange2016);
    service.Credentials = new WebCredentials(DEMO_SERVICE_ACCOUNT.username, DEMO_SERVICE_ACCOUNT.password);
    service.Url = new Uri(sandbox.url);
    service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
    service.HttpHeaders.Add('X-AnchorMailbox', mailbox);
    return service;
  };

  beforeAll(async () => {
    sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
  });
  afterAll(() => sandbox.close());

  it('reads OOF settings, scheduled times as UTC', async () => {
    const oof = await serviceFor('bob@contoso.com').GetUserOofSettings('bob@contoso.com');
    const seeded = sandbox.inspectMailbox('bob@contoso.com')?.oof;
    expect(oof.State).toBe(OofState.Scheduled);
    expect(oof.ExternalAudience).toBe(OofExternalAudience.Known);
    expect(oof.Duration.StartTime.ToISOString()).toBe(seeded?.start);
    expect(oof.InternalReply.Message).toBe(seeded?.internalReply);
    expect(sandbox.requests.at(-1)).toMatchObject({
      operation: 'GetUserOofSettings',
      impersonation: { kind: 'SmtpAddress', value: 'bob@contoso.com' },
      anchorMatches: true,
    });
  });

  it('writes OOF settings that the sandbox then holds', async () => {
    const service = serviceFor('alice@contoso.com');
    const settings = new OofSettings();
    settings.State = OofState.Scheduled;
    settings.ExternalAudience = OofExternalAudience.All;
    settings.Duration = new TimeWindow(
      DateTime.Parse('2030-03-01T09:00:00Z'),
      DateTime.Parse('2030-03-08T18:00:00Z'),
    );
    settings.InternalReply = new OofReply('Skiing until the 8th');
    settings.ExternalReply = new OofReply('Out of office until 8 March');
    await service.SetUserOofSettings('alice@contoso.com', settings);
    expect(sandbox.inspectMailbox('alice@contoso.com')?.oof).toEqual({
      state: 'Scheduled',
      start: '2030-03-01T09:00:00.000Z',
      end: '2030-03-08T18:00:00.000Z',
      externalAudience: 'All',
      internalReply: 'Skiing until the 8th',
      externalReply: 'Out of office until 8 March',
    });
    const back = await service.GetUserOofSettings('alice@contoso.com');
    expect(back.InternalReply.Message).toBe('Skiing until the 8th');
  });

  it('is refused with ErrorSchemaValidation when it sends OOF text with an unescaped "&", as Exchange would refuse it', async () => {
    // ews-javascript-api writes element values verbatim (EwsServiceXmlWriter.WriteValue does not escape).
    const settings = new OofSettings();
    settings.State = OofState.Enabled;
    settings.ExternalAudience = OofExternalAudience.None;
    settings.InternalReply = new OofReply('Tom & Jerry');
    settings.ExternalReply = new OofReply('');
    await expect(
      serviceFor('alice@contoso.com').SetUserOofSettings('alice@contoso.com', settings),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/schema validation/) as string,
    });
    expect(sandbox.requests.at(-1)).toMatchObject({ status: 500, responseCodes: ['ErrorSchemaValidation'] });
  });

  it('pages FindItem with a received-before filter and archives what it found', async () => {
    const service = serviceFor('bob@contoso.com');
    const filter = new SearchFilter.IsLessThan(
      ItemSchema.DateTimeReceived,
      DateTime.Parse(new Date(Date.now() - 365 * DAY).toISOString()),
    );
    const ids: ItemId[] = [];
    let offset = 0;
    for (;;) {
      const page = await service.FindItems(WellKnownFolderName.Inbox, filter, new ItemView(25, offset));
      ids.push(...page.Items.map((i) => i.Id));
      if (!page.MoreAvailable) break;
      offset = page.NextPageOffset ?? 0;
    }
    expect(ids).toHaveLength(60);
    const before = sandbox.inspectMailbox('bob@contoso.com');
    const responses = await service.ArchiveItems(ids.slice(0, 10), new FolderId(WellKnownFolderName.Inbox));
    expect(responses.OverallResult).toBe(0); // ServiceResult.Success
    const after = sandbox.inspectMailbox('bob@contoso.com');
    expect(after?.folders.inbox).toBe((before?.folders.inbox ?? 0) - 10);
    expect(after?.archive.folders.inbox).toBe((before?.archive.folders.inbox ?? 0) + 10);
  });

  it('binds the archive root, expands groups and resolves names', async () => {
    const service = serviceFor('alice@contoso.com');
    const archiveRoot = await Folder.Bind(service, WellKnownFolderName.ArchiveMsgFolderRoot);
    expect(archiveRoot.DisplayName).toBe('Top of Information Store');
    await expect(
      Folder.Bind(serviceFor('carol@contoso.com'), WellKnownFolderName.ArchiveMsgFolderRoot),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/folder could not be found/) as string,
    });

    const expansion = await service.ExpandGroup('engineering@contoso.com');
    expect(expansion.Members.map((m) => m.Address)).toEqual(['bob@contoso.com', 'carol@contoso.com']);

    const resolved = await service.ResolveName('robert.kelly@contoso.com');
    expect(resolved.Count).toBe(1);
    expect(resolved._getItem(0).Mailbox.Address).toBe('bob@contoso.com');
  });
});
