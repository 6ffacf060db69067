/**
 * Runs a memory benchmark once per size, each in a fresh process (`node --expose-gc <script> <size>`), so
 * that a size's peak RSS is its own and a forced collection is available; smallest first, as given. The
 * script prints its result as one JSON line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export async function runEachSizeInItsOwnProcess<T>(script: string, sizes: readonly number[]): Promise<T[]> {
  const results: T[] = [];
  for (const size of sizes) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, String(size)], {
      maxBuffer: 1024 * 1024,
    });
    results.push(JSON.parse(stdout) as T);
  }
  return results;
}
