/**
 * The BambooHR poll (shared/leave/sources/bamboohrPoll.ts) with its real API client against the loopback
 * stand-in (dev/bamboohr): each poll sees what changed in BambooHR since the last one as the right
 * LeaveEvent, a refused key stops the poll with an error naming the setting, throttling is waited out,
 * and one employee's problem costs only that employee's requests.
 */
import {
  DEMO_BAMBOOHR_EMPLOYEES,
  startBambooHrApi,
  type BambooHrApiServer,
} from '../../dev/bamboohr/bambooHrApiServer';
import { loadBambooHrSettings, loadLeaveSettings } from '../../shared/platform/config';
import { EnvironmentSecretProvider, type SecretProvider } from '../../shared/platform/secrets';
import type { LeaveEvent } from '../../shared/leave/leaveEvent';
import { BambooHrApiError } from '../../shared/leave/sources/bamboohrApi';
import { pollBambooHr, type BambooHrPollDependencies } from '../../shared/leave/sources/bamboohrPoll';

const API_KEY = 'f3a9c1d0e2b4a6c8e0f1a3b5c7d9e1f2a4b6c8d0';
const COMPANY = 'contoso';

let bamboo: BambooHrApiServer;
let clock: Date;
let delivered: LeaveEvent[];

beforeEach(async () => {
  bamboo = await startBambooHrApi({
    companyDomain: COMPANY,
    apiKey: API_KEY,
    employees: DEMO_BAMBOOHR_EMPLOYEES.map((e) => ({ ...e })),
    today: () => clock.toISOString().slice(0, 10),
  });
  clock = new Date('2030-06-01T06:00:00Z');
  delivered = [];
});

afterEach(() => bamboo.close());

/** The poll as the timer runs it, with the app's settings loader; `deliver` records each event. */
function poll(overrides: Partial<BambooHrPollDependencies> = {}, key = API_KEY) {
  const settings = loadBambooHrSettings({
    BAMBOOHR_POLL_SCHEDULE: '0 */15 * * * *',
    BAMBOOHR_COMPANY_DOMAIN: COMPANY,
    BAMBOOHR_API_URL: bamboo.url,
    BAMBOOHR_TIME_ZONE: 'Europe/Berlin',
    BAMBOOHR_LOCALE: 'de',
  });
  return pollBambooHr({
    settings,
    secrets: new EnvironmentSecretProvider({ BAMBOOHR_API_KEY: key }),
    now: () => clock,
    dateBounds: loadLeaveSettings({}).dateBounds,
    deliver: (event) => {
      delivered.push(event);
      return Promise.resolve({ action: 'started' });
    },
    ...overrides,
  });
}

/** Moves the clock on by `minutes` (the next poll). */
function later(minutes: number): void {
  clock = new Date(clock.getTime() + minutes * 60_000);
}

describe('BambooHR poll against the stand-in', () => {
  it('a new, a changed and a cancelled request are each seen by the next poll as the right event', async () => {
    const first = await poll();
    expect(first).toMatchObject({ requestsSeen: 0, delivered: 0, skipped: [], failed: [] });
    // The window asked for: 31 days back, 365 ahead (the default), from today in Berlin.
    expect(bamboo.calls.at(-1)?.query).toEqual({ start: '2030-05-01', end: '2031-06-01' });

    const id = bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    later(15);
    const second = await poll();
    expect(second).toMatchObject({ requestsSeen: 1, delivered: 1 });
    expect(delivered.at(-1)).toEqual({
      eventId: `bamboohr-${id}-2030-06-01T06:15:00.000Z`,
      type: 'approved',
      occurredAt: '2030-06-01T06:15:00.000Z',
      leaveId: id,
      start: '2030-07-01',
      end: '2030-07-12',
      timeZone: 'Europe/Berlin',
      locale: 'de',
      employee: { email: 'alice@contoso.com', displayName: 'Alice Anders' },
    });

    // Changed the same day: BambooHR's lastChanged stays 2030-06-01, the poll's instant moves on.
    bamboo.changeRequest(id, { end: '2030-07-19' });
    later(15);
    await poll();
    expect(delivered.at(-1)).toMatchObject({
      type: 'approved',
      leaveId: id,
      start: '2030-07-01',
      end: '2030-07-19',
      occurredAt: '2030-06-01T06:30:00.000Z',
    });

    bamboo.cancelRequest(id);
    later(15);
    const fourth = await poll();
    expect(fourth).toMatchObject({ requestsSeen: 1, delivered: 1 });
    const cancelled = delivered.at(-1);
    expect(cancelled).toMatchObject({
      type: 'cancelled',
      leaveId: id,
      occurredAt: '2030-06-01T06:45:00.000Z',
    });
    expect(cancelled).not.toHaveProperty('start');
    expect(delivered.map((e) => e.eventId)).toEqual([...new Set(delivered.map((e) => e.eventId))]);
  });

  it('reads only requests that overlap the window, and counts what the dispatch ignored', async () => {
    bamboo.addRequest({ employeeId: '101', start: '2030-04-01', end: '2030-04-30' }); // ended before the window
    bamboo.addRequest({ employeeId: '101', start: '2030-04-25', end: '2030-05-02' }); // ends inside it
    bamboo.addRequest({ employeeId: '102', start: '2031-06-01', end: '2031-06-05' }); // starts on its last day
    bamboo.addRequest({ employeeId: '103', start: '2031-06-02', end: '2031-06-05' }); // after it
    const summary = await poll({ deliver: () => Promise.resolve({ action: 'ignored' }) });
    expect(summary).toMatchObject({ requestsSeen: 2, delivered: 0, ignored: 2 });
    expect(summary.line).toBe(
      'bamboohr poll 2030-05-01..2031-06-01: 2 requests seen, 0 delivered, 2 ignored as duplicates, 0 skipped, 0 failed',
    );
  });

  it('a wrong API key stops the poll with an error naming the setting, sent once and delivering nothing', async () => {
    bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    const forgotten: string[] = [];
    const secrets: SecretProvider = {
      kind: 'environment',
      get: (name) => Promise.resolve(name === 'BAMBOOHR_API_KEY' ? 'not-the-key' : undefined),
      invalidate: (name) => void forgotten.push(name),
    };
    const failure = poll({ secrets });
    await expect(failure).rejects.toBeInstanceOf(BambooHrApiError);
    await expect(failure).rejects.toMatchObject({
      code: 'BambooHrAccessDenied',
      retryable: false,
      status: 401,
      message: expect.stringContaining(
        'check the BAMBOOHR_API_KEY secret (Key Vault bamboohr-api-key)',
      ) as string,
    });
    expect(bamboo.calls).toHaveLength(1);
    expect(delivered).toEqual([]);
    // A rotated key is read again at the next poll instead of the refused one being kept.
    expect(forgotten).toEqual(['BAMBOOHR_API_KEY']);
  });

  it('no API key or no company domain: the poll names the setting and calls nothing', async () => {
    await expect(poll({}, '')).rejects.toMatchObject({ name: 'ConfigError', setting: 'BAMBOOHR_API_KEY' });
    const settings = loadBambooHrSettings({ BAMBOOHR_API_URL: bamboo.url });
    await expect(poll({ settings })).rejects.toMatchObject({ setting: 'BAMBOOHR_COMPANY_DOMAIN' });
    expect(bamboo.calls).toEqual([]);
  });

  it('a 429 with Retry-After is waited out and the poll goes on', async () => {
    bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    // 2 s: longer than the poll's own first back-off (at most 1 s), so only Retry-After explains the wait.
    bamboo.failNext({ status: 429, retryAfterSeconds: 2, path: 'time_off' });
    const started = Date.now();
    const summary = await poll();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_950);
    expect(summary).toMatchObject({ requestsSeen: 1, delivered: 1 });
    expect(bamboo.calls.filter((c) => c.path.includes('time_off')).map((c) => c.status)).toEqual([429, 200]);
  });

  it('a Retry-After longer than the cap is left to the next poll, as a retryable error', async () => {
    bamboo.failNext({ status: 503, retryAfterSeconds: 120, path: 'time_off' });
    const failure = poll({ calls: { maxRetryWaitMs: 5_000 } });
    await expect(failure).rejects.toMatchObject({
      code: 'BambooHrUnavailable',
      retryable: true,
      message: expect.stringContaining('asking to wait 120 s (more than the 5 s a poll waits)') as string,
    });
    expect(bamboo.calls).toHaveLength(1);
  });

  it('an employee without a work e-mail is skipped with the reason; the others are delivered', async () => {
    bamboo.changeEmployee('102', { workEmail: null });
    const alice = bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    const bob = bamboo.addRequest({ employeeId: '102', start: '2030-07-01', end: '2030-07-12' });
    const carol = bamboo.addRequest({ employeeId: '103', start: '2030-08-01', end: '2030-08-02' });
    const summary = await poll();
    expect(summary).toMatchObject({ requestsSeen: 3, delivered: 2, failed: [] });
    expect(summary.skipped).toEqual([
      { requestId: bob, reason: expect.stringContaining('employee 102 has no workEmail') as string },
    ]);
    expect(delivered.map((e) => [e.leaveId, e.employee.email])).toEqual([
      [alice, 'alice@contoso.com'],
      [carol, 'carol@contoso.com'],
    ]);
    expect(summary.line).toContain(`1 skipped, 0 failed (${bob}: employee 102 has no workEmail`);
  });

  it('each employee is looked up once per poll, asking for the work e-mail and names', async () => {
    bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    bamboo.addRequest({ employeeId: '101', start: '2030-09-01', end: '2030-09-12' });
    bamboo.addRequest({ employeeId: '103', start: '2030-08-01', end: '2030-08-02' });
    await poll();
    const lookups = bamboo.calls.filter((c) => c.path.includes('/employees/'));
    expect(lookups.map((c) => c.path).sort()).toEqual([
      `/api/gateway.php/${COMPANY}/v1/employees/101/`,
      `/api/gateway.php/${COMPANY}/v1/employees/103/`,
    ]);
    expect(lookups[0]?.query).toEqual({ fields: 'workEmail,displayName,firstName,lastName' });
  });

  it('employees are looked up at most 4 at a time', async () => {
    await bamboo.close();
    const staff = Array.from({ length: 10 }, (_, i) => ({
      id: String(200 + i),
      firstName: `Person${i}`,
      lastName: 'Contoso',
      workEmail: `person${i}@contoso.com`,
    }));
    bamboo = await startBambooHrApi({
      companyDomain: COMPANY,
      apiKey: API_KEY,
      employees: staff,
      latencyMs: 40,
    });
    for (const person of staff)
      bamboo.addRequest({ employeeId: person.id, start: '2030-07-01', end: '2030-07-05' });
    const summary = await poll();
    expect(summary).toMatchObject({ requestsSeen: 10, delivered: 10 });
    expect(bamboo.maxInFlight).toBe(4);
  });

  it("an employee look-up that keeps failing fails only that employee's requests", async () => {
    const alice = bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    const carol = bamboo.addRequest({ employeeId: '103', start: '2030-08-01', end: '2030-08-02' });
    bamboo.failNext({ status: 500, count: 2, path: '/employees/101/' });
    const summary = await poll({ calls: { maxAttempts: 2, maxRetryWaitMs: 2_000 } });
    expect(summary.failed).toEqual([
      { requestId: alice, error: expect.stringContaining('employee 101: BambooHR answered 500') as string },
    ]);
    expect(delivered.map((e) => e.leaveId)).toEqual([carol]);
  });

  it('a delivery that throws fails that request only', async () => {
    const alice = bamboo.addRequest({ employeeId: '101', start: '2030-07-01', end: '2030-07-12' });
    const carol = bamboo.addRequest({ employeeId: '103', start: '2030-08-01', end: '2030-08-02' });
    const summary = await poll({
      deliver: (event) => {
        if (event.leaveId === alice) return Promise.reject(new Error('durable client unreachable'));
        delivered.push(event);
        return Promise.resolve({ action: 'forwarded' });
      },
    });
    expect(summary).toMatchObject({
      delivered: 1,
      failed: [{ requestId: alice, error: 'delivery: durable client unreachable' }],
    });
    expect(delivered.map((e) => e.leaveId)).toEqual([carol]);
  });
});

describe('the BambooHR stand-in refuses what BambooHR refuses', () => {
  const auth = `Basic ${Buffer.from(`${API_KEY}:x`).toString('base64')}`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${bamboo.url}/api/gateway.php/${COMPANY}/v1/${path}`, {
      headers: { accept: 'application/json', authorization: auth, ...headers },
    });

  it('a missing or malformed date is 400 naming it in X-BambooHR-Error-Message', async () => {
    for (const query of [
      'start=2030-01-01',
      'start=2030-02-30&end=2030-03-01',
      'start=2030-1-1&end=2030-03-01',
    ]) {
      const response = await get(`time_off/requests/?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-bamboohr-error-message')).toBe('Invalid or missing start/end date.');
    }
    expect((await get('time_off/requests/?start=2030-01-01&end=2030-01-31&status=pending')).status).toBe(400);
  });

  it('another key is 401, any password with the right key is accepted, and XML-only callers get 406', async () => {
    const other = `Basic ${Buffer.from('another-key:x').toString('base64')}`;
    expect((await get('employees/101/', { authorization: other })).status).toBe(401);
    const anyPassword = `Basic ${Buffer.from(`${API_KEY}:whatever`).toString('base64')}`;
    expect((await get('employees/101/', { authorization: anyPassword })).status).toBe(200);
    expect((await get('employees/101/', { accept: 'application/xml' })).status).toBe(406);
  });

  it('an employee answers the fields asked for, empty ones as null; an unknown one is 404', async () => {
    bamboo.changeEmployee('102', { workEmail: null });
    const bob = await get('employees/102/?fields=workEmail,firstName');
    expect(await bob.json()).toEqual({ id: '102', workEmail: null, firstName: 'Bob' });
    expect((await get('employees/999/')).status).toBe(404);
  });
});
