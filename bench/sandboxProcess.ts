/**
 * The EWS sandbox in a child process, so the benchmark's CPU figures count the client alone.
 * argv[2]: JSON { tenant: GenerateTenantOptions, knobs?: Partial<SandboxKnobs> }. Prints one JSON line
 * { url, username, password, cpuMicros } when listening; when its parent closes stdin, prints
 * { cpuMicros } (this process's CPU time so far, user + system, µs) and exits. The difference of the two
 * is what the sandbox itself spent while a benchmark ran against it.
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
    JSON.stringify({
      url: sandbox.url,
      username: account?.username,
      password: account?.password,
      cpuMicros: cpuMicros(),
    }) + '\n',
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    process.stdout.write(JSON.stringify({ cpuMicros: cpuMicros() }) + '\n', () => {
      void sandbox.close().then(() => process.exit(0));
    });
  });
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

void main();
