/**
 * The import rule (eslint.config.mjs, LAYERS; docs/architecture.md, "Layers") refuses a forbidden import
 * in each layer and lets the allowed ones through. ESLint runs with the project's own config in a child
 * Node process (it loads eslint.config.mjs with import(), which jest's module sandbox does not offer), on
 * fixture text given a path inside the layer, with only the import rule switched on (the type-checked
 * rules would need the fixture on disk).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

interface Finding {
  filePath: string;
  line: number;
  message: string;
}

/** Lints each `[path, text]` pair (or, with no fixtures, the app's folders on disk) and returns every finding. */
function lintImports(fixtures?: [string, string][]): Finding[] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({
      cwd: process.cwd(),
      ruleFilter: ({ ruleId }) => ruleId === '@typescript-eslint/no-restricted-imports',
      overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    });
    const fixtures = JSON.parse(process.env.FIXTURES);
    const results = fixtures
      ? (await Promise.all(fixtures.map(([filePath, text]) => eslint.lintText(text, { filePath })))).flat()
      : await eslint.lintFiles(['shared', 'functions', 'cli', 'dev']);
    const findings = results.flatMap((r) =>
      r.messages.map((m) => ({ filePath: r.filePath, line: m.line, message: m.message, rule: m.ruleId })),
    );
    process.stdout.write(JSON.stringify(findings));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO,
    env: { ...process.env, FIXTURES: JSON.stringify(fixtures ?? null) },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as Finding[]).map((f) => ({ ...f, filePath: path.relative(REPO, f.filePath) }));
}

const FORBIDDEN: [string, string, string][] = [
  [
    'shared/sweep/fixture.ts',
    "import { app } from '../../functions/archiveSweep';",
    'shared/ may not import functions/',
  ],
  ['shared/fixture.ts', "import { runCli } from '../cli/main';", 'shared/ may not import'],
  ['shared/hr/fixture.ts', "import { startEwsSandbox } from '../../dev/ews-sandbox';", 'dev/'],
  ['shared/mailbox/fixture.ts', "import type { Mailboxes } from '../../test/support/x';", 'test/'],
  ['shared/fixture.ts', "export { app } from '../functions/hrWebhook';", 'shared/ may not import'],
  ['functions/fixture.ts', "import { runCli } from '../cli/main';", 'functions/ may not import cli/'],
  ['functions/fixture.ts', "import { devHost } from '../dev/host/devHost';", 'functions/ may not import'],
  ['cli/commands/fixture.ts', "import '../../functions/hrWebhook';", 'cli/ may not import functions/'],
  ['cli/fixture.ts', "import { startEwsSandbox } from '../dev/ews-sandbox';", 'cli/ may not import'],
  [
    'dev/hibob/fixture.ts',
    "import { signHibob } from '../../shared/leave/sources/signature';",
    'dev/ may not import shared/',
  ],
  [
    'dev/graph/fixture.ts',
    "import { type GraphThing, windowsZone } from '../../shared/mailbox/graph/timeZones';",
    'dev/ may not import shared/',
  ],
  ['dev/ews-sandbox/operations/fixture.ts', "import { app } from '../../../functions/hrWebhook';", 'dev/'],
];

const ALLOWED: [string, string][] = [
  ['shared/sweep/fixture.ts', "import { inScope } from '../scope';\nimport { request } from 'undici';"],
  ['functions/fixture.ts', "import { appServices } from '../shared/app/appServices';"],
  ['cli/commands/fixture.ts', "import { loadConfig } from '../../shared/platform/config';"],
  [
    'dev/graph/fixture.ts',
    "import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';",
  ],
  ['dev/graph/fixture.ts', "import { type OofSettings } from '../../shared/mailbox/mailboxOperations';"],
  ['dev/graph/fixture.ts', "import { createStandIn } from '../stand-in-kit/standInKit';"],
  ['dev/host/fixture.ts', "import { app } from '../../functions/hrWebhook';"],
  ['dev/start.ts', "import { loadConfig } from '../shared/config';"],
  [
    'test/unit/fixture.ts',
    "import { runCli } from '../../cli/main';\nimport { devHost } from '../../dev/host/devHost';",
  ],
  ['bench/fixture.ts', "import { createEwsClient } from '../shared/ews/ewsClient';"],
];

describe('the import rule between layers (eslint.config.mjs)', () => {
  it('refuses each forbidden import, naming the rule it breaks', () => {
    const findings = lintImports(FORBIDDEN.map(([file, text]) => [file, text]));
    expect(findings.map((f) => f.filePath).sort()).toEqual(FORBIDDEN.map(([file]) => file).sort());
    for (const [file, text, words] of FORBIDDEN) {
      const finding = findings.find((f) => f.filePath === file && f.message.includes(text.split("'")[1]!));
      const message = finding?.message ?? `no finding for ${file}: ${text}`;
      expect(message).toContain(words);
      expect(message).toContain('docs/architecture.md');
    }
  });

  it('lets through imports within the layers, of packages, of types by the stand-ins, and by the app loaders and tests', () => {
    expect(lintImports(ALLOWED)).toEqual([]);
  });

  it('holds for the tree as it is', () => {
    expect(lintImports()).toEqual([]);
  });
});
