/**
 * A HiBob notice carries ids only, so it cannot go straight to the person's calendar owner: this short
 * orchestration (one per delivered notice) reads the request from HiBob, makes it a leave event — a
 * cancellation when the request is no longer approved, or the notice says it was cancelled or deleted — and
 * hands it to the calendar owner of that person's mailbox (shared/leave/leaveDispatch.ts). Its output says
 * what became of the notice.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import type { ActivityOutcome } from '../shared/app/activityOutcome';
import type { LeaveEvent } from '../shared/leave/leaveEvent';
import {
  LEAVE_INTAKE_ORCHESTRATOR,
  type DispatchOutcome,
  type LeaveIntakeInput,
} from '../shared/leave/leaveDispatch';
import type { HibobFetchResult } from '../shared/leave/sources/hibobApi';
import { instanceLine } from '../shared/platform/logging/invocationLog';
import { LEAVE_DELIVER, LEAVE_FETCH_HIBOB } from './leaveActivities';
import { DEFAULT_RETRY } from './leaveCalendarOrchestrator';

/** What the status route shows of an intake. */
export type LeaveIntakePhase = 'reading-request' | 'delivering' | 'delivered' | 'unknown-person' | 'failed';

export interface LeaveIntakeSummary {
  outcome: 'delivered' | 'unknown-person' | 'failed';
  source: string;
  leaveId: string;
  eventId: string;
  /** The calendar owner it went to, and what the owner's dispatch did. */
  calendar?: DispatchOutcome;
  note?: string;
}

/** The notice as a leave event, once HiBob said what the request is now. */
export function intakeEvent(input: LeaveIntakeInput, fetched: HibobFetchResult): LeaveEvent | undefined {
  const { notice } = input;
  const ids = { eventId: notice.eventId, occurredAt: notice.occurredAt, leaveId: notice.leaveId };
  if (fetched.state === 'approved' && notice.type !== 'cancelled') return { ...fetched.event, ...ids };
  const employee = fetched.state === 'approved' ? fetched.event.employee : fetched.employee;
  if (!employee) return undefined;
  return {
    ...ids,
    type: 'cancelled',
    timeZone: fetched.state === 'approved' ? fetched.event.timeZone : 'UTC',
    employee,
  };
}

export const leaveIntakeOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<LeaveIntakeInput>();
  const { notice } = input;
  const { instanceId } = context.df;
  const settings = input.retry ?? DEFAULT_RETRY;
  const retry = new df.RetryOptions(settings.firstRetryMs, settings.maxAttempts);
  retry.backoffCoefficient = 2;
  const summary = { source: input.source, leaveId: notice.leaveId, eventId: notice.eventId };
  // The phase is what the HR system sees on the status route: a notice that could not be handled shows it.
  const phase = (p: LeaveIntakePhase): void => context.df.setCustomStatus({ phase: p });
  const fail = (code: string, message: string): LeaveIntakeSummary => {
    phase('failed');
    if (!context.df.isReplaying) context.error(instanceLine(instanceId, `${code}: ${message}`));
    return { ...summary, outcome: 'failed', note: `${code}: ${message}` };
  };
  phase('reading-request');

  let fetched: ActivityOutcome<HibobFetchResult>;
  try {
    fetched = (yield context.df.callActivityWithRetry(LEAVE_FETCH_HIBOB, retry, {
      ...notice,
      instanceId,
    })) as ActivityOutcome<HibobFetchResult>;
  } catch (err) {
    return fail('TransientGiveUp', `reading the request from HiBob: ${(err as Error).message}`);
  }
  if (!fetched.ok) return fail(fetched.failure.code, fetched.failure.message);
  const event = intakeEvent(input, fetched.value);
  if (!event) {
    phase('unknown-person');
    return {
      ...summary,
      outcome: 'unknown-person',
      note: `the request is ${fetched.value.state === 'withdrawn' ? fetched.value.status : 'gone'} and HiBob no longer knows whose it was; no calendar changed`,
    } satisfies LeaveIntakeSummary;
  }
  let delivered: ActivityOutcome<DispatchOutcome>;
  phase('delivering');
  try {
    delivered = (yield context.df.callActivityWithRetry(LEAVE_DELIVER, retry, {
      source: input.source,
      event,
      instanceId,
    })) as ActivityOutcome<DispatchOutcome>;
  } catch (err) {
    return fail('TransientGiveUp', `handing the leave to its calendar: ${(err as Error).message}`);
  }
  if (!delivered.ok) return fail(delivered.failure.code, delivered.failure.message);
  phase('delivered');
  return { ...summary, outcome: 'delivered', calendar: delivered.value } satisfies LeaveIntakeSummary;
};
df.app.orchestration(LEAVE_INTAKE_ORCHESTRATOR, leaveIntakeOrchestrator);
