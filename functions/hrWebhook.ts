/**
 * `POST /api/hr/{source}`: HR systems report approved, changed and cancelled leaves. Checks size, media
 * type, signature and schema (nothing starts and nothing changes on any 4xx), then starts the leave's
 * orchestration or forwards the event to it, and answers 202 with the leave's id, its runtime status and
 * a Location: the leave's status route (functions/hrLeaveStatus.ts), read with the caller's own function
 * key. Never the durable management URLs: they carry the extension's system key, and the HR system is a
 * third party.
 * - `generic`: our LeaveEvent, `X-Signature` (HR_WEBHOOK_SECRETS);
 * - `hibob`: HiBob's time-off webhooks, `Bob-Signature` (HIBOB_WEBHOOK_SECRETS); ids only, the
 *   orchestration re-reads the request from HiBob. HiBob's connection ping is answered 200.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { configurationProblem, problem } from '../shared/app/problem';
import { ConfigError } from '../shared/configError';
import { findInstance } from '../shared/durableInstances';
import { HR_SOURCES, type HrSource } from '../shared/hr/instanceId';
import { leaveStatusPath } from '../shared/hr/leaveStatus';
import { dispatchLeaveEvent, type LeaveInstances } from '../shared/hr/leaveDispatch';
import { isHibobPing, parseHibobDelivery } from '../shared/hr/hibob';
import { LeaveEventError, parseLeaveEvent } from '../shared/hr/leaveEvent';
import { verifyGeneric, verifyHibob, type SignatureCheck } from '../shared/hr/signature';
import { splitSecretList } from '../shared/secrets';
import { LEAVE_ORCHESTRATOR } from './leaveOrchestrator';

export const MAX_BODY_BYTES = 256 * 1024;

/** Each source's signature header and the secret (list) that verifies it. */
const SIGNING: Record<HrSource, { header: string; secret: string }> = {
  generic: { header: 'X-Signature', secret: 'HR_WEBHOOK_SECRETS' },
  hibob: { header: 'Bob-Signature', secret: 'HIBOB_WEBHOOK_SECRETS' },
};

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

async function readLimited(request: HttpRequest): Promise<Buffer | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return undefined;
  const body = Buffer.from(await request.arrayBuffer());
  return body.length > MAX_BODY_BYTES ? undefined : body;
}

function instancesOf(client: df.DurableClient): LeaveInstances {
  return {
    async status(instanceId) {
      const s = await findInstance(client, instanceId, { showInput: true });
      return s && { runtimeStatus: s.runtimeStatus, input: s.input, output: s.output };
    },
    async start(instanceId, input) {
      await client.startNew(LEAVE_ORCHESTRATOR, { instanceId, input });
    },
    async raise(instanceId, eventName, event) {
      await client.raiseEvent(instanceId, eventName, event);
    },
  };
}

/**
 * A setting the webhook needs that does not parse (a LEAVE_* or HIBOB_* value) is the app's problem, not
 * the caller's: 500 naming the setting, and the same line in the log, instead of a bare 500.
 */
export async function hrWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    return await acceptHrEvent(request, context);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    context.error(`hr/${request.params.source ?? ''}: not accepted, configuration: ${error.message}`);
    return configurationProblem(500, error);
  }
}

async function acceptHrEvent(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const source = (request.params.source ?? '') as HrSource;
  if (!HR_SOURCES.includes(source)) {
    return problem(404, 'UnknownSource', `no HR source "${source}"; use one of ${HR_SOURCES.join(', ')}`);
  }
  const body = await readLimited(request);
  if (!body) return problem(413, 'PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  // HiBob checks a new webhook with an unsigned "Ping test": answered, and nothing else happens.
  if (source === 'hibob' && isHibobPing(body)) return { status: 200, jsonBody: { outcome: 'pong' } };
  if (!isJson(request.headers.get('content-type'))) {
    return problem(415, 'UnsupportedMediaType', 'send the event as application/json');
  }

  const signing = SIGNING[source];
  const secrets = splitSecretList(await appServices().secrets().get(signing.secret));
  if (!secrets.length) context.error(`${signing.secret} is not set: every ${source} event is refused`);
  const header = request.headers.get(signing.header);
  const check: SignatureCheck =
    source === 'hibob'
      ? verifyHibob(header, body, secrets)
      : verifyGeneric(header, body, secrets, Math.floor(appServices().now().getTime() / 1000));
  if (!check.ok) {
    context.warn(`hr/${source}: signature refused (${check.reason})`);
    return problem(
      401,
      'InvalidSignature',
      `the ${signing.header} header is ${check.reason === 'no-secret' ? 'not accepted' : check.reason}`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return problem(400, 'InvalidJson', 'the body is not valid JSON', { field: '(body)' });
  }
  const settings = appServices().leaveSettings();
  let event;
  try {
    if (source === 'hibob') {
      const delivery = parseHibobDelivery(parsed, settings.hibobApiUrl);
      if (delivery.kind === 'ignored') {
        context.info(`hr/${source}: ignored (${delivery.reason})`);
        return { status: 200, jsonBody: { outcome: 'ignored', reason: delivery.reason } };
      }
      event = delivery.notice;
    } else {
      event = parseLeaveEvent(parsed);
    }
  } catch (err) {
    if (err instanceof LeaveEventError)
      return problem(400, 'InvalidLeaveEvent', err.message, { field: err.field });
    throw err;
  }

  const client = df.getClient(context);
  const outcome = await dispatchLeaveEvent(source, event, instancesOf(client), {
    firstRetryMs: settings.firstRetryMs,
    maxAttempts: settings.maxAttempts,
  });
  context.info(
    `hr/${source}: event ${event.eventId} (${event.type}) ${outcome.action} ${outcome.instanceId}`,
  );
  // The status as it is now (a cancellation of nothing has no instance: null).
  const now = await findInstance(client, outcome.instanceId, { showInput: false });
  return {
    status: 202,
    headers: { Location: new URL(leaveStatusPath(outcome.instanceId), request.url).href },
    jsonBody: {
      id: outcome.instanceId,
      status: now?.runtimeStatus ?? null,
      outcome: outcome.action,
      ...(outcome.action === 'ignored' ? { reason: outcome.reason } : {}),
    },
  };
}

app.http('hrWebhook', {
  route: 'hr/{source}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: hrWebhook,
});
