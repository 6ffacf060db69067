/**
 * A BambooHR time-off request (as List Time Off Requests answers it) and its employee's fields become the
 * LeaveEvent the leave calendar receives; a request the poll cannot use is skipped naming the field.
 */
import {
  mapBambooHrRequest,
  readBambooHrRequest,
  type BambooHrEmployeeFields,
  type BambooHrRequest,
} from '../../../shared/leave/sources/bamboohr';
import { pollWindow } from '../../../shared/leave/sources/bamboohrPoll';
import { loadLeaveSettings } from '../../../shared/platform/config';

const POLLED_AT = '2030-06-01T08:15:00.000Z';
const OPTIONS = {
  timeZone: 'Europe/Berlin',
  locale: 'de-DE',
  polledAt: POLLED_AT,
  // The app's defaults (LEAVE_START_MAX_PAST_DAYS, …), as the timer passes them.
  dateBounds: loadLeaveSettings({}).dateBounds,
};
const ALICE: BambooHrEmployeeFields = {
  workEmail: 'Alice@Contoso.com',
  displayName: 'Alice Anders',
  firstName: 'Alice',
  lastName: 'Anders',
};

/** A request as BambooHR's JSON writes it (ids as strings). */
function listed(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '1207',
    employeeId: '101',
    name: 'Alice Anders',
    status: { lastChanged: '2030-05-20', lastChangedByUserId: '7', status: 'approved' },
    start: '2030-07-01',
    end: '2030-07-12',
    created: '2030-05-18',
    type: { id: '78', name: 'Vacation', icon: 'palm-trees' },
    amount: { unit: 'days', amount: '10' },
    dates: { '2030-07-01': '1' },
    notes: { employee: 'Summer', manager: '' },
    ...overrides,
  };
}

function read(raw: unknown): BambooHrRequest {
  const result = readBambooHrRequest(raw);
  if (!result.ok) throw new Error(`not read: ${result.reason}`);
  return result.request;
}

describe('BambooHR request → LeaveEvent', () => {
  it('an approved request is an approved leave with its dates, in the company time zone and locale', () => {
    const mapped = mapBambooHrRequest(read(listed()), ALICE, OPTIONS);
    expect(mapped).toEqual({
      ok: true,
      event: {
        eventId: `bamboohr-1207-${POLLED_AT}`,
        type: 'approved',
        occurredAt: POLLED_AT,
        leaveId: '1207',
        start: '2030-07-01',
        end: '2030-07-12',
        timeZone: 'Europe/Berlin',
        locale: 'de-DE',
        employee: { email: 'alice@contoso.com', displayName: 'Alice Anders' },
      },
    });
  });

  it.each(['canceled', 'denied', 'superceded', 'requested'])(
    'a %s request takes back whatever was applied for it: a cancellation without dates',
    (status) => {
      const raw = listed({ status: { lastChanged: '2030-05-21', lastChangedByUserId: '7', status } });
      const mapped = mapBambooHrRequest(read(raw), ALICE, OPTIONS);
      expect(mapped.ok && mapped.event).toEqual({
        eventId: `bamboohr-1207-${POLLED_AT}`,
        type: 'cancelled',
        occurredAt: POLLED_AT,
        leaveId: '1207',
        timeZone: 'Europe/Berlin',
        locale: 'de-DE',
        employee: { email: 'alice@contoso.com', displayName: 'Alice Anders' },
      });
    },
  );

  it("integer ids, as BambooHR's SDK models them, are read as the same ids", () => {
    const request = read(listed({ id: 1207, employeeId: 101 }));
    expect(request).toMatchObject({ id: '1207', employeeId: '101' });
  });

  it("the name falls back to first and last name, then to the request's name, then the address", () => {
    const request = read(listed());
    const named = (employee: BambooHrEmployeeFields): string | undefined => {
      const mapped = mapBambooHrRequest(request, employee, OPTIONS);
      return mapped.ok ? mapped.event.employee.displayName : undefined;
    };
    expect(
      named({ workEmail: 'a@contoso.com', displayName: null, firstName: 'Al', lastName: 'Anders' }),
    ).toBe('Al Anders');
    expect(named({ workEmail: 'a@contoso.com', displayName: ' ' })).toBe('Alice Anders');
    expect(named({ workEmail: 'a@contoso.com' })).toBe('Alice Anders');
    const unnamed = read(listed({ name: undefined }));
    const mapped = mapBambooHrRequest(unnamed, { workEmail: 'a@contoso.com' }, OPTIONS);
    expect(mapped.ok && mapped.event.employee.displayName).toBe('a@contoso.com');
  });

  it.each([
    [{ id: 'abc' }, '(unknown)', 'id: must be a number'],
    [{ id: undefined }, '(unknown)', 'id: must be a number'],
    [{ employeeId: '' }, '1207', 'employeeId: must be a number'],
    [{ status: 'approved' }, '1207', 'status.status: must be one of'],
    [{ status: { status: 'pending' } }, '1207', 'status.status: must be one of'],
    [{ start: '2030-02-30' }, '1207', 'start: must be a date (YYYY-MM-DD)'],
    [{ end: '2030-07-12T00:00:00Z' }, '1207', 'end: must be a date (YYYY-MM-DD)'],
  ])('a request with %j is skipped, naming the field', (overrides, requestId, reason) => {
    const result = readBambooHrRequest(listed(overrides));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.requestId).toBe(requestId);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('an approved request that ends before it starts is skipped, naming end', () => {
    const mapped = mapBambooHrRequest(
      read(listed({ start: '2030-07-12', end: '2030-07-01' })),
      ALICE,
      OPTIONS,
    );
    expect(mapped).toEqual({
      ok: false,
      requestId: '1207',
      reason: expect.stringMatching(/^end: /) as string,
    });
  });

  it('an employee without a work e-mail, or with one that is not an address, is skipped with the reason', () => {
    const request = read(listed());
    expect(mapBambooHrRequest(request, { ...ALICE, workEmail: null }, OPTIONS)).toEqual({
      ok: false,
      requestId: '1207',
      reason: expect.stringContaining('employee 101 has no workEmail') as string,
    });
    expect(mapBambooHrRequest(request, { ...ALICE, workEmail: 'alice at contoso' }, OPTIONS)).toEqual({
      ok: false,
      requestId: '1207',
      reason: 'employee.email: must be an e-mail address',
    });
  });
});

describe('the poll window', () => {
  it('reads from 31 days back to the lookahead, from today in the company time zone', () => {
    // 23:30 UTC on 31 May is already 1 June in Berlin.
    expect(pollWindow(new Date('2030-05-31T23:30:00Z'), 'Europe/Berlin', 365)).toEqual({
      start: '2030-05-01',
      end: '2031-06-01',
    });
    expect(pollWindow(new Date('2030-05-31T23:30:00Z'), 'UTC', 10)).toEqual({
      start: '2030-04-30',
      end: '2030-06-10',
    });
  });
});

test('a request with dates no leave has (starting more than LEAVE_START_MAX_AHEAD_DAYS ahead) is skipped, naming start', () => {
  const far = read(listed({ start: '2040-01-01', end: '2040-01-05' }));
  const mapped = mapBambooHrRequest(far, ALICE, OPTIONS);
  expect(mapped.ok).toBe(false);
  expect(!mapped.ok && mapped.reason).toMatch(/^start: 2040-01-01 is more than 1825 days ahead/);
});
