/**
 * A user's default calendar (calendar.ts keeps it), as the event reference pages describe:
 *   POST   /users/{id | userPrincipalName}/events              user-post-events: 201 and the event; the same
 *                                                             transactionId again answers the event it made
 *   GET    /users/{id | userPrincipalName}/events              user-list-events: 10 a page by default ($top,
 *                                                             @odata.nextLink), $select
 *   GET    /users/{id | userPrincipalName}/events/{eventId}    event-get, $select
 *   PATCH  /users/{id | userPrincipalName}/events/{eventId}    event-update: 200 and the event
 *   DELETE /users/{id | userPrincipalName}/events/{eventId}    event-delete: 204
 * Application permission Calendars.ReadWrite to write, Calendars.Read(Basic) or ReadWrite to read; then the
 * app's mailbox scope. Times are answered in the zone of `Prefer: outlook.timezone="..."`, UTC without it.
 */
import type { Mailbox } from '../../ews-sandbox/tenantStore';
import { eventResource, itemNotFound, readEvent, type CalendarEvent } from '../calendar';
import { ianaZone } from '../timeZones';
import { routed } from './mailboxSettings';
import { CALENDARS_READ, CALENDARS_WRITE } from './permissions';
import { selectOf, type OperationHandler, type RequestContext } from './requestContext';

/** Graph's default page size for events, and the largest $top the stand-in pages by. */
const DEFAULT_PAGE = 10;
const LARGEST_PAGE = 1000;

/** The zone named by `Prefer: outlook.timezone="..."`, when the stand-in knows it; UTC otherwise. */
function answerZone(ctx: RequestContext): string {
  const asked = /outlook\.timezone="([^"]+)"/i.exec(ctx.headers.prefer ?? '')?.[1];
  return asked !== undefined && ianaZone(asked) !== undefined ? asked : 'UTC';
}

/** The event resource cut to `$select` (the id always comes, as on Graph). */
function resource(ctx: RequestContext, event: CalendarEvent): Record<string, unknown> {
  const full = eventResource(event, answerZone(ctx));
  const select = selectOf(ctx.url);
  if (!select) return full;
  return Object.fromEntries(['id', ...select].filter((k) => k in full).map((k) => [k, full[k]]));
}

export const createEvent: OperationHandler = (ctx, match) =>
  routed(
    ctx,
    'createEvent',
    match[1] ?? '',
    (m) => {
      const fields = readEvent(ctx.body);
      if ('status' in fields) return fields;
      // A retried create: the event the first attempt made, not a second one (event resource page).
      const earlier =
        fields.transactionId !== undefined
          ? ctx.calendars.byTransactionId(m, fields.transactionId)
          : undefined;
      return { status: 201, body: resource(ctx, earlier ?? ctx.calendars.add(m, fields)) };
    },
    CALENDARS_WRITE,
  );

export const listEvents: OperationHandler = (ctx, match) =>
  routed(
    ctx,
    'listEvents',
    match[1] ?? '',
    (m) => {
      const q = ctx.url.searchParams;
      const top = Math.min(Number(q.get('$top') ?? DEFAULT_PAGE) || DEFAULT_PAGE, LARGEST_PAGE);
      const skip = Number(q.get('$skip') ?? 0) || 0;
      const events = ctx.calendars.events(m);
      const next = new URL(ctx.url.href);
      next.searchParams.set('$skip', String(skip + top));
      return {
        status: 200,
        body: {
          value: events.slice(skip, skip + top).map((e) => resource(ctx, e)),
          ...(skip + top < events.length && {
            '@odata.nextLink': `${ctx.origin}${next.pathname}${next.search}`,
          }),
        },
      };
    },
    CALENDARS_READ,
  );

/** One event of the mailbox by its id: `answer` with it, or 404 ErrorItemNotFound. */
function withEvent(
  operation: 'getEvent' | 'updateEvent' | 'deleteEvent',
  roles: readonly string[],
  answer: (ctx: RequestContext, m: Mailbox, event: CalendarEvent) => ReturnType<typeof itemNotFound>,
): OperationHandler {
  return (ctx, match) =>
    routed(
      ctx,
      operation,
      match[1] ?? '',
      (m) => {
        const event = ctx.calendars.event(m, match[2] ?? '');
        return event ? answer(ctx, m, event) : itemNotFound();
      },
      roles,
    );
}

export const getEvent = withEvent('getEvent', CALENDARS_READ, (ctx, _m, event) => ({
  status: 200,
  body: resource(ctx, event),
}));

export const updateEvent = withEvent('updateEvent', CALENDARS_WRITE, (ctx, m, event) => {
  const fields = readEvent(ctx.body, event);
  if ('status' in fields) return fields;
  return { status: 200, body: resource(ctx, ctx.calendars.replace(m, event, fields)) };
});

export const deleteEvent = withEvent('deleteEvent', CALENDARS_WRITE, (ctx, m, event) => {
  ctx.calendars.remove(m, event.id);
  return { status: 204 };
});
