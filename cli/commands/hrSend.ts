/**
 * `mailbox-automation hr send FILE [--url URL] [--source generic]`: signs a LeaveEvent JSON file with the
 * first secret of HR_WEBHOOK_SECRETS (as an HR system would) and posts it to the webhook, by default
 * the dev host's http://127.0.0.1:7071/api/hr/generic. Prints the answer.
 */
import { readFileSync } from 'node:fs';
import type { Env } from '../../shared/config';
import { signGeneric } from '../../shared/hr/signature';
import { splitSecretList } from '../../shared/secrets';

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

const USAGE = 'usage: mailbox-automation hr send FILE [--url URL]';

export async function hrSend(
  args: string[],
  env: Env,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let file: string | undefined;
  let url = env.HR_WEBHOOK_URL?.trim() || DEFAULT_HR_URL;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--url') {
      const next = args[++i];
      if (!next) return (err(`--url needs a value\n${USAGE}\n`), 2);
      url = next;
    } else if (a?.startsWith('--')) {
      return (err(`unknown option ${a}\n${USAGE}\n`), 2);
    } else if (file === undefined) {
      file = a;
    } else {
      return (err(`one FILE only\n${USAGE}\n`), 2);
    }
  }
  if (!file) return (err(`${USAGE}\n`), 2);
  try {
    new URL(url);
  } catch {
    return (err(`--url "${url}" is not a URL\n`), 2);
  }
  const secret = splitSecretList(env.HR_WEBHOOK_SECRETS)[0];
  if (!secret) {
    return (
      err(
        'HR_WEBHOOK_SECRETS is not set: set it to the signing secret(s) the webhook accepts, comma-separated\n',
      ),
      2
    );
  }
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
    JSON.parse(body);
  } catch (e) {
    return (err(`${file}: ${(e as Error).message}\n`), 2);
  }
  const delivery = signedDelivery(body, secret);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  } catch (e) {
    err(`could not reach ${url}: ${(e as Error).message} (is the dev host running? npm start)\n`);
    return 1;
  }
  const text = await response.text();
  out(`${response.status} ${response.statusText}\n${text}\n`);
  return response.status === 202 ? 0 : response.status >= 400 && response.status < 500 ? 3 : 1;
}
