/**
 * The nightly history purge (shared/app/historyPurge.ts): at 03:15 every night, always on, the finished
 * orchestrations created more than DURABLE_HISTORY_RETENTION_DAYS ago leave the task hub; running ones
 * and stopped calendar owners stay. One line with the count.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { purgeFinishedHistories, purgeLine } from '../shared/app/historyPurge';

/** Nightly, at a quarter past three (NCRONTAB: second minute hour day month weekday). */
export const HISTORY_PURGE_SCHEDULE = '0 15 3 * * *';

export async function historyPurgeTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = appServices();
  const retentionDays = services.historyRetentionDays();
  const outcome = await purgeFinishedHistories(df.getClient(context), retentionDays, services.now());
  context.log(purgeLine(outcome, retentionDays));
}

app.timer('historyPurge', {
  schedule: HISTORY_PURGE_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: historyPurgeTimer,
});
