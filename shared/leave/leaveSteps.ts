/**
 * The leave workflow's steps that touch a mailbox or HiBob, one per activity of functions/leaveActivities.ts
 * (which registers them and carries their outcome across the durable boundary): the replies a leave gets,
 * restoring the person's own replies unless they changed them meanwhile, and re-reading a HiBob request.
 */
import { readFileSync } from 'node:fs';
import type { LeaveSettings } from '../platform/config';
import type { FromOrchestration, InstanceLog } from '../platform/logging/invocationLog';
import type { MailboxOperations, OofSettings } from '../mailbox/mailboxOperations';
import { isStillOurs, plannedOof } from './leavePlan';
import type { TemplateSet } from './templates';
import type { SecretProvider } from '../platform/secrets';
import type { LeaveNotice } from './sources/hibob';
import type { HibobFetchResult } from './sources/hibobApi';
import type { LeaveEvent } from './leaveEvent';

export interface SetOofInput extends FromOrchestration {
  mailbox: string;
  event: LeaveEvent;
  /** UTC ISO instants, already clamped by the orchestrator (a leave that started runs from now). */
  start: string;
  end: string;
  firstDayBack: string;
}

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

let templatesCache: { file: string; templates: TemplateSet } | undefined;

/** LEAVE_TEMPLATES_FILE's templates, read once per file name (undefined: the built-in ones). */
function templates(file: string | undefined): TemplateSet | undefined {
  if (!file) return undefined;
  if (templatesCache?.file !== file) {
    templatesCache = { file, templates: JSON.parse(readFileSync(file, 'utf8')) as TemplateSet };
  }
  return templatesCache.templates;
}

/** The automatic replies a leave sets, in the person's language, from the settings' templates. */
export function leaveReplies(input: SetOofInput, settings: LeaveSettings): OofSettings {
  return plannedOof(
    input.event,
    { start: input.start, end: input.end, firstDayBack: input.firstDayBack },
    {
      externalAudience: settings.externalAudience,
      defaultLocale: settings.defaultLocale,
      templates: templates(settings.templatesFile),
    },
  );
}

/** Puts the person's own replies back, unless the mailbox no longer shows the ones we set. */
export async function restoreReplies(
  ops: MailboxOperations,
  input: RestoreInput,
  log: InstanceLog,
  step: string,
): Promise<RestoreResult> {
  const current = await ops.getOof(input.mailbox);
  if (!isStillOurs(current, input.applied)) {
    log.info(`${step}: automatic replies were changed since we set them; left as they are`);
    return { restored: false, reason: 'changed-meanwhile' };
  }
  await ops.setOof(input.mailbox, input.snapshot);
  return { restored: true };
}

export interface HibobServiceUser {
  serviceUserId: string;
  serviceUserToken: string;
}

/** HiBob's service user from the secrets; undefined when either half is not set. */
export async function hibobServiceUser(secrets: SecretProvider): Promise<HibobServiceUser | undefined> {
  const [serviceUserId, serviceUserToken] = await Promise.all([
    secrets.get('HIBOB_SERVICE_USER_ID'),
    secrets.get('HIBOB_SERVICE_USER_TOKEN'),
  ]);
  return serviceUserId && serviceUserToken ? { serviceUserId, serviceUserToken } : undefined;
}

/**
 * Re-reads a HiBob time-off request (the webhook carries ids only) and maps it to a LeaveEvent; a request
 * that is no longer approved, or gone, comes back as `withdrawn`. HiBob's 429/5xx are thrown (retried).
 */
export async function fetchHibobRequest(
  notice: LeaveNotice,
  user: HibobServiceUser,
  settings: LeaveSettings,
  secrets: SecretProvider,
): Promise<HibobFetchResult> {
  // Loaded on first use: registering the functions does not need HiBob's client.
  const { fetchHibobLeave } = await import('./sources/hibobApi');
  try {
    return await fetchHibobLeave(notice, {
      apiBase: settings.hibobApiUrl,
      ...user,
      timeZone: settings.hibobTimeZone,
      locale: settings.hibobLocale,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'HibobAccessDenied') {
      // The token may have been rotated in Key Vault since it was cached.
      secrets.invalidate('HIBOB_SERVICE_USER_ID');
      secrets.invalidate('HIBOB_SERVICE_USER_TOKEN');
    }
    throw error;
  }
}
