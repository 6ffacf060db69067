/**
 * Starting and watching archive sweeps, for the routes and the timer of functions/archiveSweep.ts: one
 * sweep at a time under one instance id; a start is refused before anything runs when the request is
 * malformed or the configuration could not carry it (shared/sweep/sweepPreflight.ts); the status sums
 * the lanes' progress while the sweep archives. The orchestrations are functions/archiveSweepOrchestrator.ts.
 */
import { randomUUID } from 'node:crypto';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { isSmtpAddress } from '../mailbox/address';
import type { AppServices } from '../app/appServices';
import { configurationRefusal, type Refusal } from '../app/problem';
import { findInstance, isActive } from '../app/durableInstances';
import type { InvocationLogger } from '../platform/logging/invocationLog';
import { sweepDependencies } from './sweepDependencies';
import { sweepConfigurationError } from './sweepPreflight';
import {
  addCounts,
  emptyCounts,
  mailboxesDone,
  sweepStatus,
  type SweepCounts,
  type SweepStatus,
} from './sweepTypes';

/** One archive sweep at a time: every sweep runs under this instance id. */
export const SWEEP_INSTANCE_ID = 'archive-sweep';

/** The sweep's orchestrator function name (functions/archiveSweepOrchestrator.ts registers it). */
export const SWEEP_ORCHESTRATOR = 'archiveSweepOrchestrator';

/**
 * The sweep orchestration's input. It stays small whatever a request lists: a start limited to some
 * mailboxes (up to 10,000, about 260 KB) stores its list in the sweep store and passes the list's name,
 * which discovery reads; an orchestration's input travels in queue messages and every replay of its
 * history, and one over 45 KB goes the Durable extension's slower large-message way through blobs.
 */
export interface SweepInput {
  dryRun?: boolean;
  /** Limit this run to the mailboxes of this stored list (still resolved and scope-checked). */
  mailboxList?: string;
  trigger?: 'timer' | 'http' | 'test';
}

/** `POST /api/sweeps/archive`'s body, checked. */
export interface SweepRequest {
  dryRun: boolean;
  /** Limit this run to these mailboxes (lower case, trimmed). */
  mailboxes?: string[];
  trigger: 'http';
}

/** Where a request's mailbox list is kept until its sweep has read it: one name per request. */
export function requestedListName(at: Date): string {
  return `archive-requests/${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}-${randomUUID()}`;
}

/** A lane's custom status, read by `readSweep` to show progress. */
export interface LaneStatus {
  batchesDone: number;
  counts: SweepCounts;
}

/** Parent's custom status: the sweep's progress as last known, and where its lanes are. */
export interface SweepCustomStatus extends SweepStatus {
  lanePrefix?: string;
  lanes?: number;
}

export type StartOutcome =
  { started: true; instanceId: string } | { started: false; running: DurableOrchestrationStatus | undefined };

function currentSweep(client: DurableClient): Promise<DurableOrchestrationStatus | undefined> {
  return findInstance(client, SWEEP_INSTANCE_ID, { showInput: false });
}

/** Starts a sweep unless one is running. */
export async function startSweep(client: DurableClient, input: SweepInput): Promise<StartOutcome> {
  const running = await currentSweep(client);
  if (isActive(running)) return { started: false, running };
  try {
    await client.startNew(SWEEP_ORCHESTRATOR, { instanceId: SWEEP_INSTANCE_ID, input });
  } catch (error) {
    // Two starts racing: the extension refuses the second id while the first runs.
    const again = await currentSweep(client);
    if (isActive(again)) return { started: false, running: again };
    throw error;
  }
  return { started: true, instanceId: SWEEP_INSTANCE_ID };
}

const invalid = (message: string, field: string): Refusal<'InvalidRequest'> => ({
  error: 'InvalidRequest',
  message,
  field,
});

/** `POST /api/sweeps/archive`'s body: nothing, or `{dryRun?, mailboxes?}`. */
export function parseSweepRequest(raw: string): SweepRequest | Refusal<'InvalidRequest'> {
  if (raw.trim() === '') return { dryRun: false, trigger: 'http' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return invalid('the body is not JSON', 'body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid('the body must be a JSON object', 'body');
  }
  const { dryRun, mailboxes, ...rest } = body as Record<string, unknown>;
  const unknownField = Object.keys(rest)[0];
  if (unknownField)
    return invalid(`unknown field "${unknownField}" (allowed: dryRun, mailboxes)`, unknownField);
  if (dryRun !== undefined && typeof dryRun !== 'boolean')
    return invalid('dryRun must be true or false', 'dryRun');
  if (mailboxes !== undefined) {
    if (!Array.isArray(mailboxes) || mailboxes.length === 0 || mailboxes.length > 10_000) {
      return invalid('mailboxes must be a list of 1 to 10000 e-mail addresses', 'mailboxes');
    }
    const bad = (mailboxes as unknown[]).find((m) => typeof m !== 'string' || !isSmtpAddress(m.trim()));
    if (bad !== undefined)
      return invalid(`mailboxes: ${JSON.stringify(bad)} is not an e-mail address`, 'mailboxes');
  }
  return {
    dryRun: dryRun === true,
    mailboxes: (mailboxes as string[] | undefined)?.map((m) => m.trim().toLowerCase()),
    trigger: 'http',
  };
}

/** Why a sweep limited to `mailboxes` (or the configured one) cannot start, if it cannot. */
async function configurationRefused(services: AppServices, mailboxes?: readonly string[]) {
  return (
    services.archivingRefusal() ?? (await sweepConfigurationError(sweepDependencies(services), mailboxes))
  );
}

export type SweepRequestOutcome =
  | { kind: 'refused'; refusal: Refusal<'InvalidRequest' | 'Configuration'> }
  | { kind: 'running'; running: DurableOrchestrationStatus | undefined }
  | { kind: 'started'; instanceId: string; input: SweepRequest };

/** A start asked for over HTTP: checked, then started unless a sweep runs. */
export async function requestSweep(
  raw: string,
  client: DurableClient,
  services: AppServices,
): Promise<SweepRequestOutcome> {
  const input = parseSweepRequest(raw);
  if ('error' in input) return { kind: 'refused', refusal: input };
  const refused = await configurationRefused(services, input.mailboxes);
  if (refused) return { kind: 'refused', refusal: configurationRefusal(refused) };
  const outcome = await startWithList(client, services, input);
  return outcome.started
    ? { kind: 'started', instanceId: outcome.instanceId, input }
    : { kind: 'running', running: outcome.running };
}

/** Starts the requested sweep, its list (if any) stored first; a list no sweep will read is removed. */
async function startWithList(
  client: DurableClient,
  services: AppServices,
  request: SweepRequest,
): Promise<StartOutcome> {
  const { dryRun, trigger, mailboxes } = request;
  if (!mailboxes) return startSweep(client, { dryRun, trigger });
  const store = services.reports();
  const mailboxList = requestedListName(services.now());
  await store.putMailboxes(mailboxList, mailboxes);
  const outcome = await startSweep(client, { dryRun, trigger, mailboxList }).catch(async (error: unknown) => {
    await store.deleteParts(mailboxList, 0);
    throw error;
  });
  if (!outcome.started) await store.deleteParts(mailboxList, 0);
  return outcome;
}

/**
 * The schedule's start: what stops it, or a sweep still running, is logged; nothing is answered. The
 * client is asked for only once the configuration passed (a test fires the timer without one).
 */
export async function startScheduledSweep(
  client: () => DurableClient,
  services: AppServices,
  log: InvocationLogger,
): Promise<void> {
  const refused = await configurationRefused(services);
  if (refused) {
    log.error(`archive sweep not started: ${refused.message}`);
    return;
  }
  const outcome = await startSweep(client(), { trigger: 'timer' });
  if (outcome.started) log.info(`archive sweep started by the schedule as ${outcome.instanceId}`);
  else
    log.warn(
      `archive sweep skipped: the previous one (${SWEEP_INSTANCE_ID}) is still ${outcome.running?.runtimeStatus}`,
    );
}

export interface SweepView {
  id: string;
  runtimeStatus: string;
  createdTime: Date;
  lastUpdatedTime: Date;
  progress: SweepCustomStatus | null;
  output: unknown;
}

/**
 * The current or last sweep (undefined: none ever ran), with live progress summed over its lanes while
 * it archives. A lane not started yet counts nothing; a lane whose status cannot be read fails the read
 * (its error, not a smaller count).
 */
export async function readSweep(client: DurableClient): Promise<SweepView | undefined> {
  const status = await currentSweep(client);
  if (!status) return undefined;
  const custom = (status.customStatus ?? undefined) as SweepCustomStatus | undefined;
  let progress = custom;
  if (custom && custom.phase === 'archiving' && custom.lanePrefix && custom.lanes) {
    const counts = emptyCounts();
    let batchesDone = 0;
    const lanes = await Promise.all(
      Array.from({ length: custom.lanes }, (_, lane) =>
        findInstance(client, `${custom.lanePrefix}${lane}`, { showInput: false }),
      ),
    );
    for (const laneStatus of lanes) {
      const laneCustom = laneStatus?.customStatus as LaneStatus | undefined;
      if (!laneCustom) continue;
      addCounts(counts, laneCustom.counts);
      batchesDone += laneCustom.batchesDone;
    }
    // While discovery still runs the totals are not known yet: they count up with what the lanes did.
    const batchesTotal = Math.max(custom.batches.total, batchesDone);
    progress = {
      ...custom,
      ...sweepStatus(custom.phase, custom.dryRun, Math.max(custom.total, mailboxesDone(counts)), counts, {
        total: batchesTotal,
        done: batchesDone,
        inFlight:
          custom.batches.total > 0 ? Math.min(custom.lanes, batchesTotal - batchesDone) : custom.lanes,
      }),
    };
  }
  return {
    id: SWEEP_INSTANCE_ID,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    progress: progress ?? null,
    output: status.output ?? null,
  };
}
