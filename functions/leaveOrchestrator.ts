/**
 * One orchestration per leave: scope check, snapshot of the person's automatic replies, a scheduled OOF
 * from templates, then whichever comes first — the end of the leave (durable timer), a change (set
 * again) or a cancellation (restore now) — and finally the snapshot restored, unless the person changed
 * their replies meanwhile. Deterministic: time from currentUtcDateTime, all I/O in activities.
 *
 * Every activity input carries the instance id, so the activities' retry and failure lines name it; the
 * orchestrator's own failure line (written once, not on every replay) names it too.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import type { ActivityOutcome } from '../shared/app/activityOutcome';
import { isNewer, type LeaveEvent } from '../shared/leave/leaveEvent';
import { isLeaveNotice, type LeaveNotice } from '../shared/leave/sources/hibob';
import type { HibobFetchResult } from '../shared/leave/sources/hibobApi';
import {
  LEAVE_EVENT_NAME,
  LEAVE_ORCHESTRATOR,
  type LeaveDelivery,
  type LeaveOrchestrationInput,
  type RetrySettings,
} from '../shared/leave/leaveDispatch';
import type { OofSettings } from '../shared/mailbox/mailboxOperations';
import { leaveWindow, type LeaveWindow } from '../shared/leave/leaveWindow';
import { instanceLine, type FromOrchestration } from '../shared/platform/logging/invocationLog';
import {
  LEAVE_CHECK_SCOPE,
  LEAVE_FETCH_HIBOB,
  LEAVE_GET_OOF,
  LEAVE_RESTORE_OOF,
  LEAVE_SET_OOF,
  type GetOofInput,
  type RestoreInput,
  type RestoreResult,
  type SetOofInput,
} from './leaveActivities';

export { LEAVE_ORCHESTRATOR };

export type LeaveOutcome = 'restored' | 'left-as-changed' | 'out-of-scope' | 'already-over' | 'nothing-to-do';

/** The orchestration's output: what was done to the mailbox, and why. */
export interface LeaveSummary {
  outcome: LeaveOutcome;
  mailbox: string;
  source: string;
  leaveId: string;
  /** The last window we set (UTC), if any. */
  scheduled?: { start: string; end: string };
  /** Why the replies came back: the leave ended, was cancelled, or was changed to end already. */
  endedBy?: 'end-of-leave' | 'cancelled' | 'changed-to-past';
  /** How many times the OOF was set (1 + changes). */
  timesSet: number;
  eventsApplied: string[];
  eventsIgnored: string[];
  lastEventOccurredAt: string;
  note?: string;
}

/** The custom status while it runs: the phase a person watching the status URL sees. */
export interface LeaveStatus {
  phase:
    'fetching' | 'checking-scope' | 'snapshot' | 'scheduling' | 'waiting' | 'restoring' | 'done' | 'failed';
  until?: string;
  code?: string;
}

export const DEFAULT_RETRY: RetrySettings = { firstRetryMs: 5000, maxAttempts: 5 };

/** Ends the orchestration as Failed with a message naming the EWS code. */
class LeaveStepError extends Error {
  constructor(step: string, code: string, detail: string) {
    super(`${step} failed with ${code}: ${detail}`);
    this.name = 'LeaveStepError';
  }
}

/** Sets the failed phase, writes the failure line once (not on replays) and ends the orchestration. */
function fail(context: OrchestrationContext, error: LeaveStepError, code: string): never {
  context.df.setCustomStatus({ phase: 'failed', code } satisfies LeaveStatus);
  if (!context.df.isReplaying) context.error(instanceLine(context.df.instanceId, error.message));
  throw error;
}

function unwrap<T>(context: OrchestrationContext, step: string, result: ActivityOutcome<T>): T {
  if (result.ok) return result.value;
  const { code, message } = result.failure;
  return fail(context, new LeaveStepError(step, code, `permanent error, not retried: ${message}`), code);
}

/** Runs an activity with bounded retries; a give-up after transient errors also ends the orchestration. */
function* call<T, Input extends FromOrchestration = FromOrchestration>(
  context: OrchestrationContext,
  retry: df.RetryOptions,
  name: string,
  input: Input,
): Generator<Task, T, ActivityOutcome<T>> {
  let result: ActivityOutcome<T>;
  try {
    result = yield context.df.callActivityWithRetry(name, retry, input);
  } catch (err) {
    return fail(
      context,
      new LeaveStepError(
        name,
        'TransientGiveUp',
        `still failing after ${retry.maxNumberOfAttempts} attempts: ${(err as Error).message}`,
      ),
      'TransientGiveUp',
    );
  }
  return unwrap(context, name, result);
}

function windowOf(event: LeaveEvent): LeaveWindow | undefined {
  if (!event.start || !event.end) return undefined;
  try {
    return leaveWindow(event.start, event.end, event.timeZone);
  } catch {
    return undefined;
  }
}

export const leaveOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<LeaveOrchestrationInput>();
  const retrySettings = input.retry ?? DEFAULT_RETRY;
  const retry = new df.RetryOptions(retrySettings.firstRetryMs, retrySettings.maxAttempts);
  retry.backoffCoefficient = 2;
  const status = (s: LeaveStatus): void => context.df.setCustomStatus(s);
  const { instanceId } = context.df;

  /** A HiBob notice carries ids only: its request as it stands now, read in an activity. */
  const fetch = function* (
    notice: LeaveNotice,
  ): Generator<Task, HibobFetchResult, ActivityOutcome<HibobFetchResult>> {
    status({ phase: 'fetching' });
    return yield* call<HibobFetchResult>(context, retry, LEAVE_FETCH_HIBOB, { ...notice, instanceId });
  };

  let event: LeaveEvent;
  if (isLeaveNotice(input.event)) {
    const fetched: HibobFetchResult = yield* fetch(input.event);
    if (fetched.state !== 'approved') {
      status({ phase: 'done' });
      const summary: LeaveSummary = {
        outcome: 'nothing-to-do',
        mailbox: '',
        source: input.source,
        leaveId: input.event.leaveId,
        timesSet: 0,
        eventsApplied: [input.event.eventId],
        eventsIgnored: [],
        lastEventOccurredAt: input.event.occurredAt,
        note: `the request is ${fetched.status} in ${input.source}; nothing changed`,
      };
      return summary;
    }
    event = fetched.event;
  } else {
    event = input.event;
  }
  const mailbox = event.employee.email;
  const summary: LeaveSummary = {
    outcome: 'nothing-to-do',
    mailbox,
    source: input.source,
    leaveId: event.leaveId,
    timesSet: 0,
    eventsApplied: [event.eventId],
    eventsIgnored: [],
    lastEventOccurredAt: event.occurredAt,
  };
  const finish = (outcome: LeaveOutcome, note?: string): LeaveSummary => {
    status({ phase: 'done' });
    return { ...summary, outcome, ...(note ? { note } : {}) };
  };

  status({ phase: 'checking-scope' });
  const scope = (yield context.df.callActivity(LEAVE_CHECK_SCOPE, { mailbox })) as {
    inScope: boolean;
    scope: string;
  };
  if (!scope.inScope) {
    return finish(
      'out-of-scope',
      `${mailbox} is outside MAILBOX_SCOPE (${scope.scope}); no mailbox call was made`,
    );
  }
  let window = windowOf(event);
  if (event.type === 'cancelled' || !window)
    return finish('nothing-to-do', 'the first event carries no leave to schedule');
  if (Date.parse(window.end) <= context.df.currentUtcDateTime.getTime()) {
    return finish('already-over', 'the leave was already over; nothing changed');
  }

  status({ phase: 'snapshot' });
  const snapshot: OofSettings = yield* call<OofSettings, GetOofInput>(context, retry, LEAVE_GET_OOF, {
    mailbox,
    instanceId,
  });

  const schedule = function* (
    w: LeaveWindow,
    e: LeaveEvent,
  ): Generator<Task, OofSettings, ActivityOutcome<OofSettings>> {
    status({ phase: 'scheduling', until: w.end });
    const now = context.df.currentUtcDateTime.toISOString();
    // A leave that already started is on from now until its end.
    const start = Date.parse(w.start) < Date.parse(now) ? now : w.start;
    const setInput: SetOofInput = {
      mailbox,
      event: e,
      start,
      end: w.end,
      firstDayBack: w.firstDayBack,
      instanceId,
    };
    const set = yield* call<OofSettings>(context, retry, LEAVE_SET_OOF, setInput);
    summary.timesSet++;
    summary.scheduled = { start, end: w.end };
    return set;
  };
  let applied: OofSettings = yield* schedule(window, event);

  for (;;) {
    status({ phase: 'waiting', until: window.end });
    const timer = context.df.createTimer(new Date(window.end));
    const change = context.df.waitForExternalEvent(LEAVE_EVENT_NAME);
    const winner = (yield context.df.Task.any([timer, change])) as Task;
    if (winner === timer) {
      summary.endedBy = 'end-of-leave';
      break;
    }
    timer.cancel();
    const delivered = change.result as LeaveDelivery | undefined;
    if (!delivered || delivered.leaveId !== event.leaveId || !isNewer(delivered, event)) {
      // a duplicate delivery, or older than what we applied: ignore
      summary.eventsIgnored.push(String(delivered?.eventId));
      continue;
    }
    let next: LeaveEvent;
    if (!isLeaveNotice(delivered)) {
      next = delivered;
    } else {
      const withdrawn: LeaveEvent = {
        ...event,
        eventId: delivered.eventId,
        type: 'cancelled',
        occurredAt: delivered.occurredAt,
      };
      if (delivered.type === 'cancelled') {
        next = withdrawn;
      } else {
        const fetched: HibobFetchResult = yield* fetch(delivered);
        next =
          fetched.state === 'approved'
            ? { ...fetched.event, eventId: delivered.eventId, occurredAt: delivered.occurredAt }
            : withdrawn;
      }
    }
    event = next;
    summary.eventsApplied.push(next.eventId);
    summary.lastEventOccurredAt = next.occurredAt;
    if (next.type === 'cancelled') {
      summary.endedBy = 'cancelled';
      break;
    }
    const changed = windowOf(next);
    if (!changed) {
      summary.eventsIgnored.push(next.eventId);
      continue;
    }
    window = changed;
    if (Date.parse(window.end) <= context.df.currentUtcDateTime.getTime()) {
      summary.endedBy = 'changed-to-past';
      break;
    }
    applied = yield* schedule(window, next);
  }

  status({ phase: 'restoring' });
  const restore: RestoreResult = yield* call<RestoreResult, RestoreInput>(context, retry, LEAVE_RESTORE_OOF, {
    mailbox,
    snapshot,
    applied,
    instanceId,
  });
  return restore.restored
    ? finish('restored')
    : finish(
        'left-as-changed',
        'the automatic replies were changed after we set them; they were left as they are',
      );
};
df.app.orchestration(LEAVE_ORCHESTRATOR, leaveOrchestrator);
