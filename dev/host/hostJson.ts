/**
 * The parts of host.json that decide how the app behaves under load, read so that the dev host and the
 * benchmarks run the app as the Functions host would. Today that is the Durable extension's
 * `maxConcurrentActivityFunctions`: how many activities one worker runs at once (for the sweep, how many
 * mailboxes one worker works on; each has one EWS call in flight at a time).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface DurableHostSettings {
  /** extensions.durableTask.maxConcurrentActivityFunctions; undefined when host.json does not set it. */
  maxConcurrentActivityFunctions?: number;
}

/** host.json at the root of the project, from the sources (ts-jest) or from dist/. */
export function hostJsonPath(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', 'host.json'),
    path.resolve(__dirname, '..', '..', '..', 'host.json'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`host.json not found (looked at ${candidates.join(', ')})`);
  return found;
}

/**
 * The host.json of the app whose function modules are in `functionsDir`: the nearest one above it, as in
 * the sources (functions/), a build (dist/functions) or an unpacked deployment package (dist/functions).
 */
export function hostJsonFor(functionsDir: string): string {
  for (let dir = path.resolve(functionsDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'host.json');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error(`no host.json in ${functionsDir} or any folder above it`);
  }
}

export function readDurableHostSettings(file = hostJsonPath()): DurableHostSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const durable = (parsed as { extensions?: { durableTask?: Record<string, unknown> } } | null)?.extensions
    ?.durableTask;
  const value = durable?.maxConcurrentActivityFunctions;
  if (value === undefined) return {};
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(
      `extensions.durableTask.maxConcurrentActivityFunctions in ${file} must be a positive whole number, got ${JSON.stringify(value)}`,
    );
  }
  return { maxConcurrentActivityFunctions: value };
}
