/** What every Graph stand-in operation receives and returns. */
import type { Mailbox, Principal, TenantStore } from '../../ews-sandbox/tenantStore';
import type { Answer } from '../graphAnswers';
import type { GraphCalendars } from '../calendar';
import type { GraphDirectory } from '../directory';

export type GraphOperation =
  | 'getMailboxSettings'
  | 'updateMailboxSettings'
  | 'getUser'
  | 'listUsers'
  | 'listGroups'
  | 'listTransitiveMembers'
  | 'createEvent'
  | 'listEvents'
  | 'getEvent'
  | 'updateEvent'
  | 'deleteEvent'
  | 'batch';

/** The calling app, from its token. */
export interface Caller {
  appId: string;
  roles: readonly string[];
  /** The app's seed entry as a principal, for its mailbox scope (application access policy / RBAC). */
  principal?: Principal;
}

export interface RequestContext {
  method: string;
  /** The request URL (path and query), the `/v1.0` prefix included. */
  url: URL;
  /** Header values by lower-case name (HTTP headers and $batch item headers alike are case-insensitive). */
  headers: Readonly<Record<string, string | undefined>>;
  body: unknown;
  caller: Caller;
  store: TenantStore;
  directory: GraphDirectory;
  /** Where the stand-in listens (`https://127.0.0.1:PORT`): nextLinks are absolute URLs on it. */
  origin: string;
  /** Time zone the stand-in writes scheduled windows in (see the knob). */
  answerTimeZone: string;
  /** The stand-in's clock (its `now` option): what "in the future" is measured against. */
  now: number;
  /** Every mailbox's calendar. */
  calendars: GraphCalendars;
}

/** What a request is about (for faults, throttling and the log) and how to answer it once admitted. */
export interface Routed {
  operation: GraphOperation;
  mailbox?: Mailbox;
  answer: () => Answer;
}

export type OperationHandler = (ctx: RequestContext, match: RegExpExecArray) => Routed | Answer;

/** `$select=a,b` as a list; undefined without one. */
export function selectOf(url: URL): string[] | undefined {
  return url.searchParams
    .get('$select')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Directory advanced queries need both `ConsistencyLevel: eventual` and `$count=true` (advanced query
 * capabilities on directory objects; group-list-transitivemembers for the OData cast).
 */
export function isAdvancedQuery(ctx: RequestContext): boolean {
  return (
    ctx.headers.consistencylevel?.toLowerCase() === 'eventual' &&
    ctx.url.searchParams.get('$count')?.toLowerCase() === 'true'
  );
}
