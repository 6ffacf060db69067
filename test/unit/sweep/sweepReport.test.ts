import { loadSweepSettings } from '../../../shared/platform/config';
import {
  CSV_HEADER_TEXT,
  countRows,
  csvRowText,
  jsonRowText,
  reportCsv,
  reportJson,
  reportPathFor,
  summarize,
} from '../../../shared/sweep/sweepReport';
import type { MailboxRow } from '../../../shared/sweep/sweepTypes';
import { reportSummary } from '../../support/sweepReportSummary';

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

describe('the report texts, piece by piece', () => {
  const summary = reportSummary(2, [], { dryRun: true });
  const rows: MailboxRow[] = [
    { mailbox: 'a@contoso.com', outcome: 'archived', itemsPlanned: 10, itemsMoved: 10, capped: true },
    {
      mailbox: 'é@contoso.com',
      outcome: 'failed',
      itemsPlanned: 0,
      itemsMoved: 0,
      errorMessage: 'x\n"y",\tz',
    },
    { mailbox: '=cmd@contoso.com', outcome: 'partial', itemsPlanned: 3, itemsMoved: 1, errorCode: undefined },
  ];

  it.each([
    ['no rows', [], []],
    ['one row', rows.slice(0, 1), []],
    ['several rows and dropped examples', rows, [{ address: 'dave@fabrikam.com', reason: 'outOfScope' }]],
  ])('reportJson is JSON.stringify(report, null, 2) and a line break (%s)', (_, some, droppedExamples) => {
    const report = { summary, droppedExamples, rows: some };
    expect(reportJson(report)).toBe(JSON.stringify(report, null, 2) + '\n');
  });

  it('reportCsv is the header line and one line per row, each ending in CRLF, formulas neutralised', () => {
    expect(reportCsv([])).toBe(CSV_HEADER_TEXT);
    expect(reportCsv(rows)).toBe(
      'mailbox,outcome,itemsPlanned,itemsMoved,capped,errorCode\r\n' +
        'a@contoso.com,archived,10,10,yes,\r\n' +
        'é@contoso.com,failed,0,0,,\r\n' +
        "'=cmd@contoso.com,partial,3,1,,\r\n",
    );
    expect(rows.map(csvRowText).join('')).toBe(reportCsv(rows).slice(CSV_HEADER_TEXT.length));
  });

  it('a JSON row with or without the comma before it', () => {
    expect(jsonRowText(rows[0]!, true)).toBe(
      '\n    {\n      "mailbox": "a@contoso.com",\n      "outcome": "archived",\n      "itemsPlanned": 10,' +
        '\n      "itemsMoved": 10,\n      "capped": true\n    }',
    );
    expect(jsonRowText(rows[0]!, false)).toBe(`,${jsonRowText(rows[0]!, true)}`);
  });
});
