/**
 * Writes what comes from the settings catalogue (shared/platform/settings.ts): docs/settings.md (every setting,
 * by feature), the newcomer's table in README.md, the Bicep type of the optional settings (infra/appSettings.bicep), the lines
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
} from '../../shared/platform/settings';

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
  bamboohr: 'BambooHR',
  sweep: 'Archive sweep',
  reports: 'Sweep reports and the change journal',
  audit: 'Audits and housekeeping',
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

/**
 * The settings a newcomer meets first (README, `<!-- settings:newcomer -->`): which back end, which
 * mailboxes, where Exchange is and how to sign in, where secrets live, and what each job needs to start.
 */
export const NEWCOMER_SETTINGS = [
  'MAILBOX_BACKEND',
  'MAILBOX_SCOPE',
  'EWS_URL',
  'EWS_AUTH',
  'KEY_VAULT_URI',
  'HR_WEBHOOK_SECRETS',
  'MAILBOX_SCOPE_GROUP',
  'EWS_SERVICE_MAILBOX',
  'ARCHIVE_SWEEP_SCHEDULE',
];

function named(names: string[]): SettingDefinition[] {
  return names.map((name) => {
    const s = SETTING_DEFINITIONS.find((d) => d.name === name);
    if (!s) throw new Error(`${name} is not in the settings catalogue (shared/platform/settings.ts)`);
    return s;
  });
}

function table(settings: SettingDefinition[]): string {
  const rows = settings.map(
    (s) => `| ${code(s.name)} | ${defaultCell(s)} | ${meaningCell(s)} | ${inAzureCell(s)} |`,
  );
  return ['| Setting | Default | Meaning | In Azure |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** README: the newcomer's settings (the marker names the selection: `newcomer`). */
export function readmeTable(selection: string): string {
  if (selection !== 'newcomer') throw new Error(`README.md: unknown settings block "${selection}" (known: newcomer)`);
  return table(named(NEWCOMER_SETTINGS));
}

/** docs/settings.md: every setting, one section per feature, with how a deployment sets it. */
export function settingsReference(): string {
  const features = Object.keys(FEATURE_TITLES) as SettingFeature[];
  const sections = features.flatMap((feature) => {
    const settings = SETTING_DEFINITIONS.filter((s) => s.feature === feature);
    return settings.length === 0 ? [] : [`## ${FEATURE_TITLES[feature]}`, '', table(settings), ''];
  });
  return [
    '# Settings',
    '',
    '<!-- Generated from shared/platform/settings.ts by `npm run docs:settings`: edit the catalogue, not this file. -->',
    '',
    'Every setting the app, the Functions host and the command line read, from the catalogue in',
    '`shared/platform/settings.ts`. The app reads and checks them once, at start (`shared/platform/config.ts`): a missing or',
    'malformed value stops it with a message naming the setting, and a setting that needs another ("Needs …")',
    'is checked there and by the deployment. "In Azure" says how a deployment sets each one: an explicit',
    'parameter of `infra/main.bicep`, a property of its typed `optionalSettings` object, the template itself,',
    'or a Key Vault secret the app reads with its identity (`KEY_VAULT_URI`). An empty value means "not set":',
    'the app uses the default. Adding a setting: [docs/architecture.md](architecture.md#where-to-add-things).',
    '',
    ...sections,
  ].join('\n');
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
    if (INTEGER_TYPES.has(s.type)) lines.push(`  @minValue(${s.min ?? (s.type === 'seconds' ? 0 : 1)})`);
    if (s.max !== undefined) lines.push(`  @maxValue(${s.max})`);
    lines.push(`  ${s.name}: ${bicepType(s)}`);
    return lines;
  });
  return [
    '// Generated from shared/platform/settings.ts by `npm run docs:settings`: edit the catalogue, not this file.',
    '// The app settings a deployment may set beyond main.bicep\'s explicit parameters; unset ones reach',
    '// the app as "" (not set), so the app uses the default docs/settings.md lists.',
    '@export()',
    '@sealed()',
    "@description('Optional app settings (docs/settings.md); each unset one keeps the app default.')",
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
  { file: 'infra/main.bicep', comment: 'bicep', render: () => relationChecksBlock() },
  { file: 'infra/modules/functionApp.bicep', comment: 'bicep', render: () => functionAppSettingsBlock() },
];

/** Wholly generated files. */
export const GENERATED_WHOLE: { file: string; render: () => string }[] = [
  { file: 'infra/appSettings.bicep', render: appSettingsBicep },
  { file: 'docs/settings.md', render: settingsReference },
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
