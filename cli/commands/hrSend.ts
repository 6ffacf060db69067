/**
 * `mailbox-automation hr send <file> [--url URL]`: signs a LeaveEvent JSON file with the first secret of
 * HR_WEBHOOK_SECRETS (as an HR system would) and posts it to the webhook at --url, else HR_WEBHOOK_URL,
 * else the dev host's http://127.0.0.1:7071/api/hr/generic. Prints the answer.
 */
import { readFileSync } from 'node:fs';
import { refuseUrlCredentials, urlForDisplay, type Env } from '../../shared/platform/config';
import { ConfigError } from '../../shared/platform/configError';
import { signGeneric } from '../../shared/leave/sources/signature';
import { splitSecretList } from '../../shared/platform/secrets';
import { flag, parse, stringOption } from '../arguments';
import { EXIT, UsageError, writeJson, type CliContext } from '../cliContext';
import type { CliCommand } from '../command';

export const DEFAULT_HR_URL = 'http://127.0.0.1:7071/api/hr/generic';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** The headers an HR system sends with `body`, signed with `secret` at `unixSeconds`. */
export function signedDelivery(
  body: string,
  secret: string,
  unixSeconds = Math.floor(Date.now() / 1000),
): SignedDelivery {
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-signature': signGeneric(secret, body, unixSeconds) },
  };
}

/** --url, else HR_WEBHOOK_URL, else the dev host; a malformed one is named by where it came from. */
function webhookUrl(fromFlag: string | undefined, env: Env): string {
  if (fromFlag !== undefined) {
    if (!URL.canParse(fromFlag)) throw new UsageError(`--url "${urlForDisplay(fromFlag)}" is not a URL`);
    refuseUrlCredentials(new URL(fromFlag), '--url', 'nowhere: the webhook takes a signature, not a login');
    return fromFlag;
  }
  const configured = env.HR_WEBHOOK_URL?.trim();
  if (!configured) return DEFAULT_HR_URL;
  if (!URL.canParse(configured)) {
    throw new ConfigError(`HR_WEBHOOK_URL "${urlForDisplay(configured)}" is not a URL`, 'HR_WEBHOOK_URL');
  }
  refuseUrlCredentials(
    new URL(configured),
    'HR_WEBHOOK_URL',
    'nowhere: the webhook takes a signature, not a login',
  );
  return configured;
}

/** The file's text, checked to be JSON: the webhook would refuse anything else after the signature. */
function leaveEventFile(file: string): string {
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `file "${file}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    JSON.parse(body);
  } catch (error) {
    throw new UsageError(`file "${file}" is not JSON: ${(error as Error).message}`);
  }
  return body;
}

/** The webhook's answer as JSON when it is JSON, so `--json` output nests it rather than quoting it. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function hrSend(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parse(args, hrSendCommand);
  const url = webhookUrl(stringOption(parsed, 'url'), ctx.env);
  const secret = splitSecretList(ctx.env.HR_WEBHOOK_SECRETS)[0];
  if (!secret) {
    throw new ConfigError(
      'HR_WEBHOOK_SECRETS is not set: set it to the signing secret(s) the webhook accepts, comma-separated',
      'HR_WEBHOOK_SECRETS',
    );
  }
  const delivery = signedDelivery(leaveEventFile(parsed.positionals[0] ?? ''), secret);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  } catch (error) {
    throw new Error(
      `could not reach ${urlForDisplay(url)}: ${(error as Error).message} (is the dev host running? npm start)`,
    );
  }
  const text = await response.text();
  if (flag(parsed, 'json')) {
    writeJson(ctx, {
      url: urlForDisplay(url),
      status: response.status,
      statusText: response.statusText,
      body: jsonOrText(text),
    });
  } else {
    ctx.stdout(`${response.status} ${response.statusText}\n${text}\n`);
  }
  // 202: accepted. 4xx: the webhook refused this event or its signature, and sending it again will not help.
  if (response.status === 202) return EXIT.done;
  return response.status >= 400 && response.status < 500 ? EXIT.permanent : EXIT.other;
}

export const hrSendCommand: CliCommand = {
  name: 'hr send',
  synopsis: '<file> [--url URL]',
  summary: 'sign a LeaveEvent file with HR_WEBHOOK_SECRETS, post it to the HR webhook and print the answer',
  arguments: { file: 'a LeaveEvent JSON file, posted as it is' },
  options: {
    url: {
      type: 'string',
      value: 'URL',
      description: `the webhook; default HR_WEBHOOK_URL, else ${DEFAULT_HR_URL}`,
    },
  },
  json: {
    shape: '{ url, status, statusText, body }',
    note: "body is the webhook's answer, parsed when it is JSON",
  },
  examples: ['mailbox-automation hr send docs/examples/leave-approved.json'],
  run: hrSend,
};
