/**
 * How every dev stand-in listens: on 127.0.0.1 only, so nothing off this machine can reach it, on the
 * given port or (0) a free one.
 */
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

interface LoopbackListener {
  port: number;
  /** `http://127.0.0.1:PORT`, or `https://…` for an HTTPS server. */
  origin: string;
  /**
   * Stops listening and ends every connection at once, those with a request still unanswered included
   * (the EWS sandbox holds some back); `server.close()` alone ends only idle ones and waits for the rest.
   */
  close: () => Promise<void>;
}

/** Listens once the server is set up; rejects when the port cannot be had (EADDRINUSE). */
export async function listenOnLoopback(
  server: http.Server | https.Server,
  port = 0,
): Promise<LoopbackListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    origin: `${server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
