import type { CliContext } from '../cliContext';
import { UsageError } from '../cliContext';
import { parse, stringOption } from '../arguments';

/**
 * `sandbox [--port N] [--seed FILE]`: starts the EWS sandbox (an Exchange stand-in on 127.0.0.1) and
 * keeps it running until interrupted. Dev tooling, loaded only when asked for.
 */
export async function sandboxCommand(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parse(args, { port: { type: 'string' }, seed: { type: 'string' } }, []);
  const portRaw = stringOption(parsed, 'port') ?? ctx.env.SANDBOX_PORT ?? '8443';
  const port = Number(portRaw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port "${portRaw}" is not a port number`);
  const { startEwsSandbox, loadSeedFile, SeedError } = await import('../../dev/ews-sandbox');
  const { demoSeedPath } = await import('../../dev/seeds/demoSeedPath');
  const seedPath = stringOption(parsed, 'seed') ?? demoSeedPath();
  let seed;
  try {
    seed = loadSeedFile(seedPath);
  } catch (error) {
    if (error instanceof SeedError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`--seed "${seedPath}": ${(error as Error).message}`);
    }
    throw error;
  }
  const sandbox = await startEwsSandbox({ seed, port });
  const account = seed.serviceAccounts?.[0];
  ctx.stdout(
    [
      `EWS sandbox listening: ${sandbox.url} (${seed.mailboxes.length} mailboxes from ${seedPath})`,
      `  EWS_URL=${sandbox.url} EWS_AUTH=basic EWS_USERNAME='${account?.username ?? ''}' EWS_PASSWORD='${account?.password ?? ''}'`,
      `  inspect: curl ${sandbox.origin}/sandbox/mailboxes/<address>`,
      'Ctrl+C stops it.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  return 0;
}
