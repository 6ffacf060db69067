import type { Env } from '../shared/platform/config';

/** What a command may touch: its environment and two output streams (tests pass buffers). */
export interface CliContext {
  env: Env;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The terminal to draw progress on: main passes stderr when it is one. Unset: no progress display. */
  terminal?: NodeJS.WritableStream;
  /** Resolves when a command that runs until stopped (`sandbox`) should stop. Unset: on SIGINT or SIGTERM. */
  stopped?: Promise<void>;
}

/** Exit codes documented in README.md. */
export const EXIT = {
  done: 0,
  other: 1,
  usage: 2,
  permanent: 3,
  gaveUp: 4,
} as const;

/** Bad usage: the message names the argument at fault. Nothing has been sent when this is thrown. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--json` output: one JSON document on stdout, indented for people, parseable by scripts. */
export function writeJson(ctx: CliContext, value: unknown): void {
  ctx.stdout(JSON.stringify(value, null, 2) + '\n');
}
