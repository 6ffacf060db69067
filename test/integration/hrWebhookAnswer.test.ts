/**
 * What the HR webhook hands back to an HR system (a third party): the id of what took the event (the
 * person's calendar owner, or a HiBob notice's intake), its status and a status link it reads with its own
 * function key; what that link shows (runtime status, phase, last update, an owner's next look at the
 * mailbox), and never the calendar, the address or the reply texts. Never the durable extension's management URLs or its
 * system key, which could terminate or purge any orchestration of the app. The dev host's durable
 * client binding is given a system key the way Azure gives it (test/support/azureSystemKey), so an
 * answer that passed the binding's URLs on would show it.
 */
import { hibobDelivery, startHibobApi, type HibobApiServer } from '../../dev/hibob/hibobApiServer';
import type { DevHost } from '../../dev/host/devHost';
import { SWEEP_INSTANCE_ID } from '../../functions/archiveSweepOrchestrator';
import { giveDurableClientsSystemKey } from '../support/azureSystemKey';
import { calendarInstanceId, leaveIntakeInstanceId } from '../../shared/leave/instanceId';
import { intakeSummary, ownerOf, settleOwners } from '../support/calendarOwners';
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
const BOB = 'bob@contoso.com';
const ALICE_OWNER = calendarInstanceId(ALICE);

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
  mailbox.oof.set(BOB, { ...DISABLED });
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

function postGeneric(
  leaveId: string,
  options: { type?: string; email?: string } = {},
): Promise<WebhookAnswer> {
  const type = options.type ?? 'approved';
  const body = JSON.stringify({
    eventId: `evt-${leaveId}-${type}`,
    type,
    occurredAt: new Date(host.clock.now() - 60_000).toISOString(),
    leaveId,
    ...(type === 'cancelled' ? {} : { start: '2030-07-01', end: '2030-07-12' }),
    timeZone: 'Europe/Berlin',
    employee: { email: options.email ?? ALICE, displayName: 'Alice Wilber' },
  });
  return postGenericHrEvent(host, body, { secret: GENERIC_SECRET });
}

/** A started owner or intake: its id, its status as the answer left (Pending or already Running), and nothing else. */
function expectStarted(answer: WebhookAnswer, id: string): void {
  expect(answer.status).toBe(202);
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

describe('the HR webhook’s 202 and the leave status route', () => {
  test('generic: 202 with the owner’s id, a keyless Location; the status route shows phase and next look only', async () => {
    const answer = await postGeneric('ANSWER-1');
    expectStarted(answer, ALICE_OWNER);
    expect(ALICE_OWNER).toMatch(/^leave-calendar-[0-9a-f]{32}$/);
    expect(answer.location).toBe(`${host.url}/api/hr/leaves/${ALICE_OWNER}`);
    expectNoCredential(answer);
    expect(answer.text).not.toContain(ALICE);

    // The owner waits for the leave's start (1 July 2030, 00:00 in Berlin) to look at the mailbox again.
    await settleOwners(host.durable, [ALICE]);
    const status = await get(answer.location ?? '');
    expect(status.status).toBe(200);
    expect(Object.keys(status.json).sort()).toEqual([
      'id',
      'lastUpdatedTime',
      'phase',
      'runtimeStatus',
      'until',
    ]);
    expect(status.json).toMatchObject({
      id: ALICE_OWNER,
      runtimeStatus: 'Running',
      phase: 'waiting',
      until: '2030-06-30T22:00:00.000Z',
    });
    expect(Date.parse(String(status.json.lastUpdatedTime))).toBeLessThanOrEqual(host.clock.now());
    // Not the calendar, not the address, not the reply, not what the owner has seen or decided.
    expect(status.text).not.toMatch(/alice|Wilber|ANSWER-1|seen|decisions|Reply/i);
    expectNoCredential(status);

    // Another leave of hers goes to the same owner, which is running: forwarded.
    const second = await postGeneric('ANSWER-2');
    expect(second.json).toEqual({ id: ALICE_OWNER, status: 'Running', outcome: 'forwarded' });
    expect(second.location).toBe(answer.location);
    expectNoCredential(second);
    await settleOwners(host.durable, [ALICE]);

    // The same event again: answered from the owner's status without waking it.
    const again = await postGeneric('ANSWER-1');
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: ALICE_OWNER, status: 'Running', outcome: 'ignored' });
    expect(String(again.json.reason)).toContain('already holds this event');
    expectNoCredential(again);
  });

  test('hibob: 202 with the intake’s id and a keyless Location; the intake completes, the owner waits', async () => {
    const answer = await postHibob();
    const id = String(answer.json.id);
    expect(id).toMatch(/^leave-intake-hibob-\d+~/);
    expectStarted(answer, id);
    expect(answer.location).toBe(`${host.url}/api/hr/leaves/${encodeURIComponent(id)}`);
    expectNoCredential(answer);

    const summary = await intakeSummary(host.durable, id);
    expect(summary).toMatchObject({ outcome: 'delivered', calendar: { instanceId: ALICE_OWNER } });
    const status = await get(answer.location ?? '');
    expect(status.status).toBe(200);
    // An intake shows how far it got (delivered, or failed / unknown-person for a notice it could not
    // handle) and no next look; its output (whose leave, which owner) is not shown.
    expect(status.json).toEqual({
      id,
      runtimeStatus: 'Completed',
      phase: 'delivered',
      lastUpdatedTime: expect.any(String) as unknown,
    });
    expectNoCredential(status);
    await settleOwners(host.durable, [ALICE]);
  });

  test('a cancellation before anything is known of the leave starts the owner, which remembers it', async () => {
    const answer = await postGeneric('NEVER-APPROVED', { type: 'cancelled', email: BOB });
    expectStarted(answer, calendarInstanceId(BOB));
    await settleOwners(host.durable, [BOB]);
    const status = await get(answer.location ?? '');
    // Nothing to look at in the mailbox, nothing to wait for: no `until`.
    expect(status.json).toMatchObject({ runtimeStatus: 'Running', phase: 'waiting' });
    expect(status.json).not.toHaveProperty('until');
    expect(ownerOf(host.durable, BOB)?.calendar.leaves).toEqual([
      expect.objectContaining({ key: 'generic:NEVER-APPROVED', status: 'cancelled' }),
    ]);
    expect(mailbox.oof.get(BOB)).toEqual(DISABLED);
  });

  test('the status route refuses ids that are not an owner’s or an intake’s, the archive sweep’s included', async () => {
    host.durable.startNew('archiveSweepOrchestrator', { dryRun: true, trigger: 'test' }, SWEEP_INSTANCE_ID);
    for (const id of [
      SWEEP_INSTANCE_ID,
      `${SWEEP_INSTANCE_ID}:20300101T000000Z:lane0`,
      'leave-other-1',
      'leave-generic-',
      // The per-leave orchestrations' ids, which no answer hands out any more.
      'leave-generic-ANSWER-1',
      'leave-calendar-',
      `${ALICE_OWNER}0`,
      ALICE_OWNER.toUpperCase(),
      'leave-intake-hibob-1',
    ]) {
      const answer = await get(`${host.url}/api/hr/leaves/${encodeURIComponent(id)}`);
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ error: 'InvalidLeaveId', field: 'id' });
      expect(answer.text).not.toMatch(/runtimeStatus|phase/);
    }
    host.durable.terminate(SWEEP_INSTANCE_ID, 'test over');
  });

  test('the status route answers 404 for an owner or intake id that nothing started', async () => {
    for (const id of [
      calendarInstanceId('nobody@contoso.com'),
      leaveIntakeInstanceId('hibob', '404', 'never-delivered'),
    ]) {
      const answer = await get(`${host.url}/api/hr/leaves/${encodeURIComponent(id)}`);
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ error: 'UnknownLeave' });
    }
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
