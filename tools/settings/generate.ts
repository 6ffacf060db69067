/**
 * `npm run docs:settings`: rewrites what is generated from the settings catalogue (docs/settings.md, the
 * README's newcomer table, infra/appSettings.bicep, the settings lines of the Bicep).
 * `--check` changes nothing and exits 1 naming each stale file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectedFiles, repoRoot } from './settingsDocs';

function current(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [file, expected] of expectedFiles()) {
  if (current(file) === expected) continue;
  stale.push(path.relative(repoRoot, file));
  if (!check) writeFileSync(file, expected);
}
if (check && stale.length > 0) {
  console.error(`stale, run npm run docs:settings: ${stale.join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(stale.length === 0 ? 'settings blocks up to date' : `rewrote ${stale.join(', ')}`);
}
