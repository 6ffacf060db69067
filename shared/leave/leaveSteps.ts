/**
 * The leave workflow's steps that touch a mailbox or HiBob, one per activity of functions/leaveActivities.ts
 * (which registers them and carries their outcome across the durable boundary): one look at the mailbox
 * (read, decide with shared/leave/mailboxSync.ts, write), the Out of office calendar events, and re-reading a
 * HiBob request.
 */
import { readFileSync } from 'node:fs';
import type { LeaveSettings } from '../platform/config';
import type { FromOrchestration, InstanceLog } from '../platform/logging/invocationLog';
import { MailboxError } from '../mailbox/mailboxError';
import type { MailboxOperations, OofCalendarEvent, OofSettings } from '../mailbox/mailboxOperations';
import type { Absence, CalendarEventRecord } from './leaveCalendar';
import { planSync, type SyncDecisionKind, type SyncState } from './mailboxSync';
import { plannedOof } from './leavePlan';
import { formatDay, pickTemplate, DEFAULT_TEMPLATES, type TemplateSet } from './templates';
import type { SecretProvider } from '../platform/secrets';
import type { LeaveNotice } from './sources/hibob';
import type { HibobFetchResult } from './sources/hibobApi';
import { appServices } from '../app/appServices';
import type { CalendarOwnerInput } from './leaveDispatch';
import type { ChangeJournal } from '../journal/changeJournal';
import { changeId, digestOf, type JournalTrigger } from '../journal/journalEntry';
import { recordChange, type ChangeDescription } from '../journal/recordChange';

let templatesCache: { file: string; templates: TemplateSet } | undefined;

/** LEAVE_TEMPLATES_FILE's templates, read once per file name (undefined: the built-in ones). */
function templates(file: string | undefined): TemplateSet | undefined {
  if (!file) return undefined;
  if (templatesCache?.file !== file) {
    templatesCache = { file, templates: JSON.parse(readFileSync(file, 'utf8')) as TemplateSet };
  }
  return templatesCache.templates;
}

/** The automatic replies of an absence, in the person's language, naming the real first day back. */
export function absenceReplies(absence: Absence, settings: LeaveSettings): OofSettings {
  return plannedOof(
    absence.reply,
    { start: absence.start, end: absence.end, firstDayBack: absence.firstDayBack },
    {
      externalAudience: settings.externalAudience,
      defaultLocale: settings.defaultLocale,
      templates: templates(settings.templatesFile),
    },
  );
}

/** One look at the mailbox: what the calendar wants now (the first absence running or to come, if any). */
export interface SyncMailboxInput extends FromOrchestration {
  mailbox: string;
  /** The orchestration's time: windows are judged against it. */
  now: string;
  absence?: Absence;
  state: SyncState;
  /** What woke the owner: a `scheduled` on the reconcile timer's nudge is a repair. */
  wake?: CalendarOwnerInput['wake'];
}

export interface SyncMailboxResult {
  decision: SyncDecisionKind | 'repaired';
  detail: string;
  state: SyncState;
}

/** Why the owner acts: the absence it acts for (or, restoring, the one it applied), and its leaves. */
function leaveTrigger(absence: Absence | undefined, state: SyncState): JournalTrigger {
  if (absence) return { kind: 'leave', absence: absence.tag, leaves: absence.leaves };
  return state.applied ? { kind: 'leave', absence: state.applied.tag } : { kind: 'leave' };
}

/**
 * Reads the mailbox, decides (shared/leave/mailboxSync.ts) and writes at most once; the write, and a
 * decision to leave the person's own change alone, go to the change journal. A line's id is the owner's
 * instance, its generation's time, the step and the change (digests before and after): an activity run
 * again with the same input that makes the same change again writes the same id.
 */
export async function syncMailbox(
  ops: MailboxOperations,
  input: SyncMailboxInput,
  settings: LeaveSettings,
  log: InstanceLog,
  step: string,
  journal: ChangeJournal = appServices().journal(),
): Promise<SyncMailboxResult> {
  const current = await ops.getOof(input.mailbox);
  const { absence } = input;
  const plan = planSync(
    current,
    absence
      ? {
          kind: 'absence',
          tag: absence.tag,
          start: absence.start,
          end: absence.end,
          settings: absenceReplies(absence, settings),
        }
      : { kind: 'own' },
    input.state,
    input.now,
  );
  const decision = input.wake === 'reconcile' && plan.decision === 'scheduled' ? 'repaired' : plan.decision;
  const before = digestOf(current);
  const change = (after: string): ChangeDescription => ({
    id: changeId(input.instanceId, input.now, step, decision, before, after),
    mailbox: input.mailbox,
    action: 'automatic-replies',
    decision,
    before,
    after,
    trigger: leaveTrigger(absence, input.state),
    instanceId: input.instanceId,
  });
  const { write } = plan;
  if (write) {
    await recordChange(journal, log, change(digestOf(write)), () => ops.setOof(input.mailbox, write));
  } else if (decision === 'left-as-changed') {
    await journal.append({ ...change(before), result: 'no-change', requestIds: [] }, log);
  }
  log.info(`${step}: ${decision}: ${plan.detail}`);
  return { decision, detail: plan.detail, state: plan.state };
}

/** The Out of office events the calendar wants: one per absence running or to come. */
export interface CalendarEventsInput extends FromOrchestration {
  mailbox: string;
  now: string;
  absences: Absence[];
  events: CalendarEventRecord[];
}

export interface CalendarEventsResult {
  events: CalendarEventRecord[];
  /** What changed, one line each (created / moved / deleted, with the days). */
  changes: string[];
}

function calendarEvent(absence: Absence, settings: LeaveSettings): OofCalendarEvent {
  const { locale } = pickTemplate(
    templates(settings.templatesFile) ?? DEFAULT_TEMPLATES,
    absence.reply.locale,
    settings.defaultLocale,
  );
  return {
    subject: 'Out of office',
    firstDay: absence.firstDay,
    firstDayBack: absence.firstDayBack,
    timeZone: absence.reply.timeZone,
    body: `Back on ${formatDay(absence.firstDayBack, absence.reply.locale ?? locale)}.`,
    tag: absence.tag,
  };
}

/**
 * Creates, moves and deletes the app's own events so that each absence has exactly one; an event whose
 * absence is over stays in the calendar (it is what happened) and is no longer tracked. Only events by the
 * ids this app recorded are ever changed. Safe to run again: a create finds its event by tag, a delete of a
 * gone event is done, an update of a gone event creates it again.
 */
export async function syncCalendarEvents(
  ops: MailboxOperations,
  input: CalendarEventsInput,
  settings: LeaveSettings,
  log: InstanceLog,
  step: string,
  journal: ChangeJournal = appServices().journal(),
): Promise<CalendarEventsResult> {
  // Each change journaled after its call, its id naming the event (a delete or move repeated by a retried
  // activity has the same id as the first).
  const change = (
    action: ChangeDescription['action'],
    key: string,
    absence: Absence | undefined,
    days: string,
    from?: string,
  ): ChangeDescription => ({
    id: changeId(input.instanceId, input.now, step, action, key, days),
    mailbox: input.mailbox,
    action,
    days,
    ...(from === undefined ? {} : { from }),
    trigger: absence ? { kind: 'leave', absence: absence.tag, leaves: absence.leaves } : { kind: 'leave' },
    instanceId: input.instanceId,
  });
  const wanted = new Map(input.absences.map((a) => [a.tag, a]));
  const events: CalendarEventRecord[] = [];
  const changes: string[] = [];
  const now = Date.parse(input.now);
  for (const record of input.events) {
    const absence = wanted.get(record.tag);
    if (absence) continue;
    if (Date.parse(record.end) <= now) continue; // over: kept in the calendar, no longer ours to move
    const days = `${record.firstDay}..${record.firstDayBack}`;
    const deleted = change('calendar-event-deleted', record.id, undefined, days);
    await recordChange(
      journal,
      log,
      { ...deleted, trigger: { kind: 'leave', absence: record.tag } },
      () => ops.deleteOofEvent(input.mailbox, record.id),
      (outcome) => (outcome === 'already-gone' ? { result: 'no-change', decision: 'already-gone' } : {}),
    );
    changes.push(`deleted ${record.firstDay}..${record.firstDayBack}`);
  }
  for (const absence of input.absences) {
    const event = calendarEvent(absence, settings);
    const record = input.events.find((r) => r.tag === absence.tag);
    let id: string;
    const days = `${absence.firstDay}..${absence.firstDayBack}`;
    if (!record) {
      id = await recordChange(
        journal,
        log,
        change('calendar-event-created', absence.tag, absence, days),
        () => ops.createOofEvent(input.mailbox, event),
      );
      changes.push(`created ${absence.firstDay}..${absence.firstDayBack}`);
    } else if (record.firstDay !== absence.firstDay || record.firstDayBack !== absence.firstDayBack) {
      const from = `${record.firstDay}..${record.firstDayBack}`;
      id = await recordChange(
        journal,
        log,
        change('calendar-event-moved', record.id, absence, days, from),
        () => updateOrCreate(ops, input.mailbox, record.id, event),
      );
      changes.push(
        `moved ${record.firstDay}..${record.firstDayBack} to ${absence.firstDay}..${absence.firstDayBack}`,
      );
    } else {
      id = record.id;
    }
    events.push({
      tag: absence.tag,
      id,
      firstDay: absence.firstDay,
      firstDayBack: absence.firstDayBack,
      end: absence.end,
    });
  }
  for (const change of changes) log.info(`${step}: ${change}`);
  return { events, changes };
}

/** The person deleted our event meanwhile: the absence still wants one, so it is made again. */
async function updateOrCreate(
  ops: MailboxOperations,
  mailbox: string,
  id: string,
  event: OofCalendarEvent,
): Promise<string> {
  try {
    return await ops.updateOofEvent(mailbox, id, event);
  } catch (error) {
    if (error instanceof MailboxError && error.code === 'ErrorItemNotFound') {
      return ops.createOofEvent(mailbox, event);
    }
    throw error;
  }
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
  now: Date,
): Promise<HibobFetchResult> {
  // Loaded on first use: registering the functions does not need HiBob's client.
  const { fetchHibobLeave } = await import('./sources/hibobApi');
  try {
    return await fetchHibobLeave(notice, {
      apiBase: settings.hibobApiUrl,
      ...user,
      timeZone: settings.hibobTimeZone,
      locale: settings.hibobLocale,
      // The same dates as the webhook accepts (LEAVE_START_MAX_PAST_DAYS, …): HiBob's are checked too.
      dates: { bounds: settings.dateBounds, now },
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
