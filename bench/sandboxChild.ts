import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { GenerateTenantOptions, SandboxKnobs } from '../dev/ews-sandbox';
import { nodeCommand } from './cpuPinning';

export interface SandboxChild {
  url: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

/** Starts bench/sandboxProcess.js (compiled) in a child process on its own core and waits until it listens. */
export async function startSandboxChild(
  tenant: GenerateTenantOptions,
  knobs: Partial<SandboxKnobs> = {},
): Promise<SandboxChild> {
  const { command, args } = nodeCommand('sandbox', [
    path.join(__dirname, 'sandboxProcess.js'),
    JSON.stringify({ tenant, knobs }),
  ]);
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
  const info = JSON.parse(first) as { url: string; username: string; password: string };
  return {
    ...info,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}
