/**
 * A lost answer must not make a second Out of office event. A hostile server (test/support/hostileEwsServer.ts)
 * stands between the real EWS client and the sandbox: it relays each request, so the sandbox really carries
 * it out, and then drops the connection, answers too late, or answers as Exchange does when it carried
 * nothing out (503, connection refused). CreateItem is not sent again once it may have reached Exchange:
 * the failure goes up, and the next attempt (the activity's retry) finds the first event by its tag.
 */
import type { EwsSandbox } from '../../dev/ews-sandbox';
import type { EwsCallEvent, EwsClient } from '../../shared/mailbox/ews/ewsClient';
import type { OofCalendarEvent } from '../../shared/mailbox/mailboxOperations';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';
import { sandboxClient } from '../support/ewsTestClient';
import type { ServerResponse } from 'node:http';
import {
  answer,
  relay,
  startHostileEwsServer,
  type HostileEwsServer,
  type HostileRequest,
} from '../support/hostileEwsServer';
import { mailboxFailure } from '../support/mailboxFailure';

const MAILBOX = 'alice@contoso.com';

let sandbox: EwsSandbox;
let server: HostileEwsServer;

/** Behaving: every request carried out by the sandbox, its answer passed back. */
async function relayToSandbox(request: HostileRequest, res: ServerResponse): Promise<void> {
  const relayed = await relay(request, sandbox.url);
  answer(res, relayed.status, relayed.body);
}

beforeAll(async () => {
  sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0, strictSchema: true } });
  server = await startHostileEwsServer(relayToSandbox);
});

afterAll(async () => {
  await server.close();
  await sandbox.close();
});

let client: EwsClient;
afterEach(() => client.close());

/** A client of the hostile server as the app configures one (demo service account, `env` on top), and its call events. */
function clientThroughHostileServer(env: Record<string, string> = {}): {
  ews: EwsClient;
  calls: EwsCallEvent[];
} {
  const made = sandboxClient(sandbox, { ...demoEwsSettings(sandbox), EWS_URL: server.url, ...env });
  client = made.client;
  return { ews: made.client, calls: made.calls };
}

/** A fresh absence per test: each test counts its own tag's events. */
function absence(tag: string): OofCalendarEvent {
  return {
    subject: 'Out of office',
    body: 'Back on Monday 15 July',
    firstDay: '2030-07-01',
    firstDayBack: '2030-07-15',
    timeZone: 'Europe/Berlin',
    tag,
  };
}

/** The ids of the events in the sandbox's calendar of MAILBOX that carry this absence's tag. */
function eventsTagged(tag: string): string[] {
  return (sandbox.inspectCalendar(MAILBOX) ?? [])
    .filter((e) => e.extendedProperties.MailboxAutomationAbsence === tag)
    .map((e) => e.id);
}

function operationsSeen(): string[] {
  return server.requests.map((r) => r.operation);
}

beforeEach(() => {
  server.requests.length = 0;
});

describe('an Out of office event whose CreateItem answer is lost', () => {
  it('carried out, then the connection dropped: not sent again; the next attempt finds it, one event', async () => {
    let dropped = false;
    server.answerWith(async (request, res) => {
      const relayed = await relay(request, sandbox.url);
      if (request.operation === 'CreateItem' && !dropped) {
        dropped = true;
        res.socket?.destroy(); // Exchange made the event; its answer never comes
        return;
      }
      answer(res, relayed.status, relayed.body);
    });
    const { ews } = clientThroughHostileServer();
    const event = absence('absence-lost-reset');

    const error = await mailboxFailure(ews.createOofEvent(MAILBOX, event));
    expect(error).toMatchObject({
      code: 'CONNECTION',
      errorClass: 'transient',
      attempts: 1,
      outcomeUnknown: true,
    });
    expect(error.retryable).toBe(true); // the activity's retry comes back
    expect(error.message).toContain('may have carried out the CreateItem');
    expect(operationsSeen()).toEqual(['FindItem', 'CreateItem']);
    const made = eventsTagged(event.tag);
    expect(made).toHaveLength(1);

    // The activity's retry: FindItem by the tag answers the first event; nothing is created.
    expect(await ews.createOofEvent(MAILBOX, event)).toBe(made[0]);
    expect(operationsSeen()).toEqual(['FindItem', 'CreateItem', 'FindItem']);
    expect(eventsTagged(event.tag)).toEqual(made);
  });

  it('carried out, answered after the deadline: a timeout; the next attempt finds it, one event', async () => {
    server.answerWith(async (request, res) => {
      const relayed = await relay(request, sandbox.url);
      if (request.operation !== 'CreateItem') {
        answer(res, relayed.status, relayed.body);
        return;
      }
      // Exchange made the event; its answer never comes before the client gives up waiting.
    });
    // Room for the sandbox on a busy machine: the deadline covers FindItem and CreateItem together.
    const { ews } = clientThroughHostileServer({ EWS_TIMEOUT_MS: '5000' });
    const event = absence('absence-lost-timeout');

    const error = await mailboxFailure(ews.createOofEvent(MAILBOX, event));
    expect(error).toMatchObject({
      code: 'TIMEOUT',
      errorClass: 'transient',
      attempts: 1,
      outcomeUnknown: true,
    });
    const made = eventsTagged(event.tag);
    expect(made).toHaveLength(1);

    server.answerWith(relayToSandbox);
    expect(await ews.createOofEvent(MAILBOX, event)).toBe(made[0]);
    expect(eventsTagged(event.tag)).toEqual(made);
    expect(operationsSeen().filter((op) => op === 'CreateItem')).toHaveLength(1);
  });
});

describe('a CreateItem that cannot have reached Exchange is still retried within the call', () => {
  it('after a 503 (Exchange answered: nothing was made): one event, made by the second attempt', async () => {
    let refused = false;
    server.answerWith(async (request, res) => {
      if (request.operation === 'CreateItem' && !refused) {
        refused = true;
        answer(res, 503, 'Service Unavailable', { 'content-type': 'text/plain' });
        return;
      }
      await relayToSandbox(request, res);
    });
    const { ews } = clientThroughHostileServer();
    const event = absence('absence-after-503');

    const id = await ews.createOofEvent(MAILBOX, event);
    expect(eventsTagged(event.tag)).toEqual([id]);
    expect(operationsSeen()).toEqual(['FindItem', 'CreateItem', 'CreateItem']);
  });

  it('after connection refused (nothing listening): one event, once the server listens again', async () => {
    server.answerWith(async (request, res) => {
      const relayed = await relay(request, sandbox.url);
      if (request.operation === 'FindItem') {
        // No connection to reuse: CreateItem must connect, and is refused until the server listens again.
        res.once('finish', () => server.stopListeningFor(150));
        answer(res, relayed.status, relayed.body, { connection: 'close' });
        return;
      }
      answer(res, relayed.status, relayed.body);
    });
    const { ews, calls } = clientThroughHostileServer();
    const event = absence('absence-after-refused');

    const id = await ews.createOofEvent(MAILBOX, event);
    expect(eventsTagged(event.tag)).toEqual([id]);
    const attempts = calls.map((call) => `${call.operation} ${call.outcome} ${call.code ?? ''}`.trim());
    expect(attempts[0]).toBe('FindItem ok');
    expect(attempts).toContain('CreateItem retry CONNECTION');
    expect(attempts.at(-1)).toBe('CreateItem ok');
    // The refused attempts never reached the server: it saw one CreateItem.
    expect(operationsSeen()).toEqual(['FindItem', 'CreateItem']);
  });
});
