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
    const chunks: Buffer[] = [];
    let size = 0;
    let statusCode = 0;
    let headers: HttpAnswer['headers'] = {};
    let controller: Dispatcher.DispatchController | undefined;
    let expired: Error | undefined;
    const deadline = setTimeout(() => {
      expired = new ExchangeTimeoutError(options.timeoutMs);
      // Before undici started the request there is no controller yet: onRequestStart aborts it then.
      controller?.abort(expired);
      reject(expired);
    }, options.timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Aborted here, undici never writes the request (client-h1.js checks `aborted` right after).
        if (expired) started.abort(expired);
        else options.onWriting?.();
      },
      onResponseStart(_controller, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
      },
      onResponseData(current, chunk) {
        size += options.countEntityReferences ? countedSize(chunk) : chunk.length;
        if (size > options.maxResponseBytes) {
          current.abort(new ResponseTooLargeError(options.maxResponseBytes));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        clearTimeout(deadline);
        resolve({
          statusCode,
          headers,
          body: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'),
        });
      },
      onResponseError(_controller, error) {
        clearTimeout(deadline);
        reject(error);
      },
    };
    pool.dispatch(
      {
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
        body: options.body,
        // Also bounded by undici's timers (cheap, and they name which phase stalled); the deadline timer
        // above is what ends a trickle.
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      handler,
    );
  });
}
