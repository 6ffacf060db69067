/**
 * The CLI's changing commands journal what they change, in the journal the app writes (Azurite, started
 * here): `oof set`, `oof disable`, `archive run` and `sweep archive` against the EWS sandbox on the demo
 * tenant each add exactly one line per change the sandbox carried out (SetUserOofSettings, ArchiveItem
 * answered NoError), naming the request the sandbox saw, the operator and the command, and no reply text;
 * their dry runs and a disable with nothing to change add none. Without storage the change is made and one
 * warning line says it was not journaled; a bad JOURNAL_CONTAINER is refused before anything is sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type Azurite } from '../../dev/azurite';
import type { EwsSandbox, SandboxRequestLogEntry } from '../../dev/ews-sandbox';
import { runCli } from '../../cli/main';
import { createChangeJournal } from '../../shared/journal/changeJournal';
import type { JournalEntry } from '../../shared/journal/journalEntry';
import { readJournal } from '../../shared/journal/journalReader';
import { loadJournalStorage } from '../../shared/platform/config';
import { DEMO_SERVICE_ACCOUNT, demoEwsSettings, startDemoSandbox } from '../support/demoTenant';

jest.setTimeout(60_000);

const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = 'carol@contoso.com';
/** Two years ahead: the sandbox refuses a window that has ended, as Exchange does. */
const YEAR = new Date().getUTCFullYear() + 2;
const REPLY = 'Away until the fourth, ask Carol';
const OPERATOR = userInfo().username;

let reportDir: string;
beforeAll(() => {
  reportDir = mkdtempSync(join(tmpdir(), 'cli-journal-'));
});
afterAll(() => rmSync(reportDir, { recursive: true, force: true }));

/** What one run of the CLI printed, and what the sandbox changed meanwhile (calls answered NoError). */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
  changes: SandboxRequestLogEntry[];
  sent: number;
}

async function runAgainst(sandbox: EwsSandbox, env: Record<string, string>, argv: string[]): Promise<Run> {
  const from = sandbox.requests.length;
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  const requests = sandbox.requests.slice(from);
  const changes = requests.filter(
    (r) =>
      (r.operation === 'SetUserOofSettings' || r.operation === 'ArchiveItem') &&
      r.status === 200 &&
      r.responseCodes.length > 0 &&
      r.responseCodes.every((c) => c === 'NoError'),
  );
  return { code, stdout, stderr, changes, sent: requests.length };
}

describe('with the journal in Azurite', () => {
  let sandbox: EwsSandbox;
  let azurite: Azurite;
  let env: Record<string, string>;
  const startedAt = new Date();
  const seen = new Set<string>();

  beforeAll(async () => {
    [sandbox, azurite] = await Promise.all([
      startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } }),
      startAzurite(),
    ]);
    env = {
      ...demoEwsSettings(sandbox),
      MAILBOX_SCOPE: 'contoso.com',
      AzureWebJobsStorage: azurite.connectionString,
      JOURNAL_CONTAINER: 'journal-cli',
    };
  });
  afterAll(async () => {
    await sandbox?.close();
    await azurite?.stop();
  });

  /** Runs the CLI; `lines` are the journal's lines that were not there before (read as `audit journal` reads). */
  async function cli(...argv: string[]): Promise<Run & { lines: JournalEntry[]; raw: string }> {
    const run = await runAgainst(sandbox, env, argv);
    const journal = createChangeJournal(loadJournalStorage(env), () => new Date());
    const { entries } = await readJournal(journal, { since: startedAt, until: new Date() });
    const lines = entries.filter((e) => !seen.has(e.id));
    lines.forEach((e) => seen.add(e.id));
    return { ...run, lines, raw: lines.map((e) => JSON.stringify(e)).join('\n') };
  }

  /** Each line is the change the sandbox saw at its place: same mailbox, its client-request-id. */
  function expectOneLinePerChange(run: Run & { lines: JournalEntry[] }): void {
    expect(run.changes.length).toBeGreaterThan(0);
    expect(run.lines).toHaveLength(run.changes.length);
    run.lines.forEach((line, i) => {
      const change = run.changes[i];
      expect(line.mailbox.toLowerCase()).toBe(change?.mailbox?.toLowerCase());
      expect(line.requestIds).toContain(change?.clientRequestId);
      expect(line.result).toBe('ok');
      expect(line.instanceId).toMatch(/^cli-[0-9a-f-]{36}$/);
    });
  }

  test('oof set, then oof disable: one line each, digests that chain, no reply text; a second disable none', async () => {
    const set = await cli(
      ...['oof', 'set', ALICE, '--start', `${YEAR}-12-21T09:00:00+01:00`],
      ...['--end', `${YEAR + 1}-01-04T09:00:00+01:00`, '--internal', REPLY],
    );
    expect(set.code).toBe(0);
    expect(set.stderr).toBe('');
    expectOneLinePerChange(set);
    expect(set.lines[0]).toMatchObject({
      mailbox: ALICE,
      action: 'automatic-replies',
      decision: 'set',
      trigger: { kind: 'cli', user: OPERATOR, command: 'oof set' },
    });
    expect(set.lines[0]?.before).not.toBe(set.lines[0]?.after);
    expect(set.raw).not.toContain(REPLY);
    expect(set.raw).not.toContain(DEMO_SERVICE_ACCOUNT.password);

    const disable = await cli('oof', 'disable', ALICE);
    expect(disable.code).toBe(0);
    expect(disable.stderr).toBe('');
    expectOneLinePerChange(disable);
    expect(disable.lines[0]).toMatchObject({
      decision: 'disabled',
      trigger: { kind: 'cli', user: OPERATOR, command: 'oof disable' },
      // what the disable found is what the set wrote
      before: set.lines[0]?.after,
    });
    expect(disable.lines[0]?.instanceId).not.toBe(set.lines[0]?.instanceId);

    const again = await cli('oof', 'disable', ALICE);
    expect(again.stdout).toMatch(/already off; nothing changed/);
    expect(again.changes).toEqual([]);
    expect(again.lines).toEqual([]);
  });

  test('archive plan journals nothing; archive run one line per ArchiveItem call, with its counts', async () => {
    const folders = ['--folder', 'inbox', '--folder', 'sentitems'];
    const plan = await cli('archive', 'plan', ALICE, '--older-than', '365d', ...folders, '--json');
    expect(plan.code).toBe(0);
    expect(plan.lines).toEqual([]);

    const run = await cli('archive', 'run', ALICE, '--older-than', '365d', ...folders, '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expectOneLinePerChange(run);
    const result = JSON.parse(run.stdout) as { moved: number };
    expect(result.moved).toBe((JSON.parse(plan.stdout) as { planned: number }).planned);
    expect(run.lines.map((l) => l.folder)).toEqual(['inbox', 'sentitems']);
    expect(run.lines.reduce((sum, l) => sum + (l.moved ?? 0), 0)).toBe(result.moved);
    for (const line of run.lines) {
      expect(line).toMatchObject({
        action: 'items-archived',
        refused: 0,
        trigger: { kind: 'cli', user: OPERATOR, command: 'archive run' },
      });
    }
  });

  test('sweep archive: its dry run journals nothing; the run one line per ArchiveItem call, with the sweep id', async () => {
    const sweep = (...flags: string[]) =>
      cli('sweep', 'archive', '--mailbox', BOB, '--report-dir', reportDir, '--json', ...flags);
    const dry = await sweep('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.lines).toEqual([]);

    const run = await sweep();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expectOneLinePerChange(run);
    const summary = JSON.parse(run.stdout) as { sweepId: string; itemsArchived: number };
    expect(summary.itemsArchived).toBeGreaterThan(0);
    expect(run.lines.reduce((sum, l) => sum + (l.moved ?? 0), 0)).toBe(summary.itemsArchived);
    for (const line of run.lines) {
      expect(line.trigger).toEqual({
        kind: 'cli',
        user: OPERATOR,
        command: 'sweep archive',
        sweepId: summary.sweepId,
      });
    }
  });

  test('audit journal shows who ran which command', async () => {
    const read = await cli('audit', 'journal', ALICE);
    expect(read.code).toBe(0);
    expect(read.stdout).toContain(`automatic replies set: done`);
    expect(read.stdout).toContain(`— ${OPERATOR} ran mailbox-automation oof set; instance cli-`);
    expect(read.stdout).toMatch(
      /item\(s\) of sentitems archived: done — \S+ ran mailbox-automation archive run;/,
    );
  });

  test('a bad JOURNAL_CONTAINER is refused naming it, before anything is sent', async () => {
    const run = await runAgainst(sandbox, { ...env, JOURNAL_CONTAINER: 'Journal_CLI' }, [
      ...['oof', 'set', BOB, '--internal', REPLY],
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/JOURNAL_CONTAINER "Journal_CLI" is not a valid blob container name/);
    expect(run.sent).toBe(0);
  });
});

describe('with no journal storage', () => {
  let sandbox: EwsSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0 } });
    env = { ...demoEwsSettings(sandbox), MAILBOX_SCOPE: 'contoso.com' };
  });
  afterAll(() => sandbox?.close());

  const WARNING =
    /^mailbox-automation: warning: this command's changes are not journaled: no storage for the change journal: set AzureWebJobsStorage .*\n$/;

  test('oof set makes the change and says in one line that it was not journaled', async () => {
    const run = await runAgainst(sandbox, env, ['oof', 'set', CAROL, '--internal', REPLY]);
    expect(run.code).toBe(0);
    expect(run.changes).toHaveLength(1);
    expect(sandbox.inspectMailbox(CAROL)?.oof).toMatchObject({ state: 'Enabled', internalReply: REPLY });
    expect(run.stderr).toMatch(WARNING);
  });

  test('archive run with several ArchiveItem calls: still one warning line', async () => {
    const run = await runAgainst(sandbox, env, [
      ...['archive', 'run', ALICE, '--older-than', '365d', '--folder', 'inbox', '--folder', 'sentitems'],
    ]);
    expect(run.code).toBe(0);
    expect(run.changes.length).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toMatch(WARNING);
  });
});
