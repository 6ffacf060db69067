// First pass of `npm run test:mutation`: the same mutants, tried against the unit suites only (seconds per
// mutant instead of the integration suites' tens of seconds). Its results go into the shared incremental
// file; the second pass (stryker.config.mjs, every suite) then reuses each mutant a unit test killed and
// tries only the survivors against everything.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  jest: {
    ...base.jest,
    config: {
      ...base.jest.config,
      // test/support too: unit suites reach some modules through its helpers.
      roots: [
        '<rootDir>/test/unit',
        '<rootDir>/test/support',
        '<rootDir>/shared',
        '<rootDir>/functions',
        '<rootDir>/cli',
        '<rootDir>/dev',
      ],
    },
  },
  // Survivors here are not failures yet: the second pass decides.
  thresholds: { ...base.thresholds, break: null },
  reporters: ['progress'],
};
