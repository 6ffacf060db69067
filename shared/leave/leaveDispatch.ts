/**
 * What an accepted leave event does to the leave's orchestration: start it, forward the event to the
 * running one, or nothing (a duplicate, an older event, a cancellation of nothing). The same decision
 * for every HR source, through the few durable-client operations in `LeaveInstances`.
 */
import type { DurableClient } from 'durable-functions';
import { findInstance, isActive } from '../app/durableInstances';
import type { LeaveNotice } from './sources/hibob';
import { isNewer, type LeaveEvent } from './leaveEvent';
import { leaveInstanceId } from './instanceId';

/** What reaches the orchestration: a full LeaveEvent, or a notice whose details it fetches (HiBob). */
export type LeaveDelivery = LeaveEvent | LeaveNotice;

/** The leave orchestration's function name (functions/leaveOrchestrator.ts registers it). */
export const LEAVE_ORCHESTRATOR = 'leaveOrchestrator';

/** The external event carrying a later LeaveEvent to a running leave orchestration. */
export const LEAVE_EVENT_NAME = 'LeaveEvent';

export interface RetrySettings {
  firstRetryMs: number;
  maxAttempts: number;
}

/** The leave orchestration's input. */
export interface LeaveOrchestrationInput {
  source: string;
  event: LeaveDelivery;
  retry?: RetrySettings;
}

export interface InstanceStatus {
  runtimeStatus: string;
  input?: unknown;
  output?: unknown;
}

/** The few durable-client operations the decision needs. */
export interface LeaveInstances {
  /** Undefined when no instance with that id exists. */
  status(instanceId: string): Promise<InstanceStatus | undefined>;
  start(instanceId: string, input: LeaveOrchestrationInput): Promise<void>;
  raise(instanceId: string, eventName: string, event: LeaveDelivery): Promise<void>;
}

export type DispatchOutcome =
  | { action: 'started' | 'forwarded'; instanceId: string }
  | { action: 'ignored'; instanceId: string; reason: string };

/** `LeaveInstances` through a real durable client: leave orchestrations only. */
export function durableLeaveInstances(client: DurableClient): LeaveInstances {
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

/** The occurredAt of the last event a finished instance applied (its output, else its input). */
function lastAppliedAt(status: InstanceStatus): string | undefined {
  const output = status.output as { lastEventOccurredAt?: unknown } | undefined;
  if (output && typeof output.lastEventOccurredAt === 'string') return output.lastEventOccurredAt;
  const input = status.input as { event?: { occurredAt?: unknown } } | undefined;
  return typeof input?.event?.occurredAt === 'string' ? input.event.occurredAt : undefined;
}

export async function dispatchLeaveEvent(
  source: string,
  event: LeaveDelivery,
  instances: LeaveInstances,
  retry?: RetrySettings,
): Promise<DispatchOutcome> {
  const instanceId = leaveInstanceId(source, event.leaveId);
  const status = await instances.status(instanceId);
  if (isActive(status)) {
    // The orchestration itself drops duplicates and events older than the one it applied.
    await instances.raise(instanceId, LEAVE_EVENT_NAME, event);
    return { action: 'forwarded', instanceId };
  }
  if (status) {
    const last = lastAppliedAt(status);
    if (last !== undefined && !isNewer(event, { occurredAt: last })) {
      return {
        action: 'ignored',
        instanceId,
        reason: 'this leave already handled this event or a later one',
      };
    }
  }
  if (event.type === 'cancelled') {
    return {
      action: 'ignored',
      instanceId,
      reason: 'no automatic replies are running for this leave; nothing to cancel',
    };
  }
  try {
    await instances.start(instanceId, { source, event, ...(retry ? { retry } : {}) });
    return { action: 'started', instanceId };
  } catch (err) {
    // Two deliveries racing: the other one started it a moment ago; hand this event to it.
    const again = await instances.status(instanceId);
    if (isActive(again)) {
      await instances.raise(instanceId, LEAVE_EVENT_NAME, event);
      return { action: 'forwarded', instanceId };
    }
    throw err;
  }
}
