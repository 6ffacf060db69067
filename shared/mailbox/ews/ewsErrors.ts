import { MailboxError, type ErrorClass } from '../mailboxError';
import { attr, child, children, text, type XmlNode } from './xml';

/**
 * How each EWS response code is handled (DESIGN.md "EWS facts"). Codes not listed are permanent
 * for that mailbox: retrying an unknown failure blindly would hammer a mailbox that cannot succeed.
 */
const CLASS_BY_CODE: Readonly<Record<string, ErrorClass>> = {
  ErrorServerBusy: 'throttled',
  ErrorExceededConnectionCount: 'throttled',
  ErrorTooManyObjectsOpened: 'transient',
  ErrorInternalServerTransientError: 'transient',
  ErrorTimeoutExpired: 'transient',
  ErrorMailboxStoreUnavailable: 'transient',
  ErrorMailboxMoveInProgress: 'transient',
  ErrorConnectionFailed: 'transient',
  ErrorImpersonateUserDenied: 'permanent',
  ErrorNonExistentMailbox: 'permanent',
  ErrorAccessDenied: 'permanent',
  ErrorArchiveMailboxNotEnabled: 'permanent',
  ErrorNonPrimarySmtpAddress: 'permanent',
  ErrorFolderNotFound: 'permanent',
  ErrorItemNotFound: 'permanent',
  ErrorNameResolutionNoResults: 'permanent',
  ErrorSchemaValidation: 'bug',
  ErrorInvalidExchangeImpersonationHeaderData: 'bug',
  ErrorInvalidRequest: 'bug',
  ErrorInvalidServerVersion: 'bug',
  // The request uses what its RequestServerVersion does not have (EWS_SERVER_VERSION too old).
  ErrorIncorrectSchemaVersion: 'bug',
};

/** What a caller can do about an error with this code (and, for ErrorInternalServerError, its inner code). */
export function classifyResponseCode(code: string, innerCode?: string): ErrorClass {
  if (code === 'ErrorInternalServerError') {
    // Exchange wraps throttling in a generic internal error at times (Microsoft's throttling doc, table 4).
    return innerCode === 'ErrorServerBusy' ? 'throttled' : 'transient';
  }
  return CLASS_BY_CODE[code] ?? 'permanent';
}

/** Values of a MessageXml block (`<t:Value Name="BackOffMilliseconds">297749</t:Value>`), by name. */
function messageXmlValues(messageXml: XmlNode | undefined): Map<string, string> {
  const values = new Map<string, string>();
  for (const v of children(messageXml, 'Value')) {
    const name = attr(v, 'Name');
    if (name) values.set(name, (text(v) ?? '').trim());
  }
  return values;
}

/** Whole non-negative milliseconds or seconds as servers write them; Number() would read "" as 0. */
const WHOLE_NUMBER = /^\d+$/;

function backOffFrom(values: Map<string, string>): number | undefined {
  const raw = values.get('BackOffMilliseconds');
  return raw !== undefined && WHOLE_NUMBER.test(raw) ? Number(raw) : undefined;
}

interface ErrorContext {
  httpStatus?: number;
  mailbox?: string;
  requestId?: string;
}

/**
 * Exchange reports a missing archive as ErrorInvalidOperation with a message (see the ArchiveItem
 * sample); callers need the stable code to skip the mailbox, so we name it.
 */
function normalizeCode(code: string, message: string): string {
  if (code === 'ErrorInvalidOperation' && /archive mailbox is not enabled/i.test(message)) {
    return 'ErrorArchiveMailboxNotEnabled';
  }
  return code;
}

function build(code: string, message: string, values: Map<string, string>, ctx: ErrorContext): MailboxError {
  const normalized = normalizeCode(code, message);
  const innerCode = values.get('InnerErrorResponseCode');
  return new MailboxError({
    code: normalized,
    errorClass: classifyResponseCode(normalized, innerCode),
    message: message || normalized,
    httpStatus: ctx.httpStatus,
    mailbox: ctx.mailbox,
    backOffMs: backOffFrom(values),
    innerCode,
    requestId: ctx.requestId,
  });
}

/** A SOAP fault (`s:Fault`) as a typed error; undefined when the envelope holds no fault. */
export function errorFromSoapFault(envelope: XmlNode, ctx: ErrorContext): MailboxError | undefined {
  const fault = child(child(child(envelope, 'Envelope'), 'Body'), 'Fault');
  if (!fault) return undefined;
  const detail = child(fault, 'detail');
  const faultCode = (text(fault, 'faultcode') ?? '').trim();
  // ResponseCode in the detail is authoritative; the faultcode carries it too (`a:ErrorServerBusy`),
  // except for generic SOAP faults (`soap:Client`) that predate typed codes.
  const responseCode = text(detail, 'ResponseCode')?.trim() || faultCode.slice(faultCode.indexOf(':') + 1);
  const message = (text(detail, 'Message') ?? text(fault, 'faultstring') ?? '').trim();
  const code = /^Error/.test(responseCode) ? responseCode : `SoapFault_${responseCode || 'Unknown'}`;
  return build(code, message, messageXmlValues(child(detail, 'MessageXml')), ctx);
}

/** A `ResponseMessage` with ResponseClass="Error" as a typed error; undefined for Success/Warning. */
export function errorFromResponseMessage(message: XmlNode, ctx: ErrorContext): MailboxError | undefined {
  if (attr(message, 'ResponseClass') !== 'Error') return undefined;
  const code = (text(message, 'ResponseCode') ?? 'ErrorUnknown').trim();
  const messageText = (text(message, 'MessageText') ?? '').trim();
  return build(code, messageText, messageXmlValues(child(message, 'MessageXml')), ctx);
}

/** Transport-level failure (no EWS answer we could read). */
export function transportError(
  code: 'TIMEOUT' | 'CONNECTION' | 'TLS' | `HTTP_${number}`,
  message: string,
  ctx: ErrorContext & { backOffMs?: number; errorClass?: ErrorClass },
): MailboxError {
  return new MailboxError({
    code,
    errorClass: ctx.errorClass ?? 'transient',
    message,
    httpStatus: ctx.httpStatus,
    mailbox: ctx.mailbox,
    backOffMs: ctx.backOffMs,
    requestId: ctx.requestId,
  });
}

/** Retry-After is HTTP's, not EWS's: parsed by the transport, re-exported for existing callers. */
export { retryAfterMs } from '../../platform/transport/retryAfter';
