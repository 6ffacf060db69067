/**
 * `npm start`: starts the EWS sandbox with the demo tenant on 127.0.0.1, then the dev host (the function
 * app's HTTP routes, timers and orchestrations) on 127.0.0.1:7071 configured for that sandbox (both jobs:
 * leave-driven replies and the archive sweep, see demoAppSettings), and prints how to point the CLI at
 * them. Settings: SANDBOX_PORT (default 8443), SANDBOX_SEED (a seed file),
 * SANDBOX_TLS=1 (serve https with a fresh self-signed certificate; its CA is written to a temp file),
 * PORT (dev host, default 7071), HR_WEBHOOK_SECRETS (default a dev secret, printed; a value of your own is
 * never printed), SCOPE_AUDIT_CANARIES (default the seed's first mailbox outside the demo scope,
 * dave@fabrikam.com, so that `audit scope` shows fenced and open: see scopeAuditInstructions).
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEwsSandbox, type SandboxSeed } from './ews-sandbox';
import { loadSeedFile } from './ews-sandbox/seed';
import { MailboxScope } from '../shared/mailbox/scope';
import { generateLoopbackCertificate } from './identity/tlsCertificate';
import { startDevHost } from './host/devHost';
import { DevClock } from './host/devClock';
import { startAzurite } from './azurite';
import { startDevGraph } from './graph/devGraph';
import { demoSeedPath } from './seeds/demoSeedPath';

export const DEV_WEBHOOK_SECRET = 'dev-only-hr-webhook-secret';
/** The demo scope: the demo tenant's own domain (dave@fabrikam.com stays outside). */
const DEMO_SCOPE = 'contoso.com';

/**
 * The function app's settings for the demo: the sandbox as EWS endpoint with the seed's service account,
 * the demo scope, a dev webhook secret, Azurite for the sweep reports and the change journal, and a sweep
 * that runs: the first group of the seed in scope (all-staff@contoso.com in the demo tenant) as
 * MAILBOX_SCOPE_GROUP and the first mailbox in scope (alice@contoso.com) as EWS_SERVICE_MAILBOX, the
 * mailbox directory calls act as.
 * `npm start` and the test of what it starts both use this.
 */
export function demoAppSettings(
  seed: SandboxSeed,
  services: { ewsUrl: string; reportsConnectionString: string; caFile?: string },
): Record<string, string | undefined> {
  const scope = MailboxScope.parse(DEMO_SCOPE);
  const account = seed.serviceAccounts?.[0];
  return {
    EWS_URL: services.ewsUrl,
    EWS_AUTH: 'basic',
    EWS_USERNAME: account?.username,
    EWS_PASSWORD: account?.password,
    EWS_CA_FILE: services.caFile,
    MAILBOX_SCOPE: DEMO_SCOPE,
    MAILBOX_SCOPE_GROUP: seed.groups?.find((g) => scope.allows(g.address))?.address,
    EWS_SERVICE_MAILBOX: seed.mailboxes.find((m) => scope.allows(m.address))?.address,
    HR_WEBHOOK_SECRETS: DEV_WEBHOOK_SECRET,
    AzureWebJobsStorage: services.reportsConnectionString,
    // The privilege audit's canary: the seed's first mailbox outside the scope (dave@fabrikam.com).
    SCOPE_AUDIT_CANARIES: seed.mailboxes.find((m) => !scope.allows(m.address))?.address,
  };
}

/** The demo settings under what the operator exported: a setting already in `env` wins. */
export function applyDemoSettings(
  env: Record<string, string | undefined>,
  demo: Record<string, string | undefined>,
): void {
  for (const [name, value] of Object.entries(demo)) if (value) env[name] ??= value;
}

/**
 * What `npm start` prints once the dev host listens. The webhook secret is printed only when it is the dev
 * default: a value the operator exported is theirs (it may be a real HiBob secret) and stays off the terminal
 * and out of any log the output goes to.
 */
export function devHostInstructions(hostUrl: string, env: Record<string, string | undefined>): string[] {
  const secretLine =
    env.HR_WEBHOOK_SECRETS === DEV_WEBHOOK_SECRET
      ? `  export HR_WEBHOOK_SECRETS='${DEV_WEBHOOK_SECRET}'`
      : '  (export HR_WEBHOOK_SECRETS there too, with the value you started this with: it is yours, not printed)';
  return [
    '',
    `Dev host (the function app) listening: ${hostUrl}`,
    'Send a signed leave approval and see the OOF change (in another terminal, with the exports above):',
    secretLine,
    `  npx mailbox-automation hr send docs/examples/leave-approved.json --url ${hostUrl}/api/hr/generic`,
    '  npx mailbox-automation oof get alice@contoso.com',
    `Let the leave end at once (virtual clock): curl -X POST '${hostUrl}/dev/clock/advance?to=2030-07-13T00:00:00Z'`,
    '',
    `Sweep ${env.MAILBOX_SCOPE_GROUP ?? '(no MAILBOX_SCOPE_GROUP)'} in dry run, then see the result:`,
    `  curl -X POST ${hostUrl}/api/sweeps/archive -d '{"dryRun":true}'`,
    `  curl ${hostUrl}/api/sweeps/archive`,
  ];
}

/**
 * What `npm start` prints about the privilege audit (shared/audit/scopeAudit.ts): `audit scope` with the
 * canary the dev host has, fenced as the scoped demo account, and open as the seed's unscoped account
 * (`impersonation: { all: true }`, dev/ews-sandbox/README.md), which prints the commands that would fence it.
 * Nothing when the seed has no canary or no unscoped account, or on Graph (the accounts are EWS's).
 */
export function scopeAuditInstructions(seed: SandboxSeed, env: Record<string, string | undefined>): string[] {
  const unscoped = seed.serviceAccounts?.find((a) => a.impersonation?.all === true);
  const canaries = env.SCOPE_AUDIT_CANARIES;
  if (!unscoped || !canaries || env.MAILBOX_BACKEND?.trim().toLowerCase() === 'graph') return [];
  return [
    '',
    `Privilege audit: can the service account read ${canaries}, outside MAILBOX_SCOPE=${env.MAILBOX_SCOPE ?? ''}?`,
    `  export SCOPE_AUDIT_CANARIES=${canaries}`,
    `  npx mailbox-automation audit scope      # fenced, exit 0: ${env.EWS_USERNAME ?? 'the demo account'} is scoped`,
    `  EWS_USERNAME=${unscoped.username} EWS_PASSWORD='${unscoped.password}' \\`,
    '    npx mailbox-automation audit scope    # open, exit 2, with the commands that fence it',
  ];
}

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number, got "${process.env.SANDBOX_PORT}"`);
  }
  const seedPath = process.env.SANDBOX_SEED ?? demoSeedPath();
  const seed = loadSeedFile(seedPath);
  let caFile: string | undefined;
  let tls: { certPem: string; keyPem: string } | undefined;
  if (process.env.SANDBOX_TLS === '1') {
    const cert = await generateLoopbackCertificate();
    tls = cert;
    caFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ews-sandbox-')), 'sandbox-ca.pem');
    writeFileSync(caFile, cert.caPem);
  }
  // One clock for the host, the sandbox and the Graph stand-in: `clock advance` moves all three, so the
  // stand-ins judge a scheduled window's end the way Exchange would at that (virtual) time.
  const clock = new DevClock();
  const sandbox = await startEwsSandbox({ seed, port, tls, now: () => clock.now() });
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
    `  export MAILBOX_SCOPE=${DEMO_SCOPE}`,
    ...(caFile ? [`  export EWS_CA_FILE=${caFile}`] : []),
    '  npx mailbox-automation oof get alice@contoso.com',
    '  npx mailbox-automation archive plan alice@contoso.com --older-than 365d',
    '  npx mailbox-automation check carol@contoso.com          # no archive mailbox',
    '  npx mailbox-automation oof get dave@fabrikam.com        # out of scope: refused before any call',
    '',
    `Inspect a mailbox: curl ${tls ? '--cacert ' + caFile + ' ' : ''}${inspect}`,
    'Behaviour: calls without a matching X-AnchorMailbox are slower and sometimes answer 503 (see dev/ews-sandbox/README.md).',
    'Ctrl+C stops it.',
  ];
  console.log(lines.join('\n'));

  // MAILBOX_BACKEND=graph: a Graph stand-in over the same mailboxes (GRAPH_PORT, default any free port).
  const devGraph =
    process.env.MAILBOX_BACKEND?.trim().toLowerCase() === 'graph'
      ? await startDevGraph(
          sandbox.tenant,
          seed.apps?.[0]?.clientId ?? '',
          Number(process.env.GRAPH_PORT ?? 0),
          () => clock.now(),
        )
      : undefined;
  if (devGraph) {
    console.log(['', ...devGraph.lines].join('\n'));
    for (const [name, value] of Object.entries(devGraph.env)) process.env[name] ??= value;
  }
  // Azurite (in memory, 127.0.0.1) holds the sweep reports and the change journal (JOURNAL_CONTAINER), as
  // the app's storage account does in Azure.
  const azurite = await startAzurite({ blobPort: Number(process.env.AZURITE_BLOB_PORT ?? 10000) });
  console.log(`Azurite (blob storage for sweep reports and the change journal): ${azurite.blobEndpoint}`);
  // The dev host runs the function app against this sandbox; settings already exported win.
  const appEnv = demoAppSettings(seed, {
    ewsUrl: sandbox.url,
    reportsConnectionString: azurite.connectionString,
    caFile,
  });
  applyDemoSettings(process.env, appEnv);
  const host = await startDevHost({ port: Number(process.env.PORT ?? 7071), clock });
  console.log(
    [...devHostInstructions(host.url, process.env), ...scopeAuditInstructions(seed, process.env)].join('\n'),
  );
  const stop = (): void => {
    void host
      .close()
      .then(() => devGraph?.close())
      .then(() => sandbox.close())
      .then(() => azurite.stop())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run by `npm start`; imported (demoAppSettings, devHostInstructions), it starts nothing.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
