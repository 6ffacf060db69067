/**
 * What a sweep needs from the app: its settings, the mailbox scope, the mailbox operations, the report
 * store and the change journal. The sweep's activities and its start checks
 * (shared/sweep/sweepPreflight.ts) take them from
 * the app's composition root (shared/app/appServices.ts), which tests and the dev host override.
 */
import type { SweepSettings } from '../platform/config';
import { appServices, type AppServices } from '../app/appServices';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../mailbox/scope';
import type { SweepStore } from './sweepStore';
import type { ChangeJournal } from '../journal/changeJournal';

export interface SweepDependencies {
  settings(): SweepSettings;
  scope(): MailboxScope;
  operations(): Promise<MailboxOperations>;
  store(): SweepStore;
  journal(): ChangeJournal;
}

/** The sweep's view of the app's services (default: the process's). */
export function sweepDependencies(services: AppServices = appServices()): SweepDependencies {
  return {
    settings: () => services.sweepSettings(),
    scope: () => services.scope(),
    operations: () => services.mailbox(),
    store: () => services.reports(),
    journal: () => services.journal(),
  };
}
