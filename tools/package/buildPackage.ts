/**
 * Builds the deployment package: the one zip that azd (azure.yaml) and `az functionapp deployment source
 * config-zip` deploy, and that test/package/deploymentPackage.test.ts unpacks and runs.
 *
 * It is assembled from an explicit allow-list rather than "the project minus .funcignore": exclusion
 * patterns also match inside node_modules (an unanchored `infra` removed node_modules/undici/lib/web/infra
 * and every EWS call failed with MODULE_NOT_FOUND), and a new top-level folder would ship by default.
 * What goes in, and nothing else:
 *   host.json
 *   package.json        the production manifest: no scripts, no devDependencies
 *   dist/functions/     functions/ and shared/ compiled on their own (tools/package/tsconfig.app.json),
 *   dist/shared/        .js only: no source maps, since the .ts they point at is not shipped
 *   node_modules/       production dependencies only, installed from package-lock.json by `npm ci --omit=dev`
 *
 * The dependencies are installed afresh into the staging folder rather than copied out of the project's
 * node_modules: the lock file decides, not whatever a developer's tree holds (linked or hoisted packages,
 * dev-only copies). With the npm cache warm from the project's own `npm ci`, this needs no network.
 * The zip is deterministic: entries sorted, one fixed timestamp, modes 644/755.
 */
import { spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
  copyFileSync,
} from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { ZipArchive } from 'archiver';

/** The file name of the package inside the output folder. */
const PACKAGE_FILE = 'mailbox-automation.zip';
/** The folder the zip is made from, beside it; azure.yaml's `dist` points azd at it. */
const STAGE_FOLDER = 'app';

/** Where each file of the package may come from: anything else in the staging folder is an error. */
const ALLOWED = [/^host\.json$/, /^package\.json$/, /^dist\/(functions|shared)\/.+\.js$/, /^node_modules\//];

/** Every entry gets this time, so the same inputs give the same bytes (2000-01-01, clear of the DOS epoch in any zone). */
const ZIP_ENTRY_DATE = new Date('2000-01-01T00:00:00Z');

export interface PackageOptions {
  /** The project: the folder with host.json, package.json and package-lock.json. */
  projectDir: string;
  /** Where the zip and its staging folder go (created if missing). */
  outDir: string;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

export interface BuiltPackage {
  zipFile: string;
  /** The folder the zip was made from (azd zips this same folder). */
  stageDir: string;
  /** Files in the zip. */
  fileCount: number;
  /** Size of the zip in bytes. */
  zipBytes: number;
  /** Size of the files before compression. */
  unpackedBytes: number;
}

/** The project folder this tool belongs to: the nearest ancestor of `from` holding host.json and package-lock.json. */
export function findProjectDir(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'host.json')) && existsSync(path.join(dir, 'package-lock.json')))
      return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`no project (host.json and package-lock.json) above ${from}`);
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${what} failed (exit ${result.status}):\n${`${result.stdout}\n${result.stderr}`.trim()}`,
    );
  }
}

/** functions/ and shared/ compiled into `distDir`; refuses (nothing emitted) when they do not type-check. */
function compileApp(projectDir: string, distDir: string): void {
  const tsc = path.join(projectDir, 'node_modules', 'typescript', 'bin', 'tsc');
  const tsconfig = path.join(projectDir, 'tools', 'package', 'tsconfig.app.json');
  run(
    process.execPath,
    [tsc, '-p', tsconfig, '--outDir', distDir],
    projectDir,
    process.env,
    'compiling functions/ and shared/',
  );
}

interface Manifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** The manifest the app runs with: what the Functions host and npm need, nothing for development. */
function productionManifest(project: Manifest): Manifest {
  return {
    name: project.name,
    version: project.version,
    description: project.description,
    private: true,
    license: project.license,
    // The Node.js v4 programming model finds the function modules through `main`.
    main: 'dist/functions/*.js',
    engines: project.engines,
    dependencies: project.dependencies,
  };
}

/**
 * `npm ci --omit=dev` in the staging folder. npm checks the lock file against the manifest's dependencies
 * AND devDependencies, so the install runs with the project's manifest (scripts removed) and the
 * production manifest replaces it afterwards. npm_* variables from an enclosing `npm run` are dropped
 * and --prefix is explicit, so this install can never land in the project's own node_modules.
 */
function installProductionDependencies(projectDir: string, stageDir: string, project: Manifest): void {
  const { scripts: _scripts, ...withoutScripts } = project;
  writeFileSync(path.join(stageDir, 'package.json'), `${JSON.stringify(withoutScripts, null, 2)}\n`);
  copyFileSync(path.join(projectDir, 'package-lock.json'), path.join(stageDir, 'package-lock.json'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(
    npm,
    [
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--prefix',
      stageDir,
    ],
    stageDir,
    env,
    'npm ci --omit=dev',
  );
  rmSync(path.join(stageDir, 'package-lock.json'));
  writeFileSync(
    path.join(stageDir, 'package.json'),
    `${JSON.stringify(productionManifest(project), null, 2)}\n`,
  );
}

/**
 * Every file under `dir`, relative with forward slashes, sorted. Left out: npm's bookkeeping
 * (node_modules/.package-lock.json) and command shims (node_modules/.bin, symbolic links nothing at run
 * time uses). Any other symbolic link is an error: a zip cannot carry it faithfully to every host.
 */
function listPackageFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.name === '.bin' && path.basename(relative) === 'node_modules') continue;
      if (rel === 'node_modules/.package-lock.json') continue;
      if (entry.isSymbolicLink())
        throw new Error(`${rel} is a symbolic link; the package carries files only`);
      if (entry.isDirectory()) walk(rel);
      else files.push(rel);
    }
  };
  walk('');
  return files.sort();
}

/** Files the allow-list does not name; empty when the package is what it should be. */
function filesOutsideAllowList(files: string[]): string[] {
  return files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
}

async function writeZip(stageDir: string, files: string[], zipFile: string): Promise<void> {
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const output = createWriteStream(zipFile);
  archive.pipe(output);
  const failure = new Promise<never>((_, reject) => archive.on('error', reject));
  for (const file of files) {
    const source = path.join(stageDir, file);
    // Handing archiver the stats keeps the entries in this order: left to stat files itself, it does four
    // at a time and appends them in whatever order those finish.
    const stats = statSync(source);
    const mode = (stats.mode & 0o111) !== 0 ? 0o755 : 0o644;
    archive.file(source, { name: file, date: ZIP_ENTRY_DATE, mode, stats });
  }
  await Promise.race([Promise.all([archive.finalize(), finished(output)]), failure]);
}

export async function buildPackage(options: PackageOptions): Promise<BuiltPackage> {
  const log = options.log ?? ((): void => undefined);
  const project = JSON.parse(readFileSync(path.join(options.projectDir, 'package.json'), 'utf8')) as Manifest;
  const stageDir = path.join(options.outDir, STAGE_FOLDER);
  const zipFile = path.join(options.outDir, PACKAGE_FILE);
  // Only the two things this tool writes are replaced; the rest of outDir is left alone.
  rmSync(stageDir, { recursive: true, force: true });
  rmSync(zipFile, { force: true });
  mkdirSync(stageDir, { recursive: true });

  log('compiling functions/ and shared/ ...');
  compileApp(options.projectDir, path.join(stageDir, 'dist'));
  copyFileSync(path.join(options.projectDir, 'host.json'), path.join(stageDir, 'host.json'));
  log('installing production dependencies from package-lock.json ...');
  installProductionDependencies(options.projectDir, stageDir, project);

  const files = listPackageFiles(stageDir);
  const stray = filesOutsideAllowList(files);
  if (stray.length > 0) {
    throw new Error(`the package would carry files outside its allow-list: ${stray.slice(0, 10).join(', ')}`);
  }
  log(`zipping ${files.length} files ...`);
  await writeZip(stageDir, files, zipFile);
  const unpackedBytes = files.reduce((sum, file) => sum + statSync(path.join(stageDir, file)).size, 0);
  return { zipFile, stageDir, fileCount: files.length, zipBytes: statSync(zipFile).size, unpackedBytes };
}
