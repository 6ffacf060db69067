/**
 * The dev host as the leave workflow tests run it: the functions of functions/ on 127.0.0.1, durable
 * timers on the host's virtual clock (a test moves it on with host.clock.advance), no timer-triggered
 * function firing on its own schedule, and the settings in process.env, which is where the functions read
 * them. Secrets come from that environment too, never from a Key Vault a developer's shell may name.
 */
import path from 'node:path';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { useLeaveMailboxOperations } from '../../functions/leaveActivities';
import { signGeneric } from '../../shared/hr/signature';
import { resetMailboxOperations } from '../../shared/mailbox/mailboxBackend';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { resetSecretProvider } from '../../shared/secrets';

export interface LeaveDevHost {
  /** Its virtual clock is host.clock. */
  host: DevHost;
  /** Every line the host and the functions logged, for tests of what logs may hold. */
  logs: string[];
  /** Stops the host, then puts process.env and the process-wide providers back as they were. */
  close(): Promise<void>;
}

export interface LeaveDevHostOptions {
  /** Settings added to process.env while the host runs; undefined removes a setting. */
  env: Record<string, string | undefined>;
  /** The leave activities' mailbox; without it they build the real back end from the environment. */
  mailbox?: MailboxOperations;
}

export async function startLeaveDevHost(options: LeaveDevHostOptions): Promise<LeaveDevHost> {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries({ ...options.env, KEY_VAULT_URI: undefined })) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  // Providers are cached per process: drop any built from an earlier test's environment.
  resetSecretProvider();
  await resetMailboxOperations();
  useLeaveMailboxOperations(options.mailbox);
  const restore = async (): Promise<void> => {
    useLeaveMailboxOperations(undefined);
    await resetMailboxOperations();
    process.env = { ...saved };
    resetSecretProvider();
  };
  const logs: string[] = [];
  let host: DevHost;
  try {
    host = await startDevHost({
      port: 0,
      functionsDir: path.resolve(__dirname, '../../functions'),
      timers: false,
      log: (m) => logs.push(m),
    });
  } catch (error) {
    await restore(); // a failed start leaves the environment as it found it
    throw error;
  }
  return {
    host,
    logs,
    async close() {
      await host.close();
      await restore();
    },
  };
}

export interface WebhookAnswer {
  status: number;
  /** The answer's JSON ({} for an empty body). */
  json: Record<string, unknown>;
  /** The Location header, if any. */
  location: string | null;
  /** The body as sent. */
  text: string;
}

/** Reads an answer of the function app: status, Location and the JSON body. */
export async function readWebhookAnswer(res: Response): Promise<WebhookAnswer> {
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    location: res.headers.get('location'),
    text,
  };
}

/**
 * POSTs a body to the generic HR webhook, signed with `secret` at `signedAt` (Unix seconds, default now);
 * `headers` override any header sent, the signature included.
 */
export async function postGenericHrEvent(
  host: DevHost,
  body: string,
  options: { secret: string; signedAt?: number; headers?: Record<string, string> },
): Promise<WebhookAnswer> {
  const signedAt = options.signedAt ?? Math.floor(Date.now() / 1000);
  const res = await fetch(`${host.url}/api/hr/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signGeneric(options.secret, body, signedAt),
      ...options.headers,
    },
    body,
  });
  return readWebhookAnswer(res);
}
