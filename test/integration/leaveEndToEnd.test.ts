/**
 * The leave workflow end to end, with the EWS sandbox as the mailbox of record: a signed HR webhook into
 * the dev host (real HTTP, real DurableClient, durable-functions' replay engine, virtual clock) to the
 * person's calendar owner, the real activities with the real EWS client built from the environment (EWS_URL,
 * EWS_AUTH=basic, ...), and the sandbox's own inspection to see what Exchange would show. No fake mailbox
 * anywhere. The tests run in order on one clock that only moves forward, with leaves no more than the five
 * years ahead of today that the webhook accepts.
 *
 * Run twice, unchanged, once per back end: MAILBOX_BACKEND=graph talks to the Graph stand-in sharing the
 * sandbox's tenant (token from the loopback Entra server), so the same inspection shows what Graph did.
 */
import type { MailboxSnapshot } from '../../dev/ews-sandbox';
import { loadEwsSettings } from '../../shared/platform/config';
import { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import { DEMO_SERVICE_ACCOUNT, demoEwsSettings } from '../support/demoTenant';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { decisionLines, ownerOf, runningOwners, settleOwners } from '../support/calendarOwners';
import { LEAVE_GRAPH_APP, startLeaveBackends, type LeaveBackends } from '../support/leaveBackends';

const SECRET = 'e2e-signing-secret';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const CAROL = { name: 'Carol Smith', email: 'carol@contoso.com' };

let backends: LeaveBackends;

const oofOf = (address: string): MailboxSnapshot['oof'] => backends.oofOf(address);

/** The people's names as their replies give them. */
const NAMES: Record<string, string> = { [ALICE]: 'Alice Wilber', [BOB]: 'Bob Kelly' };

/**
 * Sends a change to the person's leave (Carol named as the delegate) and waits until the person's calendar
 * owner has handled it; returns the 202's JSON.
 */
async function post(
  type: 'approved' | 'cancelled',
  person: string,
  leaveId: string,
  start: string,
  end: string,
): Promise<Record<string, unknown>> {
  const answer = await backends.send(type, person, leaveId, start, end, {
    displayName: NAMES[person],
    delegate: CAROL,
  });
  await settleOwners(backends.host.durable, [person]);
  return answer;
}

/** Moves the virtual clock to `iso` and waits until every owner has handled what came due. */
async function advanceTo(iso: string): Promise<void> {
  const { clock, host } = backends;
  clock.advanceTo(Date.parse(iso));
  await settleOwners(host.durable, runningOwners(host.durable));
}

/** The owner's decisions, without their details. */
const decisionsOf = (address: string): string[] =>
  decisionLines(backends.host.durable, address).map((line) => line.slice(0, line.indexOf(':')));

describe.each(['ews', 'graph'] as const)(
  'leave workflow against the EWS sandbox (MAILBOX_BACKEND=%s)',
  (backend) => {
    beforeAll(async () => {
      backends = await startLeaveBackends(backend, {
        HR_WEBHOOK_SECRETS: SECRET,
        LEAVE_OOF_AUDIENCE: 'known',
        LEAVE_RETRY_FIRST_MS: '10',
      });
    });

    afterAll(() => backends.close());

    test('a signed approval schedules Alice’s replies in Exchange with the right UTC times and text; at the end her settings come back', async () => {
      const before = oofOf(ALICE);
      expect(before.state).toBe('Disabled');

      const answer = await post('approved', ALICE, 'A-MAR', '2030-03-25', '2030-04-05');
      expect(answer).toMatchObject({ id: calendarInstanceId(ALICE), outcome: 'started' });

      // Her own replies are off: the leave is scheduled ahead, so it starts on time even if the app is down.
      const during = oofOf(ALICE);
      expect(during).toMatchObject({
        state: 'Scheduled',
        // Berlin is UTC+1 until the last Sunday of March 2030 (the 31st), UTC+2 after: both offsets show.
        start: '2030-03-24T23:00:00.000Z',
        end: '2030-04-05T22:00:00.000Z',
        externalAudience: 'Known',
      });
      expect(during.internalReply).toBe(
        '<p>Hello,</p><p>Alice Wilber is on leave and will be back on Saturday, 6 April 2030.</p>' +
          '<p>For anything urgent, please contact Carol Smith (carol@contoso.com).</p>',
      );
      expect(during.externalReply).toContain(
        'Alice Wilber is out of the office and back on Saturday, 6 April 2030',
      );

      await advanceTo('2030-04-06T00:00:00Z'); // past the end of the leave: the owner's timer fires
      expect(decisionsOf(ALICE)).toContain('restored');
      expect(ownerOf(backends.host.durable, ALICE)).toMatchObject({
        runtimeStatus: 'Running',
        status: { phase: 'waiting' },
      });
      // Everything comes back exactly: a restore that left the leave's texts or dates there would show.
      expect(oofOf(ALICE)).toEqual(before);
    });

    test('Bob’s own scheduled window, over by the time his cancelled leave is restored, comes back Disabled with his texts', async () => {
      const before = oofOf(BOB);
      expect(before.state).toBe('Scheduled');
      // The clock is past his own window (it ends days after the sandbox started): Exchange would refuse it now.
      await advanceTo('2030-05-01T00:00:00Z');
      expect(Date.parse(before.end ?? '')).toBeLessThan(backends.clock.now());

      await post('approved', BOB, 'B-JUL', '2030-07-01', '2030-07-14');
      expect(oofOf(BOB)).toMatchObject({
        state: 'Scheduled',
        start: '2030-06-30T22:00:00.000Z',
        end: '2030-07-14T22:00:00.000Z',
      });

      await post('cancelled', BOB, 'B-JUL', '2030-07-01', '2030-07-14');
      expect(decisionsOf(BOB)).toContain('restored-as-disabled');
      expect(decisionsOf(BOB)).not.toContain('failed');
      expect(oofOf(BOB)).toMatchObject({
        state: 'Disabled',
        externalAudience: before.externalAudience,
        internalReply: before.internalReply,
        externalReply: before.externalReply,
      });
      expect(ownerOf(backends.host.durable, BOB)?.runtimeStatus).toBe('Running');
    });

    test('when Alice changes her replies herself during the leave, the end of the leave leaves them as she set them', async () => {
      await post('approved', ALICE, 'A-SEP', '2030-09-02', '2030-09-06');
      expect(oofOf(ALICE).state).toBe('Scheduled');
      await advanceTo('2030-09-03T12:00:00Z'); // her leave is running

      // Alice, in Outlook, as herself: SetUserOofSettings through EWS (a client of her own, no app involved).
      const own = new EwsClient(loadEwsSettings(demoEwsSettings(backends.sandbox)));
      try {
        await own.setOof(ALICE, {
          state: 'Enabled',
          externalAudience: 'None',
          internalReply: 'Back on Monday, call me if it burns.',
          externalReply: '',
        });
      } finally {
        await own.close();
      }
      const hers = oofOf(ALICE);

      await advanceTo('2030-09-08T00:00:00Z');
      expect(oofOf(ALICE)).toEqual(hers);
      expect(hers).toMatchObject({ state: 'Enabled', internalReply: 'Back on Monday, call me if it burns.' });
      expect(decisionsOf(ALICE).slice(-1)).not.toEqual(['restored']);
    });

    test('every mailbox call of a leave names the person: impersonation and a matching anchor on EWS, the user and a client-request-id on Graph', async () => {
      // This test's own leave, with the request logs emptied first: what is asserted is this leave's traffic.
      const { sandbox, graph } = backends;
      sandbox.clearRequests();
      graph?.clearRequests();
      await post('approved', ALICE, 'A-NOV', '2030-11-04', '2030-11-08');
      // Her own reply (Enabled, from the test before) stays until the leave starts: then the app's, then hers.
      await advanceTo('2030-11-05T12:00:00Z');
      expect(oofOf(ALICE).internalReply).toContain('Alice Wilber is on leave');
      await advanceTo('2030-11-10T00:00:00Z');
      expect(decisionsOf(ALICE).slice(-1)).toEqual(['restored']);

      // Read on delivery, read and set at the start, read and restore at the end: at least four calls.
      const ewsCalls = sandbox.requests.filter((r) => r.operation?.endsWith('UserOofSettings'));
      const graphCalls = graph?.requests.filter((r) => r.operation?.endsWith('MailboxSettings')) ?? [];
      if (backend === 'ews') {
        expect(ewsCalls.length).toBeGreaterThanOrEqual(4);
        for (const r of ewsCalls)
          expect({ mailbox: r.mailbox, anchorMatches: r.anchorMatches }).toEqual({
            mailbox: ALICE,
            anchorMatches: true,
          });
      } else {
        expect(ewsCalls).toEqual([]); // the workflow did not touch EWS
        expect(graphCalls.length).toBeGreaterThanOrEqual(4);
        for (const r of graphCalls) {
          expect(r.mailbox).toBe(ALICE);
          expect(r.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
        }
      }
      const logs = backends.devHost.logs.join('\n');
      expect(logs).not.toContain(DEMO_SERVICE_ACCOUNT.password);
      expect(logs).not.toContain(LEAVE_GRAPH_APP.clientSecret);
    });
  },
);
