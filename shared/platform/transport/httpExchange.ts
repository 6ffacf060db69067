import type { Dispatcher, Pool } from 'undici';

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface PostOptions {
  /** POST unless said (Microsoft Graph also GETs and PATCHes). */
  method?: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Milliseconds the whole exchange may take, from dispatch to the answer's last byte. undici's own
   * headersTimeout and bodyTimeout only bound the wait for the headers and the gap between two chunks:
   * a server sending one byte a second would otherwise hold the call (and its endpoint slot) for ever.
   */
  timeoutMs: number;
  /**
   * Answers larger than this are abandoned (a runaway or hostile server must not exhaust memory).
   */
  maxResponseBytes: number;
  /** XML answers: each character reference adds ENTITY_REFERENCE_COST bytes (see countedSize). */
  countEntityReferences?: boolean;
  /**
   * Called when undici, connected, starts writing the request: from then on the server may have received
   * it and carried it out, even if no answer comes (see TransportRequest.idempotent). Before it (waiting
   * for a pooled connection, connecting, connection refused) nothing can have reached the server.
   */
  onWriting?: () => void;
}

export class ResponseTooLargeError extends Error {
  readonly code = 'RESPONSE_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`the answer exceeded ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The whole exchange outlasted PostOptions.timeoutMs (classified like undici's own timeouts). */
export class ExchangeTimeoutError extends Error {
  readonly code = 'EXCHANGE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`the answer was not complete within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * What one `&` (the start of a character or entity reference) adds to an answer's size as counted
 * against the limit, on top of its own bytes. Decoding
 * turns each reference into a piece of a new string, so an answer made of references costs more than its
 * bytes; counting them keeps such an answer's cost within a small multiple of the limit. Legitimate
 * answers carry few (escaped HTML in a reply text: a few per line).
 */
export const ENTITY_REFERENCE_COST = 16;

/** Bytes of `chunk` as counted against the limit: its length plus ENTITY_REFERENCE_COST per `&`. */
export function countedSize(chunk: Buffer): number {
  let references = 0;
  for (let at = chunk.indexOf(0x26); at >= 0; at = chunk.indexOf(0x26, at + 1)) references++;
  return chunk.length + references * ENTITY_REFERENCE_COST;
}

/**
 * One request (a POST unless said) through the pool, the whole answer collected as text. Uses undici's dispatch handler
 * directly: `pool.request()` wraps every answer in a Node Readable stream, which cost more CPU per call
 * than the rest of the client together, and an EWS answer is always read whole anyway.
 */
export function postAndCollect(pool: Pool, options: PostOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const exchange = new CollectedExchange(options, resolve, reject);
    deadlines.watch(exchange);
    pool.dispatch(
      {
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
        body: options.body,
        // Also bounded by undici's timers (cheap, and they name which phase stalled); the deadline watch
        // below is what ends a trickle.
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      exchange,
    );
  });
}

/**
 * undici's handler for one exchange: collects the answer, and is what the deadline watch ends. A class,
 * so that an exchange is one object and its callbacks are shared methods, not six closures per call.
 */
class CollectedExchange implements Dispatcher.DispatchHandler {
  /** When the whole exchange must be over (Date.now() scale). */
  readonly deadline: number;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private statusCode = 0;
  private headers: HttpAnswer['headers'] = {};
  private controller: Dispatcher.DispatchController | undefined;
  private expired: Error | undefined;
  private settled = false;

  constructor(
    private readonly options: PostOptions,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.deadline = Date.now() + options.timeoutMs;
  }

  /** The deadline passed: abort the request (or, before undici started it, never write it) and fail. */
  expire(): void {
    if (this.settled) return;
    this.expired = new ExchangeTimeoutError(this.options.timeoutMs);
    // Before undici started the request there is no controller yet: onRequestStart aborts it then.
    this.controller?.abort(this.expired);
    this.settle();
    this.reject(this.expired);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Aborted here, undici never writes the request (client-h1.js checks `aborted` right after).
    if (this.expired) controller.abort(this.expired);
    else this.options.onWriting?.();
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: HttpAnswer['headers'],
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const { options } = this;
    this.size += options.countEntityReferences ? countedSize(chunk) : chunk.length;
    if (this.size > options.maxResponseBytes) {
      controller.abort(new ResponseTooLargeError(options.maxResponseBytes));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settle();
    const { chunks } = this;
    this.resolve({
      statusCode: this.statusCode,
      headers: this.headers,
      body: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    this.settle();
    this.reject(error);
  }

  private settle(): void {
    this.settled = true;
    deadlines.forget(this);
  }
}

/**
 * How often the deadlines of the exchanges in flight are checked: an exchange past its deadline ends at
 * most this much later. A trickling answer is what this bounds (undici's own headersTimeout and
 * bodyTimeout, set to the same time, end a silent server), and the deadline is the whole call's
 * (EWS_TIMEOUT_MS, 100 s by default): a tenth of a second is well within it.
 */
export const DEADLINE_CHECK_MS = 100;

/**
 * The deadlines of the exchanges in flight, checked by one timer that runs while there are any (and
 * stops at the first check that finds none). A timer of their own per exchange cost more CPU than the
 * rest of the transport's own work on a GetUserOofSettings call: each call's duration differs by a few
 * milliseconds, so Node created a timer list for it, inserted it in its priority queue and removed it
 * again on every call (bench/README.md). The timer does not keep the process alive: an exchange in
 * flight has its socket for that.
 */
class DeadlineWatch {
  private readonly inFlight = new Set<CollectedExchange>();
  private timer: NodeJS.Timeout | undefined;

  watch(exchange: CollectedExchange): void {
    this.inFlight.add(exchange);
    this.timer ??= setInterval(() => this.check(), DEADLINE_CHECK_MS).unref();
  }

  forget(exchange: CollectedExchange): void {
    this.inFlight.delete(exchange);
  }

  private check(): void {
    if (this.inFlight.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const exchange of this.inFlight) if (exchange.deadline <= now) exchange.expire();
  }
}

const deadlines = new DeadlineWatch();
