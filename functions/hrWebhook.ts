/**
 * `POST /api/hr/{source}`: HR systems report approved, changed and cancelled leaves. Checks size, media
 * type, signature and schema (nothing starts and nothing changes on any 4xx), then starts the leave's
 * orchestration or forwards the event to it, and answers 202 with the durable status URLs.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { loadLeaveSettings } from '../shared/config';
import { dispatchLeaveEvent, type LeaveInstances } from '../shared/hr/leaveDispatch';
import { LeaveEventError, parseLeaveEvent } from '../shared/hr/leaveEvent';
import { verifyGeneric } from '../shared/hr/signature';
import { getSecretProvider, splitSecretList } from '../shared/secrets';
import { LEAVE_ORCHESTRATOR } from './leaveOrchestrator';

export const MAX_BODY_BYTES = 256 * 1024;
export const HR_SOURCES = ['generic'] as const;

function problem(
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): HttpResponseInit {
  return { status, jsonBody: { error, message, ...extra } };
}

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
      try {
        const s = await client.getStatus(instanceId, { showInput: true });
        return s && s.runtimeStatus
          ? { runtimeStatus: s.runtimeStatus, input: s.input, output: s.output }
          : undefined;
      } catch (err) {
        if (/\b404\b/.test((err as Error).message)) return undefined;
        throw err;
      }
    },
    async start(instanceId, input) {
      await client.startNew(LEAVE_ORCHESTRATOR, { instanceId, input });
    },
    async raise(instanceId, eventName, event) {
      await client.raiseEvent(instanceId, eventName, event);
    },
  };
}

export async function hrWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const source = request.params.source ?? '';
  if (!(HR_SOURCES as readonly string[]).includes(source)) {
    return problem(404, 'UnknownSource', `no HR source "${source}"; use one of ${HR_SOURCES.join(', ')}`);
  }
  const body = await readLimited(request);
  if (!body) return problem(413, 'PayloadTooLarge', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (!isJson(request.headers.get('content-type'))) {
    return problem(415, 'UnsupportedMediaType', 'send the event as application/json');
  }

  const secrets = splitSecretList(await getSecretProvider().get('HR_WEBHOOK_SECRETS'));
  if (!secrets.length) context.error('HR_WEBHOOK_SECRETS is not set: every HR event is refused');
  const check = verifyGeneric(
    request.headers.get('x-signature'),
    body,
    secrets,
    Math.floor(Date.now() / 1000),
  );
  if (!check.ok) {
    context.warn(`hr/${source}: signature refused (${check.reason})`);
    return problem(
      401,
      'InvalidSignature',
      `the X-Signature header is ${check.reason === 'no-secret' ? 'not accepted' : check.reason}`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return problem(400, 'InvalidJson', 'the body is not valid JSON', { field: '(body)' });
  }
  let event;
  try {
    event = parseLeaveEvent(parsed);
  } catch (err) {
    if (err instanceof LeaveEventError)
      return problem(400, 'InvalidLeaveEvent', err.message, { field: err.field });
    throw err;
  }

  const settings = loadLeaveSettings(process.env);
  const client = df.getClient(context);
  const outcome = await dispatchLeaveEvent(source, event, instancesOf(client), {
    firstRetryMs: settings.firstRetryMs,
    maxAttempts: settings.maxAttempts,
  });
  context.info(
    `hr/${source}: event ${event.eventId} (${event.type}) ${outcome.action} ${outcome.instanceId}`,
  );
  const links = client.createHttpManagementPayload(outcome.instanceId);
  return {
    status: 202,
    headers: { Location: links.statusQueryGetUri },
    jsonBody: {
      ...links,
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
