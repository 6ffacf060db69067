#!/usr/bin/env node
/**
 * mailbox-automation: the administrator's command line. Same shared/ code as the functions; every
 * argument and setting is checked before anything is sent, and the exit code says what happened.
 */
import { ConfigError } from '../shared/configError';
import type { Env } from '../shared/config';
import { createMailboxBackend, type MailboxBackend } from '../shared/mailbox/mailboxBackend';
import { MailboxError } from '../shared/mailbox/mailboxError';
import type { MailboxOperations } from '../shared/mailbox/mailboxOperations';
import { OutOfScopeError } from '../shared/scope';
import { EXIT, UsageError, type CliContext } from './cliContext';
import { archivePlan, archiveRun } from './commands/archive';
import { check } from './commands/check';
import { groupExpand } from './commands/group';
import { hrSend } from './commands/hrSend';
import { oofDisable, oofGet, oofSet } from './commands/oof';
import { sandboxCommand } from './commands/sandbox';
import { sweepArchive } from './commands/sweepArchive';

export const USAGE = `usage: mailbox-automation [--ews-url URL] <command>

  check <mailbox>                      can we impersonate it; does it have an archive mailbox
  oof get <mailbox> [--json]
  oof set <mailbox> [--start ISO --end ISO] --internal TEXT|--internal-file F
          [--external TEXT|--external-file F] [--audience none|known|all]
  oof disable <mailbox>
  archive plan <mailbox> --older-than 365d [--folder inbox ...] [--max-items N] [--json]   (changes nothing)
  archive run <mailbox> --older-than 365d [--folder inbox ...] [--max-items N] [--json]
  group expand <group> [--as MAILBOX] [--json]
  sweep archive [--dry-run] [--json] [--mailbox ADDRESS ...] [--report-dir DIR]
  hr send FILE [--url URL]             sign a LeaveEvent with HR_WEBHOOK_SECRETS and post it
  sandbox [--port N] [--seed FILE]     start the EWS sandbox (Exchange stand-in) on 127.0.0.1

Configuration comes from the environment (EWS_URL, EWS_AUTH, MAILBOX_SCOPE, ...; see README.md).
Exit codes: 0 done, 2 bad usage or configuration (nothing sent), 3 permanent error for that mailbox,
4 gave up after transient errors or timeout, 1 anything else.
`;

type Command = (args: string[], ctx: CliContext, ops: () => MailboxOperations) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  check,
  'oof get': oofGet,
  'oof set': oofSet,
  'oof disable': oofDisable,
  'archive plan': archivePlan,
  'archive run': archiveRun,
  'group expand': groupExpand,
  'sweep archive': sweepArchive,
  'hr send': hrSend,
  sandbox: sandboxCommand,
};

/** Splits off the global --ews-url option wherever it appears. */
function takeEwsUrl(argv: string[]): { url?: string; rest: string[] } {
  const rest: string[] = [];
  let url: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--ews-url') {
      url = argv[++i];
      if (url === undefined) throw new UsageError('--ews-url needs a URL');
    } else if (arg.startsWith('--ews-url=')) {
      url = arg.slice('--ews-url='.length);
    } else {
      rest.push(arg);
    }
  }
  return { url, rest };
}

function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  const two = `${args[0] ?? ''} ${args[1] ?? ''}`;
  if (COMMANDS[two]) return { command: COMMANDS[two], rest: args.slice(2) };
  const one = args[0] ?? '';
  if (COMMANDS[one]) return { command: COMMANDS[one], rest: args.slice(1) };
  return undefined;
}

/** Maps any failure to its exit code and a one-line message. */
export function exitCodeFor(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError)
    return { code: EXIT.usage, message: `${error.message} (see mailbox-automation --help)` };
  if (error instanceof ConfigError || error instanceof OutOfScopeError)
    return { code: EXIT.usage, message: error.message };
  // @azure/identity refusing our credentials (wrong secret, no managed identity here) is configuration: nothing
  // reached Exchange. A token endpoint that is down (5xx) is not.
  const identity = error as { name?: string; statusCode?: number; message?: string };
  if (
    identity.name === 'CredentialUnavailableError' ||
    identity.name === 'AuthenticationRequiredError' ||
    (identity.name === 'AuthenticationError' && (identity.statusCode ?? 400) < 500)
  ) {
    return {
      code: EXIT.usage,
      message: `the OAuth credential was refused: ${identity.message ?? ''}`.split('\n')[0] ?? '',
    };
  }
  if (error instanceof MailboxError) {
    const where = error.mailbox ? ` for ${error.mailbox}` : '';
    const tries = error.attempts && error.attempts > 1 ? ` after ${error.attempts} attempts` : '';
    const message = `${error.code}${where}${tries}: ${error.message}`;
    return { code: error.retryable ? EXIT.gaveUp : EXIT.permanent, message };
  }
  return { code: EXIT.other, message: error instanceof Error ? error.message : String(error) };
}

/** Runs one command line; returns the exit code. In-process so tests can drive it. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let backend: MailboxBackend | undefined;
  try {
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
      ctx.stdout(USAGE);
      return argv.length === 0 ? EXIT.usage : EXIT.done;
    }
    const { url, rest } = takeEwsUrl(argv);
    const found = findCommand(rest);
    if (!found) throw new UsageError(`unknown command "${rest.slice(0, 2).join(' ')}"`);
    // Created on first use, after the command has checked its arguments: bad input sends nothing.
    const ops = (): MailboxOperations => {
      // Retries are worth a line on a terminal: a slow command otherwise looks hung.
      const onCall = (event: {
        outcome: string;
        operation: string;
        mailbox: string;
        code?: string;
        waitMs?: number;
      }) => {
        if (event.outcome === 'retry') {
          ctx.stderr(
            `retrying ${event.operation} for ${event.mailbox} after ${event.code ?? 'an error'} in ${event.waitMs ?? 0} ms\n`,
          );
        }
      };
      backend ??= createMailboxBackend(ctx.env, { url }, { onCall }, { onCall });
      return backend.operations;
    };
    return await found.command(found.rest, ctx, ops);
  } catch (error) {
    const { code, message } = exitCodeFor(error);
    ctx.stderr(`mailbox-automation: ${message}\n`);
    return code;
  } finally {
    await backend?.close();
  }
}

if (require.main === module) {
  const env: Env = process.env;
  void runCli(process.argv.slice(2), {
    env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    terminal: process.stderr.isTTY ? process.stderr : undefined,
  }).then((code) => {
    process.exitCode = code;
  });
}
