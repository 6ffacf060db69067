/**
 * Azurite (the storage emulator, npm package) on 127.0.0.1 for the sweep's reports: started by
 * `npm start` and by the tests themselves. In memory, loopback only; blob service only unless asked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzuriteOptions {
  /** Blob port; 0 (default) picks a free one. */
  blobPort?: number;
  log?: (line: string) => void;
}

export interface Azurite {
  blobPort: number;
  blobEndpoint: string;
  /** Connection string for @azure/storage-blob (and AzureWebJobsStorage). */
  connectionString: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function azuriteBin(): string {
  for (let dir = __dirname; ; dir = join(dir, '..')) {
    const candidate = join(dir, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
    if (existsSync(candidate)) return candidate;
    if (join(dir, '..') === dir) throw new Error('azurite is not installed (npm install)');
  }
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const blobPort = options.blobPort || (await freePort());
  // azurite-blob only: the sweep needs blobs, and one service starts faster than three.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      azuriteBin(),
      '--silent',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(blobPort),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `azurite exited (${signal ?? code})`));
  child.stderr?.on('data', (d: Buffer) => options.log?.(d.toString()));
  child.stdout?.on('data', (d: Buffer) => options.log?.(d.toString()));
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(blobPort))) {
    if (exited) throw new Error(exited);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`azurite did not answer on 127.0.0.1:${blobPort} within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const blobEndpoint = `http://127.0.0.1:${blobPort}/${DEV_ACCOUNT}`;
  return {
    blobPort,
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${blobEndpoint};`,
    // In memory: nothing to flush. SIGTERM makes Azurite wait for idle keep-alive sockets; SIGKILL does not.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
