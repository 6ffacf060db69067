import { leaveWindow, zoneOffsetMs } from '../../../shared/leave/leaveWindow';
import { renderTemplate, pickTemplate, DEFAULT_TEMPLATES } from '../../../shared/leave/templates';
import { isStillOurs } from '../../../shared/leave/leavePlan';
import { parseNcrontab, nextOccurrence } from '../../../dev/host/ncrontab';

describe('leave windows in the person’s time zone', () => {
  test.each([
    [
      '2025-03-24',
      '2025-04-04',
      'Europe/Berlin',
      '2025-03-23T23:00:00.000Z',
      '2025-04-04T22:00:00.000Z',
      '2025-04-05',
    ], // across DST start
    [
      '2025-10-24',
      '2025-10-26',
      'America/New_York',
      '2025-10-24T04:00:00.000Z',
      '2025-10-27T04:00:00.000Z',
      '2025-10-27',
    ],
    [
      '2025-01-01',
      '2025-01-01',
      'Asia/Kolkata',
      '2024-12-31T18:30:00.000Z',
      '2025-01-01T18:30:00.000Z',
      '2025-01-02',
    ],
    [
      '2025-09-05',
      '2025-09-06',
      'America/Santiago',
      '2025-09-05T04:00:00.000Z',
      '2025-09-07T04:00:00.000Z',
      '2025-09-07',
    ], // midnight skipped on 7 Sep
  ])('%s to %s (inclusive) in %s', (start, end, tz, utcStart, utcEnd, back) => {
    expect(leaveWindow(start, end, tz)).toEqual({ start: utcStart, end: utcEnd, firstDayBack: back });
  });
  test('an end before the start is refused', () => {
    expect(() => leaveWindow('2025-05-10', '2025-05-01', 'UTC')).toThrow(RangeError);
  });
  test('a leave that ends the instant it starts is refused: it would set a reply that never shows', () => {
    expect(() => leaveWindow('2025-05-01T08:00:00Z', '2025-05-01T10:00:00+02:00', 'UTC')).toThrow(
      'the leave ends before it starts',
    );
  });
  test('instants are kept as given (in UTC); the first day back is the local date of the end', () => {
    expect(leaveWindow('2025-05-01T08:30:00+02:00', '2025-05-02T23:30:00Z', 'Europe/Berlin')).toEqual({
      start: '2025-05-01T06:30:00.000Z',
      end: '2025-05-02T23:30:00.000Z',
      firstDayBack: '2025-05-03',
    });
  });
  test('a date start with an instant end, in a zone west of Greenwich', () => {
    expect(leaveWindow('2025-12-31', '2026-01-02T17:00:00Z', 'America/Los_Angeles')).toEqual({
      start: '2025-12-31T08:00:00.000Z',
      end: '2026-01-02T17:00:00.000Z',
      firstDayBack: '2026-01-02',
    });
  });
  test('a leave starting the day DST ends far east of Greenwich starts at that day’s midnight', () => {
    // Pacific/Auckland leaves DST (+13 to +12) at 03:00 on 6 April 2025: midnight is still +13.
    expect(leaveWindow('2025-04-06', '2025-04-06', 'Pacific/Auckland')).toEqual({
      start: '2025-04-05T11:00:00.000Z',
      end: '2025-04-06T12:00:00.000Z',
      firstDayBack: '2025-04-07',
    });
  });
  test('a zone’s offset is the same whatever second of the minute it is asked at', () => {
    expect(zoneOffsetMs('Europe/Berlin', Date.parse('2025-07-01T12:00:30.250Z'))).toBe(7_200_000);
    expect(zoneOffsetMs('America/St_Johns', Date.parse('2025-01-01T12:34:56Z'))).toBe(-12_600_000);
  });
  test('the last day of a month or year rolls into the next for the first day back', () => {
    expect(leaveWindow('2024-02-28', '2024-02-29', 'UTC').firstDayBack).toBe('2024-03-01');
    expect(leaveWindow('2025-12-30', '2025-12-31', 'Pacific/Kiritimati')).toEqual({
      start: '2025-12-29T10:00:00.000Z',
      end: '2025-12-31T10:00:00.000Z',
      firstDayBack: '2026-01-01',
    });
  });
});

describe('templates', () => {
  test('fall back from de-AT to de, and from an unknown locale to the default', () => {
    expect(pickTemplate(DEFAULT_TEMPLATES, 'de-AT').locale).toBe('de');
    expect(pickTemplate(DEFAULT_TEMPLATES, 'pt-BR', 'fr').locale).toBe('fr');
  });
  test('placeholders are HTML-escaped and the delegate section only appears with a delegate', () => {
    const t =
      '<p>{{name}} back {{firstDayBack}}</p>{{#delegate}}<p>ask {{delegateName}}{{delegateContact}}</p>{{/delegate}}';
    expect(renderTemplate(t, { name: 'A & <B>', firstDayBack: 'Monday' })).toBe(
      '<p>A &amp; &lt;B&gt; back Monday</p>',
    );
    expect(
      renderTemplate(t, {
        name: 'A',
        firstDayBack: 'M',
        delegate: { name: '"Bo"', email: 'bo@contoso.com' },
      }),
    ).toBe('<p>A back M</p><p>ask &quot;Bo&quot; (bo@contoso.com)</p>');
  });
  test('replies Exchange re-wrapped in <html><body> still count as ours; other text does not', () => {
    const ours = {
      state: 'Scheduled' as const,
      start: '2025-01-01T00:00:00Z',
      end: '2025-01-02T00:00:00Z',
      externalAudience: 'Known' as const,
      internalReply: '<p>Away</p>',
      externalReply: '<p>Out</p>',
    };
    expect(isStillOurs({ ...ours, internalReply: '<html><body><p>Away</p></body></html>' }, ours)).toBe(true);
    expect(isStillOurs({ ...ours, internalReply: 'Away until Friday' }, ours)).toBe(false);
    expect(isStillOurs({ ...ours, state: 'Disabled' }, ours)).toBe(false);
  });
});

describe('NCRONTAB for dev-host timers', () => {
  test('02:00:00 daily, and every 15 seconds', () => {
    expect(
      new Date(nextOccurrence('0 0 2 * * *', Date.parse('2025-06-01T03:00:00Z')) ?? 0).toISOString(),
    ).toBe('2025-06-02T02:00:00.000Z');
    expect(
      new Date(nextOccurrence('*/15 * * * * *', Date.parse('2025-06-01T03:00:07Z')) ?? 0).toISOString(),
    ).toBe('2025-06-01T03:00:15.000Z');
    expect(
      new Date(nextOccurrence('0 30 9 * * MON', Date.parse('2025-06-01T00:00:00Z')) ?? 0).toISOString(),
    ).toBe('2025-06-02T09:30:00.000Z');
  });
  test('five fields are refused', () => {
    expect(() => parseNcrontab('0 2 * * *')).toThrow(/six fields/);
  });
});
