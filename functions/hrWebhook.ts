/**
 * `POST /api/hr/{source}`: HR systems report approved, changed and cancelled leaves
 * (shared/leave/receiveLeaveEvent.ts checks and dispatches them). Answers 202 with the id of what took the
 * event (the person's calendar owner, or a HiBob notice's intake), its runtime status and a Location: its
 * status route (functions/hrLeaveStatus.ts), read with the
 * caller's own function key. Never the durable management URLs: they carry the extension's system key,
 * and the HR system is a third party.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { refusalAnswer } from '../shared/app/problem';
import { durableLeaveInstances } from '../shared/leave/leaveDispatch';
import { leaveStatusPath } from '../shared/leave/leaveStatus';
import { receiveLeaveEvent, type DeliveryRefusal } from '../shared/leave/receiveLeaveEvent';
// The orchestrations this route starts are registered with it (a host that loads this module alone).
import './leaveCalendarOrchestrator';
import './leaveIntakeOrchestrator';

export { MAX_BODY_BYTES } from '../shared/leave/receiveLeaveEvent';

const STATUS_FOR: Record<DeliveryRefusal, number> = {
  UnknownSource: 404,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  InvalidSignature: 401,
  InvalidJson: 400,
  InvalidLeaveEvent: 400,
  Configuration: 500,
};

export async function hrWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const outcome = await receiveLeaveEvent(
    {
      source: request.params.source ?? '',
      header: (name) => request.headers.get(name),
      body: async () => Buffer.from(await request.arrayBuffer()),
    },
    { services: appServices(), instances: durableLeaveInstances(df.getClient(context)), log: context },
  );
  switch (outcome.kind) {
    case 'refused':
      return refusalAnswer(STATUS_FOR, outcome.refusal);
    case 'answered':
      return { status: 200, jsonBody: outcome.answer };
    case 'accepted': {
      const { action, instanceId } = outcome.dispatch;
      return {
        status: 202,
        headers: { Location: new URL(leaveStatusPath(instanceId), request.url).href },
        jsonBody: {
          id: instanceId,
          status: outcome.runtimeStatus,
          outcome: action,
          ...(outcome.dispatch.action === 'ignored' ? { reason: outcome.dispatch.reason } : {}),
        },
      };
    }
  }
}

app.http('hrWebhook', {
  route: 'hr/{source}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: hrWebhook,
});
