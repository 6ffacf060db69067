/**
 * ErrorExceededConnectionCount means the account's concurrency budget on the server is lower than our cap:
 * the client halves its endpoint cap and earns slots back one at a time as calls succeed.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadEwsSettings } from '../../shared/platform/config';
import { EwsClient } from '../../shared/mailbox/ews/ewsClient';

const success = readFileSync(
  join(__dirname, '../fixtures/ews-samples/GetUserOofSettings.response.xml'),
  'utf8',
);
const exceeded = `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorExceededConnectionCount</faultcode>
<faultstring xml:lang="en-US">You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed.</faultstring>
<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorExceededConnectionCount</e:ResponseCode>
<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">You have exceeded the available concurrent connections for your account.</e:Message></detail>
</s:Fault></s:Body></s:Envelope>`;

let server: http.Server;
let url: string;
let faultsToSend = 0;
let inFlight = 0;
let peak = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        inFlight--;
        const fault = faultsToSend > 0;
        if (fault) faultsToSend--;
        res
          .writeHead(fault ? 500 : 200, { 'content-type': 'text/xml; charset=utf-8' })
          .end(fault ? exceeded : success);
      }, 10);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('halves the endpoint cap on ErrorExceededConnectionCount, retries, and recovers one slot per 20 successes', async () => {
  const client = new EwsClient(
    loadEwsSettings({
      EWS_URL: url,
      EWS_AUTH: 'basic',
      EWS_USERNAME: 'u',
      EWS_PASSWORD: 'p',
      EWS_MAX_IN_FLIGHT: '8',
    }),
    { backOffBaseMs: 5, backOffCapMs: 20 },
  );
  try {
    expect(client.endpointConcurrency).toBe(8);
    faultsToSend = 1;
    await client.getOof('user1@contoso.com');
    expect(client.endpointConcurrency).toBe(4);

    // With the cap at 4, no more than 4 calls reach the server at once.
    peak = 0;
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.getOof(`user${i}@contoso.com`)));
    expect(peak).toBeLessThanOrEqual(4);

    // 13 successes so far since the halving; 7 more earn a slot back.
    for (let i = 0; i < 7; i++) await client.getOof('user1@contoso.com');
    expect(client.endpointConcurrency).toBe(5);
  } finally {
    await client.close();
  }
});
