/**
 * HiBob's time-off webhooks end to end: a loopback stand-in of HiBob's API (dev/hibob), the dev host, the
 * real EWS client and the EWS sandbox as the mailbox of record. Deliveries carry ids only: each goes to a
 * short intake orchestration that re-reads the request from HiBob and hands it, as a leave event, to the
 * person's calendar owner, which sets the mailbox.
 */
import path from 'node:path';
import { loadSeedFile, startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import {
  hibobDelivery,
  startHibobApi,
  type HibobApiServer,
  type HibobRequestRecord,
} from '../../dev/hibob/hibobApiServer';
import { DevClock } from '../../dev/host/devClock';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { bobSignature } from '../../dev/hibob/bobSignature';
import { useAppServices } from '../../shared/app/appServices';
import { calendarInstanceId, isLeaveIntakeInstanceId } from '../../shared/leave/instanceId';
import { intakeSummary, ownerOf, settleOwners } from '../support/calendarOwners';
import { hibobLeaveRequest, HIBOB_ALICE } from '../support/hibobLeave';

const SECRET = 'hibob-webhook-secret';
const SERVICE_USER = { id: 'SERVICE-USER-7', token: 'hibob-service-token' };
const ALICE = 'alice@contoso.com';
const seed = loadSeedFile(path.resolve(__dirname, '../../dev/seeds/demo-tenant.json'));

let sandbox: EwsSandbox;
let hibob: HibobApiServer;
let host: DevHost;
const logs: string[] = [];

beforeAll(async () => {
  const account = seed.serviceAccounts?.[0];
  if (!account) throw new Error('the demo seed has no service account');
  sandbox = await startEwsSandbox({ seed, knobs: { latencyMs: 0 } });
  hibob = await startHibobApi({
    serviceUser: SERVICE_USER,
    employees: [HIBOB_ALICE],
  });
  const env = {
    ...process.env,
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: account.username,
    EWS_PASSWORD: account.password,
    MAILBOX_SCOPE: 'contoso.com',
    HIBOB_WEBHOOK_SECRETS: `${SECRET},an-older-secret`,
    HIBOB_SERVICE_USER_ID: SERVICE_USER.id,
    HIBOB_SERVICE_USER_TOKEN: SERVICE_USER.token,
    HIBOB_API_URL: hibob.url,
    HIBOB_TIME_ZONE: 'Europe/Berlin',
    HIBOB_LOCALE: 'en',
    LEAVE_RETRY_FIRST_MS: '10',
    KEY_VAULT_URI: undefined,
  };
  await useAppServices({ env });
  host = await startDevHost({
    port: 0,
    functionsDir: path.resolve(__dirname, '../../functions'),
    clock: new DevClock(),
    timers: false,
    env,
    log: (m) => logs.push(m),
  });
});

afterAll(async () => {
  await host.close();
  await useAppServices(undefined);
  await hibob.close();
  await sandbox.close();
});

const request = hibobLeaveRequest;

async function deliver(
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${host.url}/api/hr/hibob`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

const send = (type: string, r: HibobRequestRecord, triggeredAt?: string) => {
  const d = hibobDelivery(SECRET, type, r, hibob.url, triggeredAt);
  return deliver(d.body, d.headers);
};

const oof = () => sandbox.inspectMailbox(ALICE)?.oof;

describe('POST /api/hr/hibob', () => {
  test('HiBob’s connection ping is answered and starts nothing', async () => {
    const n = host.durable.listInstances().length;
    expect((await deliver('Ping test', { 'content-type': 'text/plain' })).status).toBe(200);
    expect((await deliver('{"text":"Ping test"}', { 'content-type': 'application/json' })).json.outcome).toBe(
      'pong',
    );
    expect(host.durable.listInstances().length).toBe(n);
  });

  test('a missing or wrong Bob-Signature is refused with 401; nothing is fetched, nothing starts', async () => {
    const r = request();
    hibob.putRequest(r);
    const d = hibobDelivery(SECRET, 'timeoff.request.approved', r, hibob.url);
    const calls = hibob.calls.length;
    const n = host.durable.listInstances().length;
    expect((await deliver(d.body, { 'content-type': 'application/json' })).status).toBe(401);
    const forged = hibobDelivery('not-the-secret', 'timeoff.request.approved', r, hibob.url);
    expect(
      (await deliver(d.body, { ...d.headers, 'bob-signature': forged.headers['bob-signature'] ?? '' }))
        .status,
    ).toBe(401);
    // Signed for another body: a replayed signature does not cover a changed payload.
    expect((await deliver(d.body.replace('2030', '2031') + ' ', d.headers)).status).toBe(401);
    expect(hibob.calls.length).toBe(calls);
    expect(host.durable.listInstances().length).toBe(n);
  });

  test('a getApi link to any other host is refused with 400 naming data.getApi, and nothing is fetched', async () => {
    const r = request();
    const calls = hibob.calls.length;
    const n = host.durable.listInstances().length;
    for (const getApi of [
      `https://evil.example.com/v1/timeoff/employees/${r.employeeId}/requests/${r.requestId}`,
      `http://127.0.0.2:${new URL(hibob.url).port}/v1/timeoff/employees/${r.employeeId}/requests/${r.requestId}`,
      `${hibob.url}/v1/people/search`,
      `//evil.example.com/v1/timeoff/x`,
    ]) {
      const d = hibobDelivery(SECRET, 'timeoff.request.approved', r, hibob.url);
      const body = d.body.replace(/"getApi":"[^"]*"/, `"getApi":${JSON.stringify(getApi)}`);
      const answer = await deliver(body, { ...d.headers, 'bob-signature': bobSignature(SECRET, body) });
      expect(answer.status).toBe(400);
      expect(answer.json.field).toBe('data.getApi');
    }
    expect(hibob.calls.length).toBe(calls);
    expect(host.durable.listInstances().length).toBe(n);
  });

  test('events that do not change replies (requested, declined) are acknowledged and start nothing', async () => {
    const n = host.durable.listInstances().length;
    const r = request({ status: 'pending' });
    hibob.putRequest(r);
    const answer = await send('timeoff.request.requested', r);
    expect(answer.status).toBe(200);
    expect(answer.json.outcome).toBe('ignored');
    expect(host.durable.listInstances().length).toBe(n);
  });

  /** The intake a 202 named, run to its end; then Alice's owner settled. What the intake says it did. */
  async function intakeThenOwner(answer: { status: number; json: Record<string, string> }) {
    expect(answer.status).toBe(202);
    const id = answer.json.id ?? '';
    expect(isLeaveIntakeInstanceId(id)).toBe(true);
    const summary = await intakeSummary(host.durable, id);
    await settleOwners(host.durable, [ALICE]);
    return summary;
  }

  test('approved: the request is re-read from HiBob and Alice’s replies are scheduled; moved; cancelled: restored', async () => {
    const before = oof();
    const r = request();
    hibob.putRequest(r);
    const triggeredAt = new Date(Date.now() - 60_000).toISOString();
    const approved = await send('timeoff.request.approved', r, triggeredAt);
    expect(approved.json.outcome).toBe('started');
    expect(approved.json.id).toMatch(new RegExp(`^leave-intake-hibob-${r.requestId}~`));
    expect(await intakeThenOwner(approved)).toMatchObject({
      outcome: 'delivered',
      calendar: { action: 'started', instanceId: calendarInstanceId(ALICE) },
    });
    expect(oof()).toMatchObject({
      state: 'Scheduled',
      start: '2030-08-04T22:00:00.000Z',
      end: '2030-08-16T22:00:00.000Z',
    });
    expect(oof()?.internalReply).toContain('Alice Wilber is on leave');
    const fetched = hibob.calls.filter((c) => c.authorized).map((c) => `${c.method} ${c.path}`);
    expect(fetched).toEqual(
      expect.arrayContaining([
        `GET /v1/timeoff/employees/${r.employeeId}/requests/${r.requestId}`,
        `POST /v1/people/${r.employeeId}`,
      ]),
    );

    // The same delivery again (HiBob retries): the same intake, already received; nothing is re-read.
    const calls = hibob.calls.length;
    const again = await send('timeoff.request.approved', r, triggeredAt);
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: approved.json.id, outcome: 'ignored' });
    expect(hibob.calls.length).toBe(calls);

    // HiBob moves the end date: a new notice, re-read, and the owner moves the replies.
    hibob.putRequest({ ...r, endDate: '2030-08-23' });
    const moved = await send('timeoff.request.setEndDate', r, new Date(Date.now() - 30_000).toISOString());
    expect(await intakeThenOwner(moved)).toMatchObject({
      outcome: 'delivered',
      calendar: { action: 'forwarded' },
    });
    expect(oof()).toMatchObject({ state: 'Scheduled', end: '2030-08-23T22:00:00.000Z' });

    // Cancelled in HiBob: Alice has exactly what she had before; her owner waits for her next leave.
    hibob.putRequest({ ...r, status: 'canceled' });
    expect(await intakeThenOwner(await send('timeoff.request.cancelled', r))).toMatchObject({
      outcome: 'delivered',
    });
    expect(oof()).toEqual(before);
    expect(ownerOf(host.durable, ALICE)).toMatchObject({
      runtimeStatus: 'Running',
      status: { phase: 'waiting' },
    });
    expect(ownerOf(host.durable, ALICE)?.status.until).toBeUndefined();
  });

  test('approved, but HiBob no longer has the request (deleted meanwhile): a cancellation, nothing changes in the mailbox', async () => {
    const before = oof();
    const r = request();
    const summary = await intakeThenOwner(await send('timeoff.request.approved', r));
    // HiBob still knows whose request it was: Alice's owner remembers it as cancelled.
    expect(summary).toMatchObject({
      outcome: 'delivered',
      calendar: { instanceId: calendarInstanceId(ALICE) },
    });
    expect(ownerOf(host.durable, ALICE)?.calendar.leaves).toContainEqual(
      expect.objectContaining({ key: `hibob:${r.requestId}`, status: 'cancelled' }),
    );
    expect(oof()).toEqual(before);
  });

  test('a HiBob request with dates no leave has is refused like the webhook’s: the intake fails naming start, no reply', async () => {
    const before = oof();
    const r = request({ startDate: '2040-01-01', endDate: '2040-01-05' });
    hibob.putRequest(r);
    const answer = await send('timeoff.request.approved', r);
    expect(answer.status).toBe(202);
    const summary = await intakeSummary(host.durable, answer.json.id ?? '');
    expect(summary).toMatchObject({ outcome: 'failed' });
    expect(summary.note).toMatch(
      /HibobInvalidRequest: HiBob request \d+: start: 2040-01-01 is more than 1825 days ahead/,
    );
    expect(oof()).toEqual(before);
  });

  test('the service user’s token and the signing secret never appear in the logs', () => {
    const all = logs.join('\n');
    expect(all).toContain('hr/hibob');
    expect(all).not.toContain(SERVICE_USER.token);
    expect(all).not.toContain(SECRET);
  });
});
