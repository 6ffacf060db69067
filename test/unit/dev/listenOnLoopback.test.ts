/**
 * The listener every dev stand-in uses: loopback only, its URL, a clear failure when the port is taken,
 * and a close that does not wait for connections still open.
 */
import http from 'node:http';
import https from 'node:https';
import { generateLoopbackCertificate } from '../../../dev/identity/tlsCertificate';
import { listenOnLoopback } from '../../../dev/loopback/listenOnLoopback';

const hello = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.end('hello');
};

describe('listenOnLoopback', () => {
  test('listens on 127.0.0.1 on a free port and names it in an http origin', async () => {
    const server = http.createServer(hello);
    const listener = await listenOnLoopback(server);
    try {
      expect(server.address()).toMatchObject({ address: '127.0.0.1', port: listener.port });
      expect(listener.port).toBeGreaterThan(0);
      expect(listener.origin).toBe(`http://127.0.0.1:${listener.port}`);
    } finally {
      await listener.close();
    }
  });

  test('names an HTTPS server’s origin https', async () => {
    const tls = await generateLoopbackCertificate();
    const listener = await listenOnLoopback(https.createServer({ cert: tls.certPem, key: tls.keyPem }));
    try {
      expect(listener.origin).toBe(`https://127.0.0.1:${listener.port}`);
    } finally {
      await listener.close();
    }
  });

  test('rejects with EADDRINUSE when the given port is taken', async () => {
    const first = await listenOnLoopback(http.createServer(hello));
    try {
      await expect(listenOnLoopback(http.createServer(hello), first.port)).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.close();
    }
  });

  test('close ends a connection whose request is still unanswered instead of waiting for it', async () => {
    // The server never answers, as the EWS sandbox holds a response back; close() alone would wait forever.
    const server = http.createServer(() => undefined);
    const listener = await listenOnLoopback(server);
    const arrived = new Promise<void>((resolve) => server.once('request', () => resolve()));
    const answer = new Promise<string>((resolve) => {
      http
        .get(listener.origin, () => resolve('answered'))
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    await arrived;
    await listener.close();
    expect(await answer).toBe('ECONNRESET');
    expect(server.listening).toBe(false);
  });
});
