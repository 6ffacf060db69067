/**
 * The composition root: everything the functions need, built once per process from the app's settings
 * (shared/platform/settings.ts, read through shared/platform/config.ts), and the only place below functions/appStart.ts and
 * functions/telemetry.ts that reads `process.env`.
 *
 * Every trigger and activity asks `appServices()`; tests and the dev host replace the whole set, or some
 * of its parts, with `useAppServices` — one override, instead of one hook per singleton.
 *
 * Settings are parsed on first use and kept: a bad value is a ConfigError naming the setting each time
 * it is asked for (functions/appStart.ts stops the app at start for it before that can happen). The
 * mailbox back end, the secret provider, the report store, the change journal and the health monitor are
 * each created once:
 * connection pools, token caches, throttling state and secret caches only work when shared.
 */
import {
  assertArchivingSupported,
  loadBambooHrSettings,
  loadHistoryRetentionDays,
  loadJournalStorage,
  loadLeaveReconcileSchedule,
  loadScopeAuditSettings,
  loadLeaveSettings,
  loadMailboxScope,
  loadSweepSettings,
  type BambooHrSettings,
  type Env,
  type ScopeAuditSettings,
  type LeaveSettings,
  type SweepSettings,
} from '../platform/config';
import { ConfigError } from '../platform/configError';
import { HealthMonitor } from '../platform/health/healthCheck';
import type { MailboxBackend, UnscopedReadOnlyProbe } from '../mailbox/mailboxBackend';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../mailbox/scope';
import { createSecretProvider, type SecretProvider } from '../platform/secrets';
import { settingValue } from '../platform/settings';
import { createSweepStore, type SweepStore } from '../sweep/sweepStore';
import { createChangeJournal, type ChangeJournal } from '../journal/changeJournal';

export interface AppServices {
  leaveSettings(): LeaveSettings;
  /** LEAVE_RECONCILE_SCHEDULE as set (no setting, no reconcile timer). */
  leaveReconcileSchedule(): string | undefined;
  /** BAMBOOHR_*: the time-off poll (no BAMBOOHR_POLL_SCHEDULE, no poll). */
  bambooHrSettings(): BambooHrSettings;
  /** SCOPE_AUDIT_*: the privilege audit's schedule and canary mailboxes. */
  scopeAuditSettings(): ScopeAuditSettings;
  /** DURABLE_HISTORY_RETENTION_DAYS. */
  historyRetentionDays(): number;
  sweepSettings(): SweepSettings;
  /** MAILBOX_SCOPE: which mailboxes the app may act on at all. */
  scope(): MailboxScope;
  /** The back end cannot archive (MAILBOX_BACKEND=graph): the error saying so, else undefined. */
  archivingRefusal(): ConfigError | undefined;
  /** ARCHIVE_SWEEP_SCHEDULE as set (no setting, no timer). */
  sweepSchedule(): string | undefined;
  /** The scope-guarded mailbox operations (EWS or Graph), built on first use. */
  mailbox(): Promise<MailboxOperations>;
  /**
   * The privilege audit's read-only probe past the scope guard (shared/audit/scopeAudit.ts), a new one per
   * audit with the back end's settings and credentials: the caller closes it.
   */
  unscopedReadOnlyProbe(): Promise<UnscopedReadOnlyProbe>;
  secrets(): SecretProvider;
  /** Where sweeps keep their mailbox lists, batch rows and reports. */
  reports(): SweepStore;
  /** The change journal (JOURNAL_CONTAINER): every change the app makes to a mailbox. */
  journal(): ChangeJournal;
  health(): HealthMonitor;
  now(): Date;
  /** Closes what holds connections (the mailbox back end). */
  close(): Promise<void>;
}

/** What a test or the dev host may replace; everything not given is built from `env`. */
export interface AppServicesOverrides {
  /** The settings (default process.env). */
  env?: Env;
  mailbox?: MailboxOperations;
  reports?: SweepStore;
  journal?: ChangeJournal;
  secrets?: SecretProvider;
  now?: () => Date;
}

/** Remembers the first result (or error) of `create`; an error is not kept, so the next call tries again. */
function once<T>(create: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: create() }).value;
}

export function createAppServices(overrides: AppServicesOverrides = {}): AppServices {
  const env = overrides.env ?? process.env;
  const leaveSettings = once(() => loadLeaveSettings(env));
  const leaveReconcileSchedule = once(() => loadLeaveReconcileSchedule(env));
  const bambooHrSettings = once(() => loadBambooHrSettings(env));
  const scopeAuditSettings = once(() => loadScopeAuditSettings(env));
  const historyRetentionDays = once(() => loadHistoryRetentionDays(env));
  const sweepSettings = once(() => loadSweepSettings(env));
  const scope = once(() => loadMailboxScope(env));
  const secrets = once(() => overrides.secrets ?? createSecretProvider(env));
  const reports = once(() => overrides.reports ?? createSweepStore(sweepSettings().reports));
  const now = overrides.now ?? (() => new Date());
  const journal = once(() => overrides.journal ?? createChangeJournal(loadJournalStorage(env), now));
  const health = once(() => new HealthMonitor(env));
  let backend: Promise<MailboxBackend> | undefined;

  const buildBackend = (): Promise<MailboxBackend> => {
    // Loaded on first use: the EWS client pulls in undici and the XML parser, which registering the
    // functions does not need.
    const building = import('../mailbox/mailboxBackend').then(({ createRenewingMailboxBackend }) =>
      createRenewingMailboxBackend(env, secrets()),
    );
    // A failure (a setting missing, the vault unreachable) is not kept: the next call tries again.
    building.catch(() => {
      if (backend === building) backend = undefined;
    });
    return building;
  };

  return {
    leaveSettings,
    leaveReconcileSchedule,
    bambooHrSettings,
    scopeAuditSettings,
    historyRetentionDays,
    sweepSettings,
    scope,
    archivingRefusal() {
      try {
        assertArchivingSupported(env);
        return undefined;
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
    },
    sweepSchedule: () => settingValue(env, 'ARCHIVE_SWEEP_SCHEDULE'),
    async mailbox() {
      if (overrides.mailbox) return overrides.mailbox;
      backend ??= buildBackend();
      return (await backend).operations;
    },
    async unscopedReadOnlyProbe() {
      const { createUnscopedReadOnlyProbe } = await import('../mailbox/mailboxBackend');
      return createUnscopedReadOnlyProbe(env, secrets());
    },
    secrets,
    reports,
    journal,
    health,
    now,
    async close() {
      const closing = backend;
      backend = undefined;
      await (await closing?.catch(() => undefined))?.close();
    },
  };
}

let current: AppServices | undefined;

/** The process's services, built on first use from process.env. */
export function appServices(): AppServices {
  return (current ??= createAppServices());
}

/**
 * Replaces the process's services (tests, the dev host): closes the ones in use, and uses services built
 * from `overrides`; `undefined` goes back to building them from process.env on next use.
 */
export async function useAppServices(overrides: AppServicesOverrides | undefined): Promise<AppServices> {
  const previous = current;
  current = overrides ? createAppServices(overrides) : undefined;
  await previous?.close();
  return appServices();
}
