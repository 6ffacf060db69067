/**
 * The EWS sandbox in a child process, so the benchmark's CPU figures count the client alone.
 * argv[2]: JSON { tenant: GenerateTenantOptions, knobs?: Partial<SandboxKnobs> }. Prints one JSON line
 * { url, username, password } when listening; exits when its parent closes stdin.
 */
import {
  generateTenant,
  startEwsSandbox,
  type GenerateTenantOptions,
  type SandboxKnobs,
} from '../dev/ews-sandbox';

interface SandboxProcessOptions {
  tenant: GenerateTenantOptions;
  knobs?: Partial<SandboxKnobs>;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as SandboxProcessOptions;
  const seed = generateTenant(options.tenant);
  const sandbox = await startEwsSandbox({
    seed,
    knobs: { missingAnchorFailureRate: 0, ...options.knobs },
    maxLogEntries: 1,
  });
  const account = seed.serviceAccounts?.[0];
  process.stdout.write(
    JSON.stringify({ url: sandbox.url, username: account?.username, password: account?.password }) + '\n',
  );
  process.stdin.resume();
  process.stdin.on('end', () => void sandbox.close().then(() => process.exit(0)));
}

void main();
