import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The version in this package's package.json. Found by walking up from this file, so it is the same from
 * cli/ (tests), dist/cli/ (the built bin) and node_modules/mailbox-automation/dist/cli/ (an installed bin).
 */
export function packageVersion(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'mailbox-automation' && manifest.version) return manifest.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of mailbox-automation above ${from}`);
  }
}
