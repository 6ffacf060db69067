/**
 * GetUserOofSettings / SetUserOofSettings. Their responses use the older single `ResponseMessage` form in
 * the messages default namespace (see GetUserOofSettings.response.xml), not ResponseMessages.
 */
import { checkChildren, checkEnum, parseDateTime, requireChild } from '../ewsRequest';
import { envelope, legacyResponseMessage, type ResponseError } from '../soapResponses';
import type { Mailbox, OofRecord } from '../tenantStore';
import { NS, child, escapeXml, type XmlElement } from '../xml';
import { ERRORS } from './folderIds';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;

/** Exchange writes OOF times as UTC without a zone designator (see the sample); clients must read them as UTC. */
function oofTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The body's t:Mailbox must name the acting (impersonated) mailbox. */
function targetOf(ctx: OperationContext): Mailbox | ResponseError {
  const mailboxEl = requireChild(ctx.request.payload, T, 'Mailbox');
  checkChildren(mailboxEl, [
    [T, 'Name'],
    [T, 'Address'],
    [T, 'RoutingType'],
  ]);
  const address = requireChild(mailboxEl, T, 'Address').text.trim();
  const named = ctx.store.mailboxByAddress(address);
  if (!named) return ERRORS.nonExistentMailbox();
  if (named !== ctx.mailbox) return ERRORS.accessDenied();
  return named;
}

export function getUserOofSettings(ctx: OperationContext): OperationResult {
  checkChildren(ctx.request.payload, [[T, 'Mailbox']]);
  const target = targetOf(ctx);
  const open =
    '<GetUserOofSettingsResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">';
  if (!('oof' in target)) {
    return {
      xml: envelope(`${open}${legacyResponseMessage(target)}</GetUserOofSettingsResponse>`),
      codes: [target.code],
    };
  }
  const o = target.oof;
  const reply = (name: string, text: string, lang: string | undefined): string =>
    `<${name} xml:lang="${escapeXml(lang ?? 'en-US')}"><Message>${escapeXml(text)}</Message></${name}>`;
  const settings =
    '<OofSettings xmlns="http://schemas.microsoft.com/exchange/services/2006/types">' +
    `<OofState>${o.state}</OofState><ExternalAudience>${o.externalAudience}</ExternalAudience>` +
    `<Duration><StartTime>${oofTime(o.start)}</StartTime><EndTime>${oofTime(o.end)}</EndTime></Duration>` +
    reply('InternalReply', o.internalReply, o.internalLang) +
    reply('ExternalReply', o.externalReply, o.externalLang) +
    '</OofSettings>';
  return {
    xml: envelope(
      `${open}${legacyResponseMessage()}${settings}<AllowExternalOof>All</AllowExternalOof></GetUserOofSettingsResponse>`,
    ),
    codes: ['NoError'],
  };
}

function readReply(el: XmlElement | undefined): { text: string; lang?: string } | undefined {
  if (!el) return undefined;
  checkChildren(el, [[T, 'Message']]);
  const message = child(el, T, 'Message');
  // Message is xs:string: unescaped HTML arrives as child elements, which Exchange refuses. Ignoring them
  // would silently store an empty reply (seen with a client that does not escape its text).
  if (message) checkChildren(message, []);
  return { text: message?.text ?? '', lang: el.attrs[`{${NS.xml}}lang`] };
}

export function setUserOofSettings(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [T, 'Mailbox'],
    [T, 'UserOofSettings'],
  ]);
  const settings = requireChild(payload, T, 'UserOofSettings');
  checkChildren(
    settings,
    [
      'OofState',
      'ExternalAudience',
      'Duration',
      'InternalReply',
      'ExternalReply',
      'DeclineMeetingReply',
      'DeclineEventsForScheduledOOF',
      'DeclineAllEventsForScheduledOOF',
      'CreateOOFEvent',
      'OOFEventSubject',
      'AutoDeclineFutureRequestsWhenOOF',
      'OOFEventID',
      'EventsToDeleteIDs',
    ].map((n) => [T, n] as const),
  );
  const state = requireChild(settings, T, 'OofState').text.trim();
  checkEnum(state, ['Disabled', 'Enabled', 'Scheduled'], "'OofState' element", 'OofState');
  const audience = requireChild(settings, T, 'ExternalAudience').text.trim();
  checkEnum(audience, ['None', 'Known', 'All'], "'ExternalAudience' element", 'ExternalAudience');
  const durationEl = child(settings, T, 'Duration');
  let duration: { start: number; end: number } | undefined;
  if (durationEl) {
    checkChildren(durationEl, [
      [T, 'StartTime'],
      [T, 'EndTime'],
    ]);
    duration = {
      start: parseDateTime(requireChild(durationEl, T, 'StartTime').text, 'StartTime'),
      end: parseDateTime(requireChild(durationEl, T, 'EndTime').text, 'EndTime'),
    };
  }
  const internal = readReply(child(settings, T, 'InternalReply'));
  const external = readReply(child(settings, T, 'ExternalReply'));

  const open =
    '<SetUserOofSettingsResponse xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">';
  const close = '</SetUserOofSettingsResponse>';
  const target = targetOf(ctx);
  if (!('oof' in target))
    return { xml: envelope(`${open}${legacyResponseMessage(target)}${close}`), codes: [target.code] };
  const next: OofRecord = {
    ...target.oof,
    state: state as OofRecord['state'],
    externalAudience: audience as OofRecord['externalAudience'],
  };
  if (duration) {
    next.start = duration.start;
    next.end = duration.end;
  }
  if (internal) {
    next.internalReply = internal.text;
    next.internalLang = internal.lang;
  }
  if (external) {
    next.externalReply = external.text;
    next.externalLang = external.lang;
  }
  // The ResponseCode reference (web-service-reference/responsecode): ErrorInvalidScheduledOofDuration
  // "occurs if the specified duration end time is not greater than the start time, or if the end time does
  // not occur in the future". "Future" is the sandbox's clock (EwsSandboxOptions.now).
  if (next.state === 'Scheduled' && (next.end <= next.start || next.end <= ctx.clock)) {
    const error: ResponseError = {
      code: 'ErrorInvalidScheduledOofDuration',
      text:
        next.end <= next.start
          ? 'The scheduled Out of Office (OOF) duration is invalid: the end time must be after the start time.'
          : `The scheduled Out of Office (OOF) duration is invalid: the end time ${new Date(next.end).toISOString()} does not occur in the future.`,
    };
    return { xml: envelope(`${open}${legacyResponseMessage(error)}${close}`), codes: [error.code] };
  }
  target.oof = next;
  return { xml: envelope(`${open}${legacyResponseMessage()}${close}`), codes: ['NoError'] };
}
