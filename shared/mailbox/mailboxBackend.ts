/**
 * Builds the process's mailbox operations from configuration: the EWS client wrapped in the scope guard.
 * One per process (connection pool, token cache and throttling state only work when shared).
 */
import { loadEwsSettings, loadMailboxScope, type Env } from '../config';
import { EwsClient, type EwsClientOptions } from '../ews/ewsClient';
import { ScopedMailboxOperations } from './scopedMailboxOperations';

export interface MailboxBackend {
  operations: ScopedMailboxOperations;
  close(): Promise<void>;
}

/** A fresh backend (the CLI, tests). Throws ConfigError naming the setting when configuration is wrong. */
export function createMailboxBackend(
  env: Env,
  overrides: { url?: string } = {},
  clientOptions: EwsClientOptions = {},
): MailboxBackend {
  const scope = loadMailboxScope(env);
  const client = new EwsClient(loadEwsSettings(env, overrides), clientOptions);
  return { operations: new ScopedMailboxOperations(client, scope), close: () => client.close() };
}

export function createMailboxOperations(env: Env): ScopedMailboxOperations {
  return createMailboxBackend(env).operations;
}

let processBackend: MailboxBackend | undefined;

/** The per-process mailbox operations, created on first use from the environment. */
export function getMailboxOperations(env: Env = process.env): ScopedMailboxOperations {
  processBackend ??= createMailboxBackend(env);
  return processBackend.operations;
}

/** Closes and forgets the per-process backend (dev host shutdown, tests that change configuration). */
export async function resetMailboxOperations(): Promise<void> {
  const backend = processBackend;
  processBackend = undefined;
  await backend?.close();
}
