/**
 * Starting and watching the archive sweep: a timer on %ARCHIVE_SWEEP_SCHEDULE% (registered only when
 * the setting exists: no setting, no sweep), `POST /api/sweeps/archive` to start one now, and
 * `GET /api/sweeps/archive` for the current or last sweep. One sweep at a time.
 */
import {
  app,
  HttpRequest,
  HttpResponse,
  InvocationContext,
  Timer,
  type HttpResponseInit,
} from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { isSmtpAddress } from '../shared/address';
import { appServices } from '../shared/app/appServices';
import { configurationProblem, problem } from '../shared/app/problem';
import { findInstance } from '../shared/durableInstances';
import { sweepDependencies } from '../shared/sweep/sweepDependencies';
import { sweepConfigurationError } from '../shared/sweep/sweepPreflight';
import { addCounts, emptyCounts, sweepStatus } from '../shared/sweep/sweepTypes';
import {
  ORCHESTRATOR,
  SWEEP_INSTANCE_ID,
  type LaneStatus,
  type SweepCustomStatus,
  type SweepInput,
} from './archiveSweepOrchestrator';
import './archiveSweepActivities';

const ACTIVE = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  'Suspended',
]);

function currentSweep(client: DurableClient): Promise<DurableOrchestrationStatus | undefined> {
  return findInstance(client, SWEEP_INSTANCE_ID, { showInput: false });
}

export type StartOutcome =
  { started: true; instanceId: string } | { started: false; running: DurableOrchestrationStatus | undefined };

/** Starts a sweep unless one is running. */
export async function startSweep(client: DurableClient, input: SweepInput): Promise<StartOutcome> {
  const running = await currentSweep(client);
  if (running && ACTIVE.has(running.runtimeStatus)) return { started: false, running };
  try {
    await client.startNew(ORCHESTRATOR.sweep, { instanceId: SWEEP_INSTANCE_ID, input });
  } catch (error) {
    // Two starts racing: the extension refuses the second id while the first runs.
    const again = await currentSweep(client);
    if (again && ACTIVE.has(again.runtimeStatus)) return { started: false, running: again };
    throw error;
  }
  return { started: true, instanceId: SWEEP_INSTANCE_ID };
}

/** A problem as this route's HttpResponse (the shape is shared/app/problem.ts's). */
function answer(init: HttpResponseInit): HttpResponse {
  return new HttpResponse(init);
}

function parseStartBody(raw: string): SweepInput | { invalid: string; field: string } {
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { invalid: 'the body is not JSON', field: 'body' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { invalid: 'the body must be a JSON object', field: 'body' };
  }
  const { dryRun, mailboxes, ...rest } = body as Record<string, unknown>;
  const unknownField = Object.keys(rest)[0];
  if (unknownField)
    return { invalid: `unknown field "${unknownField}" (allowed: dryRun, mailboxes)`, field: unknownField };
  if (dryRun !== undefined && typeof dryRun !== 'boolean')
    return { invalid: 'dryRun must be true or false', field: 'dryRun' };
  if (mailboxes !== undefined) {
    if (!Array.isArray(mailboxes) || mailboxes.length === 0 || mailboxes.length > 10_000) {
      return { invalid: 'mailboxes must be a list of 1 to 10000 e-mail addresses', field: 'mailboxes' };
    }
    const bad = (mailboxes as unknown[]).find((m) => typeof m !== 'string' || !isSmtpAddress(m.trim()));
    if (bad !== undefined)
      return { invalid: `mailboxes: ${JSON.stringify(bad)} is not an e-mail address`, field: 'mailboxes' };
  }
  return {
    dryRun: dryRun === true,
    mailboxes: (mailboxes as string[] | undefined)?.map((m) => m.trim().toLowerCase()),
    trigger: 'http',
  };
}

export async function startArchiveSweep(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponse> {
  const parsed = parseStartBody(await request.text());
  if ('invalid' in parsed)
    return answer(problem(400, 'InvalidRequest', parsed.invalid, { field: parsed.field }));
  // 409 Conflict: the request is well formed, but the app's configuration (its current state) cannot run
  // it; an administrator resolves that in the settings and sends the same request again.
  const refused =
    appServices().archivingRefusal() ??
    (await sweepConfigurationError(sweepDependencies(), parsed.mailboxes));
  if (refused) return answer(configurationProblem(409, refused));
  const client = df.getClient(context);
  const outcome = await startSweep(client, parsed);
  if (!outcome.started) {
    const urls = client.createHttpManagementPayload(SWEEP_INSTANCE_ID);
    return answer(
      problem(409, 'SweepRunning', 'an archive sweep is already running', {
        id: SWEEP_INSTANCE_ID,
        runtimeStatus: outcome.running?.runtimeStatus,
        statusQueryGetUri: urls.statusQueryGetUri,
      }),
    );
  }
  context.log(`archive sweep started (${parsed.dryRun ? 'dry run' : 'archiving'}) as ${outcome.instanceId}`);
  return client.createCheckStatusResponse(request, outcome.instanceId);
}

/** Status of the current or last sweep, with live progress summed over its lanes while it runs. */
export async function getArchiveSweep(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponse> {
  const client = df.getClient(context);
  const status = await currentSweep(client);
  if (!status) return answer(problem(404, 'NoSweep', 'no archive sweep has run yet'));
  const custom = (status.customStatus ?? undefined) as SweepCustomStatus | undefined;
  let progress = custom;
  if (custom && custom.phase === 'archiving' && custom.lanePrefix && custom.lanes) {
    const counts = emptyCounts();
    let batchesDone = 0;
    const lanes = await Promise.all(
      Array.from({ length: custom.lanes }, (_, lane) =>
        client.getStatus(`${custom.lanePrefix}${lane}`).catch(() => undefined),
      ),
    );
    for (const laneStatus of lanes) {
      const laneCustom = laneStatus?.customStatus as LaneStatus | undefined;
      if (!laneCustom) continue;
      addCounts(counts, laneCustom.counts);
      batchesDone += laneCustom.batchesDone;
    }
    progress = {
      ...custom,
      ...sweepStatus(custom.phase, custom.dryRun, custom.total, counts, {
        total: custom.batches.total,
        done: batchesDone,
        inFlight: Math.min(custom.lanes, custom.batches.total - batchesDone),
      }),
    };
  }
  const urls = client.createHttpManagementPayload(SWEEP_INSTANCE_ID);
  return new HttpResponse({
    status: 200,
    jsonBody: {
      id: SWEEP_INSTANCE_ID,
      runtimeStatus: status.runtimeStatus,
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
      progress: progress ?? null,
      output: status.output ?? null,
      statusQueryGetUri: urls.statusQueryGetUri,
    },
  });
}

export async function archiveSweepTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const refused = appServices().archivingRefusal() ?? (await sweepConfigurationError(sweepDependencies()));
  if (refused) {
    context.error(`archive sweep not started: ${refused.message}`);
    return;
  }
  const client = df.getClient(context);
  const outcome = await startSweep(client, { trigger: 'timer' });
  if (outcome.started) context.log(`archive sweep started by the schedule as ${outcome.instanceId}`);
  else
    context.warn(
      `archive sweep skipped: the previous one (${SWEEP_INSTANCE_ID}) is still ${outcome.running?.runtimeStatus}`,
    );
}

/** One route, two methods: POST starts, GET reports. */
export async function archiveSweepHttp(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponse> {
  return request.method.toUpperCase() === 'POST'
    ? startArchiveSweep(request, context)
    : getArchiveSweep(request, context);
}

app.http('archiveSweep', {
  route: 'sweeps/archive',
  methods: ['GET', 'POST'],
  authLevel: 'admin',
  extraInputs: [df.input.durableClient()],
  handler: archiveSweepHttp,
});

// The host resolves %ARCHIVE_SWEEP_SCHEDULE% from app settings; without the setting there is no timer
// at all (registering it anyway would fail the host's indexing for every function).
if (appServices().sweepSchedule()) {
  app.timer('archiveSweepTimer', {
    schedule: '%ARCHIVE_SWEEP_SCHEDULE%',
    extraInputs: [df.input.durableClient()],
    handler: archiveSweepTimer,
  });
}
