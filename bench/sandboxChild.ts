import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { GenerateTenantOptions, SandboxKnobs } from '../dev/ews-sandbox';
import { nodeCommand } from './cpuPinning';

export interface SandboxChild {
  url: string;
  username: string;
  password: string;
  /** The sandbox process's CPU time (user + system, µs) when it started listening. */
  cpuMicros: number;
  /** Stops the sandbox; resolves with its CPU time (µs) at the end, if it said. */
  stop(): Promise<number | undefined>;
}

/**
 * Starts bench/sandboxProcess.js (compiled) in a child process and waits until it listens; `pinned`
 * puts it on a core of its own (bench/cpuPinning.ts). Its stdout: line 1 { url, username, password, cpuMicros } when listening; line 2 { cpuMicros }
 * when its stdin ends; then it exits.
 */
export async function startSandboxChild(
  tenant: GenerateTenantOptions,
  knobs: Partial<SandboxKnobs> = {},
  { pinned = true }: { pinned?: boolean } = {},
): Promise<SandboxChild> {
  const script = [path.join(__dirname, 'sandboxProcess.js'), JSON.stringify({ tenant, knobs })];
  const { command, args } = pinned
    ? nodeCommand('sandbox', script)
    : { command: process.execPath, args: script };
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await lines.next();
  if (first.done) throw new Error(`sandbox process exited before it listened (exit code ${child.exitCode})`);
  const info = JSON.parse(first.value) as Omit<SandboxChild, 'stop'>;
  return {
    ...info,
    stop: async () => {
      child.stdin.end();
      const last = await lines.next();
      await exited;
      return last.done ? undefined : (JSON.parse(last.value) as { cpuMicros?: number }).cpuMicros;
    },
  };
}
