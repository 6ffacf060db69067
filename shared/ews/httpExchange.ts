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
  headersTimeout: number;
  bodyTimeout: number;
  /** Answers larger than this are abandoned (a runaway or hostile server must not exhaust memory). */
  maxResponseBytes: number;
}

export class ResponseTooLargeError extends Error {
  readonly code = 'RESPONSE_TOO_LARGE';
  constructor(limit: number) {
    super(`the response exceeded ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
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
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        // Nothing to set up: the request is sent as given.
      },
      onResponseStart(_controller, status, responseHeaders) {
        statusCode = status;
        headers = responseHeaders;
      },
      onResponseData(controller, chunk) {
        size += chunk.length;
        if (size > options.maxResponseBytes) {
          controller.abort(new ResponseTooLargeError(options.maxResponseBytes));
          return;
        }
        chunks.push(chunk);
      },
      onResponseEnd() {
        resolve({
          statusCode,
          headers,
          body: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8'),
        });
      },
      onResponseError(_controller, error) {
        reject(error);
      },
    };
    pool.dispatch(
      {
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
        body: options.body,
        headersTimeout: options.headersTimeout,
        bodyTimeout: options.bodyTimeout,
      },
      handler,
    );
  });
}
