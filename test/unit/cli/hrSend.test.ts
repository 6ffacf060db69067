import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/main';
import { listenOnLoopback } from '../../../dev/loopback/listenOnLoopback';
import { verifyGeneric } from '../../../shared/leave/sources/signature';

const ROTATED_IN = 'new-secret';
const ROTATED_OUT = 'old-secret';
const EVENT = '{"eventId":"e-1","employee":"alice@contoso.com","type":"approved"}';

/** A loopback webhook: records every delivery and answers with `answerStatus`. */
let webhookUrl: string;
let closeWebhook: () => Promise<void>;
let answerStatus = 202;
let answerBody = '{"answer":"from the webhook"}';
let deliveries: { path: string; signature: string | undefined; body: string }[] = [];
const files = mkdtempSync(join(tmpdir(), 'cli-hr-send-'));
const eventFile = join(files, 'leave.json');
writeFileSync(eventFile, EVENT);

beforeAll(async () => {
  const webhook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const signature = req.headers['x-signature'];
      deliveries.push({
        path: req.url ?? '',
        signature: Array.isArray(signature) ? signature[0] : signature,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(answerStatus, { 'content-type': 'application/json' }).end(answerBody);
    });
  });
  const listening = await listenOnLoopback(webhook);
  webhookUrl = listening.origin;
  closeWebhook = listening.close;
});
afterAll(async () => {
  rmSync(files, { recursive: true, force: true });
  await closeWebhook();
});
beforeEach(() => {
  answerStatus = 202;
  answerBody = '{"answer":"from the webhook"}';
  deliveries = [];
});

async function hrSend(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['hr', 'send', ...args], {
    env: { HR_WEBHOOK_SECRETS: `${ROTATED_IN},${ROTATED_OUT}`, ...env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('mailbox-automation hr send', () => {
  it('posts the file as it is, signed with the first secret of HR_WEBHOOK_SECRETS, and prints the answer', async () => {
    const result = await hrSend([eventFile, '--url', `${webhookUrl}/api/hr/generic`]);
    expect(result).toEqual({
      code: 0,
      stdout: '202 Accepted\n{"answer":"from the webhook"}\n',
      stderr: '',
    });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery?.path).toBe('/api/hr/generic');
    expect(delivery?.body).toBe(EVENT);
    const now = Math.floor(Date.now() / 1000);
    const body = Buffer.from(delivery?.body ?? '');
    expect(verifyGeneric(delivery?.signature, body, [ROTATED_IN], now)).toEqual({ ok: true });
    expect(verifyGeneric(delivery?.signature, body, [ROTATED_OUT], now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('takes --url=URL as well as --url URL, and HR_WEBHOOK_URL without either', async () => {
    expect((await hrSend([`--url=${webhookUrl}/inline`, eventFile])).code).toBe(0);
    expect((await hrSend([eventFile], { HR_WEBHOOK_URL: `${webhookUrl}/configured` })).code).toBe(0);
    expect(
      (
        await hrSend([eventFile, '--url', `${webhookUrl}/flag`], {
          HR_WEBHOOK_URL: `${webhookUrl}/configured`,
        })
      ).code,
    ).toBe(0);
    expect(deliveries.map((d) => d.path)).toEqual(['/inline', '/configured', '/flag']);
  });

  it('a refusal by the webhook (4xx) is exit 3, any other answer but 202 exit 1; the answer is printed', async () => {
    answerStatus = 401;
    const refused = await hrSend([eventFile, '--url', webhookUrl]);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('401 Unauthorized\n{"answer":"from the webhook"}\n');
    answerStatus = 500;
    expect((await hrSend([eventFile, '--url', webhookUrl])).code).toBe(1);
  });

  it('--json prints the answer as one document, the webhook’s JSON nested, with the same exit codes', async () => {
    const url = `${webhookUrl}/api/hr/generic`;
    const accepted = await hrSend([eventFile, '--url', url, '--json']);
    expect(accepted).toEqual({ code: 0, stdout: expect.any(String) as string, stderr: '' });
    expect(JSON.parse(accepted.stdout)).toEqual({
      url,
      status: 202,
      statusText: 'Accepted',
      body: { answer: 'from the webhook' },
    });

    answerStatus = 400;
    answerBody = 'no such employee';
    const refused = await hrSend([eventFile, '--url', url, '--json']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toEqual({
      url,
      status: 400,
      statusText: 'Bad Request',
      body: 'no such employee',
    });
  });

  it('a webhook that cannot be reached is exit 1, saying where it tried', async () => {
    // A port that was just free and is closed again: the connection is refused.
    const { port, close } = await listenOnLoopback(http.createServer());
    await close();
    const result = await hrSend([eventFile, '--url', `http://127.0.0.1:${port}/api/hr/generic`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `mailbox-automation: could not reach http://127.0.0.1:${port}/api/hr/generic: fetch failed (is the dev host running? npm start)\n`,
    );
  });
});
