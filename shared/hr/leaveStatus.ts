/**
 * What an HR system may see of a leave's orchestration: its runtime status, the phase it is in, and when
 * that last changed. Never its input or output (the person's address, reply texts, the snapshot of their
 * previous replies), never the rest of its custom status, and never a management URL or key: the HR
 * system is a third party, and the durable extension's URLs carry a key that can terminate or purge any
 * orchestration of the app.
 */

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
