// Mutation testing of the modules that decide what happens to a mailbox (`npm run test:mutation`).
// tools/mutation/check.ts then holds each module to its own threshold (MODULE_THRESHOLDS there) and
// writes the per-module scores into README.md's "## Tests" section.

/** The modules under mutation: who may be impersonated, what input is accepted, what a signature
 * proves, how errors are classed, what a restore does, what gets archived and what the leave calendar
 * decides. */
export const MUTATED_MODULES = [
  'shared/mailbox/scope.ts',
  'shared/leave/leavePlan.ts',
  'shared/leave/leaveWindow.ts',
  'shared/sweep/archiveMailbox.ts',
  'shared/leave/leaveEvent.ts',
  'shared/leave/sources/signature.ts',
  'shared/mailbox/ews/ewsErrors.ts',
  'shared/platform/transport/retryingCall.ts',
  // The leave calendar: which HR events count, how leaves become absences, and what one look at the
  // mailbox writes (schedule, leave alone, restore).
  'shared/leave/leaveCalendar.ts',
  'shared/leave/mailboxSync.ts',
  // The privilege audit: what Exchange's answer for a canary means, the verdict, the fix commands.
  'shared/audit/scopeAudit.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: MUTATED_MODULES,
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // --findRelatedTests only follows imports through files inside `roots`: with the project's
    // roots (test/ alone) a test reaching these modules through functions/, cli/ or dev/ would not
    // count as related, and its mutants would survive falsely.
    config: {
      roots: ['<rootDir>/test', '<rootDir>/shared', '<rootDir>/functions', '<rootDir>/cli', '<rootDir>/dev'],
      // The deployment-package test runs compiled copies in child processes: it cannot notice a mutant
      // here (no coverage from children) and costs a full build in the initial run.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  // Only shared/ (where every mutated module lives): checking the whole project per mutant is what makes a run slow.
  tsconfigFile: 'tsconfig.mutation.json',
  // The machine running this is small and shared.
  concurrency: 2,
  // Integration suites start servers; a mutant that makes one hang times out rather than stalls.
  timeoutMS: 20000,
  dryRunTimeoutMinutes: 30,
  // Committed, so a run (CI's included) re-tests only the mutants in changed code and the tests that changed.
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // Per-module thresholds are checked by tools/mutation/check.ts; this is the floor for the whole set.
  thresholds: { high: 95, low: 90, break: 90 },
  ignorePatterns: [
    'artifacts',
    'dist',
    'coverage',
    'reports',
    'tools/bicep',
    '.azurite',
    '__azurite_*',
    '__blobstorage__',
    '__queuestorage__',
  ],
  tempDirName: '.stryker-tmp',
};
