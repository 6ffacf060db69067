import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, runCli } from '../../../cli/main';
import { groupNames } from '../../../cli/command';
import { commandTable, TABLE_END, TABLE_START } from '../../../cli/readmeCommandTable';
import { packageVersion } from '../../../shared/platform/appVersion';

const root = join(__dirname, '..', '..', '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/**
 * The CLI with no configuration at all: help, version and usage errors must come out before any setting is
 * read, so none of them can reach a server.
 */
async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const names = COMMANDS.map((c) => c.name);
const byName = (name: string) => COMMANDS.find((c) => c.name === name)!;

describe('--version', () => {
  it.each([['--version'], ['-V']])(
    '%s prints the version in package.json, and nothing else',
    async (flag) => {
      expect(await run(flag)).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    },
  );
});

describe('the program help', () => {
  it.each([[['--help']], [['-h']], [['help']]])('%j lists every command on stdout, exit 0', async (argv) => {
    const result = await run(...argv);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^usage: mailbox-automation /);
    for (const name of names) expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(result.stdout).toContain('-V, --version');
  });

  it('no command at all: the same list on stderr, exit 2', async () => {
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mailbox-automation: missing <command>\nusage: mailbox-automation /);
    for (const name of names) expect(result.stderr).toContain(`  ${name}`);
  });

  it('an unknown command is named, then the list of commands follows on stderr, exit 2', async () => {
    const result = await run('frobnicate', 'alice@contoso.com');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mailbox-automation: unknown command "frobnicate"\nusage: /);
    expect(result.stderr).toContain('  oof get <mailbox>');
  });
});

describe('each command has its own help', () => {
  it.each(names)(
    '%s --help: synopsis, every option, what --json prints and an example, on stdout',
    async (name) => {
      const command = byName(name);
      const result = await run(...name.split(' '), '--help');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.split('\n')[0]).toBe(
        `usage: mailbox-automation ${name} ${command.synopsis} [--json]`,
      );
      for (const option of [...Object.keys(command.options), 'json', 'help', 'ews-url']) {
        expect(result.stdout).toMatch(new RegExp(`^  (-\\w, )?--${option}\\b`, 'm'));
      }
      for (const argument of Object.keys(command.arguments)) {
        expect(result.stdout).toMatch(new RegExp(`^  <${argument}>`, 'm'));
      }
      expect(result.stdout).toContain(`--json prints: ${command.json.shape}`);
      expect(result.stdout).toMatch(new RegExp(`^examples?:\\n  mailbox-automation ${name} `, 'm'));
      // Only this command's help: not the whole program's.
      for (const other of names.filter((n) => n !== name && !name.startsWith(n))) {
        expect(result.stdout).not.toContain(`mailbox-automation ${other} `);
      }
    },
  );

  it.each(names)('%s -h and help %s print the same as --help', async (name) => {
    const help = await run(...name.split(' '), '--help');
    expect(await run(...name.split(' '), '-h')).toEqual(help);
    expect(await run('help', ...name.split(' '))).toEqual(help);
  });

  it('--help wins over the arguments it comes with, even bad ones: nothing runs', async () => {
    const result = await run('oof', 'set', 'not-an-address', '--colour', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: mailbox-automation oof set <mailbox>/);
  });

  it('after --, -h is an argument, not a request for help', async () => {
    const result = await run('oof', 'get', '--', '-h');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^mailbox-automation: mailbox "-h" is not an e-mail address/);
  });
});

describe('a group without its subcommand lists the subcommands', () => {
  const groups = groupNames(COMMANDS);

  it('the groups are the first words shared by commands', () => {
    expect(groups).toEqual(['oof', 'archive', 'group', 'sweep', 'hr', 'audit']);
  });

  it.each(groups)('%s alone: incomplete, so the list goes to stderr with exit 2', async (group) => {
    const result = await run(group);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^mailbox-automation: ${group} needs a subcommand\\n`));
    expect(result.stderr).toContain(`usage: mailbox-automation ${group} <subcommand>`);
    for (const name of names.filter((n) => n.startsWith(`${group} `))) {
      expect(result.stderr).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    for (const name of names.filter((n) => !n.startsWith(`${group} `))) {
      expect(result.stderr).not.toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
  });

  it.each(groups)('%s --help: asked for, so the same list on stdout with exit 0', async (group) => {
    const incomplete = await run(group);
    const asked = await run(group, '--help');
    expect(asked.code).toBe(0);
    expect(asked.stderr).toBe('');
    expect(asked.stdout).toBe(incomplete.stderr.slice(incomplete.stderr.indexOf('\n') + 1));
    expect(await run('help', group)).toEqual(asked);
  });

  it('an unknown subcommand is named, then the group’s subcommands follow', async () => {
    const result = await run('archive', 'delete', 'alice@contoso.com');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mailbox-automation: unknown command "archive delete"\n/);
    expect(result.stderr).toMatch(/^ {2}archive plan <mailbox>/m);
    expect(result.stderr).toMatch(/^ {2}archive run <mailbox>/m);
  });
});

describe('a wrong invocation of a command: the offending word, then that command’s usage, on stderr', () => {
  it.each(names)('%s --colour', async (name) => {
    const result = await run(...name.split(' '), '--colour');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `mailbox-automation: Unknown option '--colour'\n` +
        `usage: mailbox-automation ${name} ${byName(name).synopsis} [--json]\n` +
        `See 'mailbox-automation ${name} --help' for its options.\n`,
    );
  });

  it.each(names.filter((n) => Object.keys(byName(n).arguments).length > 0))(
    '%s without its arguments names the missing one',
    async (name) => {
      const result = await run(...name.split(' '));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const missing = Object.keys(byName(name).arguments).map((a) => `<${a}>`);
      expect(result.stderr).toMatch(
        new RegExp(`^mailbox-automation: missing ${missing.join(' ')}\\nusage: `),
      );
    },
  );

  it('a flag that needs a value, given none, is named', async () => {
    const result = await run('archive', 'plan', 'alice@contoso.com', '--older-than');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^mailbox-automation: Option '--older-than <value>' argument missing\n/);
  });
});

describe('one declaration per command', () => {
  it.each(names)('%s: its synopsis names every declared option and argument, and nothing else', (name) => {
    const command = byName(name);
    const flagsInSynopsis = new Set([...command.synopsis.matchAll(/--([a-z-]+)/g)].map((m) => m[1]));
    expect([...flagsInSynopsis].sort()).toEqual(Object.keys(command.options).sort());
    const argumentsInSynopsis = [...command.synopsis.matchAll(/<([a-z-]+)>/g)].map((m) => m[1]);
    expect(argumentsInSynopsis).toEqual(Object.keys(command.arguments));
  });

  it('README.md lists the commands exactly as they are declared', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const inReadme = readme.slice(
      readme.indexOf(TABLE_START) + TABLE_START.length,
      readme.indexOf(TABLE_END),
    );
    // Stale? `npm run build && node dist/cli/readmeCommandTable.js` rewrites it.
    expect(inReadme.trim()).toBe(commandTable(COMMANDS));
  });
});

describe('the version comes from this package’s package.json, wherever the bin runs from', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-version-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('skips the package.json of anything else on the way up (an installed bin sits under node_modules)', () => {
    const installed = join(dir, 'node_modules', 'mailbox-automation');
    mkdirSync(join(installed, 'dist', 'shared'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"the-project-that-installed-it","version":"9.9.9"}');
    writeFileSync(join(installed, 'package.json'), '{"name":"mailbox-automation","version":"1.2.3"}');
    writeFileSync(join(installed, 'dist', 'package.json'), '{"name":"something-else","version":"0.0.1"}');
    expect(packageVersion(join(installed, 'dist', 'shared'))).toBe('1.2.3');
  });

  it('says where it looked when there is none above it: another package’s does not count', () => {
    expect(() => packageVersion(join(dir, 'node_modules'))).toThrow(
      `no package.json of mailbox-automation above ${join(dir, 'node_modules')}`,
    );
  });
});
