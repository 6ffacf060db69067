import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sweepArchive } from '../../../cli/commands/sweepArchive';
import { MailboxError } from '../../../shared/mailbox/mailboxError';
import { archived, FakeMailboxes } from '../../support/fakeMailboxes';

// The sweep dates its run by the clock; the fake's old mail is old relative to the same clock.
const now = new Date();
const reportDirs: string[] = [];
afterAll(() => {
  for (const dir of reportDirs) rmSync(dir, { recursive: true, force: true });
});

/** The command as main's table calls it, with the fake as what the shared `ops` factory would give. */
async function run(
  args: string[],
  fake: FakeMailboxes,
  extra: { env?: Record<string, string>; terminal?: NodeJS.WritableStream } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sweep-cli-'));
  reportDirs.push(dir);
  const code = await sweepArchive(
    [...args, '--report-dir', dir],
    {
      env: {
        MAILBOX_SCOPE: 'contoso.com',
        SWEEP_MAILBOXES: [...fake.mailboxes.keys()].join(','),
        SWEEP_BATCH_SIZE: '4',
        ...extra.env,
      },
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      terminal: extra.terminal,
    },
    () => fake,
  );
  return { code, out: out.join(''), err: err.join('') };
}

describe('mailbox-automation sweep archive', () => {
  it('archives the old mail of every listed mailbox and saves the same report as the functions', async () => {
    const fake = new FakeMailboxes();
    for (let i = 0; i < 10; i++) fake.addMailbox(`u${i}@contoso.com`, { old: 3, recent: 1, now });
    const r = await run(['--json'], fake);
    expect(r.code).toBe(0);
    // No journal storage here: ten mailboxes' moves, one line saying none of them was journaled.
    expect(r.err).toMatch(
      /^mailbox-automation: warning: this command's changes are not journaled: no storage[^\n]*\n$/,
    );
    const summary = JSON.parse(r.out) as { itemsArchived: number; report: { csv: string } };
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
    const r = await run(['--dry-run'], fake);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/dry run: 2 mailbox\(es\) \(1 planned, 1 failed\); items to archive: 3/);
    expect(r.out).toContain('  b@contoso.com\tfailed\tErrorAccessDenied\n');
    expect(fake.count('a@contoso.com', 'primary')).toBe(3);
  });

  it('--mailbox limits the run to the mailboxes named', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, now });
    fake.addMailbox('b@contoso.com', { old: 3, now });
    const r = await run(['--mailbox', 'B@contoso.com'], fake);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1 mailbox\(es\) \(1 archived\); items archived: 3 of 3 planned\n/);
    expect(archived(fake, 'b@contoso.com')).toBe(3);
    expect(archived(fake, 'a@contoso.com')).toBe(0);
  });

  it('a mailbox that only failed transiently, after SWEEP_MAX_ATTEMPTS, gives exit code 4', async () => {
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, now });
    fake.failures.set('a@contoso.com', {
      error: new MailboxError({ code: 'ErrorServerBusy', errorClass: 'throttled', message: 'busy' }),
      times: 9,
    });
    const r = await run(['--dry-run'], fake, {
      env: { SWEEP_MAX_ATTEMPTS: '2', SWEEP_RETRY_INTERVAL_MS: '1' },
    });
    expect(r.code).toBe(4);
    expect(r.out).toContain('  a@contoso.com\tfailed\tErrorServerBusy\n');
  });

  it('sweeps at most SWEEP_BATCH_SIZE × SWEEP_MAX_BATCHES_IN_FLIGHT mailboxes at once, as the functions do', async () => {
    const fake = new FakeMailboxes();
    for (let i = 0; i < 12; i++) fake.addMailbox(`u${i}@contoso.com`, { old: 1, now });
    let sweeping = 0;
    let most = 0;
    const hasArchive = fake.hasArchiveMailbox.bind(fake);
    const archive = fake.archiveItems.bind(fake);
    // A mailbox is being swept from its first call (the archive check) until its items are archived.
    fake.hasArchiveMailbox = async (mailbox) => {
      sweeping++;
      most = Math.max(most, sweeping);
      await new Promise((r) => setTimeout(r, 5));
      return hasArchive(mailbox);
    };
    fake.archiveItems = async (...args) => {
      const outcome = await archive(...args);
      sweeping--;
      return outcome;
    };
    const r = await run([], fake, { env: { SWEEP_BATCH_SIZE: '2', SWEEP_MAX_BATCHES_IN_FLIGHT: '3' } });
    expect(r.code).toBe(0);
    expect(most).toBe(6);
    for (let i = 0; i < 12; i++) expect(archived(fake, `u${i}@contoso.com`)).toBe(1);
  });

  it('draws its progress on the terminal it is given, and none with --json', async () => {
    let drawn = '';
    // A terminal in memory: what the bar writes is kept as it is written.
    const terminal = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          drawn += chunk.toString('utf8');
          done();
        },
      }),
      { isTTY: true },
    );
    const fake = new FakeMailboxes();
    fake.addMailbox('a@contoso.com', { old: 3, now });
    fake.addMailbox('b@contoso.com', { old: 2, now });
    expect((await run(['--dry-run'], fake, { terminal })).code).toBe(0);
    expect(drawn).toMatch(/archive sweep \[.*\] 2\/2 mailboxes \| 5 items \| 0 failed/);
    drawn = '';
    expect((await run(['--dry-run', '--json'], fake, { terminal })).code).toBe(0);
    expect(drawn).toBe('');
  });
});
