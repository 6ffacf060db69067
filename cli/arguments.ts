import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { UsageError } from './cliContext';
import { isFolderName, type FolderName } from '../shared/mailbox/mailboxOperations';
import { parseSmtpAddress } from '../shared/mailbox/address';
import { JSON_OPTION, type CliCommand } from './command';

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** node:util's option table for a declared command: its own options and `--json`. */
function parseArgsOptions(command: CliCommand): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { json: { type: JSON_OPTION.type } };
  for (const [name, option] of Object.entries(command.options)) {
    options[name] = { type: option.type, multiple: option.multiple === true };
  }
  return options;
}

/**
 * A declared command's arguments through node:util parseArgs, with its errors turned into one-line usage
 * errors naming the argument at fault.
 */
export function parse(args: string[], command: CliCommand): ParsedArgs {
  const positionals = Object.keys(command.arguments);
  let parsed;
  try {
    parsed = parseArgs({ args, options: parseArgsOptions(command), allowPositionals: true, strict: true });
  } catch (error) {
    // Only node's first sentence: the rest is advice on `--` that fits few of our arguments.
    throw new UsageError((error as Error).message.split(/\n|\. /)[0] ?? 'bad arguments');
  }
  if (parsed.positionals.length < positionals.length) {
    throw new UsageError(
      `missing ${positionals
        .slice(parsed.positionals.length)
        .map((p) => `<${p}>`)
        .join(' ')}`,
    );
  }
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals.length]}"`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(parsed: ParsedArgs, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/** A mailbox argument: must be an SMTP address. */
export function mailboxArgument(value: string, what = 'mailbox'): string {
  try {
    return parseSmtpAddress(value, what);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `365d` or `52w` → days. */
export function parseAge(value: string | undefined, flag = '--older-than'): number {
  if (value === undefined) throw new UsageError(`${flag} is required, e.g. ${flag} 365d`);
  const match = /^(\d+)([dw])$/.exec(value.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw new UsageError(`${flag} "${value}" is not an age; use days or weeks, e.g. 365d or 52w`);
  }
  return match[2] === 'w' ? amount * 7 : amount;
}

export function parseFolders(values: string[] | undefined): FolderName[] {
  const folders = values && values.length > 0 ? values : ['inbox'];
  for (const folder of folders) {
    if (!isFolderName(folder)) {
      throw new UsageError(
        `unknown folder "${folder}"; use a distinguished folder name such as inbox, sentitems, deleteditems, junkemail`,
      );
    }
  }
  return [...new Set(folders)] as FolderName[];
}

/** An ISO 8601 time with a zone (Z or ±hh:mm), returned as UTC ISO. */
export function parseInstant(value: string, flag: string): string {
  if (
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new UsageError(
      `${flag} "${value}" is not an ISO time with a zone, e.g. 2026-12-24T17:00:00+01:00 or ...Z`,
    );
  }
  return new Date(value).toISOString().replace('.000Z', 'Z');
}

/** Text from `--x TEXT` or `--x-file FILE`, exactly one of them. */
export function textOrFile(
  text: string | undefined,
  file: string | undefined,
  flag: string,
): string | undefined {
  if (text !== undefined && file !== undefined)
    throw new UsageError(`use either --${flag} or --${flag}-file, not both`);
  if (file === undefined) return text;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--${flag}-file "${file}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
