/** HiBob deliveries: what is accepted, what is refused (and which field is named), and the mapping. */
import {
  checkGetApi,
  employeeOf,
  isApproved,
  isHibobPing,
  mapHibobRequest,
  parseHibobDelivery,
  type LeaveNotice,
} from '../../../shared/leave/sources/hibob';
import { LeaveEventError } from '../../../shared/leave/leaveEvent';

const API = new URL('https://api.hibob.com');
const delivery = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  companyId: 1,
  type: 'timeoff.request.approved',
  triggeredBy: 'system',
  triggeredAt: '2030-05-01T10:00:00.123',
  version: 'v2',
  data: {
    employeeId: '3332883884017713238',
    requestId: 42,
    getApi: 'https://api.hibob.com/v1/timeoff/employees/3332883884017713238/requests/42',
    ...data,
  },
  ...overrides,
});

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof LeaveEventError) return err.field;
    throw err;
  }
  return undefined;
}

test('an approval becomes a notice keyed by the request id, triggeredAt read as UTC', () => {
  const d = parseHibobDelivery(delivery(), API);
  expect(d).toEqual({
    kind: 'notice',
    notice: {
      kind: 'notice',
      source: 'hibob',
      eventId: 'timeoff.request.approved@2030-05-01T10:00:00.123Z',
      type: 'approved',
      occurredAt: '2030-05-01T10:00:00.123Z',
      leaveId: '42',
      employeeId: '3332883884017713238',
      getApi: 'https://api.hibob.com/v1/timeoff/employees/3332883884017713238/requests/42',
    },
  });
});

test.each([
  ['timeoff.request.updated', 'updated'],
  ['timeoff.request.setEndDate', 'updated'],
  ['timeoff.request.cancelled', 'cancelled'],
  ['timeoff.request.deleted', 'cancelled'],
])('%s means %s', (type, meaning) => {
  const d = parseHibobDelivery(delivery({ type }), API);
  expect(d.kind === 'notice' && d.notice.type).toBe(meaning);
});

test('types that change no reply are ignored, not refused (HiBob would retry a 4xx for days)', () => {
  expect(parseHibobDelivery(delivery({ type: 'timeoff.request.declined' }), API).kind).toBe('ignored');
  expect(parseHibobDelivery(delivery({ type: 'employee.updated' }), API).kind).toBe('ignored');
  // Names of Object.prototype members are not event types of ours either (they used to start a leave).
  for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    expect(parseHibobDelivery(delivery({ type }), API)).toEqual({
      kind: 'ignored',
      reason: `event type ${type} does not change automatic replies`,
    });
  }
});

test('a path-only getApi is read against HIBOB_API_URL', () => {
  const d = parseHibobDelivery(delivery({}, { getApi: '/v1/timeoff/employees/1/requests/42' }), API);
  expect(d.kind === 'notice' && d.notice.getApi).toBe(
    'https://api.hibob.com/v1/timeoff/employees/1/requests/42',
  );
});

test.each([
  ['another host', 'https://api.hibob.com.evil.example/v1/timeoff/employees/1/requests/42'],
  ['plain http', 'http://api.hibob.com/v1/timeoff/employees/1/requests/42'],
  ['credentials in the URL', 'https://user:pw@api.hibob.com/v1/timeoff/employees/1/requests/42'],
  ['another API of HiBob', 'https://api.hibob.com/v1/people/search'],
  ['a dot-dot escape', 'https://api.hibob.com/v1/timeoff/%2e%2e/people'],
  ['a protocol-relative link', '//evil.example/v1/timeoff/x'],
  ['not a URL', 'http://'],
  ['a number', 42],
])('getApi on %s is refused naming data.getApi', (_what, getApi) => {
  expect(fieldOf(() => parseHibobDelivery(delivery({}, { getApi }), API))).toBe('data.getApi');
});

test('checkGetApi accepts a loopback stand-in only when HIBOB_API_URL is that stand-in', () => {
  const local = new URL('http://127.0.0.1:5055');
  expect(checkGetApi('http://127.0.0.1:5055/v1/timeoff/employees/1/requests/2', local).host).toBe(
    '127.0.0.1:5055',
  );
  expect(fieldOf(() => checkGetApi('http://127.0.0.1:5056/v1/timeoff/employees/1/requests/2', local))).toBe(
    'data.getApi',
  );
});

test.each([
  [{ triggeredAt: 'yesterday' }, {}, 'triggeredAt'],
  [{}, { requestId: 'a/b' }, 'data.requestId'],
  [{}, { employeeId: null }, 'data.employeeId'],
  [{ data: 'x' }, {}, 'data'],
  [{ type: 7 }, {}, 'type'],
])('a malformed delivery names the field at fault (%j %j)', (top, data, field) => {
  const body = { ...delivery({}, data), ...top };
  expect(fieldOf(() => parseHibobDelivery(body, API))).toBe(field);
});

test('the ping is recognised in both of HiBob’s forms, and nothing else is', () => {
  expect(isHibobPing(Buffer.from('Ping test'))).toBe(true);
  expect(isHibobPing(Buffer.from('{"text":"Ping test"}'))).toBe(true);
  expect(isHibobPing(Buffer.from('{"text":"Ping test","type":"timeoff.request.approved"}'))).toBe(false);
  expect(isHibobPing(Buffer.from(JSON.stringify(delivery())))).toBe(false);
});

const notice: LeaveNotice = {
  kind: 'notice',
  source: 'hibob',
  eventId: 'timeoff.request.approved@2030-05-01T10:00:00.000Z',
  type: 'approved',
  occurredAt: '2030-05-01T10:00:00.000Z',
  leaveId: '42',
  employeeId: '1',
  getApi: 'https://api.hibob.com/v1/timeoff/employees/1/requests/42',
};

test('an approved request maps to a LeaveEvent in the configured zone and locale', () => {
  const event = mapHibobRequest(
    notice,
    { status: 'approved', startDate: '2030-08-05', endDate: '2030-08-16' },
    { email: 'Alice@Contoso.com', displayName: 'Alice Wilber' },
    { timeZone: 'Europe/Berlin', locale: 'de' },
  );
  expect(event).toEqual({
    eventId: notice.eventId,
    type: 'approved',
    occurredAt: notice.occurredAt,
    leaveId: '42',
    start: '2030-08-05',
    end: '2030-08-16',
    timeZone: 'Europe/Berlin',
    employee: { email: 'alice@contoso.com', displayName: 'Alice Wilber' },
    locale: 'de',
  });
});

test('an open-ended request or one with bad dates is refused naming the field', () => {
  const person = { email: 'alice@contoso.com', displayName: 'Alice' };
  const zone = { timeZone: 'UTC', locale: 'en' };
  expect(
    fieldOf(() => mapHibobRequest(notice, { startDate: '2030-08-05', endDate: null }, person, zone)),
  ).toBe('endDate');
  expect(
    fieldOf(() => mapHibobRequest(notice, { startDate: '2030-08-05', endDate: '2030-08-01' }, person, zone)),
  ).toBe('end');
});

test('status and employee answers are read the way HiBob writes them', () => {
  expect(isApproved({ status: 'Approved' })).toBe(true);
  expect(isApproved({ status: 'canceled' })).toBe(false);
  expect(isApproved({ approved: true })).toBe(true);
  expect(employeeOf({ root: { email: 'a@b.com', displayName: 'A' } })).toEqual({
    email: 'a@b.com',
    displayName: 'A',
  });
  expect(employeeOf({ displayName: 'no address' })).toBeUndefined();
});
