/**
 * The deployment package as Azure gets it: `npm run package`'s own program builds the zip, which is
 * unpacked into an empty folder outside the project (so nothing can be found in the project's
 * node_modules) and run, with nothing installed, by the dev host in a plain Node child process, the way
 * the Functions worker loads an app: every function module from the package's dist/functions, every
 * library from the package's node_modules, the `@azure/functions-core` stand-in in place of the host's.
 * Then both jobs run against the EWS sandbox: a signed leave event sets the person's automatic replies,
 * and an archive sweep moves old mail to the archive mailbox.
 *
 * A child process rather than jest's module registry: jest resolves, transforms and mocks modules its own
 * way, so a module missing from the package could be found, or a stand-in applied, differently from
 * plain Node; the child runs the package exactly as Node does.
 *
 * The two child programs (tools/package/main.ts, dev/host/servePackage.ts) are compiled afresh by this
 * test, so it never runs a stale dist/.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import extract from 'extract-zip';
import { startAzurite, type Azurite } from '../../dev/azurite';
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { signGeneric } from '../../shared/leave/sources/signature';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';

const run = promisify(execFile);
const PROJECT = path.resolve(__dirname, '../..');
const SECRET = 'package-test-webhook-secret';
const ALICE = 'alice@contoso.com';
// Building the package (tsc, npm ci from the cache, zipping ~14,000 files) takes tens of seconds.
const BUILD_TIMEOUT_MS = 300_000;
jest.setTimeout(60_000);

/** The compiled child programs, the package tool's output, and the empty folder the zip is unpacked into. */
let buildDir = '';
let outDir = '';
let unpacked = '';
/** What `npm run package`'s program printed. */
let printed = '';
let sandbox: EwsSandbox | undefined;
let azurite: Azurite | undefined;
let host: ChildProcessWithoutNullStreams | undefined;
let hostLog = '';
let ready: { url: string; modules: string[]; functions: string[] };

/** Every file under `dir`, relative with forward slashes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** Starts servePackage on the unpacked folder and resolves with the line it prints once listening. */
function servePackage(env: Record<string, string>): Promise<typeof ready> {
  const child = spawn(process.execPath, [path.join(buildDir, 'dev/host/servePackage.js'), unpacked], {
    cwd: unpacked,
    env,
  });
  host = child;
  child.stderr.on('data', (chunk: Buffer) => (hostLog += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as typeof ready);
    });
    child.once('exit', (code) =>
      reject(new Error(`the dev host exited (${code}) before listening:\n${hostLog}`)),
    );
  });
}

async function eventually<T>(
  read: () => Promise<T> | T,
  ok: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last: ${JSON.stringify(value)}\ndev host log:\n${hostLog}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  // Inside the project, so the compiled tool finds archiver and typescript in the project's node_modules.
  // artifacts/ is gitignored: a clean clone does not have it yet.
  mkdirSync(path.join(PROJECT, 'artifacts'), { recursive: true });
  buildDir = mkdtempSync(path.join(PROJECT, 'artifacts', 'package-test-'));
  outDir = mkdtempSync(path.join(os.tmpdir(), 'package-out-'));
  unpacked = mkdtempSync(path.join(os.tmpdir(), 'package-unpacked-'));
  const tsc = path.join(PROJECT, 'node_modules/typescript/bin/tsc');
  const tsconfig = path.join(PROJECT, 'test/package/tsconfig.childProcesses.json');
  await run(process.execPath, [tsc, '-p', tsconfig, '--outDir', buildDir]);
  const built = await run(
    process.execPath,
    [path.join(buildDir, 'tools/package/main.js'), '--out-dir', outDir],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  printed = built.stdout;
  await extract(path.join(outDir, 'mailbox-automation.zip'), { dir: unpacked });

  sandbox = await startDemoSandbox();
  azurite = await startAzurite();
  ready = await servePackage({
    PATH: process.env.PATH ?? '',
    ...demoEwsSettings(sandbox),
    MAILBOX_SCOPE: 'contoso.com',
    HR_WEBHOOK_SECRETS: SECRET,
    AzureWebJobsStorage: azurite.connectionString,
  });
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  if (host && host.exitCode === null) {
    const exited = new Promise((resolve) => host?.once('exit', resolve));
    host.kill('SIGTERM');
    await exited;
  }
  await sandbox?.close();
  await azurite?.stop();
  for (const dir of [buildDir, outDir, unpacked]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the deployment package', () => {
  test('holds host.json, a production package.json, compiled functions and shared code, and production dependencies only', () => {
    const files = filesUnder(unpacked);
    expect(printed).toMatch(
      new RegExp(`mailbox-automation\\.zip: [\\d.]+ MB, ${files.length.toLocaleString('en')} files`),
    );
    expect(new Set(files.map((f) => f.split('/')[0]))).toEqual(
      new Set(['host.json', 'package.json', 'dist', 'node_modules']),
    );
    expect(new Set(files.filter((f) => f.startsWith('dist/')).map((f) => f.split('/')[1]))).toEqual(
      new Set(['functions', 'shared']),
    );
    expect(files.filter((f) => f.startsWith('dist/') && !f.endsWith('.js'))).toEqual([]);

    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const project = JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(manifest).toMatchObject({ main: 'dist/functions/*.js', dependencies: project.dependencies });
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');

    const packages = new Set(
      files
        .filter((f) => f.startsWith('node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(1, f.startsWith('node_modules/@') ? 3 : 2)
            .join('/'),
        ),
    );
    for (const dependency of Object.keys(project.dependencies)) expect(packages).toContain(dependency);
    for (const devOnly of [
      'node',
      'typescript',
      'jest',
      'ts-jest',
      'azurite',
      'eslint',
      'prettier',
      'archiver',
    ]) {
      expect(packages).not.toContain(devOnly);
    }
    expect([...packages].filter((p) => p.startsWith('@types/'))).toEqual([]);
  });

  test('loads every function module of the project from the unpacked folder', () => {
    const projectModules = readdirSync(path.join(PROJECT, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, '.js'))
      .sort();
    expect(ready.modules).toEqual(projectModules);
    expect(ready.functions).toEqual(
      expect.arrayContaining([
        'hrWebhook',
        'hrLeaveStatus',
        'leaveCalendarOrchestrator',
        'leaveIntakeOrchestrator',
        'leaveSyncMailbox',
        'leaveDeliver',
        'archiveSweep',
      ]),
    );
    // The per-leave orchestration is gone: nothing in the package registers it.
    expect(ready.functions).not.toContain('leaveOrchestrator');
  });

  test('a signed leave event sets the person’s automatic replies through EWS', async () => {
    const event = readFileSync(path.join(PROJECT, 'docs/examples/leave-approved.json'), 'utf8');
    const answer = await fetch(`${ready.url}/api/hr/generic`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature': signGeneric(SECRET, event, Math.floor(Date.now() / 1000)),
      },
      body: event,
    });
    expect(answer.status).toBe(202);
    // Alice's calendar owner took it: its id, not her address; its status route is in the package too.
    const accepted = (await answer.json()) as { id: string; outcome: string };
    expect(accepted).toMatchObject({ id: calendarInstanceId(ALICE), outcome: 'started' });
    expect(answer.headers.get('location')).toBe(`${ready.url}/api/hr/leaves/${accepted.id}`);
    const oof = await eventually(
      () => sandbox?.inspectMailbox(ALICE)?.oof,
      (o) => o?.state === 'Scheduled',
      'alice’s automatic replies to be scheduled',
    );
    // 2030-07-01 to 2030-07-12 in Europe/Berlin: back on the 13th at 00:00 local time.
    expect(oof).toMatchObject({ start: '2030-06-30T22:00:00.000Z', end: '2030-07-12T22:00:00.000Z' });
  });

  test('an archive sweep moves old mail into the archive mailbox through EWS', async () => {
    const counts = (): { inbox: number; archived: number } => {
      const mailbox = sandbox?.inspectMailbox(ALICE);
      const archive = Object.values(mailbox?.archive.folders ?? {}).reduce((sum, n) => sum + n, 0);
      return { inbox: mailbox?.folders.inbox ?? 0, archived: archive };
    };
    const before = counts();
    const start = await fetch(`${ready.url}/api/sweeps/archive`, {
      method: 'POST',
      body: JSON.stringify({ mailboxes: [ALICE] }),
    });
    expect(start.status).toBe(202);
    const status = await eventually(
      async () =>
        (await (await fetch(`${ready.url}/api/sweeps/archive`)).json()) as { runtimeStatus: string },
      (s) => s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending',
      'the sweep to finish',
    );
    expect(status.runtimeStatus).toBe('Completed');
    const after = counts();
    expect(after.archived - before.archived).toBeGreaterThan(0);
    expect(before.inbox - after.inbox).toBe(after.archived - before.archived);
  });
});
