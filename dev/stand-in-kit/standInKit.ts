/**
 * What every service stand-in under dev/ needs besides its protocol, written once: the EWS sandbox
 * (dev/ews-sandbox) and the Graph stand-in (dev/graph) both
 *   - take their behaviour switches ("knobs") at start and at runtime, checked, so a typo fails loudly
 *     instead of silently switching a behaviour off (Knobs);
 *   - queue faults for tests, each answering the next request it matches by operation and mailbox
 *     (FaultQueue);
 *   - keep a bounded log of the requests they answered, for tests to assert on (RequestLog);
 *   - throttle per budget key (a mailbox; an app and a mailbox) by requests in flight, requests per
 *     window and a back-off the caller was told to wait out (ThrottleBudgets).
 * Each stand-in keeps what is its service's own: fault kinds and their answers, knob meanings, the throttle
 * answer's form. Nothing here knows EWS or Graph, and nothing here imports the app (see
 * test/unit/dev/standInIndependence.test.ts).
 */

/** Waits `ms` (nothing when it is 0 or less): a stand-in's latency. */
export const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/** mulberry32: a small seedable PRNG, so random faults and penalties repeat run after run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stand-in's knobs: defaults, changed at start and at runtime. Every change is checked first (names the
 * stand-in does not have, a value of another type than its default's, then the stand-in's own rules) and
 * refused whole, naming each problem, so a refused change changes nothing.
 */
export class Knobs<K extends object> {
  private readonly values: K;

  /**
   * @param label names the stand-in in errors ("sandbox knobs: ...").
   * @param rules the stand-in's own checks: the problems with `changes`, in words.
   */
  constructor(
    private readonly label: string,
    private readonly defaults: K,
    private readonly rules: (changes: Partial<K>) => string[],
    initial: Partial<K> = {},
  ) {
    this.check(initial);
    this.values = { ...defaults, ...initial };
  }

  /** The values in force (live: read them at each request). */
  get current(): Readonly<K> {
    return this.values;
  }

  /** A copy of the values in force. */
  snapshot(): K {
    return { ...this.values };
  }

  configure(changes: Partial<K>): void {
    this.check(changes);
    Object.assign(this.values, changes);
  }

  /** Throws, naming every problem, when `changes` would not be accepted. */
  check(changes: Partial<K>): void {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      if (!(name in this.defaults)) problems.push(`unknown knob "${name}"`);
      else if (!sameKind(value, (this.defaults as Record<string, unknown>)[name])) {
        problems.push(`${name} must be ${kindOf((this.defaults as Record<string, unknown>)[name])}`);
      }
    }
    problems.push(...this.rules(changes));
    if (problems.length > 0) throw new Error(`${this.label}: ${problems.join('; ')}`);
  }
}

const kindOf = (value: unknown): string => (Array.isArray(value) ? 'a list' : `a ${typeof value}`);
const sameKind = (value: unknown, model: unknown): boolean =>
  value === undefined || kindOf(value) === kindOf(model);

/** What a queued fault may be aimed at; a fault with neither hits the next request of any kind. */
export interface AimedFault {
  /** Only requests of this operation (the stand-in's own names). */
  operation?: string;
  /** Only requests about this mailbox (any of its addresses). */
  mailbox?: string;
}

/** Faults queued by tests, in order; each is taken by the first request it matches. */
export class FaultQueue<F extends AimedFault> {
  private queued: F[] = [];

  push(...faults: F[]): void {
    this.queued.push(...faults);
  }

  /**
   * The first queued fault aimed at this request, taken off the queue.
   * @param isMailbox whether a fault's `mailbox` names the mailbox the request is about.
   */
  take(operation: string, isMailbox: (address: string) => boolean): F | undefined {
    const index = this.queued.findIndex(
      (f) =>
        (f.operation === undefined || f.operation === operation) &&
        (f.mailbox === undefined || isMailbox(f.mailbox)),
    );
    return index >= 0 ? this.queued.splice(index, 1)[0] : undefined;
  }

  /** How many queued faults have not fired yet. */
  get pending(): number {
    return this.queued.length;
  }

  clear(): void {
    this.queued = [];
  }
}

/** The requests a stand-in answered, newest last; past `limit` the older half is dropped. */
export class RequestLog<E> {
  private log: E[] = [];

  constructor(private readonly limit = 10_000) {}

  record(entry: E): void {
    this.log.push(entry);
    if (this.log.length > this.limit) this.log = this.log.slice(this.log.length - Math.floor(this.limit / 2));
  }

  get entries(): readonly E[] {
    return this.log;
  }

  clear(): void {
    this.log = [];
  }
}

/** A budget's limits, read at each admission (knobs change at runtime). */
export interface BudgetLimits {
  /** Requests in flight per key beyond which a request is refused. */
  maxConcurrent: number;
  /** Requests admitted per key in one window (none: no such limit). */
  requestsPerWindow?: number;
  windowMs?: number;
  /** Whether holdOff refuses requests (default true); a stand-in may switch its back-off enforcement off. */
  holdOffs?: boolean;
}

/** Why a request was not admitted, and in how long (ms) its budget allows it again (0: unknown). */
export interface Refusal {
  refused: 'backOff' | 'window' | 'concurrency';
  retryAfterMs: number;
}

interface Budget {
  inFlight: number;
  /** Set by holdOff: requests before then are refused. */
  busyUntil: number;
  windowStart: number;
  windowCount: number;
}

/** Throttling budgets per key: a back-off to wait out, then requests per window, then requests in flight. */
export class ThrottleBudgets {
  private readonly budgets = new Map<string, Budget>();

  /** Admits a request under `key`: the function that ends it, or why it is refused. */
  admit(key: string, limits: BudgetLimits, now: number): (() => void) | Refusal {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { inFlight: 0, busyUntil: 0, windowStart: now, windowCount: 0 };
      this.budgets.set(key, budget);
    }
    if (limits.holdOffs !== false && budget.busyUntil > now)
      return { refused: 'backOff', retryAfterMs: budget.busyUntil - now };
    if (limits.requestsPerWindow !== undefined && limits.windowMs !== undefined) {
      if (now - budget.windowStart >= limits.windowMs) {
        budget.windowStart = now;
        budget.windowCount = 0;
      }
      if (budget.windowCount >= limits.requestsPerWindow) {
        return { refused: 'window', retryAfterMs: budget.windowStart + limits.windowMs - now };
      }
    }
    if (budget.inFlight >= limits.maxConcurrent) return { refused: 'concurrency', retryAfterMs: 0 };
    budget.windowCount++;
    budget.inFlight++;
    const admitted = budget;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      admitted.inFlight--;
    };
  }

  /** Refuses every request under `key` until `until` (epoch ms): a back-off the stand-in asked for. */
  holdOff(key: string, until: number): void {
    const budget = this.budgets.get(key);
    if (budget) budget.busyUntil = until;
    else this.budgets.set(key, { inFlight: 0, busyUntil: until, windowStart: 0, windowCount: 0 });
  }

  /** New windows for every key (a test that lowers the limit starts from zero). */
  resetWindows(): void {
    for (const budget of this.budgets.values()) {
      budget.windowStart = Number.NEGATIVE_INFINITY;
      budget.windowCount = 0;
    }
  }
}
