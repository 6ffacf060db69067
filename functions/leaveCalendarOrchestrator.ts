/**
 * The calendar owner: one long-lived orchestration per mailbox, the only writer of that person's automatic
 * replies and Out of office events (docs/leave-calendar.md says why an orchestration and not an entity).
 * Generations alternate: a waiting one (its input is the owner's whole state, which is what the status API
 * shows) waits for the next leave event, the reconcile timer's nudge or its own timer (the next absence's
 * start or end); an updating one applies the events to the calendar (shared/leave/leaveCalendar.ts), looks
 * at the mailbox when something changed or a boundary came (shared/leave/mailboxSync.ts decides), and
 * continues as a waiting one with the new state. Each continues as new, so the history stays one
 * generation long however many leaves and deliveries the person has. It never completes; waiting costs
 * nothing.
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
/** At most this many leave events are applied by one generation (the rest wait for the next). */
export const MAX_EVENTS_PER_GENERATION = 50;

/** Why a step failed: a permanent code, or still transient after every attempt. */
interface StepFailure {
  ok: false;
  code: string;
  message: string;
  transient: boolean;
}

/** An activity's value, or why it failed. */
type StepResult<T> = { ok: true; value: T } | StepFailure;

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
      // The status is capped at 16 KB by Durable Functions: the last few decisions, their details shortened.
      decisions: calendar.decisions.slice(-5).map((d) => ({ ...d, detail: d.detail.slice(0, 240) })),
    } satisfies CalendarOwnerStatus);

  if (input.wake === 'idle') {
    // A waiting generation: its input is the owner's whole current state (what the status API shows).
    const absences = absencesOf(calendar, now);
    const boundary = nextWake(calendar, absences, now);
    const wakeAt = [boundary, input.retryAt].filter((t): t is string => t !== undefined).sort()[0];
    status({ phase: 'waiting', ...(wakeAt === undefined ? {} : { until: wakeAt }) });
    const leaveEvent = context.df.waitForExternalEvent(LEAVE_EVENT_NAME);
    const reconcile = context.df.waitForExternalEvent(RECONCILE_EVENT_NAME);
    const waits: Task[] = [leaveEvent, reconcile];
    const timer = wakeAt === undefined ? undefined : context.df.createTimer(new Date(wakeAt));
    if (timer) waits.push(timer);
    const winner = (yield context.df.Task.any(waits)) as Task;
    if (timer && winner !== timer) timer.cancel();
    const pending: CalendarDelivery[] = [];
    if (winner === leaveEvent) {
      pending.push(leaveEvent.result as CalendarDelivery);
      // Events delivered together are taken together: an event left unread when the generation
      // continues as new is carried over only where the durability provider does so.
      while (pending.length < MAX_EVENTS_PER_GENERATION) {
        const more = context.df.waitForExternalEvent(LEAVE_EVENT_NAME);
        const drained = context.df.createTimer(context.df.currentUtcDateTime);
        if ((yield context.df.Task.any([more, drained])) === drained) break;
        drained.cancel();
        pending.push(more.result as CalendarDelivery);
      }
    }
    context.df.continueAsNew({
      mailbox,
      calendar,
      pending,
      wake: winner === leaveEvent ? 'event' : winner === reconcile ? 'reconcile' : 'timer',
      ...(input.retry ? { retry: input.retry } : {}),
    } satisfies CalendarOwnerInput);
    return undefined;
  }

  // An updating generation: the events delivered, then the mailbox in step when something changed or a
  // boundary came; then a waiting generation with the new state.
  status({ phase: 'updating' });
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

  let retryAt: string | undefined;
  if (changed || input.wake !== 'event') {
    const absences = absencesOf(calendar, now);
    const settings = (yield context.df.callActivity(LEAVE_OWNER_SETTINGS, { mailbox })) as OwnerSettings;
    const giveUp = (what: string, failure: StepFailure): void => {
      decide('failed', `${what}: ${failure.code}: ${failure.message}`);
      if (failure.transient) retryAt = new Date(now.getTime() + RETRY_AFTER_GIVE_UP_MS).toISOString();
    };
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
          wake: input.wake,
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
        const repaired = input.wake === 'reconcile' && sync.value.decision === 'scheduled';
        decide(repaired ? 'repaired' : sync.value.decision, sync.value.detail);
      } else {
        giveUp('automatic replies', sync);
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
          giveUp('calendar events', events);
        }
      }
    }
  }
  context.df.continueAsNew({
    mailbox,
    calendar,
    pending: [],
    wake: 'idle',
    ...(retryAt ? { retryAt } : {}),
    ...(input.retry ? { retry: input.retry } : {}),
  } satisfies CalendarOwnerInput);
  return undefined;
};
df.app.orchestration(LEAVE_CALENDAR_ORCHESTRATOR, leaveCalendarOrchestrator);
