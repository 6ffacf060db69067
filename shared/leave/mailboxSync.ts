/**
 * One look at a person's mailbox by the calendar owner: given what the mailbox shows now, what the calendar
 * wants it to show, what the app last wrote and what to return to, decide whether to write and what the owner
 * remembers afterwards. Pure: the activity (shared/leave/leaveSteps.ts) reads, calls this, and writes.
 *
 * The rules (docs/leave-calendar.md has them as a table):
 * - The state to return to is what the mailbox held before the app first touched it for an absence; while the
 *   app holds nothing, every look refreshes it.
 * - The mailbox shows neither what the app wrote nor what it wants: the person changed it. During an
 *   absence, the app leaves it for the rest of that absence; either way what they set is the new state to
 *   return to. Later absences are still applied (a new leave is a new fact from HR).
 * - An absence that has not started is scheduled ahead only when the person's own replies are quiet
 *   (Disabled, or a scheduled window already over): otherwise their reply stays until the absence starts.
 * - A restore never sends a scheduled window whose end has passed (Exchange refuses it): such a window comes
 *   back as Disabled with the person's texts and audience. Enabled or Disabled replies come back exactly, with
 *   the last window Exchange kept for them.
 */
import type { OofSettings } from '../mailbox/mailboxOperations';
import type { AppliedReplies } from './leaveCalendar';
import { isStillOurs } from './leavePlan';

/** What the calendar wants the mailbox to show now. */
export type SyncTarget =
  { kind: 'absence'; tag: string; start: string; end: string; settings: OofSettings } | { kind: 'own' };

export interface SyncState {
  restoreTo?: OofSettings;
  applied?: AppliedReplies;
  handsOffUntil?: string;
}

export type SyncDecisionKind =
  | 'scheduled'
  | 'unchanged'
  | 'waiting-for-start'
  | 'restored'
  | 'restored-as-disabled'
  | 'left-as-changed'
  | 'nothing-to-do';

export interface SyncPlan {
  /** What to write, if anything. */
  write?: OofSettings;
  decision: SyncDecisionKind;
  detail: string;
  /** The owner's state once the write (if any) succeeded. */
  state: SyncState;
}

const EMPTY: OofSettings = {
  state: 'Disabled',
  externalAudience: 'None',
  internalReply: '',
  externalReply: '',
};

function ended(settings: OofSettings, now: number): boolean {
  return settings.end !== undefined && Date.parse(settings.end) <= now;
}

/** Replies that send nothing now and need nothing kept: Disabled, or a scheduled window already over. */
export function isQuiet(settings: OofSettings, now: number): boolean {
  return settings.state === 'Disabled' || (settings.state === 'Scheduled' && ended(settings, now));
}

/** The person's own replies as they can be written back at `now`: never with a window already over. */
export function restorable(settings: OofSettings, now: number): { settings: OofSettings; expired: boolean } {
  if (settings.state === 'Scheduled' && ended(settings, now)) {
    const { externalAudience, internalReply, externalReply } = settings;
    return { settings: { state: 'Disabled', externalAudience, internalReply, externalReply }, expired: true };
  }
  // Enabled or Disabled come back exactly, with the last window Exchange kept for Outlook to pre-fill:
  // Exchange checks a window's end only for Scheduled, and leaving it out would leave ours in its place.
  return { settings, expired: false };
}

export function planSync(
  current: OofSettings,
  target: SyncTarget,
  state: SyncState,
  nowIso: string,
): SyncPlan {
  const now = Date.parse(nowIso);
  let { restoreTo, applied, handsOffUntil } = state;
  if (handsOffUntil && Date.parse(handsOffUntil) <= now) handsOffUntil = undefined;
  const wanted = target.kind === 'absence' ? target : undefined;
  const running = wanted && Date.parse(wanted.start) <= now;
  let changedByPerson = false;

  if (applied && !isStillOurs(current, applied.settings)) {
    if (wanted && isStillOurs(current, wanted.settings)) {
      // Our last write went through but its answer was lost: the mailbox shows what we want.
      applied = { tag: wanted.tag, settings: wanted.settings };
    } else {
      restoreTo = current;
      applied = undefined;
      changedByPerson = true;
      if (running) {
        handsOffUntil = wanted.end;
        return {
          decision: 'left-as-changed',
          detail: `the automatic replies were changed during the absence; left as they are until ${wanted.end}, and kept as the state to return to`,
          state: { restoreTo, handsOffUntil },
        };
      }
    }
  } else if (!applied) {
    if (wanted && isStillOurs(current, wanted.settings)) {
      // The mailbox already shows our replies, not the person's: an owner restarted from an older state, or
      // a first write whose answer was lost and whose activity is tried again with the state it was given
      // (nothing to return to yet). Taking them for the person's would "restore" the leave's text later.
      applied = { tag: wanted.tag, settings: wanted.settings };
    } else {
      // The mailbox shows the person's own replies: that is what to return to.
      restoreTo = current;
    }
  }
  const keep = (decision: SyncDecisionKind, detail: string): SyncPlan => ({
    decision,
    detail,
    state: { restoreTo, applied, ...(handsOffUntil ? { handsOffUntil } : {}) },
  });

  if (handsOffUntil) {
    return keep(
      'left-as-changed',
      `the person changed their replies; left as they are until ${handsOffUntil}`,
    );
  }
  if (wanted) {
    if (applied?.tag === wanted.tag && isStillOurs(current, wanted.settings)) {
      return keep('unchanged', `the mailbox already shows the absence ${wanted.start} to ${wanted.end}`);
    }
    const own = restoreTo ?? EMPTY;
    if (running || applied?.tag === wanted.tag || isQuiet(own, now)) {
      return {
        write: wanted.settings,
        decision: 'scheduled',
        detail: `scheduled ${wanted.start} to ${wanted.end}`,
        state: { restoreTo: own, applied: { tag: wanted.tag, settings: wanted.settings } },
      };
    }
    if (applied) return restoreOwn(restoreTo, now);
    return keep(
      'waiting-for-start',
      `the person's own replies (${own.state}) stay until the absence starts at ${wanted.start}`,
    );
  }
  if (applied) return restoreOwn(restoreTo, now);
  if (changedByPerson) {
    return keep(
      'left-as-changed',
      'the automatic replies were changed since the app set them; left as they are, nothing to restore',
    );
  }
  return keep('nothing-to-do', "no absence running or to come; the mailbox shows the person's own replies");
}

/** Writes the person's own replies back; afterwards the app holds nothing. */
function restoreOwn(restoreTo: OofSettings | undefined, now: number): SyncPlan {
  const back = restorable(restoreTo ?? EMPTY, now);
  return {
    write: back.settings,
    decision: back.expired ? 'restored-as-disabled' : 'restored',
    detail: back.expired
      ? "the person's own scheduled window is over: restored as Disabled with their texts and audience"
      : `the person's own replies (${back.settings.state}) restored`,
    state: {},
  };
}
