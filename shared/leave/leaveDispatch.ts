/**
 * Where an accepted leave event goes. Every leave of a person, from every source, goes to one durable
 * owner per mailbox: the calendar owner (functions/leaveCalendarOrchestrator.ts), started on the first
 * event, sent each later one. A HiBob notice names no mailbox (ids only), so it first goes to a short intake
 * orchestration (functions/leaveIntakeOrchestrator.ts) that reads the request from HiBob and then delivers
 * it here. What the owner already holds (the same event, or an older one) is answered from its custom status
 * without waking it, so duplicate deliveries cost nothing and add no history.
 */
import type { DurableClient } from 'durable-functions';
import { findInstance, isActive } from '../app/durableInstances';
import { isLeaveNotice, type LeaveNotice } from './sources/hibob';
import type { LeaveEvent } from './leaveEvent';
import { alreadySeen, emptyCalendar, type LeaveCalendar, type SeenLeaves } from './leaveCalendar';
import { calendarInstanceId, leaveIntakeInstanceId } from './instanceId';

/** What the webhook hands on: a full LeaveEvent, or a notice whose details must be fetched (HiBob). */
export type LeaveDelivery = LeaveEvent | LeaveNotice;

/** The calendar owner's function name (functions/leaveCalendarOrchestrator.ts registers it). */
export const LEAVE_CALENDAR_ORCHESTRATOR = 'leaveCalendarOrchestrator';
/** The intake of a HiBob notice (functions/leaveIntakeOrchestrator.ts). */
export const LEAVE_INTAKE_ORCHESTRATOR = 'leaveIntakeOrchestrator';

/** The external event carrying a later leave event to a running owner. */
export const LEAVE_EVENT_NAME = 'LeaveEvent';
/** The external event asking a running owner to look at the mailbox again (the reconcile timer). */
export const RECONCILE_EVENT_NAME = 'Reconcile';

export interface RetrySettings {
  firstRetryMs: number;
  maxAttempts: number;
}

/** One leave event for a person's calendar, with the source it came from. */
export interface CalendarDelivery {
  source: string;
  event: LeaveEvent;
}

/** The calendar owner's input: its state, and what it has not applied yet. */
export interface CalendarOwnerInput {
  mailbox: string;
  calendar: LeaveCalendar;
  pending: CalendarDelivery[];
  /**
   * `idle`: a waiting generation. Otherwise why this updating generation runs: started, an event, its timer,
   * or the reconcile timer.
   */
  wake: 'idle' | 'start' | 'event' | 'timer' | 'reconcile';
  /** A mailbox call gave up after its retries: the waiting generation wakes then to try again. */
  retryAt?: string;
  retry?: RetrySettings;
}

/** The intake orchestration's input (a HiBob notice). */
export interface LeaveIntakeInput {
  source: string;
  notice: LeaveNotice;
  retry?: RetrySettings;
}

/** The owner's custom status: what a person watching sees, and what the webhook checks duplicates against. */
export interface CalendarOwnerStatus {
  phase: 'updating' | 'waiting';
  /** When it looks at the mailbox next (none: it waits for the next leave event). */
  until?: string;
  seen: SeenLeaves;
  /** Its last decisions, newest last. */
  decisions: { at: string; decision: string; detail: string }[];
}

export interface InstanceStatus {
  runtimeStatus: string;
  input?: unknown;
  customStatus?: unknown;
}

/** The few durable-client operations dispatching needs. */
export interface LeaveInstances {
  /**
   * Undefined when no instance with that id exists. The input (an owner's whole calendar) only when asked:
   * a delivery needs it only to start a stopped owner again.
   */
  status(instanceId: string, options?: { withInput?: boolean }): Promise<InstanceStatus | undefined>;
  start(name: string, instanceId: string, input: CalendarOwnerInput | LeaveIntakeInput): Promise<void>;
  raise(instanceId: string, eventName: string, data: CalendarDelivery): Promise<void>;
}

export type DispatchOutcome =
  | { action: 'started' | 'forwarded'; instanceId: string }
  | { action: 'ignored'; instanceId: string; reason: string };

/** `LeaveInstances` through a real durable client. */
export function durableLeaveInstances(client: DurableClient): LeaveInstances {
  return {
    async status(instanceId, options) {
      const s = await findInstance(client, instanceId, { showInput: options?.withInput === true });
      return s && { runtimeStatus: s.runtimeStatus, input: s.input, customStatus: s.customStatus };
    },
    async start(name, instanceId, input) {
      await client.startNew(name, { instanceId, input });
    },
    async raise(instanceId, eventName, data) {
      await client.raiseEvent(instanceId, eventName, data);
    },
  };
}

/** The calendar a stopped owner held (its last generation's input), to start again from. */
function calendarOf(status: InstanceStatus, mailbox: string): LeaveCalendar {
  const input = status.input as Partial<CalendarOwnerInput> | undefined;
  const calendar = input?.calendar;
  return calendar && Array.isArray(calendar.leaves) ? calendar : emptyCalendar(mailbox);
}

/** Hands one leave event to its person's calendar owner: starts it, sends it the event, or answers a duplicate. */
export async function deliverToCalendar(
  delivery: CalendarDelivery,
  instances: LeaveInstances,
  retry?: RetrySettings,
): Promise<DispatchOutcome> {
  const mailbox = delivery.event.employee.email.toLowerCase();
  const instanceId = calendarInstanceId(mailbox);
  const forward = async (): Promise<DispatchOutcome> => {
    await instances.raise(instanceId, LEAVE_EVENT_NAME, delivery);
    return { action: 'forwarded', instanceId };
  };
  const status = await instances.status(instanceId);
  if (status && isActive(status)) {
    const seen = (status.customStatus as Partial<CalendarOwnerStatus> | undefined)?.seen;
    if (alreadySeen(seen, delivery.source, delivery.event)) {
      return {
        action: 'ignored',
        instanceId,
        reason: "this leave's calendar already holds this event or a later one",
      };
    }
    return forward();
  }
  // No owner yet, or one that stopped (terminated, failed): start it, from its last state if it had one.
  const stopped = status && (await instances.status(instanceId, { withInput: true }));
  const input: CalendarOwnerInput = {
    mailbox,
    calendar: stopped ? calendarOf(stopped, mailbox) : emptyCalendar(mailbox),
    pending: [delivery],
    wake: 'start',
    ...(retry ? { retry } : {}),
  };
  try {
    await instances.start(LEAVE_CALENDAR_ORCHESTRATOR, instanceId, input);
    return { action: 'started', instanceId };
  } catch (err) {
    // Two deliveries racing: the other one started it a moment ago; hand this event to it.
    if (isActive(await instances.status(instanceId))) return forward();
    throw err;
  }
}

/** Dispatches what the webhook accepted: a full event to its calendar, a HiBob notice to its intake. */
export async function dispatchLeaveEvent(
  source: string,
  delivery: LeaveDelivery,
  instances: LeaveInstances,
  retry?: RetrySettings,
): Promise<DispatchOutcome> {
  if (!isLeaveNotice(delivery)) return deliverToCalendar({ source, event: delivery }, instances, retry);
  const instanceId = leaveIntakeInstanceId(source, delivery.leaveId, delivery.eventId);
  if (await instances.status(instanceId)) {
    return { action: 'ignored', instanceId, reason: 'this delivery was already received' };
  }
  const input: LeaveIntakeInput = { source, notice: delivery, ...(retry ? { retry } : {}) };
  try {
    await instances.start(LEAVE_INTAKE_ORCHESTRATOR, instanceId, input);
  } catch (err) {
    if (await instances.status(instanceId)) {
      return { action: 'ignored', instanceId, reason: 'this delivery was already received' };
    }
    throw err;
  }
  return { action: 'started', instanceId };
}
