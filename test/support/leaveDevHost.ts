/**
 * The dev host as the leave workflow tests (and demoSweep's archive sweep) run it: the functions of
 * functions/ on 127.0.0.1, durable timers on the host's virtual clock (a test moves it on with
 * host.clock.advance), no timer-triggered function firing on its own schedule, and the test's settings
 * handed to the app's composition root (shared/app/appServices.ts) over the process's environment.
 * Secrets come from those settings too, never from a Key Vault a developer's shell may name.
 */
import path from 'node:path';
import type { DevClock } from '../../dev/host/devClock';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { useAppServices } from '../../shared/app/appServices';
import { signGeneric } from '../../shared/leave/sources/signature';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';

export interface LeaveDevHost {
  /** Its virtual clock is host.clock. */
  host: DevHost;
  /** Every line the host and the functions logged, for tests of what logs may hold. */
  logs: string[];
  /** The orchestrators' lines logged at error level (an activity's line says its level in its text). */
  orchestratorErrors: string[];
  /** Stops the host, then goes back to the app's services built from process.env. */
  close(): Promise<void>;
}

export interface LeaveDevHostOptions {
  /** Settings added to the process's while the host runs; undefined removes a setting. */
  env: Record<string, string | undefined>;
  /** The leave activities' mailbox; without it they build the real back end from the environment. */
  mailbox?: MailboxOperations;
  /** Timer-triggered functions fire on their schedules, on the host's clock (default: they never fire). */
  timers?: boolean;
  /** The host's virtual clock (default: one of its own), for stand-ins started before the host. */
  clock?: DevClock;
  /** The app's clock (default real time), e.g. the host's clock where a timer's instant must follow it. */
  now?: () => Date;
}

export async function startLeaveDevHost(options: LeaveDevHostOptions): Promise<LeaveDevHost> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries({ ...options.env, KEY_VAULT_URI: undefined })) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  await useAppServices({ env, mailbox: options.mailbox, now: options.now });
  const restore = async (): Promise<void> => {
    await useAppServices(undefined);
  };
  const logs: string[] = [];
  const orchestratorErrors: string[] = [];
  let host: DevHost;
  try {
    host = await startDevHost({
      port: 0,
      functionsDir: path.resolve(__dirname, '../../functions'),
      timers: options.timers ?? false,
      clock: options.clock,
      env,
      log: (m, level) => {
        logs.push(m);
        if (level === 'error') orchestratorErrors.push(m);
      },
    });
  } catch (error) {
    await restore(); // a failed start leaves the environment as it found it
    throw error;
  }
  return {
    host,
    logs,
    orchestratorErrors,
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
