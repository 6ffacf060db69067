/**
 * The people's own events a Graph stand-in starts with: `{ "events": { "<address>": [<event body>, ...] } }`,
 * each body as `POST /users/{id}/events` takes it. Without a seed of its own the stand-in loads
 * dev/graph/demo-calendar.json (alice, bob and carol of the demo tenant) for the addresses its tenant has,
 * so a tenant without them starts with empty calendars. A seed given explicitly must name only mailboxes
 * of the tenant, and every event must pass Graph's checks: a broken seed fails the start, naming what.
 */
import { readFileSync } from 'node:fs';
import type { Mailbox, TenantStore } from '../ews-sandbox/tenantStore';
import { readEvent, type EventFields, type GraphCalendars } from './calendar';
// Imported, not read from a path: the compiler copies it next to the compiled stand-in (npm start runs dist/).
import demoCalendar from './demo-calendar.json';

export interface CalendarSeed {
  events: Record<string, readonly unknown[]>;
}

function loadCalendarSeed(file: string): CalendarSeed {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const events = (parsed as { events?: unknown }).events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw new Error(`${file}: a calendar seed needs "events": { "<address>": [ ... ] }`);
  }
  return parsed as CalendarSeed;
}

/** Adds the seed's events to `calendars`; `seed` undefined: the demo calendar, for the addresses present. */
export function seedCalendars(
  calendars: GraphCalendars,
  store: TenantStore,
  seed: CalendarSeed | string | undefined,
): void {
  const demo = seed === undefined;
  const source =
    typeof seed === 'string' ? seed : demo ? 'dev/graph/demo-calendar.json' : 'the calendar seed';
  const parsed: CalendarSeed = typeof seed === 'string' ? loadCalendarSeed(seed) : (seed ?? demoCalendar);
  const problems: string[] = [];
  const accepted: [Mailbox, EventFields][] = [];
  for (const [address, events] of Object.entries(parsed.events)) {
    const mailbox = store.mailboxByAddress(address);
    if (!mailbox) {
      if (!demo) problems.push(`${address}: no such mailbox in the tenant`);
      continue;
    }
    if (!Array.isArray(events)) {
      problems.push(`${address}: the events must be a list`);
      continue;
    }
    events.forEach((body: unknown, i) => {
      const fields = readEvent(body);
      if (!('status' in fields)) accepted.push([mailbox, fields]);
      else problems.push(`${address} event ${i + 1}: ${fields.code ?? ''} ${JSON.stringify(fields.body)}`);
    });
  }
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  for (const [mailbox, fields] of accepted) calendars.add(mailbox, fields);
}
