/**
 * The one shape every route answers a problem in (docs/openapi.yaml, `Problem`): `error`, a code a
 * program can branch on; `message`, a sentence for a person; and what is at fault when it is one thing
 * the caller or an administrator can change — `field` of the request, or `setting` of the app.
 */
import type { HttpResponseInit } from '@azure/functions';
import type { ConfigError } from '../configError';

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

/** A setting the request cannot run with: `Configuration`, naming the setting. */
export function configurationProblem(status: number, error: ConfigError): HttpResponseInit {
  return problem(status, 'Configuration', error.message, { setting: error.setting });
}
