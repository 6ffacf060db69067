import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';
import { loadSeedFile } from '../../dev/ews-sandbox/seed';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';
import { startAzurite, type Azurite } from '../../dev/azurite';
import { COMMANDS, runCli } from '../../cli/main';
import type { CliContext } from '../../cli/cliContext';

let sandbox: EwsSandbox;
let env: Record<string, string>;

/**
 * Two years ahead, so that the windows the CLI sets stay in the future whenever the test runs (the sandbox
 * refuses a window that has ended, as Exchange does).
 */
const YEAR_AHEAD = new Date().getUTCFullYear() + 2;

beforeAll(async () => {
  const seed = loadSeedFile(demoSeedPath());
  sandbox = await startEwsSandbox({ seed, knobs: { missingAnchorFailureRate: 0 } });
  const account = seed.serviceAccounts?.[0];
  env = {
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: account?.username ?? '',
    EWS_PASSWORD: account?.password ?? '',
    MAILBOX_SCOPE: 'contoso.com,dave@fabrikam.com',
  };
});
afterAll(() => sandbox.close());

async function cliWithEnv(runEnv: Record<string, string>, argv: string[], stopped?: CliContext['stopped']) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: runEnv,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stopped,
  });
  return { code, stdout, stderr };
}

function cli(...argv: string[]) {
  return cliWithEnv(env, argv);
}

describe('the CLI against the demo tenant', () => {
  it('check tells whether impersonation works and whether there is an archive', async () => {
    const alice = await cli('check', 'alice@contoso.com');
    expect(alice.code).toBe(0);
    expect(alice.stdout).toMatch(/impersonation ok .* archive mailbox: yes/);
    expect((await cli('check', 'carol@contoso.com')).stdout).toMatch(/archive mailbox: no/);
  });

  it('oof set (scheduled, times with a zone), get, then disable keeping the texts', async () => {
    const set = await cli(
      'oof',
      'set',
      'alice@contoso.com',
      '--start',
      `${YEAR_AHEAD}-12-21T09:00:00+01:00`,
      '--end',
      `${YEAR_AHEAD + 1}-01-04T09:00:00+01:00`,
      '--internal',
      '<p>Away & back on 4 January</p>',
      '--external',
      'Away',
      '--audience',
      'known',
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(
      `Scheduled ${YEAR_AHEAD}-12-21T08:00:00Z to ${YEAR_AHEAD + 1}-01-04T08:00:00Z`,
    );
    const got = await cli('oof', 'get', 'alice@contoso.com', '--json');
    expect(JSON.parse(got.stdout)).toEqual({
      mailbox: 'alice@contoso.com',
      state: 'Scheduled',
      start: `${YEAR_AHEAD}-12-21T08:00:00.000Z`,
      end: `${YEAR_AHEAD + 1}-01-04T08:00:00.000Z`,
      externalAudience: 'Known',
      internalReply: '<p>Away & back on 4 January</p>',
      externalReply: 'Away',
    });
    expect((await cli('oof', 'disable', 'alice@contoso.com')).code).toBe(0);
    expect(sandbox.inspectMailbox('alice@contoso.com')?.oof).toMatchObject({
      state: 'Disabled',
      internalReply: '<p>Away & back on 4 January</p>',
    });
  });

  it('archive plan changes nothing; archive run moves exactly what the plan counted', async () => {
    const before = sandbox.inspectMailbox('alice@contoso.com');
    const plan = await cli(
      'archive',
      'plan',
      'alice@contoso.com',
      '--older-than',
      '365d',
      '--folder',
      'inbox',
      '--folder',
      'sentitems',
      '--json',
    );
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { planned: number; archiveMailbox: boolean };
    expect(planned.archiveMailbox).toBe(true);
    expect(planned.planned).toBeGreaterThan(0);
    expect(sandbox.inspectMailbox('alice@contoso.com')).toEqual(before);

    const run = await cli(
      'archive',
      'run',
      'alice@contoso.com',
      '--older-than',
      '365d',
      '--folder',
      'inbox',
      '--folder',
      'sentitems',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: planned.planned, failed: [] });
    const after = sandbox.inspectMailbox('alice@contoso.com');
    const total = (snapshot: typeof after) =>
      Object.values(snapshot?.folders ?? {}).reduce((a, b) => a + b, 0) +
      Object.values(snapshot?.archive.folders ?? {}).reduce((a, b) => a + b, 0);
    expect(total(after)).toBe(total(before));
    expect((after?.folders.inbox ?? 0) + (after?.folders.sentitems ?? 0)).toBe(
      (before?.folders.inbox ?? 0) + (before?.folders.sentitems ?? 0) - planned.planned,
    );
    // A second plan finds nothing left.
    expect(
      JSON.parse(
        (await cli('archive', 'plan', 'alice@contoso.com', '--older-than', '365d', '--json')).stdout,
      ),
    ).toMatchObject({ planned: 0 });
  });

  it('archiving a mailbox without an archive fails with exit 3 and the EWS code', async () => {
    const result = await cli('archive', 'run', 'carol@contoso.com', '--older-than', '1d');
    expect(result.code).toBe(3);
    // The failed call is journaled too: with no journal storage here, one line says it was not.
    expect(result.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^mailbox-automation: warning: this command's changes are not journaled: no storage/,
      ),
      expect.stringMatching(/^mailbox-automation: ErrorArchiveMailboxNotEnabled for carol@contoso.com/),
      '',
    ]);
  });

  it("a mailbox in our scope but not in the service account's: exit 3 with ErrorImpersonateUserDenied", async () => {
    const result = await cli('oof', 'get', 'dave@fabrikam.com');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/ErrorImpersonateUserDenied for dave@fabrikam.com/);
  });

  it('group expand lists members once, nested groups expanded', async () => {
    const result = await cli(
      'group',
      'expand',
      'all-staff@contoso.com',
      '--as',
      'alice@contoso.com',
      '--json',
    );
    expect(result.code).toBe(0);
    const { members } = JSON.parse(result.stdout) as { members: { address: string }[] };
    const addresses = members.map((m) => m.address).sort();
    expect(addresses).toEqual(
      expect.arrayContaining([
        'alice@contoso.com',
        'bob@contoso.com',
        'carol@contoso.com',
        'dave@fabrikam.com',
      ]),
    );
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it('gives up with exit 4 when the server stays unavailable', async () => {
    sandbox.injectFaults(...Array.from({ length: 3 }, () => ({ kind: 'http503' as const })));
    env.EWS_MAX_ATTEMPTS = '3';
    try {
      const result = await cli('oof', 'get', 'bob@contoso.com');
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(/HTTP_503 for bob@contoso.com after 3 attempts/);
    } finally {
      delete env.EWS_MAX_ATTEMPTS;
      sandbox.clearFaults();
    }
  });

  describe('sweep archive', () => {
    let reportDir: string;
    beforeAll(() => {
      reportDir = mkdtempSync(join(tmpdir(), 'cli-sweep-'));
    });
    afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

    it('reaches the server given by --ews-url with EWS_URL unset, and reports retries like every command', async () => {
      const withoutEwsUrl: Record<string, string> = { ...env };
      delete withoutEwsUrl.EWS_URL;
      const before = sandbox.inspectMailbox('bob@contoso.com');
      // One refused call: the retry line shows the sweep's calls go through the CLI's own client settings.
      sandbox.injectFaults({ kind: 'http503' });
      try {
        const result = await cliWithEnv(withoutEwsUrl, [
          '--ews-url',
          sandbox.url,
          'sweep',
          'archive',
          '--dry-run',
          '--json',
          '--mailbox',
          'bob@contoso.com',
          '--report-dir',
          reportDir,
        ]);
        expect(result.stderr).toMatch(/^retrying \S+ for bob@contoso.com after HTTP_503 in \d+ ms\n$/);
        expect(result.code).toBe(0);
        const summary = JSON.parse(result.stdout) as { mailboxes: { total: number; planned: number } };
        expect(summary.mailboxes).toMatchObject({ total: 1, planned: 1 });
        expect(sandbox.inspectMailbox('bob@contoso.com')).toEqual(before);
      } finally {
        sandbox.clearFaults();
      }
    });

    it('moves what its dry run counted and saves the report under --report-dir', async () => {
      const sweep = async (...flags: string[]) => {
        const result = await cli(
          'sweep',
          'archive',
          '--mailbox',
          'bob@contoso.com',
          '--report-dir',
          reportDir,
          '--json',
          ...flags,
        );
        expect(result.code).toBe(0);
        return JSON.parse(result.stdout) as {
          itemsPlanned: number;
          itemsArchived: number;
          report: { json: string; csv: string };
        };
      };
      const planned = (await sweep('--dry-run')).itemsPlanned;
      expect(planned).toBeGreaterThan(0);
      const archivedBefore = sandbox.inspectMailbox('bob@contoso.com')?.archive.folders.inbox ?? 0;
      const run = await sweep();
      expect(run).toMatchObject({ itemsPlanned: planned, itemsArchived: planned });
      expect(sandbox.inspectMailbox('bob@contoso.com')?.archive.folders.inbox).toBe(archivedBefore + planned);
      expect(run.report.json.startsWith(reportDir)).toBe(true);
      expect(existsSync(run.report.json)).toBe(true);
      expect(readFileSync(run.report.csv, 'utf8')).toContain(
        `bob@contoso.com,archived,${planned},${planned},,`,
      );
    });
  });
});

/**
 * The top-level fields a command's `--help` says its `--json` document has: `{ a, b?: x, c: [{ d }] }` gives
 * a and c (always there) and b (sometimes).
 */
function documentedFields(shape: string): { always: string[]; sometimes: string[] } {
  const always: string[] = [];
  const sometimes: string[] = [];
  let depth = 0;
  let field = '';
  for (const char of shape.trim().slice(1, -1) + ',') {
    if ('{['.includes(char)) depth++;
    if ('}]'.includes(char)) depth--;
    if (char === ',' && depth === 0) {
      const [, name, optional] = /^\s*(\w+)(\?)?/.exec(field) ?? [];
      if (name) (optional ? sometimes : always).push(name);
      field = '';
    } else {
      field += char;
    }
  }
  return { always, sometimes };
}

describe('--json: one JSON document on stdout with the fields --help documents', () => {
  let webhook: { origin: string; close: () => Promise<void> };
  let files: string;
  let azurite: Azurite;
  beforeAll(async () => {
    azurite = await startAzurite(); // the change journal `audit journal` reads
    files = mkdtempSync(join(tmpdir(), 'cli-json-'));
    writeFileSync(join(files, 'leave.json'), '{"eventId":"e-json-1"}');
    // An HR webhook that accepts everything, answering as the app's does: an id and a status.
    webhook = await listenOnLoopback(
      http.createServer((req, res) => {
        req.resume().on('end', () => {
          res
            .writeHead(202, { 'content-type': 'application/json' })
            .end('{"id":"e-json-1","status":"Pending"}');
        });
      }),
    );
  });
  afterAll(async () => {
    rmSync(files, { recursive: true, force: true });
    await webhook.close();
    await azurite.stop();
  });

  /**
   * A valid invocation of every command, run in this order against the demo tenant; settings of its own
   * where it needs them (the audit's canary must lie outside MAILBOX_SCOPE; a change is journaled in
   * Azurite, else a warning says it was not).
   */
  const invocations: [string, string[], Record<string, string>?][] = [
    ['check', ['alice@contoso.com']],
    ['oof set', ['bob@contoso.com', '--internal', 'Away'], { AzureWebJobsStorage: '{azurite}' }],
    ['oof get', ['bob@contoso.com']],
    ['oof disable', ['bob@contoso.com'], { AzureWebJobsStorage: '{azurite}' }],
    ['archive plan', ['carol@contoso.com', '--older-than', '365d']],
    ['archive run', ['alice@contoso.com', '--older-than', '3650d', '--folder', 'junkemail']],
    ['group expand', ['engineering@contoso.com', '--as', 'alice@contoso.com']],
    ['sweep archive', ['--dry-run', '--mailbox', 'alice@contoso.com', '--report-dir', '{files}']],
    ['hr send', ['{files}/leave.json']],
    ['sandbox', ['--port', '0']],
    ['audit scope', ['--canary', 'dave@fabrikam.com'], { MAILBOX_SCOPE: 'contoso.com' }],
    ['audit journal', ['alice@contoso.com'], { AzureWebJobsStorage: '{azurite}' }],
  ];

  it('covers every command', () => {
    expect(invocations.map(([name]) => name).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it.each(invocations)('%s %j --json', async (name, args, own = {}) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const argv = [...name.split(' '), ...args.map((a) => a.replace('{files}', files)), '--json'];
    const hrEnv = { HR_WEBHOOK_URL: `${webhook.origin}/api/hr/generic`, HR_WEBHOOK_SECRETS: 's3cret' };
    // The sandbox runs until stopped: here, as soon as it has said where it listens.
    const ownEnv = Object.fromEntries(
      Object.entries(own).map(([k, v]) => [k, v.replace('{azurite}', azurite.connectionString)]),
    );
    const result = await cliWithEnv({ ...env, ...hrEnv, ...ownEnv }, argv, Promise.resolve());
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout) as Record<string, unknown>; // all of stdout: one document
    const { always, sometimes } = documentedFields(command.json.shape);
    expect(always.length).toBeGreaterThan(0);
    for (const field of always) expect(document).toHaveProperty(field);
    expect([...always, ...sometimes]).toEqual(expect.arrayContaining(Object.keys(document)));
  });

  it('oof set --json prints what oof get --json then reads, and oof disable --json says whether it changed', async () => {
    const set = await cli(
      ...`oof set carol@contoso.com --start ${YEAR_AHEAD + 1}-07-01T08:00:00+02:00 --end ${YEAR_AHEAD + 1}-07-15T08:00:00+02:00`.split(
        ' ',
      ),
      ...['--internal', '<p>Back on 15 July</p>', '--audience', 'none', '--json'],
    );
    expect(set.code).toBe(0);
    const got = await cli('oof', 'get', 'carol@contoso.com', '--json');
    expect(JSON.parse(set.stdout)).toEqual(JSON.parse(got.stdout));
    expect(JSON.parse(set.stdout)).toMatchObject({
      state: 'Scheduled',
      start: `${YEAR_AHEAD + 1}-07-01T06:00:00.000Z`,
    });

    const disable = () => cli('oof', 'disable', 'carol@contoso.com', '--json');
    expect(JSON.parse((await disable()).stdout)).toEqual({
      mailbox: 'carol@contoso.com',
      state: 'Disabled',
      previousState: 'Scheduled',
      changed: true,
    });
    expect(JSON.parse((await disable()).stdout)).toEqual({
      mailbox: 'carol@contoso.com',
      state: 'Disabled',
      previousState: 'Disabled',
      changed: false,
    });
  });

  it('check --json says what the text says', async () => {
    const result = await cli('check', 'carol@contoso.com', '--json');
    expect(JSON.parse(result.stdout)).toEqual({
      mailbox: 'carol@contoso.com',
      access: 'ok',
      inboxItems: expect.any(Number) as number,
      archiveMailbox: false,
    });
  });

  it('sandbox --json gives the address and account of a sandbox that answers until stopped', async () => {
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let stdout = '';
    let printed = () => {};
    const hasPrinted = new Promise<string>((resolve) => (printed = () => resolve('printed')));
    const exited = runCli(['sandbox', '--port', '0', '--json'], {
      env: {},
      stdout: (t) => {
        stdout += t;
        printed();
      },
      stderr: () => {},
      stopped,
    });
    // It prints once listening, and keeps running: exiting first would be a failure to start.
    expect(await Promise.race([hasPrinted, exited.then((code) => `exited with ${code}`)])).toBe('printed');
    const listening = JSON.parse(stdout) as {
      origin: string;
      url: string;
      username: string;
      mailboxes: number;
    };
    expect(listening.url).toBe(`${listening.origin}/EWS/Exchange.asmx`);
    expect(listening.mailboxes).toBeGreaterThan(0);
    const alice = await fetch(`${listening.origin}/sandbox/mailboxes/alice@contoso.com`);
    expect(alice.status).toBe(200);
    stop();
    expect(await exited).toBe(0);
    await expect(fetch(`${listening.origin}/sandbox/mailboxes/alice@contoso.com`)).rejects.toThrow();
  });
});
