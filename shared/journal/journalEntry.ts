/**
 * One line of the change journal: a change the app made to a mailbox (or tried to, or decided not to
 * make), as a security reviewer reads it. What a line may hold is fixed here, so nothing else can slip
 * into it: times, addresses, ids, counts, codes and digests. Never a reply text, a calendar event's body,
 * an error message (a server's message can quote what was sent) or a credential: the settings before and
 * after a change are kept as sha256 digests, which tell "the same" from "different" and nothing more.
 */
import { createHash } from 'node:crypto';
import type { OofSettings } from '../mailbox/mailboxOperations';

export type JournalAction =
  | 'automatic-replies'
  | 'calendar-event-created'
  | 'calendar-event-moved'
  | 'calendar-event-deleted'
  | 'items-archived';

/** `ok`: the change was made; `failed`: the call failed (nothing or part of it may stand); `no-change`: a decision that wrote nothing. */
export type JournalResult = 'ok' | 'failed' | 'no-change';

/** Why the app made the change. */
export type JournalTrigger =
  | {
      kind: 'leave';
      /** The absence (shared/leave/leaveCalendar.ts) the calendar owner acted for, if any. */
      absence?: string;
      /** Its leaves as `<source>:<leave id>`. */
      leaves?: string[];
    }
  | { kind: 'sweep'; sweepId: string }
  | {
      kind: 'cli';
      /** The operator's user name on the machine that ran the command (os.userInfo). */
      user: string;
      /** The command's words (`oof set`, `archive run`, `sweep archive`): never its arguments, which hold reply texts. */
      command: string;
      /** `sweep archive`: the run's id, which names its report. */
      sweepId?: string;
    };

export interface JournalEntry {
  /**
   * Names the change, not the line: an activity that is run again and journals the same change writes the
   * same id, and the reader shows it once (see shared/journal/changeJournal.ts).
   */
  id: string;
  time: string;
  mailbox: string;
  action: JournalAction;
  result: JournalResult;
  /** The calendar owner's decision (scheduled, restored, restored-as-disabled, repaired, left-as-changed, …). */
  decision?: string;
  /** sha256 of the automatic replies before and after (digestOf). */
  before?: string;
  after?: string;
  /** Calendar events: the absence's first day and first day back (moved: `from` is where it was). */
  days?: string;
  from?: string;
  /** Archive: the folder, how many items moved and how many Exchange refused. */
  folder?: string;
  moved?: number;
  refused?: number;
  trigger: JournalTrigger;
  /** The orchestration that made the change; for the CLI, the command's run (`cli-<uuid>`). */
  instanceId: string;
  /** client-request-ids of the calls that made it (what Exchange's logs and Microsoft support find). */
  requestIds: string[];
  /** The failure's code (ErrorAccessDenied, HTTP_503, …). */
  error?: string;
}

/** Append blocks of an append blob are at most 4 MiB; a line stays far below, so one block holds it. */
export const MAX_LINE_BYTES = 16 * 1024;
/** Request ids kept per line: a call retried many times still makes a short line. */
export const MAX_REQUEST_IDS = 10;

/**
 * sha256 of the settings as Exchange holds them, keys in a fixed order and the window's instants in one
 * form (2030-07-01T08:00:00Z as written by `oof set` is 2030-07-01T08:00:00.000Z as read back): equal
 * settings, equal digests, so a change's `after` is the next change's `before`.
 */
export function digestOf(settings: OofSettings): string {
  const instant = (key: string, value: unknown): unknown =>
    (key === 'start' || key === 'end') && typeof value === 'string' && !Number.isNaN(Date.parse(value))
      ? new Date(value).toISOString()
      : value;
  const ordered = Object.fromEntries(
    Object.entries(settings)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => [key, instant(key, value)]),
  );
  return `sha256:${createHash('sha256').update(JSON.stringify(ordered), 'utf8').digest('hex')}`;
}

/** A stable id for a change: the same parts, the same id. */
export function changeId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 32);
}

/** The entry as one JSON line (newline included); a line that would not fit is an error. */
export function journalLine(entry: JournalEntry): string {
  const line = `${JSON.stringify({ ...entry, requestIds: entry.requestIds.slice(0, MAX_REQUEST_IDS) })}\n`;
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes > MAX_LINE_BYTES) {
    throw new RangeError(
      `journal line of ${bytes} bytes is over ${MAX_LINE_BYTES} (${entry.action} ${entry.mailbox})`,
    );
  }
  return line;
}

/** `<yyyy>/<mm>/<dd>.jsonl` (UTC) for the day's first blob; `<dd>.<part>.jsonl` once it is full. */
export function dayBlobName(time: Date, part = 0): string {
  const [yyyy, mm, dd] = time.toISOString().slice(0, 10).split('-') as [string, string, string];
  return `${yyyy}/${mm}/${dd}${part === 0 ? '' : `.${part}`}.jsonl`;
}

/** The days from `since` to `until` (UTC, both included), oldest first. */
export function daysBetween(since: Date, until: Date): Date[] {
  const days: Date[] = [];
  const first = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  for (let day = first; day <= until.getTime(); day += 86_400_000) days.push(new Date(day));
  return days;
}
