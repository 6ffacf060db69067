import {
  fromUtcIso,
  ianaZoneFor,
  toUtcIso,
  UnknownTimeZoneError,
} from '../../../shared/mailbox/graph/timeZones';

describe('Graph dateTimeTimeZone to UTC', () => {
  test('Windows zone names map to IANA zones; UTC in any spelling is UTC', () => {
    expect(ianaZoneFor('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(ianaZoneFor('Pacific Standard Time')).toBe('America/Los_Angeles');
    expect(ianaZoneFor('GMT Standard Time')).toBe('Europe/London');
    expect(ianaZoneFor('Europe/Lisbon')).toBe('Europe/Lisbon');
    for (const utc of ['UTC', 'utc', 'Etc/UTC', 'GMT', 'tzone://Microsoft/Utc'])
      expect(ianaZoneFor(utc)).toBeUndefined();
    expect(() => ianaZoneFor('Mars Standard Time')).toThrow(UnknownTimeZoneError);
  });

  test.each([
    // winter and summer in Berlin
    ['2030-01-15T09:00:00.0000000', 'W. Europe Standard Time', '2030-01-15T08:00:00.000Z'],
    ['2030-07-15T09:00:00.0000000', 'W. Europe Standard Time', '2030-07-15T07:00:00.000Z'],
    // the same instants named the IANA way
    ['2030-07-15T09:00:00', 'Europe/Berlin', '2030-07-15T07:00:00.000Z'],
    // London: GMT Standard Time is not UTC in summer
    ['2030-07-15T09:00:00.0000000', 'GMT Standard Time', '2030-07-15T08:00:00.000Z'],
    // India, no DST, half-hour offset
    ['2030-07-15T09:00:00.0000000', 'India Standard Time', '2030-07-15T03:30:00.000Z'],
    // UTC with Graph's seven digits, and fractions kept to the millisecond
    ['2030-07-15T09:00:00.1234567', 'UTC', '2030-07-15T09:00:00.123Z'],
    // a wall time skipped in spring (02:30 on 31 March 2030 in Berlin) is read after the jump, as Windows does
    ['2030-03-31T02:30:00.0000000', 'W. Europe Standard Time', '2030-03-31T01:30:00.000Z'],
    // a wall time that happens twice in autumn (02:30 on 27 October 2030) is the first one
    ['2030-10-27T02:30:00.0000000', 'W. Europe Standard Time', '2030-10-27T00:30:00.000Z'],
    // an explicit offset wins over the name
    ['2030-07-15T09:00:00Z', 'Pacific Standard Time', '2030-07-15T09:00:00.000Z'],
  ])('%s in %s is %s', (dateTime, timeZone, utc) => {
    expect(toUtcIso({ dateTime, timeZone })).toBe(utc);
  });

  test('what we send is UTC in Graph’s own form', () => {
    expect(fromUtcIso('2030-03-24T23:00:00Z')).toEqual({
      dateTime: '2030-03-24T23:00:00.0000000',
      timeZone: 'UTC',
    });
    expect(toUtcIso(fromUtcIso('2030-03-24T23:00:00.250Z'))).toBe('2030-03-24T23:00:00.250Z');
  });

  test('malformed date-times are refused', () => {
    expect(() => toUtcIso({ dateTime: 'next Tuesday', timeZone: 'UTC' })).toThrow(RangeError);
  });
});
