import { loadSweepSettings } from '../../../shared/platform/config';
import { countRows, reportCsv, reportPathFor, summarize } from '../../../shared/sweep/sweepReport';
import type { MailboxRow } from '../../../shared/sweep/sweepTypes';

describe('the sweep report', () => {
  const rows: MailboxRow[] = [
    { mailbox: 'a@contoso.com', outcome: 'archived', itemsPlanned: 10, itemsMoved: 10 },
    {
      mailbox: 'b@contoso.com',
      outcome: 'skipped',
      itemsPlanned: 0,
      itemsMoved: 0,
      errorCode: 'NoArchiveMailbox',
    },
    {
      mailbox: 'c@contoso.com',
      outcome: 'failed',
      itemsPlanned: 0,
      itemsMoved: 0,
      errorCode: 'ErrorAccessDenied',
      errorMessage: 'a, "b"',
    },
  ];

  it('has one CSV line per mailbox with outcome, items and error code', () => {
    expect(reportCsv(rows).split('\r\n')).toEqual([
      'mailbox,outcome,itemsPlanned,itemsMoved,capped,errorCode',
      'a@contoso.com,archived,10,10,,',
      'b@contoso.com,skipped,0,0,,NoArchiveMailbox',
      'c@contoso.com,failed,0,0,,ErrorAccessDenied',
      '',
    ]);
  });

  it('summarises mailboxes per outcome and items', () => {
    const job = {
      sweepId: 's',
      dryRun: false,
      startedAt: '2026-11-25T02:00:00.000Z',
      receivedBefore: 'x',
      folders: ['inbox' as const],
    };
    const discovery = {
      total: 3,
      groupsExpanded: 0,
      notMailboxes: 0,
      duplicates: 0,
      unresolved: 0,
      outOfScope: 2,
    };
    const summary = summarize(job, discovery, countRows(rows), new Date('2026-11-25T02:05:00Z'));
    expect(summary.mailboxes).toEqual({
      archived: 1,
      upToDate: 0,
      planned: 0,
      skipped: 1,
      partial: 0,
      failed: 1,
      total: 3,
    });
    expect(summary).toMatchObject({ itemsPlanned: 10, itemsArchived: 10 });
  });

  it('is stored under archive/<date and time>-<instance>', () => {
    expect(reportPathFor(new Date('2026-11-25T02:00:00.123Z'), 'archive-sweep')).toBe(
      'archive/2026-11-25T020000Z-archive-sweep',
    );
  });

  it('settings: defaults, and a bad value names the setting', () => {
    expect(loadSweepSettings({})).toMatchObject({
      batchSize: 50,
      maxBatchesInFlight: 10,
      folders: ['inbox'],
      schedule: undefined,
    });
    expect(() => loadSweepSettings({ ARCHIVE_FOLDERS: 'inbox,archiveinbox' })).toThrow(/ARCHIVE_FOLDERS/);
    expect(() => loadSweepSettings({ ARCHIVE_SWEEP_SCHEDULE: '0 2 * * *' })).toThrow(
      /ARCHIVE_SWEEP_SCHEDULE/,
    );
    expect(() => loadSweepSettings({ MAILBOX_SCOPE_GROUP: 'all@contoso.com' })).toThrow(
      /EWS_SERVICE_MAILBOX/,
    );
    expect(loadSweepSettings({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).reports).toMatchObject({
      kind: 'connectionString',
      container: 'reports',
    });
    expect(loadSweepSettings({ AzureWebJobsStorage__accountName: 'mystore' }).reports).toMatchObject({
      kind: 'identity',
      blobServiceUrl: 'https://mystore.blob.core.windows.net',
    });
  });
});
