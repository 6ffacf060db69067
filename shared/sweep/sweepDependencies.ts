/**
 * What the sweep's activities use, created once per process from configuration. Tests and the dev
 * host replace pieces (an in-memory store, a mailbox fake) through `overrideSweepDependencies`.
 */
import { loadMailboxScope, loadSweepSettings, type Env, type SweepSettings } from '../config';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../scope';
import { getSweepStore, type SweepStore } from './sweepStore';

export interface SweepDependencies {
  settings(): SweepSettings;
  scope(): MailboxScope;
  operations(): Promise<MailboxOperations>;
  store(): SweepStore;
}

function fromEnvironment(env: Env): SweepDependencies {
  let settings: SweepSettings | undefined;
  return {
    settings: () => (settings ??= loadSweepSettings(env)),
    scope: () => loadMailboxScope(env),
    // Loaded on first use: the EWS client pulls in undici and the XML parser.
    operations: async () => (await import('../mailbox/mailboxBackend')).getMailboxOperations(env),
    store: () => getSweepStore((settings ??= loadSweepSettings(env)).reports),
  };
}

let current: SweepDependencies | undefined;

export function sweepDependencies(): SweepDependencies {
  return (current ??= fromEnvironment(process.env));
}

/** Replaces some dependencies (tests, dev host); `undefined` goes back to configuration. */
export function overrideSweepDependencies(partial: Partial<SweepDependencies> | undefined): void {
  current = partial ? { ...fromEnvironment(process.env), ...partial } : undefined;
}
