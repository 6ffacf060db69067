/**
 * `GET /api/hr/leaves/{id}`: the status link the HR webhook's 202 points to (its Location header). The
 * HR system reads it with its own function key and sees only the runtime status, the phase and when it
 * last changed (shared/leave/leaveStatus.ts).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { refusalAnswer } from '../shared/app/problem';
import { LEAVE_STATUS_ROUTE, readLeaveStatus, type LeaveStatusRefusal } from '../shared/leave/leaveStatus';

const STATUS_FOR: Record<LeaveStatusRefusal, number> = { InvalidLeaveId: 400, UnknownLeave: 404 };

export async function hrLeaveStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const read = await readLeaveStatus(df.getClient(context), request.params.id ?? '');
  return 'found' in read ? { status: 200, jsonBody: read.found } : refusalAnswer(STATUS_FOR, read.refusal);
}

app.http('hrLeaveStatus', {
  route: LEAVE_STATUS_ROUTE,
  methods: ['GET'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: hrLeaveStatus,
});
