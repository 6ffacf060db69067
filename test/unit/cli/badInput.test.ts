import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/main';

// Files `hr send` would post, were its other arguments right.
const files = mkdtempSync(join(tmpdir(), 'cli-bad-input-'));
const leaveEventFile = join(files, 'leave.json');
writeFileSync(leaveEventFile, '{"eventId":"e-1"}');
const notJsonFile = join(files, 'leave.txt');
writeFileSync(notJsonFile, 'not json');

/** A loopback server that only counts: any request reaching it means the CLI sent something. */
let server: http.Server;
let requests = 0;
let env: Record<string, string>;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  env = {
    EWS_URL: `http://127.0.0.1:${port}/EWS/Exchange.asmx`,
    EWS_AUTH: 'basic',
    EWS_USERNAME: 'svc',
    EWS_PASSWORD: 'pw',
    MAILBOX_SCOPE: 'contoso.com',
    // `hr send` posts to the same counting server: a request there means it sent something.
    HR_WEBHOOK_URL: `http://127.0.0.1:${port}/api/hr/generic`,
    HR_WEBHOOK_SECRETS: 'webhook-secret',
  };
});
afterAll(async () => {
  rmSync(files, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = 0;
});

async function run(argv: string[], overrides: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: { ...env, ...overrides },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

/**
 * Exit 2, nothing on stdout, a first line naming what is wrong, and not one request sent. A wrong
 * invocation is followed by the usage that would have been right; a bad setting by nothing.
 */
function expectRefusedBeforeSending(
  result: { code: number; stdout: string; stderr: string },
  message: RegExp,
  after: 'usage' | 'nothing' = 'usage',
): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const [first, ...rest] = result.stderr.split('\n');
  expect(first).toMatch(/^mailbox-automation: /);
  expect(first).toMatch(message);
  if (after === 'usage') expect(rest.join('\n')).toMatch(/^usage: mailbox-automation /);
  else expect(rest).toEqual(['']);
  expect(requests).toBe(0);
}

describe('bad input gets exit 2, a message naming what is wrong, and sends nothing', () => {
  it.each([
    [['oof', 'get', 'not-an-address'], /"not-an-address" is not an e-mail address/],
    [
      [
        'oof',
        'set',
        'alice@contoso.com',
        '--internal',
        'x',
        '--start',
        '2026-12-10T00:00:00Z',
        '--end',
        '2026-12-01T00:00:00Z',
      ],
      /--end .* is not after --start/,
    ],
    [
      [
        'oof',
        'set',
        'alice@contoso.com',
        '--internal',
        'x',
        '--start',
        '2026-12-10T00:00:00',
        '--end',
        '2026-12-11T00:00:00Z',
      ],
      /--start "2026-12-10T00:00:00" is not an ISO time with a zone/,
    ],
    [['oof', 'set', 'alice@contoso.com'], /--internal TEXT or --internal-file FILE is required/],
    [
      ['oof', 'set', 'alice@contoso.com', '--internal-file', '/nonexistent/reply.html'],
      /--internal-file "\/nonexistent\/reply.html" cannot be read/,
    ],
    [
      ['oof', 'set', 'alice@contoso.com', '--internal', 'x', '--audience', 'everyone'],
      /--audience "everyone" must be none, known or all/,
    ],
    [['archive', 'plan', 'alice@contoso.com', '--older-than', '1y'], /--older-than "1y" is not an age/],
    [['archive', 'run', 'alice@contoso.com'], /--older-than is required/],
    [
      ['archive', 'plan', 'alice@contoso.com', '--older-than', '30d', '--folder', 'attic'],
      /unknown folder "attic"/,
    ],
    [['oof', 'get'], /missing <mailbox>/],
    [['oof', 'frobnicate', 'alice@contoso.com'], /unknown command "oof frobnicate"/],
    [['oof', 'get', 'alice@contoso.com', '--colour'], /--colour/],
    [['sweep', 'archive', '--colour'], /--colour/],
    [['sweep', 'archive', '--dry-run=yes'], /--dry-run/],
    [['sweep', 'archive', '--report-dir'], /--report-dir/],
    [
      ['sweep', 'archive', '--mailbox', 'not-an-address'],
      /--mailbox "not-an-address" is not an e-mail address/,
    ],
    [['sweep', 'archive', 'alice@contoso.com'], /unexpected argument "alice@contoso.com"/],
  ])('%j', async (argv, message) => {
    expectRefusedBeforeSending(await run(argv), message);
  });

  // Named by what is wrong: the file arguments are temporary paths, different on every run.
  it.each([
    ['an unknown flag', [leaveEventFile, '--colour'], /--colour/],
    ['--url without a value', [leaveEventFile, '--url'], /--url/],
    ['--url that is not a URL', [leaveEventFile, '--url', 'not a url'], /--url "not a url" is not a URL/],
    ['no file', [], /missing <file>/],
    ['two files', [leaveEventFile, notJsonFile], /unexpected argument ".*leave.txt"/],
    [
      'a file that is not there',
      ['/nonexistent/leave.json'],
      /file "\/nonexistent\/leave.json" cannot be read: ENOENT/,
    ],
    ['a file that is not JSON', [notJsonFile], /file ".*leave.txt" is not JSON/],
  ])('hr send with %s', async (_what, args, message) => {
    expectRefusedBeforeSending(await run(['hr', 'send', ...args]), message);
  });

  it('a mailbox outside MAILBOX_SCOPE is refused before any request', async () => {
    const result = await run(['oof', 'get', 'dave@fabrikam.com']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dave@fabrikam.com is out of scope \(MAILBOX_SCOPE=contoso.com\)/);
    expect(requests).toBe(0);
  });

  it('with MAILBOX_SCOPE unset, the refusal says how to set it', async () => {
    const result = await run(['oof', 'get', 'alice@contoso.com'], { MAILBOX_SCOPE: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/set MAILBOX_SCOPE/);
    expect(requests).toBe(0);
  });

  it('an unreadable client certificate is named, and nothing is sent', async () => {
    const result = await run(['oof', 'get', 'alice@contoso.com'], {
      EWS_AUTH: 'oauth',
      EWS_TENANT_ID: 'contoso.onmicrosoft.com',
      EWS_CLIENT_ID: '00000000-0000-4000-8000-000000000001',
      EWS_CLIENT_CERTIFICATE_PATH: '/nonexistent/app.pem',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/EWS_CLIENT_CERTIFICATE_PATH "\/nonexistent\/app.pem" cannot be read/);
    expect(requests).toBe(0);
  });

  it('hr send without HR_WEBHOOK_SECRETS names the setting and posts nothing', async () => {
    expectRefusedBeforeSending(
      await run(['hr', 'send', leaveEventFile], { HR_WEBHOOK_SECRETS: ' , ' }),
      /^mailbox-automation: HR_WEBHOOK_SECRETS is not set/,
      'nothing',
    );
  });

  it('hr send with a malformed HR_WEBHOOK_URL names the setting, not --url', async () => {
    expectRefusedBeforeSending(
      await run(['hr', 'send', leaveEventFile], { HR_WEBHOOK_URL: 'webhook.contoso.com' }),
      /^mailbox-automation: HR_WEBHOOK_URL "webhook.contoso.com" is not a URL$/m,
      'nothing',
    );
  });

  it('sweep archive with a malformed setting names it and sends nothing', async () => {
    expectRefusedBeforeSending(
      await run(['sweep', 'archive'], {
        SWEEP_MAILBOXES: 'alice@contoso.com',
        ARCHIVE_OLDER_THAN_DAYS: 'soon',
      }),
      /ARCHIVE_OLDER_THAN_DAYS/,
      'nothing',
    );
  });

  it('sweep archive with no mailboxes configured says what to set and sends nothing', async () => {
    expectRefusedBeforeSending(
      await run(['sweep', 'archive', '--dry-run']),
      /nothing to sweep: set MAILBOX_SCOPE_GROUP .* and\/or SWEEP_MAILBOXES/,
      'nothing',
    );
  });

  it('a missing setting is named', async () => {
    const result = await run(['oof', 'get', 'alice@contoso.com'], { EWS_URL: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/EWS_URL is not set/);
  });

  it.each([[['oof', 'get', 'alice@contoso.com']], [['sweep', 'archive', '--mailbox', 'alice@contoso.com']]])(
    '--ews-url with plain http to a remote host is refused, named as --ews-url: %j',
    async (command) => {
      expectRefusedBeforeSending(
        await run(['--ews-url', 'http://mail.contoso.com/EWS/Exchange.asmx', ...command]),
        /^mailbox-automation: --ews-url .* plain http/,
        'nothing',
      );
    },
  );

  it('an HTTP 500 without a SOAP answer is retried, then reported as given up (exit 4)', async () => {
    const result = await run(['oof', 'get', 'alice@contoso.com'], {
      EWS_MAX_ATTEMPTS: '2',
      EWS_MAX_RETRY_WAIT_MS: '5000',
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/HTTP_500 for alice@contoso.com after 2 attempts/);
    expect(requests).toBe(2);
  });
});
