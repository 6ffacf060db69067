/** A counting semaphore: at most `limit` holders, the rest wait in arrival order. The limit can change. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private currentLimit: number;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be >= 1, got ${limit}`);
    this.currentLimit = limit;
  }

  get limit(): number {
    return this.currentLimit;
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  acquire(): Promise<void> {
    if (this.active < this.currentLimit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    // Hand the slot straight to the next waiter, so a late arrival cannot overtake the queue; after the
    // limit was lowered, slots above it are retired instead.
    const next = this.active <= this.currentLimit ? this.waiting.shift() : undefined;
    if (next) next();
    else this.active--;
  }

  /** Changes the limit; holders above a lowered limit finish, and a raised limit admits waiters at once. */
  setLimit(limit: number): void {
    this.currentLimit = Math.max(1, Math.floor(limit));
    while (this.active < this.currentLimit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()?.();
    }
  }
}

/** One semaphore per key (per mailbox), created on demand and dropped when idle so memory follows activity. */
export class KeyedSemaphore {
  private readonly byKey = new Map<string, Semaphore>();

  constructor(private readonly limit: number) {}

  async acquire(key: string): Promise<() => void> {
    let semaphore = this.byKey.get(key);
    if (!semaphore) {
      semaphore = new Semaphore(this.limit);
      this.byKey.set(key, semaphore);
    }
    await semaphore.acquire();
    const held = semaphore;
    return () => {
      held.release();
      if (held.inUse === 0 && held.queued === 0) this.byKey.delete(key);
    };
  }

  get size(): number {
    return this.byKey.size;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The endpoint's shared "back off until" instant. When Exchange answers ErrorServerBusy with
 * BackOffMilliseconds, the budget it refers to is shared, so every caller of that endpoint pauses,
 * not just the one that was told.
 */
export class BackOffGate {
  private until = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pushes the pause out to at least `ms` from now (never shortens a longer pause already set). */
  backOff(ms: number): void {
    this.until = Math.max(this.until, this.now() + ms);
  }

  /** Milliseconds left before calls may resume; 0 when open. */
  remaining(): number {
    return Math.max(0, this.until - this.now());
  }
}

/**
 * A "back off until" instant per key, for budgets that are not the endpoint's: Exchange charges an
 * impersonated call to the target mailbox's budget (see HttpTransport's mailbox gates), so a back-off it
 * names pauses calls for that mailbox only. Expired entries are dropped as they are read, and swept when
 * many accumulate, so memory follows the mailboxes actually told to wait.
 */
export class KeyedBackOffGates {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Pushes `key`'s pause out to at least `ms` from now (never shortens a longer pause already set). */
  backOff(key: string, ms: number): void {
    const until = this.now() + ms;
    if (until > (this.until.get(key) ?? 0)) this.until.set(key, until);
    if (this.until.size > 1000) this.sweep();
  }

  /** Milliseconds left before calls for `key` may resume; 0 when open. */
  remaining(key: string): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.until.delete(key);
    return 0;
  }

  /** Keys with a pause still running. */
  get size(): number {
    this.sweep();
    return this.until.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
  }
}

/** Exponential back-off with "equal jitter": at least half the step, so retries never come too soon, and
 * spread over the other half so many callers that failed together do not retry together. */
export function jitteredBackOff(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * `fn` over `items`, at most `limit` at once, each result handed to `consume` in the items' order as soon
 * as it and every one before it are in. Unlike mapWithLimit nothing is gathered: at most `limit` results
 * wait at any time, so a caller can stream thousands of answers (a tenant's groups) in bounded memory.
 * `consume` is awaited before the next result is handed over, and no call starts beyond `limit` results
 * ahead of it, so a slow consumer slows the calls instead of piling up their answers. The first failure ends the walk; the calls
 * already started are left to finish on their own, their results unread.
 */
export async function forEachInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  consume: (result: R, item: T) => void | Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be >= 1, got ${limit}`);
  const started: { item: T; result: Promise<R> }[] = [];
  let next = 0;
  const startMore = (): void => {
    while (next < items.length && started.length < limit) {
      const item = items[next++] as T;
      const result = fn(item);
      // Read in order below; until then a failure must not count as unhandled.
      result.catch(() => undefined);
      started.push({ item, result });
    }
  };
  startMore();
  for (let head = started.shift(); head; head = started.shift()) {
    const result = await head.result;
    startMore();
    await consume(result, head.item);
  }
}
