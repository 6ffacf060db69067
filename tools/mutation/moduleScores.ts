/**
 * Per-module mutation scores from Stryker's JSON report (the mutation-testing-report-schema that
 * `jsonReporter` writes). Stryker's own `thresholds.break` is one figure for all modules together; the
 * modules here have thresholds of their own, so a strong module cannot hide a weak one.
 *
 * No imports: tools/mutation/check.ts runs this file with Node's type stripping, without a build.
 */

/** Modules held to more than DEFAULT_THRESHOLD: who may be impersonated and what a signature proves. */
export const MODULE_THRESHOLDS: Readonly<Record<string, number>> = {
  'shared/mailbox/scope.ts': 100,
  'shared/leave/sources/signature.ts': 100,
};
export const DEFAULT_THRESHOLD = 90;

export const README_START = '<!-- mutation-scores:start (written by npm run test:mutation) -->';
export const README_END = '<!-- mutation-scores:end -->';

export interface MutationReport {
  files: Record<string, { mutants: { status: string }[] }>;
}

export interface ModuleScore {
  module: string;
  /** Killed plus timed out: the mutants some test noticed. */
  detected: number;
  survived: number;
  noCoverage: number;
  /** Mutants that did not compile or were disabled with a reason: not counted. */
  excluded: number;
  /** detected / (detected + survived + noCoverage) in %, as Stryker computes it; undefined with no valid mutant. */
  score: number | undefined;
  threshold: number;
}

function scoreOf(module: string, mutants: readonly { status: string }[]): ModuleScore {
  const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = detected + survived + noCoverage;
  return {
    module,
    detected,
    survived,
    noCoverage,
    excluded: mutants.length - valid,
    score: valid === 0 ? undefined : (detected / valid) * 100,
    threshold: MODULE_THRESHOLDS[module] ?? DEFAULT_THRESHOLD,
  };
}

/** One score per module, in the order given; a module the report does not cover is an error. */
export function moduleScores(report: MutationReport, modules: readonly string[]): ModuleScore[] {
  const files = new Map(
    Object.entries(report.files).map(([file, result]) => [file.replace(/\\/g, '/'), result]),
  );
  return modules.map((module) => {
    const file = files.get(module);
    if (!file) throw new Error(`the mutation report has no results for ${module}: was it mutated?`);
    return scoreOf(module, file.mutants);
  });
}

/** A line per module below its threshold, naming the score, the threshold and the survivors. */
export function belowThreshold(scores: readonly ModuleScore[]): string[] {
  return scores
    .filter((s) => s.score !== undefined && s.score < s.threshold)
    .map(
      (s) =>
        `${s.module}: ${formatScore(s.score)} is below its threshold of ${s.threshold} % ` +
        `(${s.survived} survived, ${s.noCoverage} not covered by any test)`,
    );
}

/** Floors, so 99.96 % never shows as a passing-looking 100 %. */
function formatScore(score: number | undefined): string {
  return score === undefined ? 'n/a' : `${Math.floor(score * 10) / 10} %`;
}

export function scoreTable(scores: readonly ModuleScore[]): string {
  const rows = scores.map(
    (s) =>
      `| ${s.module} | ${formatScore(s.score)} | ${s.threshold} % | ${s.detected} | ${s.survived} | ${s.noCoverage} | ${s.excluded} |`,
  );
  return [
    '| module | score | threshold | detected | survived | no coverage | excluded |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The README with the table between the markers replaced; throws when the markers are missing. */
export function withScoreTable(readme: string, table: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) {
    throw new Error(
      `README.md has no "${README_START}" ... "${README_END}" section to write the scores into`,
    );
  }
  return `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`;
}
