/**
 * Pins benchmark processes to cores with `taskset` (Linux, util-linux). On a 2-core VM a ping-pong
 * between a client and the sandbox costs the client very different kernel time depending on whether
 * the scheduler puts both on one core or on two, and it moves them between runs: per-call CPU of the
 * same client varied 3x between runs. Pinning the sandbox to the last core and every client to the
 * first makes the runs comparable, and is the same for both clients measured.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export type Core = 'client' | 'sandbox';

let available: boolean | undefined;

/** Whether processes are pinned on this machine (Linux with taskset and at least two cores). */
export function pinningAvailable(): boolean {
  available ??=
    process.platform === 'linux' &&
    cpus().length >= 2 &&
    spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
  return available;
}

/** The command and arguments that start `args` with node, pinned to the core for `role` when possible. */
export function nodeCommand(role: Core, args: string[]): { command: string; args: string[] } {
  if (!pinningAvailable()) return { command: process.execPath, args };
  const core = role === 'client' ? 0 : cpus().length - 1;
  return { command: 'taskset', args: ['-c', String(core), process.execPath, ...args] };
}
