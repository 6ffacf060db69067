/**
 * The archive sweep's two starters as tests drive them: the dev host serving functions/ (the HTTP
 * start), and the timer called directly with the errors it logs.
 */
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { archiveSweepTimer } from '../../functions/archiveSweep';

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
