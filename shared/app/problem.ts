/**
 * The one shape every route answers a problem in (docs/openapi.yaml, `Problem`): `error`, a code a
 * program can branch on; `message`, a sentence for a person; and what is at fault when it is one thing
 * the caller or an administrator can change — `field` of the request, or `setting` of the app.
 */
import type { HttpResponseInit } from '@azure/functions';
import type { ConfigError } from '../platform/configError';

export interface Problem {
  error: string;
  message: string;
  field?: string;
  setting?: string;
  /** Anything else the route documents beside these (e.g. the running sweep's id and status). */
  [detail: string]: unknown;
}

export function problem(
  status: number,
  error: string,
  message: string,
  details: Omit<Problem, 'error' | 'message'> = {},
): HttpResponseInit {
  return { status, jsonBody: { error, message, ...details } satisfies Problem };
}

/** A use case's refusal: a Problem whose code is one of the use case's own. */
export type Refusal<Code extends string> = Problem & { error: Code };

/** A setting the request cannot run with: `Configuration`, naming the setting. */
export function configurationRefusal(error: ConfigError): Refusal<'Configuration'> {
  return { error: 'Configuration', message: error.message, setting: error.setting };
}

export function configurationProblem(status: number, error: ConfigError): HttpResponseInit {
  return refusalAnswer({ Configuration: status }, configurationRefusal(error));
}

/**
 * A refusal as the route answers it: the route says which status each code gets (`statusFor`), so the
 * use case decides what is wrong and the route only how HTTP says it.
 */
export function refusalAnswer<Code extends string>(
  statusFor: Record<Code, number>,
  refusal: Refusal<Code>,
): HttpResponseInit {
  const { error, message, ...details } = refusal;
  return problem(statusFor[error], error, message, details);
}
