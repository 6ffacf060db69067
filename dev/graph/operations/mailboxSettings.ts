/**
 * GET /users/{id | userPrincipalName}/mailboxSettings[/automaticRepliesSetting] and
 * PATCH /users/{id | userPrincipalName}/mailboxSettings (user-get-mailboxsettings,
 * user-update-mailboxsettings reference pages). Refusals as Graph makes them:
 *   - an SMTP address that is not the UPN: 404 ErrorInvalidUser (the path takes an id or a UPN);
 *   - a user without an Exchange Online mailbox: 404 MailboxNotEnabledForRESTAPI;
 *   - a scheduled window that ends before now ("only a future date range") or before it starts:
 *     400 ErrorInvalidScheduledOofDuration. Exchange's own words for the code (EWS ResponseCode reference):
 *     "the specified duration end time is not greater than the start time, or ... the end time does not
 *     occur in the future"; Exchange's REST error table maps the code to HTTP 400. No Graph page shows the
 *     body: the message is the one Exchange Online writes for this code (EWS and REST alike). "Now" is the
 *     stand-in's clock (its `now` option: the dev host's virtual clock under npm start and the leave tests);
 *   - a time zone neither Windows nor IANA knows: 400 TimeZoneNotSupportedException.
 */
import type { Mailbox, OofRecord } from '../../ews-sandbox/tenantStore';
import { graphError, isRecord, readDateTimeTimeZone, type Answer } from '../graphAnswers';
import { inZone } from '../timeZones';
import {
  MAILBOX_SETTINGS_READ,
  MAILBOX_SETTINGS_WRITE,
  mailboxPermission,
  mailboxScope,
} from './permissions';
import type { OperationHandler, RequestContext, Routed } from './requestContext';

const STATUS_IN: Record<string, OofRecord['state']> = {
  disabled: 'Disabled',
  alwaysenabled: 'Enabled',
  scheduled: 'Scheduled',
};
const STATUS_OUT = { Disabled: 'disabled', Enabled: 'alwaysEnabled', Scheduled: 'scheduled' } as const;
const AUDIENCE_IN: Record<string, OofRecord['externalAudience']> = {
  none: 'None',
  contactsonly: 'Known',
  all: 'All',
};
const AUDIENCE_OUT = { None: 'none', Known: 'contactsOnly', All: 'all' } as const;
const REPLY_KEYS = new Set([
  'status',
  'externalAudience',
  'scheduledStartDateTime',
  'scheduledEndDateTime',
  'internalReplyMessage',
  'externalReplyMessage',
  '@odata.type',
]);

/** The Exchange Online mailbox behind `/users/{segment}`, or Graph's 404 for it. */
export function mailboxAt(ctx: RequestContext, segment: string): Mailbox | Answer {
  const user = ctx.directory.user(segment);
  if (!user) return graphError(404, 'ErrorInvalidUser', `The requested user '${segment}' is invalid.`);
  if (!user.mailbox) {
    return graphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    );
  }
  return user.mailbox;
}

function repliesOf(ctx: RequestContext, m: Mailbox): Record<string, unknown> {
  return {
    status: STATUS_OUT[m.oof.state],
    externalAudience: AUDIENCE_OUT[m.oof.externalAudience],
    internalReplyMessage: m.oof.internalReply,
    externalReplyMessage: m.oof.externalReply,
    scheduledStartDateTime: inZone(m.oof.start, ctx.answerTimeZone),
    scheduledEndDateTime: inZone(m.oof.end, ctx.answerTimeZone),
  };
}

const context = (ctx: RequestContext, m: Mailbox, tail: string): string =>
  `https://graph.microsoft.com/v1.0/$metadata#users('${ctx.directory.userOfMailbox(m)?.id ?? ''}')/${tail}`;

function settingsOf(ctx: RequestContext, m: Mailbox): Record<string, unknown> {
  return {
    '@odata.context': context(ctx, m, 'mailboxSettings'),
    automaticRepliesSetting: repliesOf(ctx, m),
    timeZone: ctx.answerTimeZone,
    language: { locale: 'en-US', displayName: 'English (United States)' },
  };
}

/** The settings after the PATCH, or the refusal; nothing is stored here. */
function patched(ctx: RequestContext, m: Mailbox): OofRecord | Answer {
  const body = ctx.body;
  if (!isRecord(body)) return graphError(400, 'RequestBodyRead', 'The request body is not a JSON object.');
  const unknown = Object.keys(body).find((k) => k !== 'automaticRepliesSetting' && k !== '@odata.context');
  if (unknown) {
    return graphError(400, 'RequestBodyRead', `The property '${unknown}' is not supported by this stand-in.`);
  }
  const next = { ...m.oof };
  const r = body.automaticRepliesSetting;
  if (r === undefined) return next;
  if (!isRecord(r)) return graphError(400, 'RequestBodyRead', 'automaticRepliesSetting must be an object.');
  const bad = Object.keys(r).find((k) => !REPLY_KEYS.has(k));
  if (bad) {
    return graphError(
      400,
      'RequestBodyRead',
      `The property '${bad}' does not exist on type 'microsoft.graph.automaticRepliesSetting'.`,
    );
  }
  if (r.status !== undefined) {
    const state = typeof r.status === 'string' ? STATUS_IN[r.status.toLowerCase()] : undefined;
    if (!state) return graphError(400, 'RequestBodyRead', `Invalid status ${JSON.stringify(r.status)}.`);
    next.state = state;
  }
  if (r.externalAudience !== undefined) {
    const audience =
      typeof r.externalAudience === 'string' ? AUDIENCE_IN[r.externalAudience.toLowerCase()] : undefined;
    if (!audience) {
      return graphError(
        400,
        'RequestBodyRead',
        `Invalid externalAudience ${JSON.stringify(r.externalAudience)}.`,
      );
    }
    next.externalAudience = audience;
  }
  for (const [key, field] of [
    ['scheduledStartDateTime', 'start'],
    ['scheduledEndDateTime', 'end'],
  ] as const) {
    if (r[key] === undefined) continue;
    const read = readDateTimeTimeZone(key, r[key]);
    if ('status' in read) return read;
    next[field] = read.ms;
  }
  for (const [key, field] of [
    ['internalReplyMessage', 'internalReply'],
    ['externalReplyMessage', 'externalReply'],
  ] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') return graphError(400, 'RequestBodyRead', `${key} must be a string.`);
    next[field] = v;
  }
  if (next.state === 'Scheduled' && (!(next.end > next.start) || next.end <= ctx.now)) {
    return graphError(
      400,
      'ErrorInvalidScheduledOofDuration',
      "The scheduled duration for sending automatic replies isn't valid.",
    );
  }
  return next;
}

/**
 * A request about the mailbox behind `/users/{segment}`: routed to it (faults, throttling, the log), and
 * answered once the app's permission (any of `roles`) and mailbox scope are checked.
 */
export function routed(
  ctx: RequestContext,
  operation: Routed['operation'],
  segment: string,
  answer: (m: Mailbox) => Answer,
  roles: readonly string[],
): Routed | Answer {
  const found = mailboxAt(ctx, segment);
  const mailbox = 'oof' in found ? found : undefined;
  return {
    operation,
    mailbox,
    answer: () => {
      const refused =
        mailboxPermission(ctx, roles) ?? (mailbox ? mailboxScope(ctx, mailbox) : (found as Answer));
      return refused ?? answer(mailbox as Mailbox);
    },
  };
}

export const getMailboxSettings: OperationHandler = (ctx, match) =>
  routed(
    ctx,
    'getMailboxSettings',
    match[1] ?? '',
    (m) => ({
      status: 200,
      body:
        match[2] !== undefined
          ? {
              '@odata.context': context(ctx, m, 'mailboxSettings/automaticRepliesSetting'),
              ...repliesOf(ctx, m),
            }
          : settingsOf(ctx, m),
    }),
    MAILBOX_SETTINGS_READ,
  );

export const updateMailboxSettings: OperationHandler = (ctx, match) =>
  routed(
    ctx,
    'updateMailboxSettings',
    match[1] ?? '',
    (m) => {
      const next = patched(ctx, m);
      if ('status' in next) return next;
      m.oof = next;
      return { status: 200, body: settingsOf(ctx, m) };
    },
    MAILBOX_SETTINGS_WRITE,
  );
