/**
 * Runs an unpacked deployment package (`npm run package`, then unzip) in the dev host, in this plain Node
 * process, the way the Functions worker would: the package's function modules from its dist/functions,
 * resolving every library from the package's own node_modules, its host.json, settings from the
 * environment.
 *
 *   node dist/dev/host/servePackage.js <unpacked package folder> [--port N]
 *
 * When listening it prints one JSON line on stdout, {"url", "modules", "functions"}; the dev host's log
 * goes to stderr. SIGTERM or SIGINT stops it. Used by test/package/deploymentPackage.test.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startDevHost } from './devHost';

const USAGE = 'usage: node dist/dev/host/servePackage.js <unpacked package folder> [--port N]';

function parseArguments(args: string[]): { functionsDir: string; port: number } {
  const [folder, flag, value, ...rest] = args;
  if (!folder || folder.startsWith('--')) throw new Error('the unpacked package folder is missing');
  const functionsDir = path.resolve(folder, 'dist', 'functions');
  if (!existsSync(path.join(folder, 'host.json')) || !existsSync(functionsDir)) {
    throw new Error(`${folder} is not an unpacked deployment package (no host.json and dist/functions)`);
  }
  if (flag === undefined) return { functionsDir, port: 0 };
  const port = Number(value);
  if (flag !== '--port' || !Number.isInteger(port) || port < 0 || port > 65535 || rest.length > 0) {
    throw new Error(`expected --port and a port number after the folder, got "${args.slice(1).join(' ')}"`);
  }
  return { functionsDir, port };
}

async function main(): Promise<void> {
  let options: { functionsDir: string; port: number };
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const host = await startDevHost({ ...options, log: (line) => console.error(line) });
  console.log(
    JSON.stringify({ url: host.url, modules: host.modules, functions: [...host.registrations.keys()] }),
  );
  const stop = (): void => void host.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
