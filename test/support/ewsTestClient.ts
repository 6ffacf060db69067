/**
 * Test wiring for the real EWS client against the EWS sandbox: settings as the CLI would read them from
 * the environment, so tests exercise the same path as production.
 */
import { loadEwsSettings, type Env } from '../../shared/platform/config';
import { EwsClient, type EwsCallEvent, type EwsClientOptions } from '../../shared/mailbox/ews/ewsClient';
import type { EwsSandbox } from '../../dev/ews-sandbox';

export const SERVICE_ACCOUNT = { username: 'svc-mailbox@contoso.com', password: 'sandbox-password' };

/** A Basic-auth client for the sandbox; `env` overrides any setting. */
export function sandboxClient(
  sandbox: EwsSandbox,
  env: Env = {},
  options: EwsClientOptions = {},
): { client: EwsClient; calls: EwsCallEvent[] } {
  const calls: EwsCallEvent[] = [];
  const settings = loadEwsSettings({
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: SERVICE_ACCOUNT.username,
    EWS_PASSWORD: SERVICE_ACCOUNT.password,
    ...env,
  });
  const client = new EwsClient(settings, {
    backOffBaseMs: 20,
    backOffCapMs: 200,
    ...options,
    onCall: (event) => {
      calls.push(event);
      options.onCall?.(event);
    },
  });
  return { client, calls };
}
