/**
 * After `stryker run` (npm run test:mutation): holds every mutated module to its own threshold and
 * writes the per-module scores into README.md's "## Tests" section. Exits 1 naming each module below
 * its threshold. Run with Node 22's type stripping: `node tools/mutation/check.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { MUTATED_MODULES } from '../../stryker.config.mjs';
import {
  belowThreshold,
  moduleScores,
  scoreTable,
  withScoreTable,
  type MutationReport,
} from './moduleScores.ts';

const REPORT = 'reports/mutation/mutation.json';

const report = JSON.parse(readFileSync(REPORT, 'utf8')) as MutationReport;
const scores = moduleScores(report, MUTATED_MODULES as string[]);
const table = scoreTable(scores);
writeFileSync('README.md', withScoreTable(readFileSync('README.md', 'utf8'), table));
console.log(table);
const failures = belowThreshold(scores);
for (const failure of failures) console.error(failure);
process.exitCode = failures.length ? 1 : 0;
