/**
 * A person's leaves as one calendar: every leave from every HR source, its latest applied version, and
 * cancellations remembered as tombstones. Leaves that overlap or touch form one absence; the calendar
 * owner (functions/leaveCalendarOrchestrator.ts) keeps the mailbox in step with the first absence still to
 * come. Pure and deterministic: the owner calls it inside its orchestrator. docs/leave-calendar.md gives the
 * rules as a table.
 */
import { createHash } from 'node:crypto';
import type { OofSettings } from '../mailbox/mailboxOperations';
import type { LeaveEvent } from './leaveEvent';
import { leaveWindow, zoneOffsetMs, type LeaveWindow } from './leaveWindow';

/** What the reply text of an absence is made of: the person, their language, their delegate. */
export type ReplyDetails = Pick<LeaveEvent, 'employee' | 'locale' | 'delegate' | 'timeZone'>;

/** One leave as the calendar holds it. */
export interface CalendarLeave {
  /** `source:leaveId` (sources have no `:`, so the key splits back unambiguously). */
  key: string;
  /** The occurredAt of the latest event applied for this leave: older events are ignored. */
  occurredAt: string;
  /** Digest of that event's content: the same content again is a duplicate, whatever its occurredAt. */
  digest: string;
  /** `cancelled`: a tombstone, kept so that an older approval arriving later is ignored. */
  status: 'approved' | 'cancelled';
  /** UTC window and the first day back; absent for a cancellation of a leave never seen approved. */
  window?: LeaveWindow;
  /** First day of leave in the person's zone (`YYYY-MM-DD`), for the calendar event. */
  firstDay?: string;
  reply?: ReplyDetails;
}

/** The automatic replies the app last wrote, for which absence (its tag). */
export interface AppliedReplies {
  tag: string;
  settings: OofSettings;
}

/** An Out of office calendar event the app created (LEAVE_CALENDAR_EVENT), by absence tag. */
export interface CalendarEventRecord {
  tag: string;
  id: string;
  firstDay: string;
  firstDayBack: string;
  /** The absence's end (UTC): once past, the event stays in the calendar and is no longer tracked. */
  end: string;
}

/** One thing the owner decided, kept (the last few) in its state and written to the log. */
export interface CalendarDecision {
  at: string;
  /** e.g. scheduled, unchanged, restored, restored-as-disabled, left-as-changed, ignored-older, failed. */
  decision: string;
  detail: string;
}

export interface LeaveCalendar {
  mailbox: string;
  leaves: CalendarLeave[];
  /** What the mailbox held before the app first touched it for the absences now running; undefined: nothing held. */
  restoreTo?: OofSettings;
  /** What the app last wrote; undefined: the mailbox shows the person's own replies. */
  applied?: AppliedReplies;
  /** The person changed their reply during an absence: the app leaves the replies alone until then. */
  handsOffUntil?: string;
  events: CalendarEventRecord[];
  decisions: CalendarDecision[];
}

/** Leaves that overlap or touch, as one absence. */
export interface Absence {
  /** Stable while the absence changes: derived from the key of its earliest leave. */
  tag: string;
  /** UTC instants: the first leave's start, the last leave's end (00:00 of the first day back, local). */
  start: string;
  end: string;
  firstDay: string;
  firstDayBack: string;
  /** The details of the leave that ends last: its delegate and language are the ones that matter on return. */
  reply: ReplyDetails;
  leaves: string[];
}

/** At most this many leaves per person are kept; the oldest ended ones go first. */
export const MAX_CALENDAR_LEAVES = 200;
/** Ended leaves are kept this long (a late, older event for them then still finds its tombstone). */
const KEEP_ENDED_MS = 400 * 86_400_000;
const MAX_DECISIONS = 20;

export function emptyCalendar(mailbox: string): LeaveCalendar {
  return { mailbox, leaves: [], events: [], decisions: [] };
}

export function leaveKey(source: string, leaveId: string): string {
  return `${source}:${leaveId}`;
}

/** A short digest of what an event says about the leave (not when or by which delivery it was sent). */
export function leaveDigest(event: LeaveEvent): string {
  // Stryker disable EqualityOperator,StringLiteral,MethodExpression: the digest only has to tell contents
  // apart: any two distinct type labels, any placeholder for a missing field and either case folding do.
  const content = [
    event.type === 'cancelled' ? 'cancelled' : 'approved',
    event.start ?? '',
    event.end ?? '',
    event.timeZone,
    event.employee.email.toLowerCase(),
    event.employee.displayName,
    event.locale ?? '',
    JSON.stringify(event.delegate ?? null),
  ];
  // Stryker restore EqualityOperator,StringLiteral,MethodExpression
  // Stryker disable next-line MethodExpression: the slice only keeps the owner's custom status small; the whole hash tells contents apart as well
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
}

function localDate(epochMs: number, timeZone: string): string {
  return new Date(epochMs + zoneOffsetMs(timeZone, epochMs)).toISOString().slice(0, 10);
}

// Stryker disable BlockStatement: an empty catch returns undefined as well (Stryker's next-line cannot reach a catch)
function windowOf(event: LeaveEvent): LeaveWindow | undefined {
  if (!event.start || !event.end) return undefined;
  try {
    return leaveWindow(event.start, event.end, event.timeZone);
  } catch {
    return undefined;
  }
}
// Stryker restore BlockStatement

export type ApplyOutcome =
  | 'applied'
  /** The same content as the version applied: nothing changes. */
  | 'duplicate'
  /** Older than the version applied (or a tombstone): ignored. */
  | 'older'
  /** Its dates make no window (end not after start). */
  | 'invalid';

/**
 * The calendar with `event` applied. An event older than what the calendar holds for that leave, or with
 * the same content, changes nothing; a cancellation becomes a tombstone even when the leave was never seen.
 */
export function applyLeaveEvent(
  calendar: LeaveCalendar,
  source: string,
  event: LeaveEvent,
): { calendar: LeaveCalendar; outcome: ApplyOutcome } {
  const key = leaveKey(source, event.leaveId);
  const digest = leaveDigest(event);
  const existing = calendar.leaves.find((l) => l.key === key);
  if (existing) {
    if (existing.digest === digest) return { calendar, outcome: 'duplicate' };
    if (!(Date.parse(event.occurredAt) > Date.parse(existing.occurredAt)))
      return { calendar, outcome: 'older' };
  }
  let entry: CalendarLeave;
  if (event.type === 'cancelled') {
    // The tombstone keeps a window (the one applied, else the cancellation's own dates) so that it is
    // pruned with its leave, not by when the cancellation happened.
    const window = existing?.window ?? windowOf(event);
    entry = {
      key,
      occurredAt: event.occurredAt,
      digest,
      status: 'cancelled',
      ...(window ? { window } : {}),
    };
  } else {
    const window = windowOf(event);
    if (!window) return { calendar, outcome: 'invalid' };
    entry = {
      key,
      occurredAt: event.occurredAt,
      digest,
      status: 'approved',
      window,
      firstDay: localDate(Date.parse(window.start), event.timeZone),
      reply: {
        employee: event.employee,
        timeZone: event.timeZone,
        ...(event.locale ? { locale: event.locale } : {}),
        ...(event.delegate ? { delegate: event.delegate } : {}),
      },
    };
  }
  const leaves = [...calendar.leaves.filter((l) => l.key !== key), entry];
  return { calendar: { ...calendar, leaves }, outcome: 'applied' };
}

/** Drops leaves that ended long ago, and the oldest ones past MAX_CALENDAR_LEAVES. */
export function pruneCalendar(calendar: LeaveCalendar, now: Date): LeaveCalendar {
  const endOf = (l: CalendarLeave): number => Date.parse(l.window?.end ?? l.occurredAt);
  const kept = calendar.leaves
    .filter((l) => endOf(l) > now.getTime() - KEEP_ENDED_MS)
    .sort((a, b) => endOf(b) - endOf(a))
    .slice(0, MAX_CALENDAR_LEAVES);
  return kept.length === calendar.leaves.length ? calendar : { ...calendar, leaves: kept };
}

function tagOf(key: string): string {
  return `abs-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/**
 * The absences still to come or running at `now`, in order: approved leaves merged when the next one starts
 * on or before the previous one's end (its first day back).
 */
export function absencesOf(calendar: LeaveCalendar, now: Date): Absence[] {
  const live = calendar.leaves.filter(
    (l): l is CalendarLeave & Required<Pick<CalendarLeave, 'window' | 'firstDay' | 'reply'>> =>
      l.status === 'approved' && !!l.window && !!l.reply && !!l.firstDay,
  );
  // Stryker disable next-line EqualityOperator: keys are unique, so `<=` orders as `<` does (a reversed order fails the same-instant test)
  live.sort((a, b) => Date.parse(a.window.start) - Date.parse(b.window.start) || (a.key < b.key ? -1 : 1));
  const absences: Absence[] = [];
  for (const leave of live) {
    const last = absences[absences.length - 1];
    if (last && Date.parse(leave.window.start) <= Date.parse(last.end)) {
      last.leaves.push(leave.key);
      if (Date.parse(leave.window.end) > Date.parse(last.end)) {
        last.end = leave.window.end;
        last.firstDayBack = leave.window.firstDayBack;
        last.reply = leave.reply;
      }
      continue;
    }
    absences.push({
      tag: tagOf(leave.key),
      start: leave.window.start,
      end: leave.window.end,
      firstDay: leave.firstDay,
      firstDayBack: leave.window.firstDayBack,
      reply: leave.reply,
      leaves: [leave.key],
    });
  }
  return absences.filter((a) => Date.parse(a.end) > now.getTime());
}

/** When the owner must look at the mailbox next (the next absence's start or end, the end of a hands-off). */
export function nextWake(
  calendar: LeaveCalendar,
  absences: readonly Absence[],
  now: Date,
): string | undefined {
  const t = now.getTime();
  const candidates: number[] = [];
  const first = absences[0];
  if (first) candidates.push(Date.parse(first.start) > t ? Date.parse(first.start) : Date.parse(first.end));
  if (calendar.handsOffUntil && Date.parse(calendar.handsOffUntil) > t) {
    candidates.push(Date.parse(calendar.handsOffUntil));
  }
  return candidates.length ? new Date(Math.min(...candidates)).toISOString() : undefined;
}

export function withDecision(calendar: LeaveCalendar, decision: CalendarDecision): LeaveCalendar {
  return { ...calendar, decisions: [...calendar.decisions, decision].slice(-MAX_DECISIONS) };
}

/**
 * What the webhook may read without waking the owner: each leave's latest version as
 * `<digest>@<occurredAt in epoch ms>`, by a hash of its key (in the owner's custom status: no leave ids or
 * addresses in it). Durable Functions caps a custom status at 16 KB of UTF-16 JSON, so the summary holds the
 * MAX_SEEN most recently changed leaves (about 45 characters each); an event for a leave left out is simply
 * delivered, and the owner recognises a duplicate itself.
 */
export type SeenLeaves = Record<string, string>;

export const MAX_SEEN = 100;

export function seenKey(key: string): string {
  // Stryker disable next-line MethodExpression: the slice only keeps the status small; the whole hash identifies the leave as well
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function seenLeaves(calendar: LeaveCalendar): SeenLeaves {
  const seen: SeenLeaves = {};
  const latest = [...calendar.leaves]
    .sort((a, b) => Date.parse(b.occurredAt) - Date.parse(a.occurredAt))
    .slice(0, MAX_SEEN);
  for (const l of latest) seen[seenKey(l.key)] = `${l.digest}@${Date.parse(l.occurredAt)}`;
  return seen;
}

/** True when the owner already holds this event or a later one for the leave: nothing to deliver. */
export function alreadySeen(seen: SeenLeaves | undefined, source: string, event: LeaveEvent): boolean {
  const entry = seen?.[seenKey(leaveKey(source, event.leaveId))];
  if (typeof entry !== 'string') return false;
  const [digest, at] = entry.split('@');
  return digest === leaveDigest(event) || !(Date.parse(event.occurredAt) > Number(at));
}
