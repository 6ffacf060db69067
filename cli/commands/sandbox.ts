import { UsageError, writeJson, type CliContext } from '../cliContext';
import { flag, parse, stringOption } from '../arguments';
import type { CliCommand } from '../command';

/**
 * `sandbox [--port N] [--seed FILE]`: starts the EWS sandbox (an Exchange stand-in on 127.0.0.1) and
 * keeps it running until interrupted. Dev tooling, loaded only when asked for.
 */
export async function runSandbox(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parse(args, sandboxCommand);
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
  if (flag(parsed, 'json')) {
    writeJson(ctx, {
      url: sandbox.url,
      origin: sandbox.origin,
      seed: seedPath,
      mailboxes: seed.mailboxes.length,
      username: account?.username ?? '',
      password: account?.password ?? '',
    });
  } else {
    ctx.stdout(
      [
        `EWS sandbox listening: ${sandbox.url} (${seed.mailboxes.length} mailboxes from ${seedPath})`,
        `  EWS_URL=${sandbox.url} EWS_AUTH=basic EWS_USERNAME='${account?.username ?? ''}' EWS_PASSWORD='${account?.password ?? ''}'`,
        `  inspect: curl ${sandbox.origin}/sandbox/mailboxes/<address>`,
        'Ctrl+C stops it.',
        '',
      ].join('\n'),
    );
  }
  await (ctx.stopped ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    }));
  await sandbox.close();
  return 0;
}

export const sandboxCommand: CliCommand = {
  name: 'sandbox',
  synopsis: '[--port N] [--seed FILE]',
  summary: 'start the EWS sandbox (an Exchange stand-in) alone on 127.0.0.1, until Ctrl+C',
  arguments: {},
  options: {
    port: {
      type: 'string',
      value: 'N',
      description: 'the port to listen on; default SANDBOX_PORT, else 8443',
    },
    seed: { type: 'string', value: 'FILE', description: 'the tenant to load; default the demo tenant' },
  },
  json: {
    shape: '{ url, origin, seed, mailboxes, username, password }',
    note: 'printed once listening; username and password are the service account to use',
  },
  examples: ['mailbox-automation sandbox --port 8443'],
  run: runSandbox,
};
