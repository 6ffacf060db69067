/**
 * Runs one of the repository's TypeScript files in a plain `node` child process, for tests that need a
 * process of their own (to measure its peak memory, say). Each .ts file is transpiled on require with the
 * TypeScript compiler the repository already uses, without type checking.
 */
import { execFile } from 'node:child_process';

/** Installed with `node -e` before the script runs: `require` of a .ts file transpiles it. */
const TRANSPILE_ON_REQUIRE = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const [script, ...args] = process.argv.slice(1);
process.argv = [process.argv[0], script, ...args];
require(require('node:path').resolve(script));
`;

/**
 * stdout of `script` run with `args`; rejects with its stderr when it exits non-zero or outlasts `timeoutMs`.
 * `env` replaces the child's environment (default: this process's; a jest test's `process.env` is a copy
 * that children do not inherit).
 */
export function runTypeScriptChild(
  script: string,
  args: string[],
  timeoutMs = 60_000,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '-e', TRANSPILE_ON_REQUIRE, script, ...args],
      { cwd: process.cwd(), timeout: timeoutMs, maxBuffer: 1024 * 1024, env },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
