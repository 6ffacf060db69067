/**
 * The leave event every HR source maps to: what the webhook accepts, and for what it refuses, the field
 * named in the 400 answer (what tells an HR administrator what to fix) and why.
 */
import {
  checkLeaveDates,
  isDateOnly,
  isInstant,
  isNewer,
  isTimeZone,
  LeaveEventError,
  parseLeaveEvent,
} from '../../../shared/leave/leaveEvent';

const approved = {
  eventId: 'evt-1',
  type: 'approved',
  occurredAt: '2030-06-01T10:00:00+02:00',
  leaveId: 'bob:lv.42@hr_1',
  start: '2030-07-01',
  end: '2030-07-12',
  timeZone: 'Europe/Berlin',
  employee: { email: 'Alice@Contoso.com', displayName: 'Alice' },
};

/** The refusal as the webhook's 400 states it: "<field>: <what is wrong>". */
function refusal(body: unknown): string {
  try {
    parseLeaveEvent(body);
  } catch (error) {
    if (error instanceof LeaveEventError) {
      expect(error.message.startsWith(`${error.field}: `)).toBe(true);
      expect(error).toMatchObject({ name: 'LeaveEventError', code: 'InvalidLeaveEvent' });
      return error.message;
    }
    throw error;
  }
  return 'accepted';
}

const x = (n: number) => 'x'.repeat(n);

describe('a leave event the webhook accepts', () => {
  it('is returned with the address in lower case and no optional field invented', () => {
    expect(parseLeaveEvent(approved)).toEqual({
      ...approved,
      employee: { email: 'alice@contoso.com', displayName: 'Alice' },
    });
  });

  it('a cancellation needs no dates', () => {
    const { start: _s, end: _e, ...cancelled } = { ...approved, type: 'cancelled' };
    expect(parseLeaveEvent(cancelled)).not.toHaveProperty('start');
    expect(parseLeaveEvent(cancelled)).not.toHaveProperty('end');
  });

  it('keeps the locale and the delegate with their contact details, trimmed addresses included', () => {
    const event = parseLeaveEvent({
      ...approved,
      employee: { email: ' alice@contoso.com ', displayName: 'Alice' },
      locale: 'de-DE',
      delegate: { name: 'Bob', email: ' bob@contoso.com ', phone: '+49 30 1234' },
    });
    expect(event.employee.email).toBe('alice@contoso.com');
    expect(event.locale).toBe('de-DE');
    expect(event.delegate).toEqual({ name: 'Bob', email: 'bob@contoso.com', phone: '+49 30 1234' });
  });

  it('a delegate without an e-mail address or phone is accepted', () => {
    expect(parseLeaveEvent({ ...approved, delegate: { name: 'Bob' } }).delegate).toEqual({ name: 'Bob' });
  });

  it('null for an optional field means "not given"', () => {
    const event = parseLeaveEvent({ ...approved, locale: null, delegate: null });
    expect(event).not.toHaveProperty('locale');
    expect(event).not.toHaveProperty('delegate');
    const noContact = parseLeaveEvent({ ...approved, delegate: { name: 'Bob', email: null, phone: null } });
    expect(noContact.delegate).toEqual({ name: 'Bob' });
  });

  it('dates may be instants with an offset, and a one-day leave is a day long', () => {
    expect(refusal({ ...approved, start: '2030-07-01T08:00:00.5+02:00', end: '2030-07-01T17:00Z' })).toBe(
      'accepted',
    );
    expect(refusal({ ...approved, start: '2030-07-01', end: '2030-07-01' })).toBe('accepted');
  });

  it('accepts each field at its length limit', () => {
    expect(
      refusal({
        ...approved,
        eventId: x(128),
        leaveId: x(128),
        employee: { email: `${x(64)}@${x(63)}.${x(63)}.${x(63)}.${x(57)}`, displayName: x(256) },
        locale: `en-${'abcdefgh-'.repeat(3)}abcdefg`.slice(0, 35),
        delegate: { name: x(256), phone: x(40) },
      }),
    ).toBe('accepted');
  });

  it.each(['UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'America/Port-au-Prince'])(
    'accepts the time zone %s',
    (timeZone) => {
      expect(refusal({ ...approved, timeZone })).toBe('accepted');
    },
  );
});

describe('a leave event the webhook refuses names the field to fix', () => {
  it.each([
    ['a list', [approved], '(body): must be a JSON object'],
    ['null', null, '(body): must be a JSON object'],
    ['a string', 'approved', '(body): must be a JSON object'],
    ['an unknown field', { ...approved, employeeId: 7 }, 'employeeId: is not a known field'],
  ])('a body that is %s', (_what, body, message) => {
    expect(refusal(body)).toBe(message);
  });

  it.each([
    ['eventId', undefined, 'eventId: is required'],
    ['eventId', null, 'eventId: is required'],
    ['eventId', 42, 'eventId: must be a string'],
    ['eventId', '  ', 'eventId: must not be empty'],
    ['eventId', x(129), 'eventId: must be at most 128 characters'],
    ['eventId', 'has space', 'eventId: may hold letters, digits and . _ : @ - only'],
    ['type', 'deleted', 'type: must be one of approved, updated, cancelled'],
    ['type', undefined, 'type: is required'],
    ['occurredAt', '2030-06-01', 'occurredAt: must be an ISO 8601 date-time with offset'],
    ['occurredAt', '2030-06-01T10:00:00', 'occurredAt: must be an ISO 8601 date-time with offset'],
    ['occurredAt', '2030-13-01T10:00:00Z', 'occurredAt: must be an ISO 8601 date-time with offset'],
    ['occurredAt', x(41), 'occurredAt: must be at most 40 characters'],
    ['leaveId', 'lv 42', 'leaveId: may hold letters, digits and . _ : @ - only'],
    ['leaveId', 'lv/42', 'leaveId: may hold letters, digits and . _ : @ - only'],
    ['leaveId', x(129), 'leaveId: must be at most 128 characters'],
    ['leaveId', undefined, 'leaveId: is required'],
    ['timeZone', 'Berlin time', 'timeZone: must be an IANA time zone such as Europe/Berlin'],
    ['timeZone', 'Mars/Olympus', 'timeZone: must be an IANA time zone such as Europe/Berlin'],
    ['timeZone', '+02:00', 'timeZone: must be an IANA time zone such as Europe/Berlin'],
    ['timeZone', '-0500', 'timeZone: must be an IANA time zone such as Europe/Berlin'],
    ['timeZone', `Europe/${x(58)}`, 'timeZone: must be at most 64 characters'],
    ['start', undefined, 'start: is required'],
    ['end', undefined, 'end: is required'],
    ['start', '2030-02-30', 'start: must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset'],
    ['end', '12.07.2030', 'end: must be a date (YYYY-MM-DD) or an ISO 8601 date-time with offset'],
    ['end', x(41), 'end: must be at most 40 characters'],
    ['end', '2030-06-30', 'end: must not be before start (the end date is the last day of leave)'],
    ['locale', 'english!', 'locale: must be a language tag such as en or de-DE'],
    ['locale', '1de-DE', 'locale: must be a language tag such as en or de-DE'],
    ['locale', `en-${x(33)}`, 'locale: must be at most 35 characters'],
    ['employee', undefined, 'employee: is required (an object with email and displayName)'],
    ['employee', 'alice@contoso.com', 'employee: is required (an object with email and displayName)'],
    ['delegate', 'Bob', 'delegate: must be an object'],
  ])('%s = %p', (field, value, message) => {
    const body: Record<string, unknown> = { ...approved, [field]: value };
    if (value === undefined) delete body[field];
    expect(refusal(body)).toBe(message);
  });

  it('a leave that ends when it starts is refused on its end', () => {
    expect(refusal({ ...approved, start: '2030-07-01T08:00:00Z', end: '2030-07-01T10:00:00+02:00' })).toBe(
      'end: must not be before start (the end date is the last day of leave)',
    );
  });

  it.each([
    [{ displayName: 'Alice' }, 'employee.email: is required'],
    [{ email: 'not-an-address', displayName: 'Alice' }, 'employee.email: must be an e-mail address'],
    [{ email: `${x(315)}@c.com`, displayName: 'Alice' }, 'employee.email: must be at most 320 characters'],
    [{ email: 'alice@contoso.com' }, 'employee.displayName: is required'],
    [
      { email: 'alice@contoso.com', displayName: x(257) },
      'employee.displayName: must be at most 256 characters',
    ],
  ])('employee %p', (employee, message) => {
    expect(refusal({ ...approved, employee })).toBe(message);
  });

  it.each([
    ['employee', { email: 'alice@contoso.com', displayName: 'Alice', phone: '+49 30 1' }, 'employee.phone'],
    [
      'employee',
      { email: 'alice@contoso.com', displayName: 'Alice', DisplayName: 'A' },
      'employee.DisplayName',
    ],
    ['delegate', { name: 'Bob', mail: 'bob@contoso.com' }, 'delegate.mail'],
    ['delegate', JSON.parse('{"name":"Bob","__proto__":{"x":1}}') as unknown, 'delegate.__proto__'],
  ])('an unknown field inside %s is refused by its path, like one at the top', (field, value, path) => {
    expect(refusal({ ...approved, [field]: value })).toBe(`${path}: is not a known field`);
  });

  it.each([
    [{ email: 'bob@contoso.com' }, 'delegate.name: is required'],
    [{ name: x(257) }, 'delegate.name: must be at most 256 characters'],
    [{ name: 'Bob', email: 'nope' }, 'delegate.email: must be an e-mail address'],
    [{ name: 'Bob', email: `${x(315)}@c.com` }, 'delegate.email: must be at most 320 characters'],
    [{ name: 'Bob', phone: x(41) }, 'delegate.phone: must be at most 40 characters'],
    [{ name: 'Bob', phone: 4930 }, 'delegate.phone: must be a string'],
  ])('delegate %p', (delegate, message) => {
    expect(refusal({ ...approved, delegate })).toBe(message);
  });
});

describe('the checks the schema is made of', () => {
  it('a date is a real calendar day written YYYY-MM-DD', () => {
    expect(isDateOnly('2028-02-29')).toBe(true);
    expect(isDateOnly('2030-02-29')).toBe(false);
    expect(isDateOnly('2030-7-1')).toBe(false);
    expect(isDateOnly(' 2030-07-01')).toBe(false);
    expect(isDateOnly('2030-07-01T00:00:00Z')).toBe(false);
  });

  it('an instant has a time and an offset', () => {
    expect(isInstant('2030-07-01T08:00Z')).toBe(true);
    expect(isInstant('2030-07-01T08:00:00.123456789-05:30')).toBe(true);
    expect(isInstant('2030-07-01T08:00:00')).toBe(false);
    expect(isInstant('x2030-07-01T08:00:00Z')).toBe(false);
    expect(isInstant('2030-07-01T08:00:00Zx')).toBe(false);
    expect(isInstant('2030-07-01T25:00:00Z')).toBe(false);
  });

  it('a time zone is a known IANA name', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+02:00')).toBe(false);
    expect(isTimeZone('Europe/Berlin; drop')).toBe(false);
  });

  it('an event is newer when it happened strictly later, whatever offsets it was written in', () => {
    const at = (occurredAt: string) => ({ occurredAt });
    expect(isNewer(at('2030-06-01T10:00:01+02:00'), at('2030-06-01T08:00:00Z'))).toBe(true);
    expect(isNewer(at('2030-06-01T10:00:00+02:00'), at('2030-06-01T08:00:00Z'))).toBe(false);
    expect(isNewer(at('2030-06-01T07:59:59Z'), at('2030-06-01T10:00:00+02:00'))).toBe(false);
  });
});

describe('dates no leave has are refused, naming the date and the limit an HR admin can check', () => {
  const bounds = { startMaxPastDays: 730, startMaxAheadDays: 1825, maxLengthDays: 730 };
  /** 2030-06-01 10:00 in Berlin. */
  const now = new Date('2030-06-01T08:00:00Z');
  const dated = (start: string, end: string, timeZone = 'Europe/Berlin'): string => {
    try {
      parseLeaveEvent({ ...approved, start, end, timeZone }, { bounds, now });
      return 'accepted';
    } catch (error) {
      if (error instanceof LeaveEventError) return error.message;
      throw error;
    }
  };

  it.each([
    ['1900-01-01', '2030-07-12', 'start: 1900-01-01 is more than 730 days ago'],
    ['2028-05-31', '2030-07-12', 'start: 2028-05-31 is more than 730 days ago'],
    ['2035-06-02', '2035-06-12', 'start: 2035-06-02 is more than 1825 days ahead'],
    [
      '2030-07-01',
      '9999-12-30',
      'end: 9999-12-30 makes the leave longer than 730 days (it starts 2030-07-01)',
    ],
    [
      '2030-07-01',
      '9999-12-31',
      'end: 9999-12-31 makes the leave longer than 730 days (it starts 2030-07-01)',
    ],
    [
      '2030-07-01',
      '2032-06-30',
      'end: 2032-06-30 makes the leave longer than 730 days (it starts 2030-07-01)',
    ],
    [
      '2030-07-01T00:00:00+02:00',
      '2032-06-30T00:00:01+02:00',
      'end: 2032-06-30T00:00:01+02:00 makes the leave longer than 730 days (it starts 2030-07-01T00:00:00+02:00)',
    ],
  ])('start %s, end %s', (start, end, message) => {
    expect(dated(start, end)).toBe(message);
    // Without bounds (no `now` to measure from) the same dates pass this check.
    if (!end.startsWith('9999-12-31')) expect(refusal({ ...approved, start, end })).toBe('accepted');
  });

  it.each([
    ['the oldest start', '2028-06-01', '2028-06-01'],
    ['the furthest start (1825 days on, 2032 has a 29 February)', '2035-05-31', '2035-05-31'],
    ['the longest leave in dates', '2030-07-01', '2032-06-29'],
    ['the longest leave in instants', '2030-07-01T00:00:00+02:00', '2032-06-30T00:00:00+02:00'],
    ['a leave that ended a while ago', '2029-01-01', '2029-01-31'],
  ])('%s is accepted', (_what, start, end) => {
    expect(dated(start, end)).toBe('accepted');
  });

  it('“today” is the person’s own day: at 15:00 in Berlin it is already tomorrow in Auckland', () => {
    const afternoon = { bounds, now: new Date('2030-06-01T13:00:00Z') };
    const at = (timeZone: string) => ({ ...approved, start: '2035-06-01', end: '2035-06-01', timeZone });
    expect(parseLeaveEvent(at('Pacific/Auckland'), afternoon).start).toBe('2035-06-01');
    expect(() => parseLeaveEvent(at('Europe/Berlin'), afternoon)).toThrow(
      'start: 2035-06-01 is more than 1825 days ahead',
    );
  });

  it('a cancellation carries no dates and passes', () => {
    const { start: _s, end: _e, ...cancelled } = { ...approved, type: 'cancelled' };
    expect(parseLeaveEvent(cancelled, { bounds, now }).type).toBe('cancelled');
    expect(() => checkLeaveDates({ timeZone: 'Europe/Berlin' }, bounds, now)).not.toThrow();
    expect(() =>
      checkLeaveDates({ start: '1900-01-01', timeZone: 'Europe/Berlin' }, bounds, now),
    ).not.toThrow();
  });

  it('without bounds, a last day of 9999-12-31 is refused for what it is, not as “before start”', () => {
    expect(refusal({ ...approved, end: '9999-12-31' })).toBe(
      'end: 9999-12-31 is not a date a leave can end on',
    );
  });
});
