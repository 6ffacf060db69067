/**
 * `npm start`: until the dev host exists, starts the EWS sandbox with the demo tenant on 127.0.0.1 and
 * prints how to point the CLI at it. Settings: SANDBOX_PORT (default 8443), SANDBOX_SEED (a seed file),
 * SANDBOX_TLS=1 (serve https with a fresh self-signed certificate; its CA is written to a temp file).
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEwsSandbox } from './ews-sandbox';
import { loadSeedFile } from './ews-sandbox/seed';
import { generateLoopbackCertificate } from './identity/tlsCertificate';

function findSeed(): string {
  // Works from dev/ (ts) and from dist/dev/ (compiled): the seeds stay in the source tree.
  for (const dir of [path.join(__dirname, 'seeds'), path.join(__dirname, '..', '..', 'dev', 'seeds')]) {
    const file = path.join(dir, 'demo-tenant.json');
    try {
      loadSeedFile(file);
      return file;
    } catch {
      // try the next place
    }
  }
  throw new Error('dev/seeds/demo-tenant.json not found');
}

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number, got "${process.env.SANDBOX_PORT}"`);
  }
  const seedPath = process.env.SANDBOX_SEED ?? findSeed();
  const seed = loadSeedFile(seedPath);
  let caFile: string | undefined;
  let tls: { certPem: string; keyPem: string } | undefined;
  if (process.env.SANDBOX_TLS === '1') {
    const cert = await generateLoopbackCertificate();
    tls = cert;
    caFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ews-sandbox-')), 'sandbox-ca.pem');
    writeFileSync(caFile, cert.caPem);
  }
  const sandbox = await startEwsSandbox({ seed, port, tls });
  const account = seed.serviceAccounts?.[0];
  const inspect = `${sandbox.origin}/sandbox/mailboxes/alice@contoso.com`;
  const lines = [
    `EWS sandbox listening: ${sandbox.url}`,
    `  seed: ${seedPath} (${seed.mailboxes.length} mailboxes)`,
    '',
    'Point the CLI at it (in another terminal):',
    `  export EWS_URL=${sandbox.url}`,
    '  export EWS_AUTH=basic',
    `  export EWS_USERNAME='${account?.username ?? 'svc-mailbox@contoso.com'}'`,
    `  export EWS_PASSWORD='${account?.password ?? ''}'`,
    '  export MAILBOX_SCOPE=contoso.com',
    ...(caFile ? [`  export EWS_CA_FILE=${caFile}`] : []),
    '  npx mailbox-automation oof get alice@contoso.com',
    '',
    `Inspect a mailbox: curl ${tls ? '--cacert ' + caFile + ' ' : ''}${inspect}`,
    'Behaviour: calls without a matching X-AnchorMailbox are slower and sometimes answer 503 (see dev/ews-sandbox/README.md).',
    'Ctrl+C stops it.',
  ];
  console.log(lines.join('\n'));
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
