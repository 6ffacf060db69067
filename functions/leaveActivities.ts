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
import { readFileSync } from 'node:fs';
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import {
  activityOutcome,
  failed,
  TransientFailure,
  type ActivityOutcome,
} from '../shared/app/activityOutcome';
import { appServices } from '../shared/app/appServices';
import type { LeaveNotice } from '../shared/hr/hibob';
import type { HibobFetchResult } from '../shared/hr/hibobApi';
import type { LeaveEvent } from '../shared/hr/leaveEvent';
import type { MailboxOperations, OofSettings } from '../shared/mailbox/mailboxOperations';
import { isStillOurs, plannedOof } from '../shared/oof/leavePlan';
import type { TemplateSet } from '../shared/oof/templates';
import {
  instanceLog,
  withInvocationLog,
  type FromOrchestration,
  type InstanceLog,
} from '../shared/logging/invocationLog';

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

let templatesCache: { file: string; templates: TemplateSet } | undefined;

function templates(file: string | undefined): TemplateSet | undefined {
  if (!file) return undefined;
  if (templatesCache?.file !== file) {
    templatesCache = { file, templates: JSON.parse(readFileSync(file, 'utf8')) as TemplateSet };
  }
  return templatesCache.templates;
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

export interface SetOofInput extends FromOrchestration {
  mailbox: string;
  event: LeaveEvent;
  /** UTC ISO instants, already clamped by the orchestrator (a leave that started runs from now). */
  start: string;
  end: string;
  firstDayBack: string;
}

/** Sets the scheduled OOF for the leave; answers the settings it set (compared at restore time). */
export async function leaveSetOof(
  input: SetOofInput,
  context: InvocationContext,
): Promise<ActivityOutcome<OofSettings>> {
  const settings = appServices().leaveSettings();
  const oof = plannedOof(
    input.event,
    { start: input.start, end: input.end, firstDayBack: input.firstDayBack },
    {
      externalAudience: settings.externalAudience,
      defaultLocale: settings.defaultLocale,
      templates: templates(settings.templatesFile),
    },
  );
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_SET_OOF, async () => {
    await ops.setOof(input.mailbox, oof);
    log.info(`${LEAVE_SET_OOF}: scheduled ${oof.start} to ${oof.end}`);
    return oof;
  });
}
df.app.activity(LEAVE_SET_OOF, { handler: leaveSetOof });

export interface RestoreInput extends FromOrchestration {
  mailbox: string;
  snapshot: OofSettings;
  /** What we set last; if the mailbox no longer shows it, the person changed it: leave it alone. */
  applied: OofSettings;
}

export interface RestoreResult {
  restored: boolean;
  /** Why nothing was restored. */
  reason?: 'changed-meanwhile';
}

export async function leaveRestoreOof(
  input: RestoreInput,
  context: InvocationContext,
): Promise<ActivityOutcome<RestoreResult>> {
  const ops = await mailbox();
  const log = instanceLog(context, input.instanceId);
  return attempt(log, LEAVE_RESTORE_OOF, async (): Promise<RestoreResult> => {
    const current = await ops.getOof(input.mailbox);
    if (!isStillOurs(current, input.applied)) {
      log.info(`${LEAVE_RESTORE_OOF}: automatic replies were changed since we set them; left as they are`);
      return { restored: false, reason: 'changed-meanwhile' };
    }
    await ops.setOof(input.mailbox, input.snapshot);
    return { restored: true };
  });
}
df.app.activity(LEAVE_RESTORE_OOF, { handler: leaveRestoreOof });

/**
 * Re-reads a HiBob time-off request (the webhook carries ids only) and maps it to a LeaveEvent; a request
 * that is no longer approved, or gone, comes back as `withdrawn`. HiBob's 429/5xx are thrown (retried).
 */
export async function leaveFetchHibob(
  notice: LeaveNotice & FromOrchestration,
  context: InvocationContext,
): Promise<ActivityOutcome<HibobFetchResult>> {
  const log = instanceLog(context, notice.instanceId);
  const settings = appServices().leaveSettings();
  const secrets = appServices().secrets();
  const [serviceUserId, serviceUserToken] = await Promise.all([
    secrets.get('HIBOB_SERVICE_USER_ID'),
    secrets.get('HIBOB_SERVICE_USER_TOKEN'),
  ]);
  if (!serviceUserId || !serviceUserToken) {
    const message = 'HIBOB_SERVICE_USER_ID and HIBOB_SERVICE_USER_TOKEN must be set to read HiBob requests';
    log.error(`${LEAVE_FETCH_HIBOB}: ${message}`);
    return failed('HibobNotConfigured', message);
  }
  const { fetchHibobLeave } = await import('../shared/hr/hibobApi');
  return attempt(log, LEAVE_FETCH_HIBOB, async () => {
    try {
      const result = await fetchHibobLeave(notice, {
        apiBase: settings.hibobApiUrl,
        serviceUserId,
        serviceUserToken,
        timeZone: settings.hibobTimeZone,
        locale: settings.hibobLocale,
      });
      log.info(`${LEAVE_FETCH_HIBOB}: request ${notice.leaveId} is ${result.state}`);
      return result;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'HibobAccessDenied') {
        // The token may have been rotated in Key Vault since it was cached.
        secrets.invalidate('HIBOB_SERVICE_USER_ID');
        secrets.invalidate('HIBOB_SERVICE_USER_TOKEN');
      }
      throw error;
    }
  });
}
df.app.activity(LEAVE_FETCH_HIBOB, { handler: leaveFetchHibob });
