/**
 * The durable instance ids of the leave path, derived from what identifies the thing they run for, so every
 * delivery about it reaches the same instance:
 * - a person's leave calendar owner (functions/leaveCalendarOrchestrator.ts), which every leave of that
 *   person reaches: `leave-calendar-<hash of the address>` (the address itself never appears in an id, as
 *   ids are handed to HR systems in 202 answers);
 * - the intake of one delivered HR notice (functions/leaveIntakeOrchestrator.ts, HiBob's notices):
 *   `leave-intake-<source>-<leave id>~<event id>`.
 * A leave has no orchestration of its own: its events are delivered to its person's calendar owner.
 *
 * Durable Functions' rules for instance ids (Microsoft Learn, "Durable Orchestrations", section "Orchestration
 * identity"): 1 to 256 characters, not starting with `@`, no `/`, `\`, `#`, `?` and no control characters.
 *
 * An intake id's leave id and event id are written with an escaping that cannot collide: letters, digits, `.`
 * and `-` stand for themselves; every other character's UTF-8 bytes are written `_XX` (two upper-case hex
 * digits), `_` itself included, so in an escaped id every `_` is followed by two of 0-9A-F and the escaping is
 * undone one way only (`K:1` is `K_3A1`, `K_3A1` is `K_5F3A1`), and `~` between the two is never part of
 * either. When the escaped form would make the id longer than 256 characters, the id holds `_sha256-` and the
 * SHA-256 of the escaped form instead: `_s` never occurs in an escaped id, so a hashed id cannot equal an
 * escaped one, and two hashed ids are equal only when their escaped forms are.
 */
import { createHash } from 'node:crypto';

/** The HR systems leaves come from: the two that push (webhooks) and BambooHR, which the app polls. */
export const HR_SOURCES = ['generic', 'hibob', 'bamboohr'] as const;
export type HrSource = (typeof HR_SOURCES)[number];

/** The HR systems the webhook accepts events from (`POST /api/hr/{source}`); BambooHR cannot push. */
export const WEBHOOK_SOURCES = ['generic', 'hibob'] as const satisfies readonly HrSource[];
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/** Durable Functions' longest instance id. */
export const MAX_INSTANCE_ID_LENGTH = 256;

/** Joins the leave id and the event id of an intake id; never produced by the escaping. */
const INTAKE_SEPARATOR = '~';
const HASHED = '_sha256-';

function escapeIdPart(value: string, what: string): string {
  if (value === '') throw new RangeError(`${what} must not be empty`);
  // A lone surrogate has no UTF-8 form (TextEncoder would make it U+FFFD, merging different ids).
  if (/\p{Cs}/u.test(value)) throw new RangeError(`${what} holds a lone surrogate (not Unicode text)`);
  let out = '';
  for (const char of value) {
    if (/^[A-Za-z0-9.-]$/.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The escaped form undone, or undefined when `escaped` is not exactly what escapeIdPart writes. */
function unescapeIdPart(escaped: string): string | undefined {
  if (!/^(?:[A-Za-z0-9.-]|_[0-9A-F]{2})+$/.test(escaped)) return undefined;
  const bytes = Buffer.from(
    (escaped.match(/_[0-9A-F]{2}|./g) ?? []).map((token) =>
      token.length === 3 ? Number.parseInt(token.slice(1), 16) : token.charCodeAt(0),
    ),
  );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // Same text, but written differently (e.g. `_41` for `A`): not an id this module makes.
  return escapeIdPart(text, 'id') === escaped ? text : undefined;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** `prefix` and the escaped payload, or its hash when the id would be too long. */
function idOf(prefix: string, escaped: string): string {
  const readable = prefix + escaped;
  return readable.length <= MAX_INSTANCE_ID_LENGTH ? readable : `${prefix}${HASHED}${sha256Hex(escaped)}`;
}

/** The payload after `prefix` is one idOf can write for it (escaped and short enough, or hashed). */
function isIdOf(prefix: string, id: string, isEscaped: (payload: string) => boolean): boolean {
  if (!id.startsWith(prefix) || id.length > MAX_INSTANCE_ID_LENGTH) return false;
  const payload = id.slice(prefix.length);
  if (payload.startsWith(HASHED)) {
    // Only a payload too long to be written out is hashed; a hash itself cannot be checked further.
    return /^[0-9a-f]{64}$/.test(payload.slice(HASHED.length));
  }
  return isEscaped(payload);
}

function sourcePrefix(kind: string, source: string): string {
  if (!(HR_SOURCES as readonly string[]).includes(source)) {
    throw new RangeError(`no HR source "${source}"; use one of ${HR_SOURCES.join(', ')}`);
  }
  return `${kind}${source}-`;
}

/** The owner of one person's leave calendar: 32 hex digits of the SHA-256 of the lower-cased address. */
export function calendarInstanceId(mailbox: string): string {
  if (mailbox.trim() === '') throw new RangeError('the mailbox address must not be empty');
  return `leave-calendar-${sha256Hex(mailbox.toLowerCase()).slice(0, 32)}`;
}

export function isCalendarInstanceId(id: string): boolean {
  return /^leave-calendar-[0-9a-f]{32}$/.test(id);
}

/**
 * The short orchestration that takes in one delivered HR notice (HiBob's, re-read from HiBob): the same
 * delivery twice has the same id (so it runs once); different events, or the same event id of another leave,
 * have different ids. `source` is one of HR_SOURCES (a RangeError names it otherwise).
 */
export function leaveIntakeInstanceId(source: string, leaveId: string, eventId: string): string {
  const escaped =
    escapeIdPart(leaveId, 'the leave id') + INTAKE_SEPARATOR + escapeIdPart(eventId, 'the event id');
  return idOf(sourcePrefix('leave-intake-', source), escaped);
}

/** True for an id leaveIntakeInstanceId can return; false for anything else (the archive sweep's ids included). */
export function isLeaveIntakeInstanceId(id: string): boolean {
  return HR_SOURCES.some((source) =>
    isIdOf(`leave-intake-${source}-`, id, (payload) => {
      const parts = payload.split(INTAKE_SEPARATOR);
      return parts.length === 2 && parts.every((part) => unescapeIdPart(part) !== undefined);
    }),
  );
}
