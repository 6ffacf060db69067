import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepArchive } from '../../../cli/commands/sweepArchive';
import { MailboxError } from '../../../shared/mailbox/mailboxError';
import { archived, FakeMailboxes } from './fakeMailboxes';

const now = new Date('2026-11-25T02:00:00Z');

function run(args: string[], fake: FakeMailboxes, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sweep-cli-'));
  const code = sweepArchive(
    [...args, '--report-dir', dir],
    {
      MAILBOX_SCOPE: 'contoso.com',
      SWEEP_MAILBOXES: [...fake.mailboxes.keys()].join(','),
      SWEEP_BATCH_SIZE: '4',
      ...env,
    },
    fake,
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), progress: false, now: () => now },
  );
  return { code, out, err, dir };
}

describe('mailbox-automation sweep archive', () => {
  it('archives the old mail of every listed mailbox and saves the same report as the functions', async () => {
    const fake = new FakeMailboxes();
    for (let i = 0; i < 10; i++) fake.addMailbox(`u${i}@contoso.com`, { old: 3, recent: 1, now });
    const r = run(['--json'], fake);
    expect(await r.code).toBe(0);
    const summary = JSON.parse(r.out.join('')) as { itemsArchived: number; report: { csv: string } };
    expect(summary.itemsArchived).toBe(30);
    for (let i = 0; i < 10; i++) expect(archived(fake, `u${i}@contoso.com`)).toBe(3);
    const csv = readFileSync(summary.report.csv, 'utf8').trim().split('\r\n');
    expect(csv).toHaveLength(11);
    expect(csv).toContain('u3@contoso.com,archived,3,3,,');
  });

  it('--dry-run moves nothing; a permanent failure gives exit code 3', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, now });
    fake.addMailbox('b@contoso.com', { old: 3, now });
    fake.failures.set('b@contoso.com', {
      error: new MailboxError({ code: 'ErrorAccessDenied', errorClass: 'permanent', message: 'no' }),
      times: 9,
    });
    const r = run(['--dry-run'], fake);
    expect(await r.code).toBe(3);
    expect(r.out.join('')).toMatch(/dry run: 2 mailbox\(es\) \(1 planned, 1 failed\); items to archive: 3/);
    expect(fake.count('a@contoso.com', 'primary')).toBe(3);
  });

  it('a missing setting is exit code 2 naming it, nothing sent', async () => {
    const fake = new FakeMailboxes();
    const r = run([], fake, { SWEEP_MAILBOXES: '', ARCHIVE_OLDER_THAN_DAYS: 'soon' });
    expect(await r.code).toBe(2);
    expect(r.err.join('')).toMatch(/ARCHIVE_OLDER_THAN_DAYS/);
    expect(fake.calls).toHaveLength(0);
  });
});
