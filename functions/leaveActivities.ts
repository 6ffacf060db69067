/**
 * The leave workflow's activities: every mailbox and HiBob call of the calendar owner and the HiBob intake
 * happens here. Errors cross the durable boundary as shared/app/activityOutcome.ts says: permanent ones come
 * back as a result naming the code, so the orchestrator records them without retrying; transient and
 * throttled ones are thrown as a TransientFailure, so that callActivityWithRetry tries again, a bounded
 * number of times.
 *
 * Every input carries the orchestration's instance id (an activity has no other way to know it), and
 * every retry and failure line, the mailbox client's per-call ones included, names it.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import {
  activityOutcome,
  failed,
  TransientFailure,
  type ActivityOutcome,
} from '../shared/app/activityOutcome';
import { appServices } from '../shared/app/appServices';
import {
  deliverToCalendar,
  durableLeaveInstances,
  type CalendarDelivery,
  type DispatchOutcome,
} from '../shared/leave/leaveDispatch';
import type { LeaveNotice } from '../shared/leave/sources/hibob';
import type { HibobFetchResult } from '../shared/leave/sources/hibobApi';
import {
  fetchHibobRequest,
  hibobServiceUser,
  syncCalendarEvents,
  syncMailbox,
  type CalendarEventsInput,
  type CalendarEventsResult,
  type SyncMailboxInput,
  type SyncMailboxResult,
} from '../shared/leave/leaveSteps';
import type { MailboxOperations } from '../shared/mailbox/mailboxOperations';
import {
  instanceLog,
  withInvocationLog,
  type FromOrchestration,
  type InstanceLog,
} from '../shared/platform/logging/invocationLog';

export const LEAVE_OWNER_SETTINGS = 'leaveOwnerSettings';
export const LEAVE_SYNC_MAILBOX = 'leaveSyncMailbox';
export const LEAVE_SYNC_CALENDAR_EVENTS = 'leaveSyncCalendarEvents';
export const LEAVE_FETCH_HIBOB = 'leaveFetchHibob';
export const LEAVE_DELIVER = 'leaveDeliver';

function mailbox(): Promise<MailboxOperations> {
  return appServices().mailbox();
}

/** The step's outcome, with one line for a transient (retried) or permanent (ending) failure. */
async function attempt<T>(log: InstanceLog, step: string, fn: () => Promise<T>): Promise<ActivityOutcome<T>> {
  return activityOutcome(() => withInvocationLog(log, fn), {
    permanent: (failure) => log.error(`${step}: permanent ${failure.code}`),
    retried: (error) => {
      if (error instanceof TransientFailure) log.warn(`${step}: transient ${error.code}, will be retried`);
    },
  });
}

/** What the owner needs from the configuration: is the mailbox in MAILBOX_SCOPE, and are events on. No mailbox call. */
export interface OwnerSettings {
  inScope: boolean;
  scope: string;
  calendarEvent: boolean;
}

export function leaveOwnerSettings(input: { mailbox: string }): OwnerSettings {
  const scope = appServices().scope();
  return {
    inScope: scope.allows(input.mailbox),
    scope: scope.describe(),
    calendarEvent: appServices().leaveSettings().calendarEvent,
  };
}
df.app.activity(LEAVE_OWNER_SETTINGS, { handler: leaveOwnerSettings });

/** One look at the mailbox: read, decide, write at most once (shared/leave/leaveSteps.ts). */
export async function leaveSyncMailbox(
  input: SyncMailboxInput,
  context: InvocationContext,
): Promise<ActivityOutcome<SyncMailboxResult>> {
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_SYNC_MAILBOX, () =>
    syncMailbox(ops, input, appServices().leaveSettings(), log, LEAVE_SYNC_MAILBOX),
  );
}
df.app.activity(LEAVE_SYNC_MAILBOX, { handler: leaveSyncMailbox });

/** The Out of office calendar events in step with the absences (LEAVE_CALENDAR_EVENT). */
export async function leaveSyncCalendarEvents(
  input: CalendarEventsInput,
  context: InvocationContext,
): Promise<ActivityOutcome<CalendarEventsResult>> {
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_SYNC_CALENDAR_EVENTS, () =>
    syncCalendarEvents(ops, input, appServices().leaveSettings(), log, LEAVE_SYNC_CALENDAR_EVENTS),
  );
}
df.app.activity(LEAVE_SYNC_CALENDAR_EVENTS, { handler: leaveSyncCalendarEvents });

/** Re-reads a HiBob time-off request (shared/leave/leaveSteps.ts); without HiBob's service user, a permanent failure. */
export async function leaveFetchHibob(
  notice: LeaveNotice & FromOrchestration,
  context: InvocationContext,
): Promise<ActivityOutcome<HibobFetchResult>> {
  const log = instanceLog(context, notice.instanceId);
  const settings = appServices().leaveSettings();
  const secrets = appServices().secrets();
  const user = await hibobServiceUser(secrets);
  if (!user) {
    const message = 'HIBOB_SERVICE_USER_ID and HIBOB_SERVICE_USER_TOKEN must be set to read HiBob requests';
    log.error(`${LEAVE_FETCH_HIBOB}: ${message}`);
    return failed('HibobNotConfigured', message);
  }
  return attempt(log, LEAVE_FETCH_HIBOB, async () => {
    const result = await fetchHibobRequest(notice, user, settings, secrets, appServices().now());
    log.info(`${LEAVE_FETCH_HIBOB}: request ${notice.leaveId} is ${result.state}`);
    return result;
  });
}
df.app.activity(LEAVE_FETCH_HIBOB, { handler: leaveFetchHibob });

/** Hands a leave event the intake read from HiBob to the person's calendar owner. */
export async function leaveDeliver(
  input: CalendarDelivery & FromOrchestration,
  context: InvocationContext,
): Promise<ActivityOutcome<DispatchOutcome>> {
  const log = instanceLog(context, input.instanceId);
  const settings = appServices().leaveSettings();
  const instances = durableLeaveInstances(df.getClient(context));
  return attempt(log, LEAVE_DELIVER, async () => {
    const outcome = await deliverToCalendar({ source: input.source, event: input.event }, instances, {
      firstRetryMs: settings.firstRetryMs,
      maxAttempts: settings.maxAttempts,
    });
    log.info(`${LEAVE_DELIVER}: event ${input.event.eventId} ${outcome.action} ${outcome.instanceId}`);
    return outcome;
  });
}
df.app.activity(LEAVE_DELIVER, { handler: leaveDeliver, extraInputs: [df.input.durableClient()] });
