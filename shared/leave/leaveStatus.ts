/**
 * What an HR system may see of what took its event: the person's calendar owner
 * (functions/leaveCalendarOrchestrator.ts) or a HiBob notice's intake (functions/leaveIntakeOrchestrator.ts).
 * Their runtime status, the phase they are in, when that last changed and, for an owner, when it next looks
 * at the mailbox. Never their input or output (the calendar with every leave of the person, the address,
 * reply texts, what the person's own replies were), never the rest of the owner's custom status (what it
 * has seen, its decisions), and never a management URL or key: the HR system is a third party, and the
 * durable extension's URLs carry a key that can terminate or purge any orchestration of the app.
 */
import type { DurableClient } from 'durable-functions';
import type { Refusal } from '../app/problem';
import { findInstance } from '../app/durableInstances';
import { isCalendarInstanceId, isLeaveIntakeInstanceId } from './instanceId';

/** `GET /api/hr/leaves/{id}` (authLevel function): the HR caller reads it with its own function key. */
export const LEAVE_STATUS_ROUTE = 'hr/leaves/{id}';

/** The status route of an owner or an intake, as a path under the app's origin (no key in it). */
export function leaveStatusPath(instanceId: string): string {
  return `/api/${LEAVE_STATUS_ROUTE.replace('{id}', encodeURIComponent(instanceId))}`;
}

export interface LeaveStatusView {
  id: string;
  /** The durable runtime status: Pending, Running, Completed, Failed, Terminated, ... */
  runtimeStatus: string;
  /** An owner's `updating` or `waiting`; null before its first step, and for an intake (it has no phases). */
  phase: string | null;
  lastUpdatedTime: string | null;
  /** An owner waiting for a date (the next absence's start or end): when it looks at the mailbox next. */
  until?: string;
}

/** The fields of a durable status this view reads; nothing else is passed on. */
export interface DurableStatusFields {
  runtimeStatus: string;
  customStatus?: unknown;
  lastUpdatedTime?: Date | string;
}

export function leaveStatusView(id: string, status: DurableStatusFields): LeaveStatusView {
  const custom = status.customStatus as { phase?: unknown; until?: unknown } | null | undefined;
  const updated = status.lastUpdatedTime;
  const until = isCalendarInstanceId(id) && typeof custom?.until === 'string' ? custom.until : undefined;
  return {
    id,
    runtimeStatus: status.runtimeStatus,
    phase: typeof custom?.phase === 'string' ? custom.phase : null,
    lastUpdatedTime: updated === undefined ? null : new Date(updated).toISOString(),
    ...(until === undefined ? {} : { until }),
  };
}

export type LeaveStatusRefusal = 'InvalidLeaveId' | 'UnknownLeave';

/**
 * The view of an owner or an intake by the id a 202 answer gave. Any other id is refused, so the route
 * cannot read the archive sweep or anything else the app runs.
 */
export async function readLeaveStatus(
  client: DurableClient,
  id: string,
): Promise<{ found: LeaveStatusView } | { refusal: Refusal<LeaveStatusRefusal> }> {
  if (!isCalendarInstanceId(id) && !isLeaveIntakeInstanceId(id)) {
    return {
      refusal: {
        error: 'InvalidLeaveId',
        message: `"${id.slice(0, 100)}" is not a leave id: use the id of a 202 answer (leave-calendar-… or leave-intake-…)`,
        field: 'id',
      },
    };
  }
  const status = await findInstance(client, id, { showInput: false });
  if (!status) return { refusal: { error: 'UnknownLeave', message: `no leave calendar or intake ${id}` } };
  return { found: leaveStatusView(id, status) };
}
