import type { OofSettings } from '../../../shared/mailbox/mailboxOperations';
import {
  fromGraphAutomaticReplies,
  toGraphAutomaticReplies,
  UnmappableOofError,
} from '../../../shared/mailbox/graph/oofMapping';
import { leaveWindow } from '../../../shared/leave/leaveWindow';

const window = { start: '2030-03-24T23:00:00.000Z', end: '2030-04-05T22:00:00.000Z' };

describe('automatic replies: EWS model <-> Graph model', () => {
  test.each([
    ['Disabled', 'disabled'],
    ['Enabled', 'alwaysEnabled'],
    ['Scheduled', 'scheduled'],
  ] as const)('state %s is Graph status %s, both ways', (state, status) => {
    const settings: OofSettings = {
      state,
      externalAudience: 'All',
      internalReply: 'i',
      externalReply: 'e',
      ...window,
    };
    const graph = toGraphAutomaticReplies(settings);
    expect(graph.status).toBe(status);
    expect(fromGraphAutomaticReplies(graph).state).toBe(state);
  });

  test.each([
    ['None', 'none'],
    ['Known', 'contactsOnly'],
    ['All', 'all'],
  ] as const)('external audience %s is Graph %s, both ways', (externalAudience, graphAudience) => {
    const settings: OofSettings = {
      state: 'Enabled',
      externalAudience,
      internalReply: '',
      externalReply: '',
    };
    const graph = toGraphAutomaticReplies(settings);
    expect(graph.externalAudience).toBe(graphAudience);
    expect(fromGraphAutomaticReplies(graph).externalAudience).toBe(externalAudience);
  });

  test('the window is sent in UTC, the way Graph writes it, in every state (Exchange keeps it when not scheduled)', () => {
    for (const state of ['Disabled', 'Enabled', 'Scheduled'] as const) {
      const graph = toGraphAutomaticReplies({
        state,
        externalAudience: 'Known',
        internalReply: '<p>a &amp; b</p>',
        externalReply: '',
        ...window,
      });
      expect(graph).toEqual({
        status: state === 'Scheduled' ? 'scheduled' : state === 'Enabled' ? 'alwaysEnabled' : 'disabled',
        externalAudience: 'contactsOnly',
        internalReplyMessage: '<p>a &amp; b</p>',
        externalReplyMessage: '',
        scheduledStartDateTime: { dateTime: '2030-03-24T23:00:00.0000000', timeZone: 'UTC' },
        scheduledEndDateTime: { dateTime: '2030-04-05T22:00:00.0000000', timeZone: 'UTC' },
      });
    }
  });

  test('settings without a window send none', () => {
    const graph = toGraphAutomaticReplies({
      state: 'Enabled',
      externalAudience: 'None',
      internalReply: 'x',
      externalReply: '',
    });
    expect(graph.scheduledStartDateTime).toBeUndefined();
    expect(graph.scheduledEndDateTime).toBeUndefined();
  });

  test('a snapshot survives the round trip exactly, whatever the state and texts', () => {
    const snapshots: OofSettings[] = [
      {
        state: 'Scheduled',
        externalAudience: 'Known',
        internalReply: '<html><body>I am away</body></html>',
        externalReply: 'Out',
        ...window,
      },
      {
        state: 'Disabled',
        externalAudience: 'All',
        internalReply: '',
        externalReply: '',
        start: '2026-01-01T10:00:00.000Z',
        end: '2026-01-02T10:00:00.000Z',
      },
      { state: 'Enabled', externalAudience: 'None', internalReply: 'Working from Lisbon', externalReply: '' },
    ];
    for (const s of snapshots) expect(fromGraphAutomaticReplies(toGraphAutomaticReplies(s))).toEqual(s);
  });

  test('reads the answer in Microsoft’s own documentation (mixed-case enums, seven fractional digits, UTC)', () => {
    const answer = {
      '@odata.context':
        'https://graph.microsoft.com/v1.0/$metadata#Me/mailboxSettings/automaticRepliesSetting',
      status: 'Scheduled',
      externalAudience: 'All',
      scheduledStartDateTime: { dateTime: '2016-03-14T07:00:00.0000000', timeZone: 'UTC' },
      scheduledEndDateTime: { dateTime: '2016-03-28T07:00:00.0000000', timeZone: 'UTC' },
      internalReplyMessage: '<html>\n<body>\n<p>away</p></body>\n</html>\n',
      externalReplyMessage: '<html>\n<body>\n<p>out</p></body>\n</html>\n',
    };
    expect(fromGraphAutomaticReplies(answer)).toEqual({
      state: 'Scheduled',
      externalAudience: 'All',
      start: '2016-03-14T07:00:00.000Z',
      end: '2016-03-28T07:00:00.000Z',
      internalReply: '<html>\n<body>\n<p>away</p></body>\n</html>\n',
      externalReply: '<html>\n<body>\n<p>out</p></body>\n</html>\n',
    });
  });

  test('a leave that crosses the switch to summer time, answered in the mailbox’s Windows zone, maps to the right UTC at both ends', () => {
    // Berlin: UTC+1 until Sunday 31 March 2030, UTC+2 after. The leave's dates, as the workflow computes them.
    const leave = leaveWindow('2030-03-25', '2030-04-05', 'Europe/Berlin');
    expect(leave).toMatchObject({ start: '2030-03-24T23:00:00.000Z', end: '2030-04-05T22:00:00.000Z' });
    const read = fromGraphAutomaticReplies({
      status: 'scheduled',
      externalAudience: 'contactsOnly',
      scheduledStartDateTime: {
        dateTime: '2030-03-25T00:00:00.0000000',
        timeZone: 'W. Europe Standard Time',
      },
      scheduledEndDateTime: { dateTime: '2030-04-06T00:00:00.0000000', timeZone: 'W. Europe Standard Time' },
      internalReplyMessage: '',
      externalReplyMessage: '',
    });
    expect(read).toMatchObject({ start: leave.start, end: leave.end });
  });

  test('and one across the US change, answered in Pacific Standard Time', () => {
    const leave = leaveWindow('2030-03-04', '2030-03-15', 'America/Los_Angeles');
    expect(leave).toMatchObject({ start: '2030-03-04T08:00:00.000Z', end: '2030-03-16T07:00:00.000Z' });
    const read = fromGraphAutomaticReplies({
      status: 'scheduled',
      externalAudience: 'all',
      scheduledStartDateTime: { dateTime: '2030-03-04T00:00:00.0000000', timeZone: 'Pacific Standard Time' },
      scheduledEndDateTime: { dateTime: '2030-03-16T00:00:00.0000000', timeZone: 'Pacific Standard Time' },
      internalReplyMessage: '',
      externalReplyMessage: '',
    });
    expect(read).toMatchObject({ start: leave.start, end: leave.end });
  });

  test('an answer it cannot map is refused, never guessed (it would be restored later as truth)', () => {
    const base = {
      status: 'scheduled',
      externalAudience: 'all',
      internalReplyMessage: '',
      externalReplyMessage: '',
    };
    expect(() => fromGraphAutomaticReplies({ ...base, status: 'sometimes' })).toThrow(UnmappableOofError);
    expect(() => fromGraphAutomaticReplies({ ...base, externalAudience: 'friends' })).toThrow(
      UnmappableOofError,
    );
    expect(() =>
      fromGraphAutomaticReplies({
        ...base,
        scheduledStartDateTime: { dateTime: '2030-03-25T00:00:00', timeZone: 'Atlantis Standard Time' },
        scheduledEndDateTime: { dateTime: '2030-03-26T00:00:00', timeZone: 'Atlantis Standard Time' },
      }),
    ).toThrow(/Atlantis Standard Time/);
    expect(() => fromGraphAutomaticReplies(undefined)).toThrow(UnmappableOofError);
  });
});
