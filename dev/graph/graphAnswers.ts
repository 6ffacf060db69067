/**
 * What the Graph stand-in answers, shaped as Microsoft Graph shapes it (learn.microsoft.com/graph/errors):
 * an error is `{ "error": { "code", "message", "innerError": { "date", "request-id", "client-request-id" } } }`.
 * Handlers build answers without the ids; the server (or the $batch runner, for an item) adds them.
 */
import { instantOf, type DateTimeTimeZone } from './timeZones';

export interface Answer {
  status: number;
  body?: unknown;
  /** Header names as Graph spells them (`Retry-After`): $batch items carry them verbatim. */
  headers?: Record<string, string>;
  /** The error code, for the request log. */
  code?: string;
  /** Set when a queued fault produced the answer. */
  fault?: number;
}

export function graphError(
  status: number,
  code: string,
  message: string,
  extra: Partial<Answer> = {},
): Answer {
  return { status, code, body: { error: { code, message } }, ...extra };
}

/** Adds Graph's innerError (date, request-id, client-request-id) to an error answer; others are unchanged. */
export function withInnerError(answer: Answer, requestId: string, clientRequestId?: string): Answer {
  const error = isRecord(answer.body) ? answer.body.error : undefined;
  if (!isRecord(error)) return answer;
  const innerError = {
    // Graph writes the date without fractional seconds or zone designator.
    date: new Date().toISOString().slice(0, 19),
    'request-id': requestId,
    ...(clientRequestId !== undefined && { 'client-request-id': clientRequestId }),
  };
  return { ...answer, body: { error: { ...error, innerError } } };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An OData string literal's value: the quotes removed, doubled single quotes made single. */
export const literalValue = (quoted: string): string => quoted.replace(/''/g, "'");

/**
 * A request's dateTimeTimeZone property (`key`) read as Graph reads it: the value and its instant, or the
 * refusal: 400 RequestBodyRead for a value of the wrong shape, 400 TimeZoneNotSupportedException for a zone
 * neither Windows nor IANA knows (the message Exchange Online writes).
 */
export function readDateTimeTimeZone(
  key: string,
  value: unknown,
): { value: DateTimeTimeZone; ms: number } | Answer {
  if (!isRecord(value) || typeof value.dateTime !== 'string' || typeof value.timeZone !== 'string') {
    return graphError(400, 'RequestBodyRead', `${key} must be a dateTimeTimeZone ({ dateTime, timeZone }).`);
  }
  const read = { dateTime: value.dateTime, timeZone: value.timeZone };
  try {
    return { value: read, ms: instantOf(read) };
  } catch (error) {
    return /time zone/.test((error as Error).message)
      ? graphError(
          400,
          'TimeZoneNotSupportedException',
          `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${read.timeZone}'.`,
        )
      : graphError(400, 'RequestBodyRead', `${key}: ${(error as Error).message}.`);
  }
}
