/**
 * The EWS client against a server that misbehaves on purpose (test/support/hostileEwsServer.ts): no
 * answer, however large, slow or strange, may stall other mailboxes, outlive the call's deadline, cost
 * memory out of proportion or be fetched again when fetching again cannot help.
 */
import path from 'node:path';
import { loadEwsSettings, type Env } from '../../shared/platform/config';
import { ANSWER_LIMITS, EwsClient, type EwsCallEvent } from '../../shared/mailbox/ews/ewsClient';
import { mailboxFailure } from '../support/mailboxFailure';
import {
  answer,
  OOF_ANSWER,
  serverBusyFault,
  startHostileEwsServer,
  stream,
  trickle,
  type HostileEwsServer,
} from '../support/hostileEwsServer';
import { runTypeScriptChild } from '../support/typeScriptChild';
import { ENTITY_REFERENCE_COST } from '../../shared/platform/transport/httpExchange';

let server: HostileEwsServer;

beforeAll(async () => {
  server = await startHostileEwsServer((_request, res) => answer(res, 200, OOF_ANSWER));
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.answerWith((_request, res) => answer(res, 200, OOF_ANSWER));
});

function hostileClient(env: Env = {}): { client: EwsClient; calls: EwsCallEvent[] } {
  const calls: EwsCallEvent[] = [];
  const settings = loadEwsSettings({
    EWS_URL: server.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: 'svc-mailbox@contoso.com',
    EWS_PASSWORD: 'sandbox-password',
    ...env,
  });
  const client = new EwsClient(settings, {
    backOffBaseMs: 20,
    backOffCapMs: 100,
    onCall: (event) => calls.push(event),
  });
  return { client, calls };
}

describe('a back-off the server names', () => {
  it('of 10^12 ms ends that call as throttled, naming the value and the cap; other mailboxes go on at once', async () => {
    server.answerWith((request, res) =>
      request.mailbox === 'alice@contoso.com'
        ? answer(res, 500, serverBusyFault(1e12))
        : answer(res, 200, OOF_ANSWER),
    );
    const { client, calls } = hostileClient({ EWS_MAX_BACKOFF_MS: '1500' });
    try {
      const started = Date.now();
      const error = await mailboxFailure(client.getOof('alice@contoso.com'));
      expect(error).toMatchObject({ code: 'ErrorServerBusy', errorClass: 'throttled', attempts: 1 });
      expect(error.message).toContain('1000000000000 ms');
      expect(error.message).toContain('EWS_MAX_BACKOFF_MS (1500 ms)');
      expect(Date.now() - started).toBeLessThan(1000);

      // Exchange charges impersonated calls to the target mailbox's budget: the others are not paused.
      const othersStarted = Date.now();
      await Promise.all(['bob@contoso.com', 'carol@contoso.com'].map((m) => client.getOof(m)));
      expect(Date.now() - othersStarted).toBeLessThan(500);

      // The throttled mailbox itself waits the cap at most, then is called again.
      server.answerWith((_request, res) => answer(res, 200, OOF_ANSWER));
      const againStarted = Date.now();
      await client.getOof('alice@contoso.com');
      const waited = Date.now() - againStarted;
      expect(waited).toBeGreaterThanOrEqual(1000);
      expect(waited).toBeLessThan(1500 + 1000);
      expect(calls.filter((c) => c.mailbox === 'alice@contoso.com').map((c) => c.outcome)).toEqual([
        'failed',
        'ok',
      ]);
    } finally {
      await client.close();
    }
  });

  it('in Retry-After: 999999999 on HTTP 503 is treated the same way', async () => {
    server.answerWith((request, res) =>
      request.mailbox === 'alice@contoso.com'
        ? answer(res, 503, 'Service Unavailable', {
            'retry-after': '999999999',
            'content-type': 'text/plain',
          })
        : answer(res, 200, OOF_ANSWER),
    );
    const { client } = hostileClient({ EWS_MAX_BACKOFF_MS: '1500' });
    try {
      const error = await mailboxFailure(client.getOof('alice@contoso.com'));
      expect(error).toMatchObject({ code: 'HTTP_503', errorClass: 'throttled', attempts: 1 });
      expect(error.message).toContain('999999999000 ms');
      expect(error.message).toContain('EWS_MAX_BACKOFF_MS');
      const othersStarted = Date.now();
      await client.getOof('bob@contoso.com');
      expect(Date.now() - othersStarted).toBeLessThan(500);
    } finally {
      await client.close();
    }
  });

  it('within the cap is waited out by the mailbox, and only by it', async () => {
    let busy = true;
    server.answerWith((request, res) => {
      if (request.mailbox === 'alice@contoso.com' && busy) {
        busy = false;
        answer(res, 500, serverBusyFault(600));
      } else answer(res, 200, OOF_ANSWER);
    });
    const { client } = hostileClient();
    try {
      const alice = client.getOof('alice@contoso.com');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const bobStarted = Date.now();
      await client.getOof('bob@contoso.com');
      expect(Date.now() - bobStarted).toBeLessThan(300);
      await alice;
      const [first, second] = server.requests.filter((r) => r.mailbox === 'alice@contoso.com');
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(600 - 15);
    } finally {
      await client.close();
    }
  });
});

describe('the deadline', () => {
  it('ends a call whose answer trickles in one byte at a time at EWS_TIMEOUT_MS (± 1 s)', async () => {
    server.answerWith((_request, res) =>
      trickle(
        res,
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">',
        100,
      ),
    );
    const { client } = hostileClient({ EWS_TIMEOUT_MS: '2000' });
    try {
      const started = Date.now();
      const error = await mailboxFailure(client.getOof('alice@contoso.com'));
      const elapsed = Date.now() - started;
      expect(error).toMatchObject({ code: 'TIMEOUT' });
      expect(error.message).toContain('2000 ms');
      expect(elapsed).toBeGreaterThanOrEqual(2000 - 1000);
      expect(elapsed).toBeLessThanOrEqual(2000 + 1000);
    } finally {
      await client.close();
    }
  }, 15_000);
});

describe('answers no Exchange would send', () => {
  const probe = path.join(__dirname, '..', 'support', 'answerMemoryProbe.ts');
  const findItemHead =
    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
    '<m:FindItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">' +
    '<m:ResponseMessages><m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>' +
    '<m:RootFolder TotalItemsInView="1" IncludesLastItemInRange="true"><t:Items><t:Message><t:ItemId Id="';
  const findItemTail =
    '"/></t:Message></t:Items></m:RootFolder></m:FindItemResponseMessage></m:ResponseMessages></m:FindItemResponse></s:Body></s:Envelope>';
  const limit = ANSWER_LIMITS.FindItem ?? 0;

  it.each([
    ['200 MB of plain text', 'A', 200e6],
    ['60 MB of character references', '&#233;', 60e6],
  ])(
    '%s: refused once as ResponseTooLarge, peak memory under 4x the limit, never fetched again',
    async (_what, piece, size) => {
      server.answerWith((_request, res) => stream(res, findItemHead, piece, size, findItemTail));
      const result = JSON.parse(await runTypeScriptChild(probe, [server.url])) as Record<string, unknown>;
      expect(result).toMatchObject({
        ok: false,
        code: 'ResponseTooLarge',
        errorClass: 'permanent',
        attempts: 1,
      });
      expect(result.message).toContain(`${limit} bytes`);
      expect(result.peakGrowthBytes).toBeLessThan(4 * limit);
      expect(server.requests).toHaveLength(1);
    },
    60_000,
  );

  it('an answer just under the limit, made of character references, is read at a bounded cost', async () => {
    // Nearly as many references as the limit allows (each counts its 6 bytes and ENTITY_REFERENCE_COST).
    const references = Math.floor((limit / (6 + ENTITY_REFERENCE_COST)) * 0.9);
    server.answerWith((_request, res) => stream(res, findItemHead, '&#233;', references * 6, findItemTail));
    const result = JSON.parse(await runTypeScriptChild(probe, [server.url])) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, items: 1 });
    expect(result.peakGrowthBytes).toBeLessThan(4 * limit);
  }, 60_000);

  it('a DOCTYPE (billion laughs) is refused after one attempt as a permanent InvalidResponse', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>';
    server.answerWith((_request, res) => answer(res, 200, bomb));
    const { client, calls } = hostileClient();
    try {
      const started = Date.now();
      const error = await mailboxFailure(client.getOof('alice@contoso.com'));
      expect(error).toMatchObject({ code: 'InvalidResponse', errorClass: 'permanent', attempts: 1 });
      expect(error.message).toMatch(/DOCTYPE/);
      expect(server.requests).toHaveLength(1);
      expect(calls).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await client.close();
    }
  });

  it('an external entity is refused the same way', async () => {
    const external =
      '<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&xxe;</s:Body></s:Envelope>';
    server.answerWith((_request, res) => answer(res, 200, external));
    const { client } = hostileClient();
    try {
      const error = await mailboxFailure(client.getOof('alice@contoso.com'));
      expect(error).toMatchObject({ code: 'InvalidResponse', errorClass: 'permanent', attempts: 1 });
      expect(server.requests).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

describe('what the messages say', () => {
  async function failureFor(
    respond: Parameters<HostileEwsServer['answerWith']>[0],
  ): Promise<Error & { code?: string }> {
    server.answerWith(respond);
    const { client } = hostileClient({ EWS_MAX_ATTEMPTS: '1' });
    try {
      return await mailboxFailure(client.getOof('alice@contoso.com'));
    } finally {
      await client.close();
    }
  }

  it('an HTML error page says so and names its title, not "DOCTYPE"', async () => {
    const error = await failureFor((_request, res) =>
      answer(
        res,
        200,
        '<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>…</body></html>',
        {
          'content-type': 'text/html',
        },
      ),
    );
    expect(error.message).toContain('HTML error page ("Sign in to your account")');
    expect(error.message).not.toMatch(/DOCTYPE/);
    expect(error.message).toContain('EWS_URL');
  });

  it('a 200 that is not SOAP says what came instead and what to check', async () => {
    const error = await failureFor((_request, res) =>
      answer(res, 200, 'hello from the load balancer', { 'content-type': 'text/plain' }),
    );
    expect(error.message).toContain('not a SOAP answer');
    expect(error.message).toContain('text/plain');
    expect(error.message).toContain('"hello from the load balancer"');
    expect(error.message).toContain('EWS_URL');
  });

  it('a redirect names where it points', async () => {
    const error = await failureFor((_request, res) =>
      answer(res, 302, '', { location: 'https://login.contoso.com/adfs/ls/' }),
    );
    expect(error).toMatchObject({ code: 'HTTP_302', errorClass: 'permanent' });
    expect(error.message).toContain('"https://login.contoso.com/adfs/ls/"');
    expect(error.message).toContain('does not follow redirects');
  });
});
