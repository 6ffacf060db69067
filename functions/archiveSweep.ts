/**
 * Starting and watching the archive sweep (shared/sweep/sweepControl.ts): a timer on
 * %ARCHIVE_SWEEP_SCHEDULE% (registered only when the setting exists: no setting, no sweep),
 * `POST /api/sweeps/archive` to start one now, and `GET /api/sweeps/archive` for the current or last
 * sweep. One sweep at a time.
 */
import { app, HttpRequest, HttpResponse, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { problem, refusalAnswer } from '../shared/app/problem';
import {
  readSweep,
  requestSweep,
  startScheduledSweep,
  SWEEP_INSTANCE_ID,
} from '../shared/sweep/sweepControl';
import './archiveSweepOrchestrator';
import './archiveSweepActivities';

export { startSweep, type StartOutcome } from '../shared/sweep/sweepControl';

/**
 * 409 Conflict for configuration: the request is well formed, but the app's configuration (its current
 * state) cannot run it; an administrator resolves that in the settings and sends the same request again.
 */
const STATUS_FOR = { InvalidRequest: 400, Configuration: 409 };

export async function startArchiveSweep(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponse> {
  const client = df.getClient(context);
  const outcome = await requestSweep(await request.text(), client, appServices());
  switch (outcome.kind) {
    case 'refused':
      return new HttpResponse(refusalAnswer(STATUS_FOR, outcome.refusal));
    case 'running':
      return new HttpResponse(
        problem(409, 'SweepRunning', 'an archive sweep is already running', {
          id: SWEEP_INSTANCE_ID,
          runtimeStatus: outcome.running?.runtimeStatus,
          statusQueryGetUri: client.createHttpManagementPayload(SWEEP_INSTANCE_ID).statusQueryGetUri,
        }),
      );
    case 'started':
      context.log(
        `archive sweep started (${outcome.input.dryRun ? 'dry run' : 'archiving'}) as ${outcome.instanceId}`,
      );
      return client.createCheckStatusResponse(request, outcome.instanceId);
  }
}

/** Status of the current or last sweep, with live progress summed over its lanes while it runs. */
export async function getArchiveSweep(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponse> {
  const client = df.getClient(context);
  const sweep = await readSweep(client);
  if (!sweep) return new HttpResponse(problem(404, 'NoSweep', 'no archive sweep has run yet'));
  const { statusQueryGetUri } = client.createHttpManagementPayload(SWEEP_INSTANCE_ID);
  return new HttpResponse({ status: 200, jsonBody: { ...sweep, statusQueryGetUri } });
}

export async function archiveSweepTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  await startScheduledSweep(() => df.getClient(context), appServices(), context);
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
