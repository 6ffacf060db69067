/**
 * `npm run package [-- --out-dir DIR]`: builds the deployment package (see buildPackage.ts) into DIR
 * (default artifacts/): DIR/mailbox-automation.zip and DIR/app/, the folder it was made from. Prints the
 * package's size and file count. Exit 2 on a bad argument (nothing built), 1 when the build fails.
 */
import path from 'node:path';
import { buildPackage, findProjectDir } from './buildPackage';

const USAGE = 'usage: npm run package [-- --out-dir DIR]   (default DIR: artifacts)';

function parseOutDir(args: string[], projectDir: string): string {
  if (args.length === 0) return path.join(projectDir, 'artifacts');
  const [flag, value, ...rest] = args;
  if (flag !== '--out-dir') throw new UsageError(`unknown argument "${flag}"`);
  if (!value || value.startsWith('--')) throw new UsageError('--out-dir needs a folder');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  return path.resolve(value);
}

class UsageError extends Error {}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const projectDir = findProjectDir(__dirname);
  const outDir = parseOutDir(process.argv.slice(2), projectDir);
  const built = await buildPackage({ projectDir, outDir, log: (line) => console.log(line) });
  console.log(
    `package: ${path.relative(process.cwd(), built.zipFile) || built.zipFile}: ${megabytes(built.zipBytes)}, ` +
      `${built.fileCount.toLocaleString('en')} files (${megabytes(built.unpackedBytes)} unpacked)`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
