/**
 * Writes what comes from the settings catalogue (shared/settings.ts): the settings tables of README.md
 * and docs/operations.md, the Bicep type of the optional settings (infra/appSettings.bicep), the lines
 * of infra/modules/functionApp.bicep that pass them to the app, and infra/main.bicep's deployment-time
 * check of the relations between settings. Each generated block sits between marker comments, so
 * the text around it stays the authors'; `npm run docs:settings` rewrites them, and
 * test/infra/settingsDeployable.test.ts fails while any of them is stale.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  SETTING_DEFINITIONS,
  requirementMessage,
  type Requirement,
  type SettingDefinition,
  type SettingFeature,
} from '../../shared/settings';

// tools/settings under ts-jest, dist/tools/settings when compiled by `npm run docs:settings`.
const twoUp = path.resolve(__dirname, '..', '..');
export const repoRoot = path.basename(twoUp) === 'dist' ? path.dirname(twoUp) : twoUp;

/** One file with generated blocks: `render` gives the text for a block's marker argument. */
interface GeneratedFile {
  file: string;
  /** Marker comment syntax: `<!-- settings:NAME -->` … `<!-- /settings:NAME -->` or `// settings:NAME` … `// /settings:NAME`. */
  comment: 'markdown' | 'bicep';
  render: (block: string) => string;
}

const FEATURE_TITLES: Record<SettingFeature, string> = {
  core: 'Core',
  ews: 'EWS',
  graph: 'Microsoft Graph',
  leave: 'Leave-driven automatic replies',
  hibob: 'HiBob',
  sweep: 'Archive sweep',
  reports: 'Sweep reports',
  host: 'Functions host',
  cli: 'Command line',
};

function code(value: string | number): string {
  return `\`${String(value)}\``;
}

function defaultCell(s: SettingDefinition): string {
  if (s.defaultText !== undefined) return s.defaultText;
  return s.default === undefined ? '' : code(s.default);
}

function meaningCell(s: SettingDefinition): string {
  const parts = [s.meaning.replace(/\|/g, '\\|')];
  if (s.type === 'choice' && s.values && s.values.length <= 4) parts.push(`One of ${s.values.map(code).join(', ')}.`);
  if (s.secret) parts.push(`Secret: Key Vault \`${s.secret}\`.`);
  for (const r of s.requires ?? []) parts.push(`Needs ${r.needs.join(' or ')}${r.is ? `=${r.is}` : ''}${r.when ? ` when ${r.when}` : ''}.`);
  return parts.join(' ');
}

function inAzureCell(s: SettingDefinition): string {
  switch (s.deploy.by) {
    case 'parameter':
      return `parameter ${code(s.deploy.parameter)}`;
    case 'optional':
      return `${code(`optionalSettings.${s.name}`)}`;
    case 'template':
      return 'set by the template';
    case 'keyVault':
      return `Key Vault secret ${code(s.secret ?? '')}`;
    case 'notInAzure':
      return `not in Azure: ${s.deploy.why}`;
  }
}

function selected(features: string): SettingDefinition[] {
  const wanted = new Set(features.split(',').map((f) => f.trim()));
  return SETTING_DEFINITIONS.filter((s) => wanted.has(s.feature));
}

/** README: `setting | default | meaning` for the features named in the marker (`core,ews`). */
export function readmeTable(features: string): string {
  const rows = selected(features).map((s) => `| ${code(s.name)} | ${defaultCell(s)} | ${meaningCell(s)} |`);
  return ['| setting | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Operator guide: every setting, by feature, with how a deployment sets it. */
export function operationsTable(): string {
  const rows = SETTING_DEFINITIONS.map(
    (s) =>
      `| ${code(s.name)} | ${FEATURE_TITLES[s.feature]} | ${defaultCell(s)} | ${meaningCell(s)} | ${inAzureCell(s)} |`,
  );
  return ['| Setting | Feature | Default | Meaning | In Azure |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

// ---- Bicep ----

const INTEGER_TYPES = new Set(['count', 'milliseconds', 'days', 'seconds']);

function bicepString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const optionalSettings = (): SettingDefinition[] =>
  SETTING_DEFINITIONS.filter((s) => s.deploy.by === 'optional');

function bicepType(s: SettingDefinition): string {
  if (INTEGER_TYPES.has(s.type)) return 'int?';
  if (s.type === 'choice' && s.values) return `(${s.values.map(bicepString).join(' | ')})?`;
  return 'string?';
}

/** infra/appSettings.bicep: the sealed object type of `optionalSettings` (a typo in a name fails the deployment). */
export function appSettingsBicep(): string {
  const properties = optionalSettings().flatMap((s) => {
    const lines = [`  @description(${bicepString(s.meaning)})`];
    if (INTEGER_TYPES.has(s.type)) lines.push(`  @minValue(${s.type === 'seconds' ? 0 : 1})`);
    if (s.max !== undefined) lines.push(`  @maxValue(${s.max})`);
    lines.push(`  ${s.name}: ${bicepType(s)}`);
    return lines;
  });
  return [
    '// Generated from shared/settings.ts by `npm run docs:settings`: edit the catalogue, not this file.',
    '// The app settings a deployment may set beyond main.bicep\'s explicit parameters; unset ones reach',
    '// the app as "" (not set), so the app uses the default the README lists.',
    '@export()',
    '@sealed()',
    "@description('Optional app settings (README, Configuration); each unset one keeps the app default.')",
    'type optionalAppSettings = {',
    ...properties,
    '}',
    '',
  ].join('\n');
}

/** The lines of functionApp.bicep's appsettings that pass each optional setting (unset: ""). */
export function functionAppSettingsBlock(): string {
  return optionalSettings()
    .map((s) => {
      const value = `optionalSettings.?${s.name} ?? ''`;
      return `      ${s.name}: ${INTEGER_TYPES.has(s.type) ? `string(${value})` : value}`;
    })
    .join('\n');
}

/** A Bicep expression for a setting's value as text in main.bicep; undefined when the template does not take it. */
function bicepValue(name: string): string | undefined {
  const s = SETTING_DEFINITIONS.find((d) => d.name === name);
  if (!s) throw new Error(`${name} is not in the settings catalogue`);
  if (s.deploy.by === 'parameter') return INTEGER_TYPES.has(s.type) ? `string(${s.deploy.parameter})` : s.deploy.parameter;
  if (s.deploy.by === 'optional') return `string(optionalSettings.?${name} ?? '')`;
  return undefined;
}

function bicepEffective(name: string): string {
  const s = SETTING_DEFINITIONS.find((d) => d.name === name);
  const value = bicepValue(name) as string;
  return s?.default === undefined ? value : `(empty(${value}) ? ${bicepString(String(s.default))} : ${value})`;
}

function bicepRequirementCheck(name: string, r: Requirement): string | undefined {
  const values = [name, ...r.needs].map(bicepValue);
  if (values.some((v) => v === undefined)) return undefined;
  const applies =
    r.when === undefined ? `!empty(${bicepValue(name)})` : `toLower(${bicepEffective(name)}) == ${bicepString(r.when)}`;
  const met = r.needs
    .map((n) => (r.is === undefined ? `!empty(${bicepValue(n)})` : `toLower(${bicepEffective(n)}) == ${bicepString(r.is)}`))
    .join(' || ');
  const needed = r.needs[0] as string;
  const message = bicepString(requirementMessage(name, r, '\u0000')).replace(
    '\u0000',
    `\${${bicepEffective(needed)}}`,
  );
  return `  ${applies} && !(${met}) ? ${message} : ''`;
}

/** main.bicep: the catalogue's relations between deployable settings, as a list of broken ones. */
export function relationChecksBlock(): string {
  const checks = SETTING_DEFINITIONS.flatMap((s) =>
    (s.requires ?? []).map((r) => bicepRequirementCheck(s.name, r)).filter((c): c is string => c !== undefined),
  );
  return ['var settingProblems = filter([', ...checks, '], problem => !empty(problem))'].join('\n');
}

// ---- the files and their blocks ----

export const GENERATED_FILES: GeneratedFile[] = [
  { file: 'README.md', comment: 'markdown', render: readmeTable },
  { file: 'docs/operations.md', comment: 'markdown', render: () => operationsTable() },
  { file: 'infra/main.bicep', comment: 'bicep', render: () => relationChecksBlock() },
  { file: 'infra/modules/functionApp.bicep', comment: 'bicep', render: () => functionAppSettingsBlock() },
];

/** Wholly generated files. */
export const GENERATED_WHOLE: { file: string; render: () => string }[] = [
  { file: 'infra/appSettings.bicep', render: appSettingsBicep },
];

function markerPattern(comment: GeneratedFile['comment']): RegExp {
  return comment === 'markdown'
    ? /(<!-- settings:(\S*) -->\n)([\s\S]*?)(<!-- \/settings:\2 -->)/g
    : /( *\/\/ settings:(\S*)\n)([\s\S]*?)( *\/\/ \/settings:\2)/g;
}

/** The file's text with every generated block rewritten; throws when the file has no block. */
export function regenerate(text: string, generated: GeneratedFile): string {
  let blocks = 0;
  const result = text.replace(markerPattern(generated.comment), (_whole, open: string, arg: string, _old, close: string) => {
    blocks++;
    return `${open}${generated.render(arg)}\n${close}`;
  });
  if (blocks === 0) throw new Error(`${generated.file} has no settings block`);
  return result;
}

/** Every generated file as it should be: path → expected text. */
export function expectedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const generated of GENERATED_FILES) {
    const file = path.join(repoRoot, generated.file);
    out.set(file, regenerate(readFileSync(file, 'utf8'), generated));
  }
  for (const whole of GENERATED_WHOLE) out.set(path.join(repoRoot, whole.file), whole.render());
  return out;
}
