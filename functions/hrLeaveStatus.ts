/**
 * `GET /api/hr/leaves/{id}`: the status link the HR webhook's 202 points to (its Location header). The
 * HR system reads it with its own function key and sees only the runtime status, the phase and when it
 * last changed (shared/hr/leaveStatus.ts); ids that are not leave instance ids are refused, so the route
 * cannot read the archive sweep or anything else the app runs.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { problem } from '../shared/app/problem';
import { findInstance } from '../shared/durableInstances';
import { isLeaveInstanceId } from '../shared/hr/instanceId';
import { LEAVE_STATUS_ROUTE, leaveStatusView } from '../shared/hr/leaveStatus';

export async function hrLeaveStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const id = request.params.id ?? '';
  if (!isLeaveInstanceId(id)) {
    return problem(
      400,
      'InvalidLeaveId',
      `"${id.slice(0, 100)}" is not a leave id: use the id of a 202 answer, leave-<source>-<leave id>`,
      { field: 'id' },
    );
  }
  const status = await findInstance(df.getClient(context), id, { showInput: false });
  if (!status) {
    return problem(404, 'UnknownLeave', `no leave orchestration ${id}`);
  }
  return { status: 200, jsonBody: leaveStatusView(id, status) };
}

app.http('hrLeaveStatus', {
  route: LEAVE_STATUS_ROUTE,
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: hrLeaveStatus,
});
