/**
 * Each mailbox's default calendar as the Graph stand-in keeps it: events written through
 * `/users/{id}/events` (operations/events.ts) and the seeded ones (dev/graph/demo-calendar.json). Every
 * event, seeded or posted, passes the same checks (`readEvent`), so the calendar never holds what Graph
 * would have refused. What Graph refuses, from the event resource reference page:
 *   - a property the event type does not have: 400 RequestBodyRead, as OData answers unknown properties;
 *   - isAllDay with a start or end that is not midnight, or not in the same time zone: "If true, regardless
 *     of whether it's a single-day or multi-day event, start and end time must be set to midnight and be in
 *     the same time zone." The page gives no error body: 400 ErrorInvalidRequest, Exchange's code for a
 *     request it cannot carry out, with that sentence;
 *   - a time zone neither Windows nor IANA knows: 400 TimeZoneNotSupportedException (as mailboxSettings);
 *   - a transactionId changed by an update: "you cannot change transactionId in a subsequent update".
 * An unknown event id is 404 ErrorItemNotFound, Exchange's "The specified object was not found in the store."
 */
import type { Mailbox } from '../ews-sandbox/tenantStore';
import { graphError, isRecord, readDateTimeTimeZone, type Answer } from './graphAnswers';
import { ianaZone, inZone, type DateTimeTimeZone } from './timeZones';

/** One stored event: what was written, and its instants. */
export interface CalendarEvent {
  id: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  /** Epoch ms of start and end. */
  startMs: number;
  endMs: number;
  isAllDay: boolean;
  showAs: string;
  isReminderOn: boolean;
  responseRequested: boolean;
  attendees: unknown[];
  importance: string;
  sensitivity: string;
  categories: string[];
  transactionId?: string;
}

/** What a POST or PATCH body may set (the event resource's writable properties). */
export type EventFields = Omit<
  CalendarEvent,
  'id' | 'changeKey' | 'createdDateTime' | 'lastModifiedDateTime'
>;

const ENUMS: Record<string, readonly string[]> = {
  showAs: ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'],
  importance: ['low', 'normal', 'high'],
  sensitivity: ['normal', 'personal', 'private', 'confidential'],
};
const BOOLEANS = ['isAllDay', 'isReminderOn', 'responseRequested'] as const;
/**
 * The writable properties the stand-in keeps. Any other name is refused: a name the event type lacks as
 * Graph refuses it, and one it has but the stand-in does not keep (location, recurrence, ...) likewise,
 * so that nothing is accepted and then silently lost.
 */
const WRITABLE = new Set([
  'subject',
  'body',
  'start',
  'end',
  ...BOOLEANS,
  ...Object.keys(ENUMS),
  'attendees',
  'categories',
  'transactionId',
  '@odata.type',
]);

const DEFAULTS: Omit<EventFields, 'start' | 'end' | 'startMs' | 'endMs'> = {
  subject: '',
  body: { contentType: 'text', content: '' },
  isAllDay: false,
  showAs: 'busy',
  isReminderOn: true,
  responseRequested: true,
  attendees: [],
  importance: 'normal',
  sensitivity: 'normal',
  categories: [],
};

const badRequest = (message: string): Answer => graphError(400, 'RequestBodyRead', message);
const MIDNIGHT = /T00:00(?::00(?:\.0+)?)?$/;

/**
 * The event after applying `body` to `base` (create: no base), or Graph's refusal. Nothing is stored here.
 */
export function readEvent(body: unknown, base?: CalendarEvent): EventFields | Answer {
  if (!isRecord(body)) return badRequest('The request body is not a JSON object.');
  const unknown = Object.keys(body).find((k) => !WRITABLE.has(k));
  if (unknown) {
    return badRequest(
      `The property '${unknown}' does not exist on type 'microsoft.graph.event' (or this stand-in does not keep it). Make sure to only use property names that are defined by the type.`,
    );
  }
  const next: Partial<EventFields> = base ? { ...base } : { ...DEFAULTS };
  if (body.subject !== undefined) {
    if (typeof body.subject !== 'string') return badRequest('subject must be a string.');
    next.subject = body.subject;
  }
  if (body.body !== undefined) {
    const b = body.body;
    const type = isRecord(b) && typeof b.contentType === 'string' ? b.contentType.toLowerCase() : '';
    if (!isRecord(b) || (type !== 'text' && type !== 'html') || typeof b.content !== 'string') {
      return badRequest('body must be an itemBody ({ contentType: text | html, content }).');
    }
    next.body = { contentType: type, content: b.content };
  }
  for (const key of BOOLEANS) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') return badRequest(`${key} must be true or false.`);
    next[key] = v;
  }
  for (const [key, allowed] of Object.entries(ENUMS)) {
    const v = body[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !allowed.includes(v)) {
      return badRequest(`${key} must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}.`);
    }
    (next as Record<string, unknown>)[key] = v;
  }
  for (const key of ['attendees', 'categories'] as const) {
    const v = body[key];
    if (v === undefined) continue;
    if (!Array.isArray(v)) return badRequest(`${key} must be a collection.`);
    if (key === 'categories' && v.some((c) => typeof c !== 'string')) {
      return badRequest('categories must be strings.');
    }
    next[key] = v as string[];
  }
  if (body.transactionId !== undefined) {
    if (typeof body.transactionId !== 'string') return badRequest('transactionId must be a string.');
    if (base && base.transactionId !== body.transactionId) {
      return graphError(
        400,
        'ErrorInvalidRequest',
        'The transactionId of an event cannot be changed after it is created.',
      );
    }
    next.transactionId = body.transactionId;
  }
  for (const key of ['start', 'end'] as const) {
    if (body[key] === undefined) continue;
    const read = readDateTimeTimeZone(key, body[key]);
    if ('status' in read) return read;
    next[key] = read.value;
    next[key === 'start' ? 'startMs' : 'endMs'] = read.ms;
  }
  const { start, end, startMs, endMs } = next;
  if (!start || !end || startMs === undefined || endMs === undefined) {
    return badRequest('An event needs both start and end.');
  }
  if (endMs < startMs) {
    return graphError(400, 'ErrorInvalidRequest', 'The end time of the event is before its start time.');
  }
  if (next.isAllDay) {
    const sameZone = ianaZone(start.timeZone) === ianaZone(end.timeZone);
    if (!MIDNIGHT.test(start.dateTime) || !MIDNIGHT.test(end.dateTime) || !sameZone || endMs === startMs) {
      return graphError(
        400,
        'ErrorInvalidRequest',
        "If the event is an all-day event, regardless of whether it's a single-day or multi-day event, start and end time must be set to midnight and be in the same time zone.",
      );
    }
  }
  return next as EventFields;
}

/** The event resource as Graph answers it, times in `timeZone` (the Prefer: outlook.timezone header, UTC by default). */
export function eventResource(event: CalendarEvent, timeZone: string): Record<string, unknown> {
  // An all-day event is days, not instants: Graph answers its midnights as they are, in any zone asked.
  const at = (value: DateTimeTimeZone, ms: number): DateTimeTimeZone =>
    event.isAllDay
      ? { dateTime: `${value.dateTime.slice(0, 10)}T00:00:00.0000000`, timeZone }
      : inZone(ms, timeZone);
  const { startMs, endMs, transactionId, ...rest } = event;
  return {
    ...rest,
    start: at(event.start, startMs),
    end: at(event.end, endMs),
    originalStartTimeZone: event.start.timeZone,
    originalEndTimeZone: event.end.timeZone,
    type: 'singleInstance',
    isOrganizer: true,
    isCancelled: false,
    // "only returned in a response payload if an app has set it"
    ...(transactionId !== undefined && { transactionId }),
  };
}

/** Every mailbox's calendar; ids are unique in the stand-in, case-sensitive like Graph's. */
export class GraphCalendars {
  private readonly byMailbox = new Map<Mailbox, Map<string, CalendarEvent>>();
  private serial = 0;

  constructor(private readonly now: () => number) {}

  events(mailbox: Mailbox): CalendarEvent[] {
    return [...(this.byMailbox.get(mailbox)?.values() ?? [])];
  }

  event(mailbox: Mailbox, id: string): CalendarEvent | undefined {
    return this.byMailbox.get(mailbox)?.get(id);
  }

  byTransactionId(mailbox: Mailbox, transactionId: string): CalendarEvent | undefined {
    return this.events(mailbox).find((e) => e.transactionId === transactionId);
  }

  add(mailbox: Mailbox, fields: EventFields): CalendarEvent {
    const serial = ++this.serial;
    // Graph's ids are long base64url strings that start AAMk; these are too, and stable for a run.
    const id = `AAMk${Buffer.from(`graph-stand-in:${mailbox.index}:${serial}`).toString('base64url')}`;
    const at = new Date(this.now()).toISOString();
    const event: CalendarEvent = {
      ...fields,
      id,
      changeKey: `ck${serial}-1`,
      createdDateTime: at,
      lastModifiedDateTime: at,
    };
    let calendar = this.byMailbox.get(mailbox);
    if (!calendar) {
      calendar = new Map<string, CalendarEvent>();
      this.byMailbox.set(mailbox, calendar);
    }
    calendar.set(id, event);
    return event;
  }

  replace(mailbox: Mailbox, event: CalendarEvent, fields: EventFields): CalendarEvent {
    const version = Number(event.changeKey.split('-')[1] ?? 1) + 1;
    const next: CalendarEvent = {
      ...event,
      ...fields,
      changeKey: `${event.changeKey.split('-')[0] ?? 'ck'}-${version}`,
      lastModifiedDateTime: new Date(this.now()).toISOString(),
    };
    this.byMailbox.get(mailbox)?.set(event.id, next);
    return next;
  }

  remove(mailbox: Mailbox, id: string): boolean {
    return this.byMailbox.get(mailbox)?.delete(id) ?? false;
  }
}

export const itemNotFound = (): Answer =>
  graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
