/**
 * A loopback HTTP server that answers EWS requests the way a broken proxy, a typo'd throttling policy or
 * a hostile server might: each test says how, per request. Started by the test that uses it, on
 * 127.0.0.1, and closed by it. What it answers with when it behaves is Microsoft's own samples
 * (test/fixtures/ews-samples).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';

const SAMPLES = path.join(__dirname, '..', 'fixtures', 'ews-samples');

/** Microsoft's successful GetUserOofSettings answer (getuseroofsettings-operation page). */
export const OOF_ANSWER = readFileSync(path.join(SAMPLES, 'GetUserOofSettings.response.xml'), 'utf8');

/** Exchange's ErrorServerBusy fault (BackOffMilliseconds sample) with the back-off given. */
export function serverBusyFault(backOffMs: number): string {
  return readFileSync(
    path.join(SAMPLES, 'Error.ErrorServerBusy.soapfault.BackOffMilliseconds.xml'),
    'utf8',
  ).replace('>297749<', `>${backOffMs}<`);
}

/** One request as the server saw it. */
export interface HostileRequest {
  at: number;
  /** X-AnchorMailbox: the mailbox the client acts as. */
  mailbox: string;
  /** The SOAP operation (first element of the Body). */
  operation: string;
  /** The request as it came, for relay(). */
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Answers one request; an async handler (one that relays) failing ends the connection. */
export type HostileHandler = (request: HostileRequest, res: http.ServerResponse) => void | Promise<void>;

export interface HostileEwsServer {
  url: string;
  requests: HostileRequest[];
  /** Changes how the next requests are answered. */
  answerWith(handler: HostileHandler): void;
  /**
   * Stops listening for `ms` (every connection ended, new ones refused: ECONNREFUSED), then listens on
   * the same port again.
   */
  stopListeningFor(ms: number): void;
  close(): Promise<void>;
}

export async function startHostileEwsServer(handler: HostileHandler): Promise<HostileEwsServer> {
  let current = handler;
  const requests: HostileRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const operation = /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1] ?? '';
      const mailbox = String(req.headers['x-anchormailbox'] ?? '');
      const request = { at: Date.now(), mailbox, operation, headers: req.headers, body };
      requests.push(request);
      Promise.resolve(current(request, res)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  const listener = await listenOnLoopback(server);
  let reopening: NodeJS.Timeout | undefined;
  return {
    url: `${listener.origin}/EWS/Exchange.asmx`,
    requests,
    answerWith: (next) => {
      current = next;
    },
    stopListeningFor: (ms) => {
      server.close();
      server.closeAllConnections();
      reopening = setTimeout(() => server.listen(listener.port, '127.0.0.1'), ms);
    },
    close: () => {
      clearTimeout(reopening);
      return listener.close();
    },
  };
}

/** What the real server answered to a relayed request. */
export interface RelayedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends the request on to a real EWS server (the sandbox) as it came, and answers what that server
 * answered: the server carries the request out, and the test decides whether the client hears of it.
 */
export async function relay(request: HostileRequest, url: string): Promise<RelayedAnswer> {
  const forwarded: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'x-anchormailbox']) {
    const value = request.headers[name];
    if (typeof value === 'string') forwarded[name] = value;
  }
  const answered = await fetch(url, { method: 'POST', headers: forwarded, body: request.body });
  return {
    status: answered.status,
    contentType: answered.headers.get('content-type') ?? 'text/xml; charset=utf-8',
    body: await answered.text(),
  };
}

/** Answers `body` as a SOAP answer would come. */
export function answer(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8', ...headers });
  res.end(body);
}

/**
 * Writes `head`, then `piece` over and over until `totalBytes` have gone or the client hangs up, as fast
 * as the client reads (so memory on this side stays flat), then `tail`.
 */
export function stream(
  res: http.ServerResponse,
  head: string,
  piece: string,
  totalBytes: number,
  tail: string,
): void {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  res.write(head);
  const block = Buffer.from(piece.repeat(Math.max(1, Math.floor(65_536 / piece.length))));
  let sent = 0;
  const pump = (): void => {
    while (sent < totalBytes && !res.destroyed) {
      sent += block.length;
      if (!res.write(block)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

/** Sends the headers and `head`, then one byte every `everyMs` until the client hangs up. */
export function trickle(res: http.ServerResponse, head: string, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  res.write(head);
  const timer = setInterval(() => {
    if (res.destroyed) clearInterval(timer);
    else res.write(' ');
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}
