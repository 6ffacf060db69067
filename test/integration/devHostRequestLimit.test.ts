/**
 * The dev host refuses what the Functions host refuses before a function runs: a request over 100 MB
 * ("The HTTP request length is limited to 100 MB", Azure Functions HTTP trigger reference, "Limits") gets
 * 413 from its declared Content-Length, without the body being read, so tests see what Azure does.
 */
import net from 'node:net';
import { HOST_MAX_REQUEST_BYTES } from '../../dev/host/devHost';
import { startLeaveDevHost, type LeaveDevHost } from '../support/leaveDevHost';
import { FakeMailbox } from '../support/durableMailboxFake';

let devHost: LeaveDevHost;

beforeAll(async () => {
  devHost = await startLeaveDevHost({
    env: { HR_WEBHOOK_SECRETS: 'request-limit-secret', MAILBOX_SCOPE: 'contoso.com' },
    mailbox: new FakeMailbox(),
  });
});

afterAll(async () => {
  await devHost.close();
});

/** Sends only the head of a request that declares `length` body bytes; resolves with the status line. */
function statusForDeclaredLength(length: number): Promise<string> {
  const { hostname, port } = new URL(devHost.host.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST /api/hr/generic HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${length}\r\n\r\n{"partial":`,
      );
    });
    let answer = '';
    socket.setTimeout(5000, () => reject(new Error(`no answer within 5 s; got "${answer}"`)));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

test('a request declaring 1 GB gets 413 at once, before its body is read', async () => {
  await expect(statusForDeclaredLength(1024 ** 3)).resolves.toBe('HTTP/1.1 413 Payload Too Large');
});

test('a request declaring one byte over the host limit gets 413; the limit itself is passed on', async () => {
  await expect(statusForDeclaredLength(HOST_MAX_REQUEST_BYTES + 1)).resolves.toBe(
    'HTTP/1.1 413 Payload Too Large',
  );
  // Within the host's limit the function decides (its own 256 KiB cap answers 413 with its own body).
  const answer = await fetch(`${devHost.host.url}/api/hr/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(300 * 1024),
  });
  expect(answer.status).toBe(413);
  expect(await answer.json()).toMatchObject({ error: 'PayloadTooLarge' });
});
