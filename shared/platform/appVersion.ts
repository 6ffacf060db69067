/**
 * The app's version, from its own package.json: the nearest one above the running module whose name is
 * mailbox-automation. Searched rather than imported because the same code runs from several depths
 * (shared/ under ts-jest, dist/shared/ in the deployment package, node_modules/mailbox-automation/dist/
 * for an installed CLI), and importing package.json would make tsc copy it into dist. Used by the CLI's
 * --version and the health route.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const APP_NAME = 'mailbox-automation';

export function packageVersion(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === APP_NAME && manifest.version) return manifest.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${APP_NAME} above ${from}`);
  }
}
