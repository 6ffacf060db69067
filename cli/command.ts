/**
 * What a command is, declared once: its words, synopsis, arguments, options, what `--json` prints and an
 * example. The argument parser (cli/arguments.ts), `--help`, the usage printed on a wrong invocation and the
 * README command table (cli/readmeCommandTable.ts) are all rendered from these declarations.
 */
import type { MailboxOperations } from '../shared/mailbox/mailboxOperations';
import type { CliContext } from './cliContext';

export const PROGRAM = 'mailbox-automation';

export interface CliOption {
  type: 'string' | 'boolean';
  /** The flag may be repeated; its values are collected in order. */
  multiple?: true;
  /** The value's placeholder in help, e.g. ISO, FILE, N. Only for string options. */
  value?: string;
  description: string;
}

export type RunCommand = (args: string[], ctx: CliContext, ops: () => MailboxOperations) => Promise<number>;

export interface CliCommand {
  /** The words that select it: `check`, `oof get`. A first word shared by several commands is a group. */
  name: string;
  /**
   * What follows the name, as a person types it (either/or and paired flags cannot be derived from a flat
   * option list). `--json` is appended by usageLine. A test checks it names every option and argument.
   */
  synopsis: string;
  /** One line for the command list and the README table. */
  summary: string;
  /** Positional arguments in order: name (shown as `<name>`) → meaning. */
  arguments: Record<string, string>;
  options: Record<string, CliOption>;
  /**
   * The one JSON document `--json` prints on stdout: its fields (`name?` when not always there), and what a
   * reader needs to know of them. An integration test checks real output against the top-level fields.
   */
  json: { shape: string; note?: string };
  /** Whole command lines, program name included. */
  examples: string[];
  run: RunCommand;
}

/** The positional argument of every command that acts on one mailbox. */
export const MAILBOX_ARGUMENT: Record<string, string> = {
  mailbox: 'the mailbox, an SMTP address inside MAILBOX_SCOPE',
};

/** Options every command takes, parsed by cli/main before the command runs. */
export const GLOBAL_OPTIONS: Record<string, CliOption> = {
  'ews-url': { type: 'string', value: 'URL', description: 'the EWS endpoint to use instead of EWS_URL' },
};

/** `--json` and `--help` are the same on every command, so they are not declared per command. */
export const JSON_OPTION: CliOption = {
  type: 'boolean',
  description: 'print the result as one JSON document on stdout (fields below)',
};

export function usageLine(command: CliCommand): string {
  return `${PROGRAM} ${command.name} ${command.synopsis} [--json]`;
}

/** The first word of every command that has a second one: `oof`, `archive`, ... */
export function groupNames(commands: readonly CliCommand[]): string[] {
  return [...new Set(commands.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] ?? ''))];
}

/** Two-column lines, the left column padded to the widest entry so descriptions line up. */
function columns(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}\n`).join('');
}

function optionLabel(name: string, option: CliOption): string {
  return option.type === 'string' ? `--${name} ${option.value ?? 'VALUE'}` : `--${name}`;
}

function optionRows(options: Record<string, CliOption>): [string, string][] {
  return Object.entries(options).map(([name, option]) => [
    optionLabel(name, option),
    option.multiple ? `${option.description} (repeatable)` : option.description,
  ]);
}

/** `mailbox-automation <command> --help`: synopsis, summary, arguments, options, JSON fields, examples. */
export function commandHelp(command: CliCommand): string {
  const argumentRows = Object.entries(command.arguments).map(([name, meaning]): [string, string] => [
    `<${name}>`,
    meaning,
  ]);
  const optionTable: [string, string][] = [
    ...optionRows(command.options),
    ['--json', JSON_OPTION.description],
    ['-h, --help', 'print this help'],
    ...optionRows(GLOBAL_OPTIONS),
  ];
  return [
    `usage: ${usageLine(command)}\n\n`,
    `${command.summary}\n`,
    argumentRows.length > 0 ? `\narguments:\n${columns(argumentRows)}` : '',
    `\noptions:\n${columns(optionTable)}`,
    `\n--json prints: ${command.json.shape}\n`,
    command.json.note ? `  (${command.json.note})\n` : '',
    `\nexample${command.examples.length > 1 ? 's' : ''}:\n`,
    command.examples.map((e) => `  ${e}\n`).join(''),
  ].join('');
}

/** The short form printed after a wrong invocation: what to type, and where the rest is. */
export function commandUsage(command: CliCommand): string {
  return `usage: ${usageLine(command)}\nSee '${PROGRAM} ${command.name} --help' for its options.\n`;
}

function commandRows(commands: readonly CliCommand[]): [string, string][] {
  return commands.map((c) => [
    [c.name, ...Object.keys(c.arguments).map((a) => `<${a}>`)].join(' '),
    c.summary,
  ]);
}

/** `mailbox-automation oof` (or `oof --help`): the group's subcommands. */
export function groupHelp(group: string, commands: readonly CliCommand[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return (
    `usage: ${PROGRAM} ${group} <subcommand> [options]\n\nsubcommands:\n${columns(commandRows(members))}` +
    `\nSee '${PROGRAM} ${group} <subcommand> --help' for a subcommand's options.\n`
  );
}

/** `mailbox-automation --help`: every command, the global options, configuration and exit codes. */
export function programHelp(commands: readonly CliCommand[]): string {
  return [
    `usage: ${PROGRAM} [--ews-url URL] <command> [arguments] [options] [--json]\n`,
    `       ${PROGRAM} <command> --help | --version\n`,
    `\ncommands:\n${columns(commandRows(commands))}`,
    `\nglobal options:\n${columns([
      ...optionRows(GLOBAL_OPTIONS),
      ['-h, --help', 'this list; after a command, that command’s help'],
      ['-V, --version', `print ${PROGRAM}'s version`],
    ])}`,
    `\nSee '${PROGRAM} <command> --help' for a command's options, an example and what --json prints.\n`,
    'Configuration comes from the environment (EWS_URL, EWS_AUTH, MAILBOX_SCOPE, ...; see README.md).\n',
    'Exit codes: 0 done, 2 bad usage or configuration (nothing sent), 3 permanent error for that mailbox,\n',
    '4 gave up after transient errors or timeout, 1 anything else.\n',
  ].join('');
}
