/**
 * What the HR webhook hands back to an HR system (a third party): the leave's id, its status and a
 * status link it reads with its own function key. Never the durable extension's management URLs or its
 * system key, which could terminate or purge any orchestration of the app. The dev host's durable
 * client binding is given a system key the way Azure gives it (test/support/azureSystemKey), so an
 * answer that passed the binding's URLs on would show it.
 */
import { hibobDelivery, startHibobApi, type HibobApiServer } from '../../dev/hibob/hibobApiServer';
import type { DevHost } from '../../dev/host/devHost';
import { SWEEP_INSTANCE_ID } from '../../functions/archiveSweepOrchestrator';
import { giveDurableClientsSystemKey } from '../support/azureSystemKey';
import { hibobLeaveRequest, HIBOB_ALICE } from '../support/hibobLeave';
import { DISABLED, FakeMailbox } from '../support/durableMailboxFake';
import {
  postGenericHrEvent,
  readWebhookAnswer,
  startLeaveDevHost,
  type LeaveDevHost,
  type WebhookAnswer,
} from '../support/leaveDevHost';

const SYSTEM_KEY = 'durable-extension-system-key-0123456789';
const GENERIC_SECRET = 'generic-secret-for-answer-tests';
const HIBOB_SECRET = 'hibob-secret-for-answer-tests';
const ALICE = 'alice@contoso.com';

let devHost: LeaveDevHost;
let host: DevHost;
let hibob: HibobApiServer;
const mailbox = new FakeMailbox();

beforeAll(async () => {
  hibob = await startHibobApi({ serviceUser: { id: 'SVC-1', token: 'svc-token' }, employees: [HIBOB_ALICE] });
  devHost = await startLeaveDevHost({
    env: {
      HR_WEBHOOK_SECRETS: GENERIC_SECRET,
      HIBOB_WEBHOOK_SECRETS: HIBOB_SECRET,
      HIBOB_API_URL: hibob.url,
      HIBOB_SERVICE_USER_ID: 'SVC-1',
      HIBOB_SERVICE_USER_TOKEN: 'svc-token',
      MAILBOX_SCOPE: 'contoso.com',
      LEAVE_RETRY_FIRST_MS: '10',
    },
    mailbox,
  });
  host = devHost.host;
  giveDurableClientsSystemKey(host, ['hrWebhook', 'hrLeaveStatus'], SYSTEM_KEY);
  mailbox.oof.set(ALICE, { ...DISABLED });
});

afterAll(async () => {
  await devHost.close();
  await hibob.close();
});

const get = async (url: string): Promise<WebhookAnswer> => readWebhookAnswer(await fetch(url));

async function postHibob(): Promise<WebhookAnswer> {
  const request = hibobLeaveRequest();
  hibob.putRequest(request);
  const d = hibobDelivery(HIBOB_SECRET, 'timeoff.request.approved', request, hibob.url);
  return readWebhookAnswer(
    await fetch(`${host.url}/api/hr/hibob`, { method: 'POST', headers: d.headers, body: d.body }),
  );
}

function postGeneric(leaveId: string, type = 'approved'): Promise<WebhookAnswer> {
  const body = JSON.stringify({
    eventId: `evt-${leaveId}`,
    type,
    occurredAt: new Date(host.clock.now() - 60_000).toISOString(),
    leaveId,
    ...(type === 'cancelled' ? {} : { start: '2030-07-01', end: '2030-07-12' }),
    timeZone: 'Europe/Berlin',
    employee: { email: ALICE, displayName: 'Alice Wilber' },
  });
  return postGenericHrEvent(host, body, { secret: GENERIC_SECRET });
}

/** A new leave: its id, its status as the answer left (Pending or already Running), and nothing else. */
function expectAccepted(answer: WebhookAnswer, id: string): void {
  expect(Object.keys(answer.json).sort()).toEqual(['id', 'outcome', 'status']);
  expect(answer.json).toMatchObject({ id, outcome: 'started' });
  expect(['Pending', 'Running']).toContain(answer.json.status);
}

/** Everything a caller receives: status line aside, the headers and the body. */
function expectNoCredential(answer: WebhookAnswer): void {
  const seen = `${answer.location ?? ''}\n${answer.text}`;
  expect(seen).not.toContain('code=');
  expect(seen).not.toContain(SYSTEM_KEY);
  expect(seen).not.toMatch(/terminate|purge|rewind|restart|raiseEvent|runtime\/webhooks/i);
}

async function phaseOf(location: string, phase: string): Promise<WebhookAnswer> {
  for (let i = 0; i < 500; i++) {
    const answer = await get(location);
    if (answer.json.phase === phase) return answer;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for phase ${phase} at ${location}`);
}

describe('the HR webhook’s 202 and the leave status route', () => {
  test('generic: 202 with id, status and outcome, a keyless Location, and no management URL or key', async () => {
    const answer = await postGeneric('ANSWER-1');
    expect(answer.status).toBe(202);
    expectAccepted(answer, 'leave-generic-ANSWER-1');
    expect(answer.location).toBe(`${host.url}/api/hr/leaves/leave-generic-ANSWER-1`);
    expectNoCredential(answer);

    // The status route shows the phase, and nothing of the leave's input or output.
    const status = await phaseOf(answer.location ?? '', 'waiting');
    expect(status.status).toBe(200);
    expect(Object.keys(status.json).sort()).toEqual(['id', 'lastUpdatedTime', 'phase', 'runtimeStatus']);
    expect(status.json).toMatchObject({
      id: 'leave-generic-ANSWER-1',
      runtimeStatus: 'Running',
      phase: 'waiting',
    });
    expect(Date.parse(String(status.json.lastUpdatedTime))).toBeLessThanOrEqual(host.clock.now());
    expect(status.text).not.toContain(ALICE);
    expectNoCredential(status);

    // The same event again reaches the running orchestration: its status is in the answer.
    const again = await postGeneric('ANSWER-1');
    expect(again.json).toEqual({ id: 'leave-generic-ANSWER-1', status: 'Running', outcome: 'forwarded' });
    expectNoCredential(again);
  });

  test('hibob: 202 with id, status and outcome, a keyless Location, and no management URL or key', async () => {
    const answer = await postHibob();
    const id = String(answer.json.id);
    expect(id).toMatch(/^leave-hibob-\d+$/);
    expect(answer.status).toBe(202);
    expectAccepted(answer, id);
    expect(answer.location).toBe(`${host.url}/api/hr/leaves/${id}`);
    expectNoCredential(answer);
    const status = await phaseOf(answer.location ?? '', 'waiting');
    expect(status.json).toMatchObject({ runtimeStatus: 'Running', phase: 'waiting' });
    expectNoCredential(status);
  });

  test('a cancellation of nothing is 202 ignored, with the reason and no status (no orchestration exists)', async () => {
    const answer = await postGeneric('NEVER-STARTED', 'cancelled');
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({
      id: 'leave-generic-NEVER-STARTED',
      status: null,
      outcome: 'ignored',
    });
    expect(String(answer.json.reason)).toContain('nothing to cancel');
    expect((await get(`${host.url}/api/hr/leaves/leave-generic-NEVER-STARTED`)).status).toBe(404);
  });

  test('the status route refuses ids that are not leave ids, the archive sweep’s included', async () => {
    host.durable.startNew('archiveSweepOrchestrator', { dryRun: true, trigger: 'test' }, SWEEP_INSTANCE_ID);
    for (const id of [
      SWEEP_INSTANCE_ID,
      `${SWEEP_INSTANCE_ID}:20300101T000000Z:lane0`,
      'leave-other-1',
      'leave-generic-',
    ]) {
      const answer = await get(`${host.url}/api/hr/leaves/${encodeURIComponent(id)}`);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'InvalidLeaveId', field: 'id' });
      expect(answer.text).not.toMatch(/runtimeStatus|phase/);
    }
    host.durable.terminate(SWEEP_INSTANCE_ID, 'test over');
  });

  test('the status route is GET only and asks for a function key in Azure (the HR caller’s own)', () => {
    const bindings = Object.values(host.registrations.get('hrLeaveStatus')?.metadata.bindings ?? {});
    expect(bindings.find((b) => b.type === 'httpTrigger')).toMatchObject({
      route: 'hr/leaves/{id}',
      methods: ['GET'],
      authLevel: 'function',
    });
  });
});
