import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The import rule: which folder may import which (docs/architecture.md, "Layers"). This list is the one
 * place the layer rules live; when folders move, update `files` and `mayNotImport` here and the test
 * (test/infra/importLayers.test.ts) shows each rule still refuses a forbidden import.
 *
 * `mayNotImport` names top-level folders; an import is refused when its relative specifier climbs out
 * with `../` into one of them (`../../functions/hrWebhook`). No folder below the top level carries those
 * names, so climbing into one means the top-level folder. Packages (`@azure/…`, `node:…`) are not affected.
 * no-restricted-imports sees static `import`/`export … from`, not `import()`: the CLI's `sandbox`
 * command loads dev/ews-sandbox with `import()` on purpose (a development command that starts the
 * stand-in; no other command loads it, and the deployment package carries neither cli/ nor dev/);
 * test/unit/dev/standInIndependence.test.ts also catches `import()` and `require` in the stand-ins.
 */
const LAYERS = [
  {
    files: ['shared/**/*.ts'],
    ignores: [],
    mayNotImport: ['functions', 'cli', 'dev', 'test'],
    allowTypeImports: false,
    why: 'shared/ (use cases, domain, mailbox, transport) is what the triggers, the CLI and the dev host run; it takes what it needs from its caller',
  },
  {
    files: ['functions/**/*.ts'],
    ignores: [],
    mayNotImport: ['cli', 'dev', 'test'],
    allowTypeImports: false,
    why: 'functions/ is deployed: triggers call shared/, never the CLI, the stand-ins or tests',
  },
  {
    files: ['cli/**/*.ts'],
    ignores: [],
    mayNotImport: ['functions', 'dev', 'test'],
    allowTypeImports: false,
    why: 'cli/ uses shared/ like the triggers do, not the trigger modules (the sandbox command loads dev/ews-sandbox lazily with import())',
  },
  {
    // The stand-ins are witnesses written from each service's documentation; dev/host and dev/start.ts
    // are not stand-ins: they load and wire the app, as the Functions host does.
    files: ['dev/**/*.ts'],
    ignores: ['dev/host/**', 'dev/start.ts'],
    mayNotImport: ['shared', 'functions', 'cli', 'test'],
    allowTypeImports: true,
    why: "a dev stand-in must not borrow the app's code (it would agree with the app's bugs); import type is fine",
  },
];

/** One flat-config block per layer with its `no-restricted-imports` rule. */
function layerRules({ files, ignores, mayNotImport, allowTypeImports, why }) {
  return {
    files,
    ignores,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${mayNotImport.join('|')})(/|$)`,
              allowTypeImports,
              message: `${files[0].split('/')[0]}/ may not import ${mayNotImport.map((f) => `${f}/`).join(', ')}: ${why} (docs/architecture.md, Layers).`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    // tools/ holds the Bicep restore (generated folders) and the package tool; only the latter is ours to lint.
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'artifacts/**',
      // Stryker's sandboxes (copies of the tree while npm run test:mutation runs).
      '.stryker-tmp*/**',
      'tools/*',
      '!tools/package',
      '*.js',
      '*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  ...LAYERS.map(layerRules),
  prettier,
);
