/**
 * One generic HR delivery as the webhook receives it (shared/leave/receiveLeaveEvent.ts), signed as the HR
 * system signs it: dates no leave has are refused naming the field, and nothing starts; a body that begins
 * with a UTF-8 byte order mark, as some HR systems write it, is accepted like the same body without one.
 */
import { receiveLeaveEvent, type HrDelivery } from '../../../shared/leave/receiveLeaveEvent';
import type { LeaveInstances } from '../../../shared/leave/leaveDispatch';
import { loadLeaveSettings } from '../../../shared/platform/config';
import { createSecretProvider } from '../../../shared/platform/secrets';
import { signGeneric } from '../../../shared/leave/sources/signature';

const SECRET = 'generic-secret-for-input-tests';
const env: Record<string, string | undefined> = { HR_WEBHOOK_SECRETS: SECRET };
/** 2030-06-01 10:00 in Berlin. */
const NOW = new Date('2030-06-01T08:00:00Z');

const event = {
  eventId: 'evt-1',
  type: 'approved',
  occurredAt: '2030-05-31T10:00:00+02:00',
  leaveId: 'L-1',
  start: '2030-07-01',
  end: '2030-07-12',
  timeZone: 'Europe/Berlin',
  employee: { email: 'alice@contoso.com', displayName: 'Alice Wilber' },
};

/** What reached the durable side: every call, in order. */
function recordingInstances(): LeaveInstances & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    status(instanceId) {
      calls.push(`status ${instanceId}`);
      return Promise.resolve(undefined);
    },
    start(name, instanceId) {
      calls.push(`start ${name} ${instanceId}`);
      return Promise.resolve();
    },
    raise(instanceId, eventName) {
      calls.push(`raise ${instanceId} ${eventName}`);
      return Promise.resolve();
    },
  };
}

/** `body` as sent, with the signature the HR system made over `signed` (the body itself unless given). */
async function deliver(body: Buffer, signed = body) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'x-signature': signGeneric(SECRET, signed, Math.floor(NOW.getTime() / 1000)),
  };
  const delivery: HrDelivery = {
    source: 'generic',
    header: (name) => headers[name.toLowerCase()] ?? null,
    body: () => Promise.resolve(body),
  };
  const instances = recordingInstances();
  const services = {
    secrets: () => createSecretProvider(env),
    now: () => NOW,
    leaveSettings: () => loadLeaveSettings(env),
  };
  const lines: string[] = [];
  const log = { info: () => {}, warn: () => {}, error: (...a: unknown[]) => void lines.push(a.join(' ')) };
  const outcome = await receiveLeaveEvent(delivery, { services, instances, log });
  expect(lines).toEqual([]);
  return { outcome, calls: instances.calls };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('dates no leave has, as the webhook answers them', () => {
  it.each([
    [{ start: '1900-01-01' }, 'start', 'start: 1900-01-01 is more than 730 days ago'],
    [{ start: '2036-01-01', end: '2036-01-02' }, 'start', 'start: 2036-01-01 is more than 1825 days ahead'],
    [
      { end: '9999-12-30' },
      'end',
      'end: 9999-12-30 makes the leave longer than 730 days (it starts 2030-07-01)',
    ],
    [
      { end: '9999-12-31' },
      'end',
      'end: 9999-12-31 makes the leave longer than 730 days (it starts 2030-07-01)',
    ],
  ])('%p is refused naming %s, and nothing starts', async (dates, field, message) => {
    const { outcome, calls } = await deliver(json({ ...event, ...dates }));
    expect(outcome).toEqual({
      kind: 'refused',
      refusal: { error: 'InvalidLeaveEvent', message, field },
    });
    expect(calls).toEqual([]);
  });

  it('the configured bounds are the ones applied', async () => {
    env.LEAVE_MAX_LENGTH_DAYS = '5';
    try {
      const { outcome } = await deliver(json(event));
      expect(outcome).toMatchObject({
        refusal: {
          field: 'end',
          message: 'end: 2030-07-12 makes the leave longer than 5 days (it starts 2030-07-01)',
        },
      });
    } finally {
      delete env.LEAVE_MAX_LENGTH_DAYS;
    }
  });
});

describe('a body with a UTF-8 byte order mark', () => {
  it('is accepted like the same body without one', async () => {
    const plain = await deliver(json(event));
    const withBom = await deliver(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(event)]));
    expect(withBom.outcome).toMatchObject({ kind: 'accepted' });
    expect(withBom).toEqual(plain);
    expect(withBom.calls.some((call) => call.startsWith('start '))).toBe(true);
  });

  it('is still refused when the signature was made without the mark (the bytes as sent are signed)', async () => {
    const body = json(event);
    const { outcome, calls } = await deliver(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]), body);
    expect(outcome).toMatchObject({ kind: 'refused', refusal: { error: 'InvalidSignature' } });
    expect(calls).toEqual([]);
  });

  it('a mark in the middle of the body is not JSON', async () => {
    const body = Buffer.from(`{"eventId":\uFEFF"evt-1"}`, 'utf8');
    const { outcome, calls } = await deliver(body);
    expect(outcome).toMatchObject({ kind: 'refused', refusal: { error: 'InvalidJson' } });
    expect(calls).toEqual([]);
  });
});
