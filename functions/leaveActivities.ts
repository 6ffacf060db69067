/**
 * The leave orchestration's activities: every mailbox call of the leave workflow happens here.
 * Errors cross the durable boundary as shared/app/activityOutcome.ts says: permanent ones come back as a
 * result naming the code, so the orchestrator fails with it without retrying; transient and throttled
 * ones are thrown as a TransientFailure, so that callActivityWithRetry tries again, a bounded number of
 * times.
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
import type { LeaveNotice } from '../shared/leave/sources/hibob';
import type { HibobFetchResult } from '../shared/leave/sources/hibobApi';
import {
  fetchHibobRequest,
  hibobServiceUser,
  leaveReplies,
  restoreReplies,
  type RestoreInput,
  type RestoreResult,
  type SetOofInput,
} from '../shared/leave/leaveSteps';
import type { MailboxOperations, OofSettings } from '../shared/mailbox/mailboxOperations';
import {
  instanceLog,
  withInvocationLog,
  type FromOrchestration,
  type InstanceLog,
} from '../shared/platform/logging/invocationLog';

export type { RestoreInput, RestoreResult, SetOofInput };

export const LEAVE_CHECK_SCOPE = 'leaveCheckScope';
export const LEAVE_GET_OOF = 'leaveGetOof';
export const LEAVE_SET_OOF = 'leaveSetOof';
export const LEAVE_RESTORE_OOF = 'leaveRestoreOof';
export const LEAVE_FETCH_HIBOB = 'leaveFetchHibob';

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

/** Is the person's mailbox in MAILBOX_SCOPE? Configuration only, no mailbox call. */
export function leaveCheckScope(input: { mailbox: string }): { inScope: boolean; scope: string } {
  const scope = appServices().scope();
  return { inScope: scope.allows(input.mailbox), scope: scope.describe() };
}
df.app.activity(LEAVE_CHECK_SCOPE, { handler: leaveCheckScope });

/** Which person's mailbox, for which orchestration. */
export interface GetOofInput extends FromOrchestration {
  mailbox: string;
}

/** The person's current automatic replies: the snapshot restored at the end. */
export async function leaveGetOof(
  input: GetOofInput,
  context: InvocationContext,
): Promise<ActivityOutcome<OofSettings>> {
  const ops = await mailbox();
  return attempt(instanceLog(context, input.instanceId), LEAVE_GET_OOF, () => ops.getOof(input.mailbox));
}
df.app.activity(LEAVE_GET_OOF, { handler: leaveGetOof });

/** Sets the scheduled OOF for the leave; answers the settings it set (compared at restore time). */
export async function leaveSetOof(
  input: SetOofInput,
  context: InvocationContext,
): Promise<ActivityOutcome<OofSettings>> {
  const oof = leaveReplies(input, appServices().leaveSettings());
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_SET_OOF, async () => {
    await ops.setOof(input.mailbox, oof);
    log.info(`${LEAVE_SET_OOF}: scheduled ${oof.start} to ${oof.end}`);
    return oof;
  });
}
df.app.activity(LEAVE_SET_OOF, { handler: leaveSetOof });

export async function leaveRestoreOof(
  input: RestoreInput,
  context: InvocationContext,
): Promise<ActivityOutcome<RestoreResult>> {
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_RESTORE_OOF, () => restoreReplies(ops, input, log, LEAVE_RESTORE_OOF));
}
df.app.activity(LEAVE_RESTORE_OOF, { handler: leaveRestoreOof });

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
    const result = await fetchHibobRequest(notice, user, settings, secrets);
    log.info(`${LEAVE_FETCH_HIBOB}: request ${notice.leaveId} is ${result.state}`);
    return result;
  });
}
df.app.activity(LEAVE_FETCH_HIBOB, { handler: leaveFetchHibob });
