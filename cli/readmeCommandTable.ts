/**
 * The README's command table, rendered from the same declarations as `--help`. test/unit/cli/usage.test.ts
 * fails when README.md differs from it; after changing a command, rewrite the table with
 * `npm run build && node dist/cli/readmeCommandTable.js`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from './command';
import { COMMANDS } from './main';

export const TABLE_START = '<!-- cli:commands -->';
export const TABLE_END = '<!-- /cli:commands -->';

/** Markdown inline code, with the pipes that would end a table cell escaped. */
function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

export function commandTable(commands: readonly CliCommand[]): string {
  const rows = commands.map(
    (c) =>
      `| ${code(`${c.name} ${c.synopsis}`)} | ${c.summary} | ${code(c.json.shape)}${c.json.note ? `: ${c.json.note}` : ''} |`,
  );
  return ['| command | what it does | `--json` prints |', '|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by `table`; throws if the markers are missing. */
export function withCommandTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) {
    throw new Error(`README.md has no "${TABLE_START}" ... "${TABLE_END}" section for the command table`);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

if (require.main === module) {
  // From dist/cli/ (built) the README is two levels up.
  const readmePath = join(__dirname, '..', '..', 'README.md');
  writeFileSync(readmePath, withCommandTable(readFileSync(readmePath, 'utf8'), commandTable(COMMANDS)));
  process.stdout.write(`${readmePath}: command table rewritten from cli/\n`);
}
