/**
 * The two models of automatic replies, mapped exactly both ways:
 *
 *   OofSettings (EWS)        automaticRepliesSetting (Graph)
 *   state Disabled           status disabled
 *         Enabled                   alwaysEnabled
 *         Scheduled                 scheduled
 *   start / end (UTC Z)      scheduledStartDateTime / scheduledEndDateTime (dateTimeTimeZone, sent as UTC)
 *   externalAudience None    externalAudience none
 *                    Known                    contactsOnly
 *                    All                      all
 *   internalReply            internalReplyMessage
 *   externalReply            externalReplyMessage
 *
 * The window is carried in every state (Exchange keeps it when not scheduled), so a snapshot taken
 * through one back end restores exactly through the other.
 */
import type { ExternalAudience, OofSettings, OofState } from '../mailboxOperations';
import { isRecord } from './graphErrors';
import { fromUtcIso, toUtcIso, type DateTimeTimeZone } from './timeZones';

export type GraphOofStatus = 'disabled' | 'alwaysEnabled' | 'scheduled';
export type GraphExternalAudience = 'none' | 'contactsOnly' | 'all';

/** Graph's automaticRepliesSetting resource. */
export interface AutomaticRepliesSetting {
  status: GraphOofStatus;
  externalAudience: GraphExternalAudience;
  scheduledStartDateTime?: DateTimeTimeZone;
  scheduledEndDateTime?: DateTimeTimeZone;
  internalReplyMessage: string;
  externalReplyMessage: string;
}

const STATUS_TO_GRAPH: Record<OofState, GraphOofStatus> = {
  Disabled: 'disabled',
  Enabled: 'alwaysEnabled',
  Scheduled: 'scheduled',
};
const AUDIENCE_TO_GRAPH: Record<ExternalAudience, GraphExternalAudience> = {
  None: 'none',
  Known: 'contactsOnly',
  All: 'all',
};
// Graph's own examples answer "Scheduled", "alwaysEnabled", "All": enum values are read case-insensitively.
const fromGraph = <K extends string>(toGraph: Record<K, string>): Record<string, K> =>
  Object.fromEntries(
    Object.entries<string>(toGraph).map(([ours, graph]) => [graph.toLowerCase(), ours]),
  ) as Record<string, K>;
const STATUS_FROM_GRAPH = fromGraph(STATUS_TO_GRAPH);
const AUDIENCE_FROM_GRAPH = fromGraph(AUDIENCE_TO_GRAPH);

/** An answer we cannot map: never guessed, since a wrong guess would be restored later as truth. */
export class UnmappableOofError extends Error {
  readonly code = 'UnmappableOof';
  constructor(message: string) {
    super(message);
    this.name = 'UnmappableOofError';
  }
}

/** The PATCH body's automaticRepliesSetting for these settings; times in UTC. */
export function toGraphAutomaticReplies(settings: OofSettings): AutomaticRepliesSetting {
  const result: AutomaticRepliesSetting = {
    status: STATUS_TO_GRAPH[settings.state],
    externalAudience: AUDIENCE_TO_GRAPH[settings.externalAudience],
    internalReplyMessage: settings.internalReply,
    externalReplyMessage: settings.externalReply,
  };
  if (settings.start !== undefined && settings.end !== undefined) {
    result.scheduledStartDateTime = fromUtcIso(settings.start);
    result.scheduledEndDateTime = fromUtcIso(settings.end);
  }
  return result;
}

function dateTimeTimeZone(value: unknown): DateTimeTimeZone | undefined {
  if (!isRecord(value)) return undefined;
  const { dateTime, timeZone } = value;
  if (typeof dateTime !== 'string' || dateTime.trim() === '') return undefined;
  return { dateTime, timeZone: typeof timeZone === 'string' && timeZone.trim() ? timeZone : 'UTC' };
}

/** OofSettings from a Graph automaticRepliesSetting (any time zone Graph answers in, converted to UTC). */
export function fromGraphAutomaticReplies(value: unknown): OofSettings {
  if (!isRecord(value)) throw new UnmappableOofError('the answer holds no automaticRepliesSetting');
  const status = typeof value.status === 'string' ? value.status : '';
  const audience = typeof value.externalAudience === 'string' ? value.externalAudience : '';
  const state = STATUS_FROM_GRAPH[status.toLowerCase()];
  if (!state)
    throw new UnmappableOofError(`automaticRepliesSetting.status "${status}" is not one Graph documents`);
  const externalAudience = AUDIENCE_FROM_GRAPH[audience.toLowerCase()];
  if (!externalAudience) {
    throw new UnmappableOofError(
      `automaticRepliesSetting.externalAudience "${audience}" is not one Graph documents`,
    );
  }
  const result: OofSettings = {
    state,
    externalAudience,
    internalReply: typeof value.internalReplyMessage === 'string' ? value.internalReplyMessage : '',
    externalReply: typeof value.externalReplyMessage === 'string' ? value.externalReplyMessage : '',
  };
  const start = dateTimeTimeZone(value.scheduledStartDateTime);
  const end = dateTimeTimeZone(value.scheduledEndDateTime);
  if (start && end) {
    try {
      Object.assign(result, { start: toUtcIso(start), end: toUtcIso(end) });
    } catch (error) {
      throw new UnmappableOofError(`the scheduled window cannot be read: ${(error as Error).message}`);
    }
  }
  return result;
}
