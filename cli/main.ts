#!/usr/bin/env node
/**
 * mailbox-automation: the administrator's command line. Same shared/ code as the functions; every
 * argument and setting is checked before anything is sent, and the exit code says what happened.
 */
import { ConfigError } from '../shared/platform/configError';
import { isTokenEndpointNetworkFailure } from '../shared/platform/transport/authorization';
import type { Env } from '../shared/platform/config';
import { createMailboxBackend, type MailboxBackend } from '../shared/mailbox/mailboxBackend';
import { MailboxError } from '../shared/mailbox/mailboxError';
import type { MailboxOperations } from '../shared/mailbox/mailboxOperations';
import { OutOfScopeError } from '../shared/mailbox/scope';
import { EXIT, UsageError, type CliContext } from './cliContext';
import { archivePlanCommand, archiveRunCommand } from './commands/archive';
import { auditJournalCommand } from './commands/auditJournal';
import { auditScopeCommand } from './commands/auditScope';
import { checkCommand } from './commands/check';
import { groupExpandCommand } from './commands/group';
import { hrSendCommand } from './commands/hrSend';
import { oofDisableCommand, oofGetCommand, oofSetCommand } from './commands/oof';
import { sandboxCommand } from './commands/sandbox';
import { sweepArchiveCommand } from './commands/sweepArchive';
import { commandHelp, commandUsage, groupHelp, groupNames, programHelp, type CliCommand } from './command';
import { packageVersion } from '../shared/platform/appVersion';
import { witnessMailboxCall } from '../shared/platform/logging/invocationLog';
import type { MailboxCallEvent } from '../shared/platform/transport/retryingCall';

/** Every command, in the order `--help` and the README list them. */
export const COMMANDS: readonly CliCommand[] = [
  checkCommand,
  oofGetCommand,
  oofSetCommand,
  oofDisableCommand,
  archivePlanCommand,
  archiveRunCommand,
  groupExpandCommand,
  sweepArchiveCommand,
  hrSendCommand,
  auditScopeCommand,
  auditJournalCommand,
  sandboxCommand,
];

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

/** A wrong invocation, with the usage to print after its message. */
class InvocationError extends UsageError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Help was asked for: `-h` or `--help` among the options (not after `--`, where it would be an argument). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  return options.includes('--help') || options.includes('-h');
}

type Resolved =
  { kind: 'command'; command: CliCommand; rest: string[] } | { kind: 'group'; group: string; rest: string[] };

/**
 * The command the words name: `check`, `oof get`; or a group (`oof`) with no subcommand after it, or with
 * only options. Throws a UsageError for words that name neither, with the usage that lists what they could be.
 */
function resolveCommand(words: string[]): Resolved {
  const [first = '', second] = words;
  const command =
    COMMANDS.find((c) => c.name === `${first} ${second ?? ''}`) ?? COMMANDS.find((c) => c.name === first);
  if (command) return { kind: 'command', command, rest: words.slice(command.name.split(' ').length) };
  if (groupNames(COMMANDS).includes(first)) {
    if (second === undefined || second.startsWith('-'))
      return { kind: 'group', group: first, rest: words.slice(1) };
    throw new InvocationError(`unknown command "${first} ${second}"`, groupHelp(first, COMMANDS));
  }
  throw new InvocationError(`unknown command "${first}"`, programHelp(COMMANDS));
}

/**
 * Help and version requests, and incomplete invocations, answered without running anything: asked-for help
 * goes to stdout with exit 0; a usage printed because something is missing goes to stderr with exit 2.
 * Otherwise returns the command to run and its arguments.
 */
function answerWithoutRunning(
  args: string[],
  ctx: CliContext,
): { code: number } | { command: CliCommand; rest: string[] } {
  const [first] = args;
  if (first === undefined) throw new InvocationError('missing <command>', programHelp(COMMANDS));
  if (first === '--version' || first === '-V') {
    ctx.stdout(`${packageVersion()}\n`);
    return { code: EXIT.done };
  }
  if (first === '--help' || first === '-h' || (first === 'help' && args.length === 1)) {
    ctx.stdout(programHelp(COMMANDS));
    return { code: EXIT.done };
  }
  // `help oof set` is `oof set --help`, as in git.
  const helpOnly = first === 'help';
  const resolved = resolveCommand(helpOnly ? args.slice(1) : args);
  if (resolved.kind === 'group') {
    if (!helpOnly && !asksForHelp(resolved.rest)) {
      throw new InvocationError(`${resolved.group} needs a subcommand`, groupHelp(resolved.group, COMMANDS));
    }
    ctx.stdout(groupHelp(resolved.group, COMMANDS));
    return { code: EXIT.done };
  }
  if (helpOnly || asksForHelp(resolved.rest)) {
    ctx.stdout(commandHelp(resolved.command));
    return { code: EXIT.done };
  }
  return resolved;
}

function firstLine(error: unknown): string {
  return ((error as { message?: string }).message ?? String(error)).split('\n')[0] ?? '';
}

/** Maps any failure to its exit code and a one-line message. */
export function exitCodeFor(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof OutOfScopeError)
    return { code: EXIT.usage, message: error.message };
  // The EWS and Graph clients turn an unreachable token endpoint into a transient MailboxError (shared/mailbox/ews/
  // auth.ts); an identity error that still says so (a credential of another client) is transient as well.
  if (isTokenEndpointNetworkFailure(error)) {
    return {
      code: EXIT.gaveUp,
      message:
        `the token endpoint could not be reached (${firstLine(error)}): check EWS_AUTHORITY_HOST ` +
        '(or AZURE_AUTHORITY_HOST) and that this machine can reach it; nothing was sent to the mailbox server',
    };
  }
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
      message: `the OAuth credential was refused: ${firstLine(error)}`,
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

/**
 * Runs one command line; returns the exit code. In-process so tests can drive it. A wrong invocation prints
 * its message and then the usage that would have been right (the command's, the group's or the program's)
 * on stderr, exits 2 and sends nothing.
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  let backend: MailboxBackend | undefined;
  let usage = '';
  try {
    const { url, rest } = takeEwsUrl(argv);
    const answer = answerWithoutRunning(rest, ctx);
    if ('code' in answer) return answer.code;
    usage = commandUsage(answer.command);
    // Created on first use, after the command has checked its arguments: bad input sends nothing.
    const ops = (): MailboxOperations => {
      // Retries are worth a line on a terminal: a slow command otherwise looks hung.
      const onCall = (event: MailboxCallEvent) => {
        // The change journal's witness (shared/journal/recordChange.ts) hears every attempt's request id.
        witnessMailboxCall(event);
        if (event.outcome === 'retry') {
          ctx.stderr(
            `retrying ${event.operation} for ${event.mailbox} after ${event.code ?? 'an error'} in ${event.waitMs ?? 0} ms\n`,
          );
        }
      };
      backend ??= createMailboxBackend(ctx.env, { url }, { onCall }, { onCall });
      return backend.operations;
    };
    return await answer.command.run(answer.rest, ctx, ops);
  } catch (error) {
    const { code, message } = exitCodeFor(error);
    ctx.stderr(`mailbox-automation: ${message}\n`);
    if (error instanceof InvocationError) ctx.stderr(error.usage);
    else if (error instanceof UsageError) ctx.stderr(usage || programHelp(COMMANDS));
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
