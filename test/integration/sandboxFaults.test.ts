/**
 * The sandbox's bad days, on demand: per-mailbox throttling with ErrorServerBusy and BackOffMilliseconds,
 * injected faults (503, inner ErrorServerBusy, connection reset, no answer), and the penalty for calls
 * whose X-AnchorMailbox is missing or wrong.
 */
import type { EwsSandbox } from '../../dev/ews-sandbox';
import { demoServiceCredentials, startDemoSandbox } from '../support/demoTenant';
import {
  bodies,
  faultCode,
  messageValue,
  post,
  responseCodes,
  soap,
  texts,
  type EwsAnswer,
} from '../support/sandboxSoap';

describe('EWS sandbox throttling and faults', () => {
  let sandbox: EwsSandbox;
  const getOof = (mailbox: string, anchor: string | undefined = mailbox): Promise<EwsAnswer> =>
    post(sandbox.url, soap(bodies.getOof(mailbox), { as: mailbox }), { ...demoServiceCredentials, anchor });

  beforeAll(async () => {
    sandbox = await startDemoSandbox({
      knobs: { missingAnchorFailureRate: 0, missingAnchorDelayMs: 0 },
    });
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.configure({
      latencyMs: 0,
      maxConcurrentPerMailbox: 27,
      throttleBackOffMs: 1000,
      faultRate: 0,
      missingAnchorDelayMs: 0,
      missingAnchorSlowdown: 2,
      missingAnchorFailureRate: 0,
      throttleForms: ['serverBusy'],
    });
  });
  afterAll(() => sandbox.close());

  it('answers ErrorServerBusy with BackOffMilliseconds beyond the per-mailbox concurrency, and only for that mailbox', async () => {
    sandbox.configure({ latencyMs: 150, maxConcurrentPerMailbox: 2, throttleBackOffMs: 300 });
    const answers = await Promise.all([
      getOof('alice@contoso.com'),
      getOof('alice@contoso.com'),
      getOof('alice@contoso.com'),
      getOof('bob@contoso.com'),
    ]);
    const alice = answers.slice(0, 3);
    const busy = alice.filter((a) => faultCode(a) === 'ErrorServerBusy');
    expect(busy).toHaveLength(1);
    expect(busy[0]?.status).toBe(500);
    expect(messageValue(busy[0] as EwsAnswer, 'BackOffMilliseconds')).toBe('300');
    expect(alice.filter((a) => responseCodes(a)[0] === 'NoError')).toHaveLength(2);
    expect(responseCodes(answers[3])).toEqual(['NoError']);
  });

  it('keeps a throttled mailbox busy until the back-off has passed, then serves it again', async () => {
    sandbox.configure({ latencyMs: 100, maxConcurrentPerMailbox: 1, throttleBackOffMs: 400 });
    const [, refused] = await Promise.all([getOof('carol@contoso.com'), getOof('carol@contoso.com')]);
    expect(faultCode(refused)).toBe('ErrorServerBusy');
    sandbox.configure({ latencyMs: 0 });

    const tooEarly = await getOof('carol@contoso.com');
    expect(faultCode(tooEarly)).toBe('ErrorServerBusy');
    const remaining = Number(messageValue(tooEarly, 'BackOffMilliseconds'));
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(400);

    await new Promise((r) => setTimeout(r, remaining + 20));
    expect(responseCodes(await getOof('carol@contoso.com'))).toEqual(['NoError']);
  });

  it('injects a 503 with Retry-After for the next matching call only', async () => {
    sandbox.injectFaults({ kind: 'http503', retryAfterSeconds: 7 });
    const first = await getOof('alice@contoso.com');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(responseCodes(await getOof('alice@contoso.com'))).toEqual(['NoError']);
    expect(sandbox.pendingFaults).toBe(0);
  });

  it('injects ErrorInternalServerError carrying an inner ErrorServerBusy', async () => {
    sandbox.injectFaults({ kind: 'internalServerBusy' });
    const answer = await getOof('alice@contoso.com');
    expect(answer.status).toBe(500);
    expect(responseCodes(answer)).toEqual(['ErrorInternalServerError']);
    expect(messageValue(answer, 'InnerErrorResponseCode')).toBe('ErrorServerBusy');

    sandbox.injectFaults({ kind: 'internalServerBusy', httpStatus: 200 });
    const find = await post(sandbox.url, soap(bodies.findAll('inbox'), { as: 'alice@contoso.com' }), {
      ...demoServiceCredentials,
      anchor: 'alice@contoso.com',
    });
    expect(find.status).toBe(200);
    expect(texts(find.xml, 'ResponseCode')).toEqual(['ErrorInternalServerError']);
  });

  it('injects the ErrorServerBusy SOAP fault on demand', async () => {
    sandbox.injectFaults({ kind: 'serverBusy', backOffMs: 1234 });
    const answer = await getOof('alice@contoso.com');
    expect(faultCode(answer)).toBe('ErrorServerBusy');
    expect(messageValue(answer, 'BackOffMilliseconds')).toBe('1234');
  });

  it('resets the connection without an answer', async () => {
    sandbox.injectFaults({ kind: 'reset' });
    await expect(getOof('alice@contoso.com')).rejects.toThrow();
    expect(responseCodes(await getOof('alice@contoso.com'))).toEqual(['NoError']);
  });

  it('never answers a hanging call, so only the client’s timeout ends it', async () => {
    sandbox.injectFaults({ kind: 'hang' });
    const started = Date.now();
    const hung = fetch(sandbox.url, {
      method: 'POST',
      headers: {
        authorization: demoServiceCredentials.authorization ?? '',
        'content-type': 'text/xml',
        'x-anchormailbox': 'alice@contoso.com',
      },
      body: soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }),
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('targets faults by operation and mailbox', async () => {
    sandbox.injectFaults(
      { kind: 'http503', operation: 'FindItem' },
      { kind: 'http503', mailbox: 'robert.kelly@contoso.com' },
    );
    expect((await getOof('alice@contoso.com')).status).toBe(200);
    expect((await getOof('bob@contoso.com')).status).toBe(503);
    expect(sandbox.pendingFaults).toBe(1);
    const find = await post(sandbox.url, soap(bodies.findAll('inbox'), { as: 'alice@contoso.com' }), {
      ...demoServiceCredentials,
      anchor: 'alice@contoso.com',
    });
    expect(find.status).toBe(503);
    expect(sandbox.requests.at(-1)).toMatchObject({ operation: 'FindItem', fault: 'http503', status: 503 });
  });

  it('draws random faults from a seeded source, so the same seed gives the same run', async () => {
    const run = async (): Promise<number[]> => {
      const s = await startDemoSandbox({
        randomSeed: 42,
        knobs: { faultRate: 0.3, faultKinds: ['http503', 'serverBusy'], missingAnchorFailureRate: 0 },
      });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const a = await post(s.url, soap(bodies.getOof('alice@contoso.com'), { as: 'alice@contoso.com' }), {
          ...demoServiceCredentials,
          anchor: 'alice@contoso.com',
        });
        statuses.push(a.status);
      }
      await s.close();
      return statuses;
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(10);
  });

  it('takes missingAnchorSlowdown times as long when X-AnchorMailbox is missing or names someone else, and sometimes answers 500 or 503', async () => {
    sandbox.configure({ latencyMs: 100, missingAnchorSlowdown: 2 });
    const timed = async (anchor: string): Promise<[number, EwsAnswer]> => {
      const t = Date.now();
      const answer = await getOof('alice@contoso.com', anchor);
      return [Date.now() - t, answer];
    };
    const [anchored] = await timed('alice@contoso.com');
    const [viaUpn] = await timed('UPN:alice.wilber@corp.contoso.com');
    const [missing, missingAnswer] = await timed('');
    const [wrong] = await timed('bob@contoso.com');
    expect(anchored).toBeLessThan(180);
    expect(viaUpn).toBeLessThan(180);
    expect(missing).toBeGreaterThanOrEqual(195);
    expect(wrong).toBeGreaterThanOrEqual(195);
    expect(responseCodes(missingAnswer)).toEqual(['NoError']);
    expect(sandbox.requests.slice(-4).map((r) => r.anchorMatches)).toEqual([true, true, false, false]);

    sandbox.configure({ latencyMs: 0, missingAnchorFailureRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) statuses.add((await getOof('alice@contoso.com', '')).status);
    expect([...statuses].sort()).toEqual([500, 503]);
    expect((await getOof('alice@contoso.com')).status).toBe(200);
  });

  it('refuses knobs that make no sense instead of ignoring them', () => {
    expect(() => sandbox.configure({ faultRate: 2 })).toThrow(/faultRate/);
    expect(() => sandbox.configure({ maxConcurrentPerMailbox: 0 })).toThrow(/maxConcurrentPerMailbox/);
    expect(() => sandbox.configure({ latncyMs: 5 } as never)).toThrow(/unknown knob "latncyMs"/);
    expect(() => sandbox.injectFaults({ kind: 'explode' as never })).toThrow(/explode/);
  });
});
