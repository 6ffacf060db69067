/**
 * What the Graph stand-in answers, shaped as Microsoft Graph shapes it (learn.microsoft.com/graph/errors):
 * an error is `{ "error": { "code", "message", "innerError": { "date", "request-id", "client-request-id" } } }`.
 * Handlers build answers without the ids; the server (or the $batch runner, for an item) adds them.
 */

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
