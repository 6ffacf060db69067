/**
 * The app's version, from its package.json: the nearest one above this module whose name is the app's.
 * Searched rather than imported because the module runs from two depths (shared/health under ts-jest,
 * dist/shared/health in the package), and importing package.json would make tsc copy it into dist.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const APP_NAME = 'mailbox-automation';

let cached: string | undefined;

export function appVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === APP_NAME && pkg.version) return (cached = pkg.version);
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
