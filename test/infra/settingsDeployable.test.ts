/**
 * Every setting is deployable, from one list: each setting the code reads is in the catalogue
 * (shared/platform/settings.ts), each catalogue setting can be set through the compiled template (an explicit
 * parameter, the typed `optionalSettings` object, or the template itself; secrets stay in Key Vault),
 * the docs and Bicep blocks generated from the catalogue are current, and the deployment checks the
 * relations between settings.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { JsonObject, buildTemplate, flatten, isObject, ofType, repoRoot, text } from './armTemplate';
import {
  SETTING_DEFINITIONS,
  requirementMessage,
  type SettingDefinition,
} from '../../shared/platform/settings';
import {
  GENERATED_FILES,
  NEWCOMER_SETTINGS,
  expectedFiles,
  readmeTable,
  regenerate,
} from '../../tools/settings/settingsDocs';

const README_BLOCKS = GENERATED_FILES.find((g) => g.file === 'README.md')!;

let template: JsonObject;

beforeAll(() => {
  template = buildTemplate();
}, 300_000);

// ---- what the code reads ----

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Prefixes of the app's own setting names: a quoted name with one of them is a setting. */
const SETTING_PREFIX =
  /^(EWS|GRAPH|LEAVE|HIBOB|HR|SWEEP|ARCHIVE|MAILBOX|KEY_VAULT|AZURE|REPORTS|SECRETS|APPLICATIONINSIGHTS|TASKHUB)_|^AzureWebJobs/;

/** Setting names the text reads: env accessors, `%NAME%` bindings, and quoted names with a setting prefix. */
export function settingsReadIn(source: string): Set<string> {
  const found = new Set<string>();
  const patterns = [
    /process\.env\.([A-Za-z_]\w*)/g,
    /\benv\.([A-Za-z_]\w*)/g,
    /\benv\[['"`]([A-Za-z_]\w*)['"`]\]/g,
    /%([A-Za-z_]\w*)%/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.add(m[1]!);
  for (const m of source.matchAll(/['"`]([A-Za-z_]\w*)['"`]/g))
    if (SETTING_PREFIX.test(m[1]!)) found.add(m[1]!);
  return found;
}

const catalogue = new Map(SETTING_DEFINITIONS.map((s) => [s.name, s]));

/** Variables Azure sets in every function app: read by the code, never set by a deployment or an operator. */
const SET_BY_AZURE = new Set([
  'IDENTITY_ENDPOINT', // the managed identity's token endpoint (App Service / Functions)
  'WEBSITE_SITE_NAME', // the app's name, the metrics' service.name
]);

describe('the settings the code reads', () => {
  it('finds env reads of every form, so the scan below can fail', () => {
    const read = settingsReadIn(
      "process.env.A_B; env.C_D; env['E_F']; schedule: '%G_H%'; secrets.get('HIBOB_X'); const x = 'NOT_A_SETTING';",
    );
    expect([...read].sort()).toEqual(['A_B', 'C_D', 'E_F', 'G_H', 'HIBOB_X']);
  });

  it('are all in the catalogue (shared/, functions/, cli/, host.json)', () => {
    const files = ['shared', 'functions', 'cli'].flatMap((d) => sourceFiles(path.join(repoRoot, d)));
    files.push(path.join(repoRoot, 'host.json'));
    const missing: string[] = [];
    for (const file of files) {
      for (const name of settingsReadIn(readFileSync(file, 'utf8'))) {
        if (!catalogue.has(name) && !SET_BY_AZURE.has(name))
          missing.push(`${name} (${path.relative(repoRoot, file)})`);
      }
    }
    expect(missing).toEqual([]);
  });
});

// ---- what the template sets ----

const PARAMETER = /^\[(?:string\()?parameters\('([^']+)'\)\)?\]$/;
const OPTIONAL =
  /^\[(?:string\()?coalesce\(tryGet\(parameters\('optionalSettings'\), '([^']+)'\), ''\)\)?\]$/;

/** The catalogue settings the compiled template cannot set the way the catalogue says, in words. */
function undeployable(t: JsonObject): string[] {
  const config = ofType(flatten(t), 'Microsoft.Web/sites/config')[0]!;
  const appSettings = config.resource.properties as JsonObject;
  const mainParameters = t.parameters as JsonObject;
  const optionalType = t.definitions as JsonObject | undefined;
  const optionalRef = text((mainParameters.optionalSettings as JsonObject | undefined)?.$ref);
  const optionalProperties = isObject(optionalType)
    ? ((optionalType[optionalRef.replace('#/definitions/', '')] as JsonObject | undefined)?.properties as
        JsonObject | undefined)
    : undefined;
  const problems: string[] = [];
  for (const s of SETTING_DEFINITIONS) {
    const value = text(appSettings[s.name]);
    switch (s.deploy.by) {
      case 'parameter': {
        const moduleParam = PARAMETER.exec(value)?.[1];
        const passed = moduleParam === undefined ? '' : text(config.moduleParams[moduleParam]);
        if (PARAMETER.exec(passed)?.[1] !== s.deploy.parameter)
          problems.push(`${s.name}: not set from main.bicep parameter ${s.deploy.parameter}`);
        break;
      }
      case 'optional':
        if (OPTIONAL.exec(value)?.[1] !== s.name) problems.push(`${s.name}: not set from optionalSettings`);
        if (!isObject(optionalProperties?.[s.name]))
          problems.push(`${s.name}: not a property of the optionalSettings type`);
        break;
      case 'template':
        if (value === '') problems.push(`${s.name}: not set by the template`);
        break;
      case 'keyVault':
      case 'notInAzure':
        if (s.name in appSettings) problems.push(`${s.name}: must not be an app setting (${s.deploy.by})`);
        break;
    }
  }
  return problems;
}

describe('compiled infra/main.bicep', () => {
  it('can set every setting in the catalogue, secrets excepted', () => {
    expect(undeployable(template)).toEqual([]);
  });

  it('fails when a setting cannot be set (a check that cannot fail proves nothing)', () => {
    const mutated = structuredClone(template);
    const config = ofType(flatten(mutated), 'Microsoft.Web/sites/config')[0]!;
    const settings = config.resource.properties as JsonObject;
    delete settings.EWS_SERVICE_MAILBOX;
    delete settings.LEAVE_OOF_AUDIENCE;
    settings.EWS_PASSWORD = 'x';
    expect(undeployable(mutated)).toEqual(
      [
        'EWS_PASSWORD: must not be an app setting (keyVault)',
        'EWS_SERVICE_MAILBOX: not set from main.bicep parameter ewsServiceMailbox',
        'LEAVE_OOF_AUDIENCE: not set from optionalSettings',
      ].sort((a, b) => order(a) - order(b)),
    );
  });

  it("gives each explicit parameter the catalogue's default, so the docs' default is what Azure runs", () => {
    const parameters = template.parameters as JsonObject;
    const differing = SETTING_DEFINITIONS.filter(
      (s) => s.deploy.by === 'parameter' && s.default !== undefined,
    )
      .map(
        (s) =>
          [
            s,
            (parameters[(s.deploy as { parameter: string }).parameter] as JsonObject).defaultValue,
          ] as const,
      )
      .filter(([s, given]) => given !== s.default)
      .map(([s, given]) => `${s.name}: ${JSON.stringify(given)} ≠ ${String(s.default)}`);
    expect(differing).toEqual([]);
  });

  it('takes MAILBOX_BACKEND=graph', () => {
    const backend = (template.parameters as JsonObject).mailboxBackend as JsonObject;
    expect(backend.allowedValues).toEqual(['ews', 'graph']);
  });

  it('checks at deployment every relation between settings it sets, in the words of the app', () => {
    const variables = JSON.stringify(template.variables);
    const deployable = (name: string) => {
      const by = catalogue.get(name)?.deploy.by;
      return by === 'parameter' || by === 'optional';
    };
    const relations = SETTING_DEFINITIONS.flatMap((s: SettingDefinition) =>
      (s.requires ?? [])
        .filter((r) => deployable(s.name) && r.needs.every(deployable))
        .map((r) => [s.name, r] as const),
    );
    expect(relations.map(([name]) => name)).toEqual(
      expect.arrayContaining(['MAILBOX_SCOPE_GROUP', 'MAILBOX_BACKEND']),
    );
    for (const [name, requirement] of relations) {
      // The message up to the value it quotes (Bicep interpolates the actual value there).
      const words = requirementMessage(name, requirement, '\u0000').split('\u0000')[0]!;
      expect(variables).toContain(words.replace(/'/g, "''"));
    }
    // The settings reach the app only when none is broken: otherwise fail() stops the deployment.
    const module = ofType(flatten(template), 'Microsoft.Resources/deployments').find(
      (d) => d.resource.name === 'functionApp',
    )!;
    const passed = JSON.stringify((module.resource.properties as JsonObject).parameters);
    expect(passed).toMatch(
      /"optionalSettings":"\[if\(empty\(variables\('settingProblems'\)\), .*parameters\('optionalSettings'\).*fail\(join\(variables\('settingProblems'\)/,
    );
  });
});

function order(problem: string): number {
  return SETTING_DEFINITIONS.findIndex((s) => problem.startsWith(`${s.name}:`));
}

describe('generated from the catalogue', () => {
  it('docs/settings.md, the README table and the Bicep blocks are current (npm run docs:settings)', () => {
    const stale = [...expectedFiles()]
      .filter(([file, expected]) => {
        try {
          return readFileSync(file, 'utf8') !== expected;
        } catch {
          return true;
        }
      })
      .map(([file]) => path.relative(repoRoot, file));
    expect(stale).toEqual([]);
  });

  it('lists every setting in docs/settings.md under its feature, and the README table is the newcomer one', () => {
    const reference = readFileSync(path.join(repoRoot, 'docs', 'settings.md'), 'utf8');
    for (const s of SETTING_DEFINITIONS) expect(reference).toContain(`| \`${s.name}\` |`);
    const sweepSection = reference.slice(
      reference.indexOf('## Archive sweep'),
      reference.indexOf('## Sweep reports'),
    );
    expect(sweepSection).toContain('| `MAILBOX_SCOPE_GROUP` |');
    expect(sweepSection).not.toContain('| `EWS_URL` |');
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const readmeRows = [...readme.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(readmeRows).toEqual(NEWCOMER_SETTINGS);
    expect(readme).toContain('[docs/settings.md](docs/settings.md)');
    const guide = readFileSync(path.join(repoRoot, 'docs', 'operations.md'), 'utf8');
    expect(guide).toContain('[docs/settings.md](settings.md)');
  });

  it('refuses a README settings block it does not know, so a misspelt marker is not left stale', () => {
    expect(() => readmeTable('core,ews')).toThrow('unknown settings block "core,ews"');
    expect(() => regenerate('<!-- settings:x -->\n<!-- /settings:x -->', README_BLOCKS)).toThrow(
      'unknown settings block "x"',
    );
  });
});
