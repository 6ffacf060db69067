/**
 * The calendar owner: one long-lived orchestration per mailbox, the only writer of that person's automatic
 * replies and Out of office events (docs/leave-calendar.md says why an orchestration and not an entity).
 * Each generation applies the leave events it was given to the calendar (shared/leave/leaveCalendar.ts),
 * looks at the mailbox when something changed or a boundary came (shared/leave/mailboxSync.ts decides),
 * then waits for the next leave event, the reconcile timer's nudge or its own timer (the next absence's
 * start or end) and continues as new with its state: its history stays one generation long, however many
 * leaves and deliveries the person has. It never completes; waiting costs nothing.
 *
 * Deterministic: time from currentUtcDateTime, all I/O in activities (functions/leaveActivities.ts). A
 * failed mailbox call never ends the owner: the decision is recorded, and a transient give-up is tried again
 * an hour later (the reconcile timer also nudges it).
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { ActivityOutcome } from '../shared/app/activityOutcome';
import {
  absencesOf,
  applyLeaveEvent,
  nextWake,
  pruneCalendar,
  seenLeaves,
  withDecision,
  type LeaveCalendar,
} from '../shared/leave/leaveCalendar';
import {
  LEAVE_CALENDAR_ORCHESTRATOR,
  LEAVE_EVENT_NAME,
  RECONCILE_EVENT_NAME,
  type CalendarDelivery,
  type CalendarOwnerInput,
  type CalendarOwnerStatus,
  type RetrySettings,
} from '../shared/leave/leaveDispatch';
import type { CalendarEventsResult, SyncMailboxResult } from '../shared/leave/leaveSteps';
import { instanceLine } from '../shared/platform/logging/invocationLog';
import {
  LEAVE_OWNER_SETTINGS,
  LEAVE_SYNC_CALENDAR_EVENTS,
  LEAVE_SYNC_MAILBOX,
  type OwnerSettings,
} from './leaveActivities';

export const DEFAULT_RETRY: RetrySettings = { firstRetryMs: 5000, maxAttempts: 5 };
/** After a mailbox call still failing when its retries ran out, the owner tries again this much later. */
export const RETRY_AFTER_GIVE_UP_MS = 3_600_000;

/** An activity's value, or why it failed (permanent code, or still transient after every attempt). */
type StepResult<T> =
  { ok: true; value: T } | { ok: false; code: string; message: string; transient: boolean };

function* callStep<T>(
  context: OrchestrationContext,
  retry: df.RetryOptions,
  name: string,
  input: unknown,
): Generator<Task, StepResult<T>, ActivityOutcome<T>> {
  try {
    const result: ActivityOutcome<T> = yield context.df.callActivityWithRetry(name, retry, input);
    if (result.ok) return { ok: true, value: result.value };
    return { ok: false, code: result.failure.code, message: result.failure.message, transient: false };
  } catch (err) {
    const message = `still failing after ${retry.maxNumberOfAttempts} attempts: ${(err as Error).message}`;
    return { ok: false, code: 'TransientGiveUp', message, transient: true };
  }
}

export const leaveCalendarOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<CalendarOwnerInput>();
  const { mailbox } = input;
  const { instanceId } = context.df;
  const retrySettings = input.retry ?? DEFAULT_RETRY;
  const retry = new df.RetryOptions(retrySettings.firstRetryMs, retrySettings.maxAttempts);
  retry.backoffCoefficient = 2;
  const now = context.df.currentUtcDateTime;
  const at = now.toISOString();
  let calendar: LeaveCalendar = input.calendar;
  const decide = (decision: string, detail: string): void => {
    calendar = withDecision(calendar, { at, decision, detail });
    if (!context.df.isReplaying) {
      const line = instanceLine(instanceId, `${decision}: ${detail}`);
      if (decision === 'failed') context.error(line);
      else context.log(line);
    }
  };
  const status = (s: Omit<CalendarOwnerStatus, 'seen' | 'decisions'>): void =>
    context.df.setCustomStatus({
      ...s,
      seen: seenLeaves(calendar),
      decisions: calendar.decisions.slice(-5),
    } satisfies CalendarOwnerStatus);

  // 1. The events delivered since the last generation.
  let changed = false;
  for (const { source, event } of input.pending) {
    const applied = applyLeaveEvent(calendar, source, event);
    calendar = applied.calendar;
    const what = `${source} leave ${event.leaveId} (${event.type}, event ${event.eventId})`;
    if (applied.outcome === 'applied') {
      changed = true;
      decide('applied', what);
    } else {
      decide(`ignored-${applied.outcome}`, what);
    }
  }
  calendar = pruneCalendar(calendar, now);

  // 2. The mailbox in step with the calendar, when something changed or a boundary came.
  let retryAt: number | undefined;
  const absences = absencesOf(calendar, now);
  if (changed || input.wake !== 'event') {
    status({ phase: 'updating' });
    const settings = (yield context.df.callActivity(LEAVE_OWNER_SETTINGS, { mailbox })) as OwnerSettings;
    if (!settings.inScope) {
      decide(
        'out-of-scope',
        `${mailbox} is outside MAILBOX_SCOPE (${settings.scope}); no mailbox call was made`,
      );
    } else {
      const sync: StepResult<SyncMailboxResult> = yield* callStep<SyncMailboxResult>(
        context,
        retry,
        LEAVE_SYNC_MAILBOX,
        {
          instanceId,
          mailbox,
          now: at,
          ...(absences[0] ? { absence: absences[0] } : {}),
          state: {
            ...(calendar.restoreTo ? { restoreTo: calendar.restoreTo } : {}),
            ...(calendar.applied ? { applied: calendar.applied } : {}),
            ...(calendar.handsOffUntil ? { handsOffUntil: calendar.handsOffUntil } : {}),
          },
        },
      );
      if (sync.ok) {
        const { restoreTo, applied, handsOffUntil } = sync.value.state;
        calendar = { ...calendar, restoreTo, applied, handsOffUntil };
        decide(
          input.wake === 'reconcile' && sync.value.decision === 'scheduled'
            ? 'repaired'
            : sync.value.decision,
          sync.value.detail,
        );
      } else {
        decide('failed', `automatic replies: ${sync.code}: ${sync.message}`);
        if (sync.transient) retryAt = now.getTime() + RETRY_AFTER_GIVE_UP_MS;
      }
      if (settings.calendarEvent) {
        const events: StepResult<CalendarEventsResult> = yield* callStep<CalendarEventsResult>(
          context,
          retry,
          LEAVE_SYNC_CALENDAR_EVENTS,
          { instanceId, mailbox, now: at, absences, events: calendar.events },
        );
        if (events.ok) {
          calendar = { ...calendar, events: events.value.events };
          for (const change of events.value.changes) decide('calendar-event', change);
        } else {
          decide('failed', `calendar events: ${events.code}: ${events.message}`);
          if (events.transient) retryAt = now.getTime() + RETRY_AFTER_GIVE_UP_MS;
        }
      }
    }
  }

  // 3. Wait for the next leave event, a nudge, or the next boundary; then continue as new.
  const boundary = nextWake(calendar, absences, now);
  const wakeAt = [boundary ? Date.parse(boundary) : undefined, retryAt]
    .filter((t): t is number => t !== undefined)
    .reduce<number | undefined>((a, b) => (a === undefined ? b : Math.min(a, b)), undefined);
  status({ phase: 'waiting', ...(wakeAt === undefined ? {} : { until: new Date(wakeAt).toISOString() }) });
  const leaveEvent = context.df.waitForExternalEvent(LEAVE_EVENT_NAME);
  const reconcile = context.df.waitForExternalEvent(RECONCILE_EVENT_NAME);
  const waits: Task[] = [leaveEvent, reconcile];
  const timer = wakeAt === undefined ? undefined : context.df.createTimer(new Date(wakeAt));
  if (timer) waits.push(timer);
  const winner = (yield context.df.Task.any(waits)) as Task;
  if (timer && winner !== timer) timer.cancel();
  const next: CalendarOwnerInput = {
    mailbox,
    calendar,
    pending: winner === leaveEvent ? [leaveEvent.result as CalendarDelivery] : [],
    wake: winner === leaveEvent ? 'event' : winner === reconcile ? 'reconcile' : 'timer',
    ...(input.retry ? { retry: input.retry } : {}),
  };
  context.df.continueAsNew(next);
  return undefined;
};
df.app.orchestration(LEAVE_CALENDAR_ORCHESTRATOR, leaveCalendarOrchestrator);
