/**
 * What an HR system may see of a leave's orchestration: its runtime status, the phase it is in, and when
 * that last changed. Never its input or output (the person's address, reply texts, the snapshot of their
 * previous replies), never the rest of its custom status, and never a management URL or key: the HR
 * system is a third party, and the durable extension's URLs carry a key that can terminate or purge any
 * orchestration of the app.
 */
import type { DurableClient } from 'durable-functions';
import type { Refusal } from '../app/problem';
import { findInstance } from '../app/durableInstances';
import { isLeaveInstanceId } from './instanceId';

/** `GET /api/hr/leaves/{id}` (authLevel function): the HR caller reads it with its own function key. */
export const LEAVE_STATUS_ROUTE = 'hr/leaves/{id}';

/** The status route of one leave, as a path under the app's origin (no key in it). */
export function leaveStatusPath(instanceId: string): string {
  return `/api/${LEAVE_STATUS_ROUTE.replace('{id}', encodeURIComponent(instanceId))}`;
}

export interface LeaveStatusView {
  id: string;
  /** The durable runtime status: Pending, Running, Completed, Failed, Terminated, ... */
  runtimeStatus: string;
  /** checking-scope, snapshot, scheduling, waiting, restoring, done, failed; null before the first step. */
  phase: string | null;
  lastUpdatedTime: string | null;
}

/** The fields of a durable status this view reads; nothing else is passed on. */
export interface DurableStatusFields {
  runtimeStatus: string;
  customStatus?: unknown;
  lastUpdatedTime?: Date | string;
}

export function leaveStatusView(id: string, status: DurableStatusFields): LeaveStatusView {
  const custom = status.customStatus as { phase?: unknown } | null | undefined;
  const updated = status.lastUpdatedTime;
  return {
    id,
    runtimeStatus: status.runtimeStatus,
    phase: typeof custom?.phase === 'string' ? custom.phase : null,
    lastUpdatedTime: updated === undefined ? null : new Date(updated).toISOString(),
  };
}

export type LeaveStatusRefusal = 'InvalidLeaveId' | 'UnknownLeave';

/**
 * One leave's view by the id a 202 answer gave. Ids that are not leave instance ids are refused, so the
 * route cannot read the archive sweep or anything else the app runs.
 */
export async function readLeaveStatus(
  client: DurableClient,
  id: string,
): Promise<{ found: LeaveStatusView } | { refusal: Refusal<LeaveStatusRefusal> }> {
  if (!isLeaveInstanceId(id)) {
    return {
      refusal: {
        error: 'InvalidLeaveId',
        message: `"${id.slice(0, 100)}" is not a leave id: use the id of a 202 answer, leave-<source>-<leave id>`,
        field: 'id',
      },
    };
  }
  const status = await findInstance(client, id, { showInput: false });
  if (!status) return { refusal: { error: 'UnknownLeave', message: `no leave orchestration ${id}` } };
  return { found: leaveStatusView(id, status) };
}
