/** `npm run test:mutation`'s per-module check: what fails the command, and the README table it writes. */
import {
  belowThreshold,
  moduleScores,
  README_END,
  README_START,
  scoreTable,
  withScoreTable,
  type MutationReport,
} from '../../../tools/mutation/moduleScores';

const mutants = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([status, n]) => Array.from({ length: n }, () => ({ status })));

const report: MutationReport = {
  files: {
    'shared/mailbox/scope.ts': { mutants: mutants({ Killed: 40 }) },
    'shared\\leave\\sources\\signature.ts': { mutants: mutants({ Killed: 98, Timeout: 1, Survived: 1 }) },
    'shared/leave/leavePlan.ts': {
      mutants: mutants({ Killed: 17, Survived: 1, NoCoverage: 1, CompileError: 5, Ignored: 2 }),
    },
    'shared/sweep/archiveMailbox.ts': { mutants: mutants({ Killed: 8, Timeout: 1, Survived: 1 }) },
    'shared/unlisted.ts': { mutants: mutants({ Survived: 10 }) },
  },
};
const modules = [
  'shared/mailbox/scope.ts',
  'shared/leave/sources/signature.ts',
  'shared/leave/leavePlan.ts',
  'shared/sweep/archiveMailbox.ts',
];

describe('per-module mutation scores', () => {
  const scores = moduleScores(report, modules);

  it('counts killed and timed-out mutants as detected, and leaves out those that did not compile or were disabled', () => {
    expect(scores.map((s) => [s.module, s.detected, s.survived, s.noCoverage, s.excluded])).toEqual([
      ['shared/mailbox/scope.ts', 40, 0, 0, 0],
      ['shared/leave/sources/signature.ts', 99, 1, 0, 0],
      ['shared/leave/leavePlan.ts', 17, 1, 1, 7],
      ['shared/sweep/archiveMailbox.ts', 9, 1, 0, 0],
    ]);
    expect(scores.map((s) => s.score)).toEqual([100, 99, (17 / 19) * 100, 90]);
  });

  it('fails the modules below their own threshold: 100 % for the scope guard and signatures, 90 % for the rest', () => {
    expect(belowThreshold(scores)).toEqual([
      'shared/leave/sources/signature.ts: 99 % is below its threshold of 100 % (1 survived, 0 not covered by any test)',
      'shared/leave/leavePlan.ts: 89.4 % is below its threshold of 90 % (1 survived, 1 not covered by any test)',
    ]);
  });

  it('a module the report does not cover is an error, not a pass', () => {
    expect(() => moduleScores(report, ['shared/leave/leaveEvent.ts'])).toThrow(
      'the mutation report has no results for shared/leave/leaveEvent.ts: was it mutated?',
    );
  });

  it('a module whose every mutant is excluded has no score and fails nothing', () => {
    const [onlyDisabled] = moduleScores({ files: { 'a.ts': { mutants: mutants({ Ignored: 3 }) } } }, [
      'a.ts',
    ]);
    expect(onlyDisabled?.score).toBeUndefined();
    expect(belowThreshold(onlyDisabled ? [onlyDisabled] : [])).toEqual([]);
    expect(scoreTable(onlyDisabled ? [onlyDisabled] : [])).toContain('| a.ts | n/a | 90 % | 0 | 0 | 0 | 3 |');
  });

  it('writes the table between the README markers, replacing the last one, and nowhere else', () => {
    const readme = `# Tests\n\n${README_START}\nold table\n${README_END}\n\nmore text\n`;
    const written = withScoreTable(readme, scoreTable(scores));
    expect(written).toBe(
      `# Tests\n\n${README_START}\n` +
        '| module | score | threshold | detected | survived | no coverage | excluded |\n' +
        '|---|---|---|---|---|---|---|\n' +
        '| shared/mailbox/scope.ts | 100 % | 100 % | 40 | 0 | 0 | 0 |\n' +
        '| shared/leave/sources/signature.ts | 99 % | 100 % | 99 | 1 | 0 | 0 |\n' +
        '| shared/leave/leavePlan.ts | 89.4 % | 90 % | 17 | 1 | 1 | 7 |\n' +
        '| shared/sweep/archiveMailbox.ts | 90 % | 90 % | 9 | 1 | 0 | 0 |\n' +
        `${README_END}\n\nmore text\n`,
    );
    expect(withScoreTable(written, 'new')).toBe(
      `# Tests\n\n${README_START}\nnew\n${README_END}\n\nmore text\n`,
    );
  });

  it('a README without the markers is an error naming them', () => {
    expect(() => withScoreTable('# Tests\n', 'table')).toThrow(README_START);
  });
});
