/**
 * The archive sweep's two starters as tests drive them: the dev host serving functions/ (the HTTP
 * start), and the timer called directly with the errors it logs; and the app's services on a fake tenant.
 */
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { archiveSweepTimer } from '../../functions/archiveSweep';
import { useAppServices } from '../../shared/app/appServices';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { MemorySweepStore } from '../../shared/sweep/sweepStore';
import { MemoryChangeJournal } from '../../shared/journal/changeJournal';

/** The dev host on a free port, no timers firing on their own, logs dropped. */
export function startQuietDevHost(): Promise<DevHost> {
  return startDevHost({
    port: 0,
    functionsDir: path.resolve(__dirname, '../../functions'),
    timers: false,
    log: () => undefined,
  });
}

/** Fires the sweep's timer once; returns what it logged as errors. */
export async function fireSweepTimer(): Promise<string[]> {
  const errors: string[] = [];
  const context = new InvocationContext({
    invocationId: 'timer-1',
    functionName: 'archiveSweepTimer',
    logHandler: (level, ...args) => {
      if (level === 'error') errors.push(args.join(' '));
    },
  });
  await archiveSweepTimer({ isPastDue: false, scheduleStatus: undefined } as never, context);
  return errors;
}

/**
 * The app's services for a sweep of a fake tenant: MAILBOX_SCOPE contoso.com, the tenant's mailboxes as
 * SWEEP_MAILBOXES, `settings` on top, the fake as the mailbox back end, the reports and the change journal in
 * memory (as the tenant is).
 */
export async function useFakeSweepTenant(
  fake: MailboxOperations & { mailboxes: ReadonlyMap<string, unknown> },
  settings: Record<string, string> = {},
): Promise<MemorySweepStore> {
  const reports = new MemorySweepStore();
  await useAppServices({
    env: {
      MAILBOX_SCOPE: 'contoso.com',
      SWEEP_MAILBOXES: [...fake.mailboxes.keys()].join(','),
      SWEEP_RETRY_INTERVAL_MS: '1000',
      ...settings,
    },
    mailbox: fake,
    reports,
    journal: new MemoryChangeJournal(() => new Date()),
  });
  return reports;
}
