/**
 * The sandbox's behaviour switches: latency, anchor-mailbox penalties, throttling and injected faults.
 * Set at start (`startEwsSandbox({ knobs })`) or at runtime (`sandbox.configure(...)`, `sandbox.injectFaults(...)`).
 */

/**
 * Faults the sandbox can inject:
 * - `http503`: HTTP 503 Service Unavailable (optionally with Retry-After), as a front end under load answers;
 * - `internalServerBusy`: ErrorInternalServerError whose MessageXml InnerErrorResponseCode is ErrorServerBusy
 *   (ResponseMessage form of Error.ErrorInternalServerError.inner-error.xml), HTTP 500 by default;
 * - `serverBusy`: the ErrorServerBusy SOAP fault with BackOffMilliseconds (HTTP 500);
 * - `serverBusyNoBackOff`: ErrorServerBusy with no MessageXml at all (on-premises Exchange sends it so);
 * - `exceededConnectionCount`: ErrorExceededConnectionCount with Exchange Online's details (Policy
 *   MaxConcurrency, MaxConcurrencyLimit, ErrorMessage with a suggested back-off; see
 *   test/fixtures/ews-samples/Error.ErrorServerBusy.EXO-policy-details.NOTES.txt);
 * - `reset`: the connection is destroyed without an answer;
 * - `hang`: no answer at all, until the client gives up (or the sandbox closes).
 */
export type FaultKind =
  | 'http503'
  | 'internalServerBusy'
  | 'serverBusy'
  | 'serverBusyNoBackOff'
  | 'exceededConnectionCount'
  | 'reset'
  | 'hang';

export const FAULT_KINDS: readonly FaultKind[] = [
  'http503',
  'internalServerBusy',
  'serverBusy',
  'serverBusyNoBackOff',
  'exceededConnectionCount',
  'reset',
  'hang',
];

/** How the sandbox refuses a call over maxConcurrentPerMailbox: the throttling answers Exchange gives. */
export type ThrottleForm = Extract<
  FaultKind,
  'serverBusy' | 'serverBusyNoBackOff' | 'exceededConnectionCount'
>;
export const THROTTLE_FORMS: readonly ThrottleForm[] = [
  'serverBusy',
  'serverBusyNoBackOff',
  'exceededConnectionCount',
];

/** One queued fault: it hits the next request that matches `operation` and `mailbox` (both optional). */
export interface FaultSpec {
  kind: FaultKind;
  /** Only this operation (GetUserOofSettings, FindItem, ...). */
  operation?: string;
  /** Only calls impersonating this mailbox (any of its addresses, as sent in the header). */
  mailbox?: string;
  /** http503: Retry-After header value in seconds. */
  retryAfterSeconds?: number;
  /** serverBusy: BackOffMilliseconds (default: the throttleBackOffMs knob). */
  backOffMs?: number;
  /**
   * internalServerBusy: HTTP status of the answer. Default: 200 or 500, drawn with the seeded random. The
   * EWS throttling page (ews-throttling-in-exchange, table 4) shows the form with HTTP 200; Exchange
   * answers other ResponseMessage errors with 500 as well.
   */
  httpStatus?: number;
}

export interface SandboxKnobs {
  /** Added to every EWS call, ms. */
  latencyMs: number;
  /**
   * How many times longer a call takes when X-AnchorMailbox is missing or names another mailbox (the
   * front end proxies it: "twice as long or more"), applied to the call's latency.
   */
  missingAnchorSlowdown: number;
  /** Extra latency on top of the slowdown when X-AnchorMailbox is missing or wrong, ms. */
  missingAnchorDelayMs: number;
  /** Probability (0..1) of an HTTP 500 or 503 (drawn alike) when X-AnchorMailbox is missing or wrong. */
  missingAnchorFailureRate: number;
  /** Calls in flight per impersonated mailbox beyond which ErrorServerBusy is answered (Exchange: 27). */
  maxConcurrentPerMailbox: number;
  /** BackOffMilliseconds sent with ErrorServerBusy (Exchange Online: 0 to ~300,000). */
  throttleBackOffMs: number;
  /** The answers drawn from (seeded random) for a call over maxConcurrentPerMailbox. */
  throttleForms: ThrottleForm[];
  /**
   * When true, a mailbox stays throttled for throttleBackOffMs after an ErrorServerBusy: calls that do not
   * wait the back-off out are refused again (with the remaining time), as Exchange's budget does.
   */
  enforceBackOff: boolean;
  /** Probability (0..1) of a random fault per EWS call, drawn from faultKinds. */
  faultRate: number;
  faultKinds: FaultKind[];
  /** Random faults only for these operations (empty: all). */
  faultOperations: string[];
  /** Most items per FindItem page (Exchange's EWSFindCountLimit default is 1000). */
  findItemPageLimit: number;
  /** Most items per FindItem page with a Restriction. */
  restrictedFindItemPageLimit: number;
  /** Validate every request against the EWS schema with xmllint (slow: for conformance tests only). */
  strictSchema: boolean;
}

export const DEFAULT_KNOBS: SandboxKnobs = {
  latencyMs: 0,
  missingAnchorSlowdown: 2,
  missingAnchorDelayMs: 50,
  missingAnchorFailureRate: 0.05,
  maxConcurrentPerMailbox: 27,
  throttleBackOffMs: 1000,
  throttleForms: ['serverBusy'],
  enforceBackOff: true,
  faultRate: 0,
  faultKinds: ['http503', 'internalServerBusy', 'serverBusy'],
  faultOperations: [],
  findItemPageLimit: 1000,
  restrictedFindItemPageLimit: 250,
  strictSchema: false,
};

/**
 * The sandbox's own rules for knob values, as problems in words (names and types are checked by the
 * stand-in kit's Knobs, dev/stand-in-kit/standInKit.ts).
 */
export function sandboxKnobProblems(knobs: Partial<SandboxKnobs>): string[] {
  const problems: string[] = [];
  const nonNegative = (name: keyof SandboxKnobs): void => {
    const v = knobs[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      problems.push(`${name} must be a number >= 0`);
  };
  const probability = (name: keyof SandboxKnobs): void => {
    const v = knobs[name];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0 && v <= 1)))
      problems.push(`${name} must be between 0 and 1`);
  };
  nonNegative('latencyMs');
  nonNegative('missingAnchorDelayMs');
  nonNegative('throttleBackOffMs');
  const slowdown = knobs.missingAnchorSlowdown;
  if (slowdown !== undefined && !(typeof slowdown === 'number' && slowdown >= 1))
    problems.push('missingAnchorSlowdown must be a number >= 1');
  for (const form of knobs.throttleForms ?? []) {
    if (!THROTTLE_FORMS.includes(form))
      problems.push(`throttleForms: unknown form "${form}" (use ${THROTTLE_FORMS.join(', ')})`);
  }
  if (knobs.throttleForms !== undefined && knobs.throttleForms.length === 0)
    problems.push('throttleForms must not be empty');
  probability('missingAnchorFailureRate');
  probability('faultRate');
  for (const name of [
    'maxConcurrentPerMailbox',
    'findItemPageLimit',
    'restrictedFindItemPageLimit',
  ] as const) {
    const v = knobs[name];
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      problems.push(`${name} must be a whole number >= 1`);
  }
  for (const k of knobs.faultKinds ?? []) {
    if (!FAULT_KINDS.includes(k))
      problems.push(`faultKinds: unknown kind "${k}" (use ${FAULT_KINDS.join(', ')})`);
  }
  if (knobs.faultKinds !== undefined && knobs.faultKinds.length === 0 && (knobs.faultRate ?? 0) > 0) {
    problems.push('faultKinds must not be empty when faultRate > 0');
  }
  return problems;
}
