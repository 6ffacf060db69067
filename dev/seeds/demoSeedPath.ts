import { existsSync } from 'node:fs';
import path from 'node:path';

/** dev/seeds/demo-tenant.json, found from the sources (ts-jest) and from dist/ (compiled) alike. */
export function demoSeedPath(): string {
  for (const dir of [__dirname, path.join(__dirname, '..', '..', '..', 'dev', 'seeds')]) {
    const file = path.join(dir, 'demo-tenant.json');
    if (existsSync(file)) return file;
  }
  throw new Error('dev/seeds/demo-tenant.json not found');
}
