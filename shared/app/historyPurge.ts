/**
 * The nightly purge of finished orchestrations (functions/historyPurge.ts): without it every leave
 * intake, sweep, lane, batch and reconcile stays in the task hub's tables for ever.
 *
 * The Durable extension purges by creation time and runtime status (DurableTask.AzureStorage selects
 * `CreatedTime ge from and CreatedTime le to`), not by last update: every orchestration the app lets
 * finish does so within hours of its start (a sweep, the longest, within its night), so "created more
 * than DURABLE_HISTORY_RETENTION_DAYS ago and finished" is "finished about that long ago".
 *
 * What is never purged:
 * - anything still running (the statuses below): a calendar owner never completes, it continues as new;
 *   a sweep that runs is Running, and its lanes and batches too;
 * - a calendar owner that stopped (failed or terminated): its last input is the person's calendar (the
 *   replies to restore, the leaves to come), which the next leave starts from (shared/leave/leaveDispatch.ts).
 *   The purge by filter cannot leave out an id, so the failed and terminated instances are listed and
 *   purged one by one, the calendar owners left out; completed ones (no calendar owner completes) go in one
 *   call.
 */
import {
  OrchestrationRuntimeStatus,
  type DurableClient,
  type DurableOrchestrationStatus,
} from 'durable-functions';
import { isCalendarInstanceId } from '../leave/instanceId';

const DAY_MS = 86_400_000;

/** What the purge needs of the Durable client. */
export type PurgeClient = Pick<
  DurableClient,
  'purgeInstanceHistoryBy' | 'getStatusBy' | 'purgeInstanceHistory'
>;

export interface PurgeOutcome {
  /** Instances purged (completed, failed and terminated). */
  purged: number;
  /** Stopped calendar owners kept for their calendars. */
  keptOwners: number;
  /** Instances created at or before this instant were considered. */
  createdBefore: Date;
}

/**
 * Purges completed, failed and terminated instances created more than `retentionDays` days before `now`;
 * stopped calendar owners are kept.
 */
export async function purgeFinishedHistories(
  client: PurgeClient,
  retentionDays: number,
  now: Date,
): Promise<PurgeOutcome> {
  if (!Number.isInteger(retentionDays) || retentionDays <= 0) {
    throw new RangeError(`retentionDays must be a positive whole number, got ${retentionDays}`);
  }
  const createdBefore = new Date(now.getTime() - retentionDays * DAY_MS);
  // The extension requires a start (400 without one); the epoch is before anything this app made.
  const range = { createdTimeFrom: new Date(0), createdTimeTo: createdBefore };
  const completed = await client.purgeInstanceHistoryBy({
    ...range,
    runtimeStatus: [OrchestrationRuntimeStatus.Completed],
  });
  const stopped: DurableOrchestrationStatus[] = await client.getStatusBy({
    ...range,
    runtimeStatus: [OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated],
  });
  let purged = completed.instancesDeleted;
  let keptOwners = 0;
  for (const status of stopped) {
    if (isCalendarInstanceId(status.instanceId)) {
      keptOwners++;
      continue;
    }
    purged += (await client.purgeInstanceHistory(status.instanceId)).instancesDeleted;
  }
  return { purged, keptOwners, createdBefore };
}

/** The one log line of a purge. */
export function purgeLine(outcome: PurgeOutcome, retentionDays: number): string {
  return (
    `history purge: ${outcome.purged} finished orchestration(s) created before ` +
    `${outcome.createdBefore.toISOString()} purged (DURABLE_HISTORY_RETENTION_DAYS=${retentionDays}); ` +
    `${outcome.keptOwners} stopped calendar owner(s) kept for their calendars`
  );
}
