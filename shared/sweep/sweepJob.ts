/**
 * What a sweep run fixes at its start, from the settings: the same for the orchestration's discovery
 * activity and for the CLI's in-process run.
 */
import type { SweepSettings } from '../platform/config';
import type { DiscoverySources } from './discovery';
import { reportPathFor } from './sweepReport';
import type { SweepJob } from './sweepTypes';

const DAY_MS = 86_400_000;

export function sweepJobFor(
  settings: SweepSettings,
  run: { sweepId: string; startedAt: Date; dryRun: boolean },
): SweepJob {
  return {
    sweepId: run.sweepId,
    startedAt: run.startedAt.toISOString(),
    dryRun: run.dryRun,
    receivedBefore: new Date(run.startedAt.getTime() - settings.olderThanDays * DAY_MS).toISOString(),
    folders: settings.folders,
    maxItemsPerRun: settings.maxItemsPerRun,
    batchSize: settings.batchSize,
    maxBatchesInFlight: settings.maxBatchesInFlight,
    mailboxesInFlightPerBatch: settings.mailboxesInFlightPerBatch,
    maxAttempts: settings.maxAttempts,
    firstRetryMs: settings.firstRetryMs,
    reportPath: reportPathFor(run.startedAt, run.sweepId),
  };
}

/** The configured group and list, or only `limitTo` when a run is limited to some mailboxes. */
export function discoverySourcesFor(
  settings: SweepSettings,
  limitTo: readonly string[] = [],
): DiscoverySources {
  const limited = limitTo.length > 0;
  return {
    group: limited ? undefined : settings.scopeGroup,
    mailboxes: limited ? limitTo : settings.mailboxes,
    serviceMailbox: settings.serviceMailbox,
  };
}
