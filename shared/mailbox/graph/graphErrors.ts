/**
 * Microsoft Graph answers as typed mailbox errors. Graph's error body is
 * `{ "error": { "code": "ErrorAccessDenied", "message": "...", "innerError": { "request-id": "..." } } }`;
 * the class follows the HTTP status (Graph's throttling and error guidance):
 *   429, 503 (with Retry-After)        throttled / transient, wait at least Retry-After
 *   509 (bandwidth cap)                throttled: "retry the request again after more time has elapsed"
 *                                      (errors reference page), back-off with jitter
 *   500, 502, 504                      transient, exponential back-off with jitter
 *   401                                permanent (after one fresh token): credentials or permission missing
 *   403                                permanent for that mailbox: application access policy, RBAC for
 *                                      Applications, or the permission is not granted
 *   404                                permanent for that mailbox: no such user, or no Exchange Online mailbox
 *                                      (MailboxNotEnabledForRESTAPI: inactive, soft-deleted, unlicensed or
 *                                      on premises), named with the address
 *   400                                our bug: the request is wrong
 */
import { retryAfterMs } from '../ews/ewsErrors';
import { MailboxError, type ErrorClass } from '../mailboxError';

/** The archive operations have no Microsoft Graph v1.0 path to the In-Place Archive mailbox. */
export const NOT_SUPPORTED_BY_GRAPH = 'NotSupportedByGraph';

export interface GraphErrorContext {
  mailbox?: string;
  /** client-request-id we sent. */
  requestId?: string;
  /** request-id Graph answered. */
  serverRequestId?: string;
}

export function classifyGraphStatus(status: number): ErrorClass {
  if (status === 429 || status === 509) return 'throttled';
  if (status === 503 || status === 500 || status === 502 || status === 504) return 'transient';
  if (status === 400) return 'bug';
  return 'permanent';
}

/** Graph's code for a user with no Exchange Online mailbox behind it. */
export const MAILBOX_NOT_ENABLED = 'MailboxNotEnabledForRESTAPI';

function hint(status: number, code: string | undefined, mailbox: string | undefined): string {
  if (code === MAILBOX_NOT_ENABLED) {
    return `: ${mailbox ?? 'this user'} has no Exchange Online mailbox Microsoft Graph can reach (inactive, soft-deleted, without a licence, or on premises in a hybrid organisation: on-premises mailboxes need the EWS back end)`;
  }
  switch (status) {
    case 401:
      return ': the token was refused (check the app registration, its secret or certificate, and that the Graph permissions are granted with admin consent)';
    case 403:
      return ': access denied for this mailbox (an application access policy or RBAC for Applications scope excludes it, or MailboxSettings.ReadWrite / User.Read.All / GroupMember.Read.All, or Calendars.ReadWrite for the Out of office event, is not granted)';
    case 404:
      return ': no such user, or the user has no Exchange Online mailbox';
    case 429:
      return ': throttled by Microsoft Graph';
    case 509:
      return ': the app is over its bandwidth cap at Microsoft Graph';
    case 503:
      return ': Microsoft Graph is unavailable for now';
    default:
      return '';
  }
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Graph's error code and message from an error body, when it has one. */
export function graphErrorBody(body: unknown): { code?: string; message?: string } {
  const error = isRecord(body) ? body.error : undefined;
  if (!isRecord(error)) return {};
  return {
    code: typeof error.code === 'string' && error.code ? error.code : undefined,
    message: typeof error.message === 'string' && error.message ? error.message : undefined,
  };
}

/** A failed Graph answer (whole request, or one response of a $batch) as a MailboxError. */
export function errorFromGraphAnswer(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  operation: string,
  ctx: GraphErrorContext,
): MailboxError {
  const { code, message } = graphErrorBody(body);
  const serverRequestId = ctx.serverRequestId ?? header(headers, 'request-id');
  return new MailboxError({
    code: code ?? `HTTP_${status}`,
    errorClass: classifyGraphStatus(status),
    message: `${operation}: Microsoft Graph answered HTTP ${status}${code ? ` ${code}` : ''}${hint(status, code, ctx.mailbox)}${
      message ? ` (${message})` : ''
    }`,
    httpStatus: status,
    mailbox: ctx.mailbox,
    backOffMs: retryAfterMs(headers['retry-after']),
    requestId: ctx.requestId,
    serverRequestId,
  });
}

export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Thrown by the archive operations: archiving needs the EWS back end. */
export function notSupportedByGraph(operation: string, mailbox: string): MailboxError {
  return new MailboxError({
    code: NOT_SUPPORTED_BY_GRAPH,
    errorClass: 'permanent',
    message:
      `${operation} is not available with MAILBOX_BACKEND=graph: Microsoft Graph v1.0 cannot reach the ` +
      'In-Place Archive mailbox, so archiving needs the EWS back end (MAILBOX_BACKEND=ews)',
    mailbox,
  });
}
