/**
 * One look at a person's mailbox (shared/leave/mailboxSync.ts): given what the mailbox shows, what the
 * calendar wants, what the app last wrote and what to return to, whether the app writes, what, and what it
 * remembers. Each test is one situation a person would notice: which reply people get, and what the person
 * has once their leave is over.
 */
import {
  isQuiet,
  planSync,
  restorable,
  type SyncState,
  type SyncTarget,
} from '../../../shared/leave/mailboxSync';
import type { OofSettings } from '../../../shared/mailbox/mailboxOperations';

/** The July absence: 1–12 July (UTC instants for brevity). */
const JULY_START = '2030-07-01T00:00:00.000Z';
const JULY_END = '2030-07-13T00:00:00.000Z';
const AUGUST_START = '2030-08-05T00:00:00.000Z';
const AUGUST_END = '2030-08-17T00:00:00.000Z';

function absence(tag: string, start: string, end: string, back: string): SyncTarget & { kind: 'absence' } {
  return {
    kind: 'absence',
    tag,
    start,
    end,
    settings: {
      state: 'Scheduled',
      start,
      end,
      externalAudience: 'Known',
      internalReply: `<p>Alice is on leave, back on ${back}.</p>`,
      externalReply: `<p>Alice is back on ${back}.</p>`,
    },
  };
}
const july = absence('abs-july', JULY_START, JULY_END, '13 July');
const august = absence('abs-august', AUGUST_START, AUGUST_END, '17 August');
const OWN_REPLIES: SyncTarget = { kind: 'own' };

/** Her own replies: on, telling people where she works this month. */
const lisbon: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: 'Working from the Lisbon office',
  externalReply: 'Working from the Lisbon office (external)',
};
/** Her own replies: off, with texts kept for next time. */
const off: OofSettings = {
  state: 'Disabled',
  externalAudience: 'Known',
  internalReply: 'mine',
  externalReply: 'mine, external',
};
/** Her own scheduled window for a conference, 1–20 June. */
const conference: OofSettings = {
  state: 'Scheduled',
  start: '2030-06-01T00:00:00.000Z',
  end: '2030-06-20T00:00:00.000Z',
  externalAudience: 'None',
  internalReply: 'At the conference',
  externalReply: 'At the conference (external)',
};

/** What a restore writes when nothing is known of her own replies: off, no text. */
const TURNED_OFF: OofSettings = {
  state: 'Disabled',
  externalAudience: 'None',
  internalReply: '',
  externalReply: '',
};

const MAY = '2030-05-15T12:00:00.000Z';
const IN_JULY = '2030-07-05T12:00:00.000Z';
const BETWEEN = '2030-07-20T12:00:00.000Z';
const AFTER = '2030-09-01T12:00:00.000Z';

const ours = (target: SyncTarget & { kind: 'absence' }) => ({ tag: target.tag, settings: target.settings });

describe('before the app has written anything', () => {
  test('every look takes what the mailbox shows as what to return to', () => {
    const plan = planSync(lisbon, OWN_REPLIES, {}, MAY);
    expect(plan).toEqual({
      decision: 'nothing-to-do',
      detail: expect.stringContaining('own replies') as string,
      state: { restoreTo: lisbon },
    });
    // Her replies changed since the last look: the newer ones are what to return to.
    expect(planSync(off, OWN_REPLIES, { restoreTo: lisbon }, MAY).state).toEqual({ restoreTo: off });
  });

  test('an absence to come is scheduled ahead when her own replies are off', () => {
    const plan = planSync(off, july, {}, MAY);
    expect(plan).toEqual({
      write: july.settings,
      decision: 'scheduled',
      detail: `scheduled ${JULY_START} to ${JULY_END}`,
      state: { restoreTo: off, applied: ours(july) },
    });
  });

  test('an absence to come is scheduled ahead when her own scheduled window is already over', () => {
    const plan = planSync(conference, july, {}, '2030-06-20T00:00:00.000Z');
    expect(plan.decision).toBe('scheduled');
    expect(plan.write).toEqual(july.settings);
    expect(plan.state.restoreTo).toEqual(conference);
  });

  test('her own scheduled window still running (even one millisecond) stays until the absence starts', () => {
    const plan = planSync(conference, july, {}, '2030-06-19T23:59:59.999Z');
    expect(plan).toEqual({
      decision: 'waiting-for-start',
      detail: `the person's own replies (Scheduled) stay until the absence starts at ${JULY_START}`,
      state: { restoreTo: conference },
    });
  });

  test('her own replies that are on stay until the absence starts, and at its start the absence’s reply is set', () => {
    const waiting = planSync(lisbon, july, {}, MAY);
    expect(waiting.decision).toBe('waiting-for-start');
    expect(waiting.write).toBeUndefined();
    expect(waiting.state).toEqual({ restoreTo: lisbon });

    const atStart = planSync(lisbon, july, waiting.state, JULY_START);
    expect(atStart).toMatchObject({
      write: july.settings,
      decision: 'scheduled',
      state: { restoreTo: lisbon, applied: ours(july) },
    });
  });
});

describe('while the app’s reply is in the mailbox', () => {
  const scheduled: SyncState = { restoreTo: lisbon, applied: ours(july) };

  test('the same absence again writes nothing', () => {
    const plan = planSync(july.settings, july, scheduled, IN_JULY);
    expect(plan).toEqual({
      decision: 'unchanged',
      detail: `the mailbox already shows the absence ${JULY_START} to ${JULY_END}`,
      state: scheduled,
    });
  });

  test('HTML that Exchange reflowed is still the app’s reply', () => {
    const reflowed = {
      ...july.settings,
      internalReply: '<html><body><p>Alice is on leave, back on 13 July.</p></body></html>',
    };
    expect(planSync(reflowed, july, scheduled, IN_JULY).decision).toBe('unchanged');
  });

  test('a lost answer: the mailbox already shows the changed absence, so nothing is written again', () => {
    const moved = absence('abs-july', JULY_START, '2030-07-20T00:00:00.000Z', '20 July');
    const plan = planSync(moved.settings, moved, scheduled, IN_JULY);
    expect(plan).toEqual({
      decision: 'unchanged',
      detail: expect.any(String) as string,
      state: { restoreTo: lisbon, applied: ours(moved) },
    });
  });

  test('an absence that moved is written again, keeping what to return to', () => {
    const moved = absence('abs-july', JULY_START, '2030-07-20T00:00:00.000Z', '20 July');
    const plan = planSync(july.settings, moved, scheduled, IN_JULY);
    expect(plan).toEqual({
      write: moved.settings,
      decision: 'scheduled',
      detail: `scheduled ${JULY_START} to 2030-07-20T00:00:00.000Z`,
      state: { restoreTo: lisbon, applied: ours(moved) },
    });
  });

  test('an absence scheduled ahead that moves is written again before it starts, even if her own replies are on', () => {
    // The owner scheduled July ahead from a restart whose mailbox already showed it; her own replies are on.
    const moved = absence('abs-july', '2030-07-02T00:00:00.000Z', JULY_END, '13 July');
    const plan = planSync(july.settings, moved, { restoreTo: lisbon, applied: ours(july) }, MAY);
    expect(plan.write).toEqual(moved.settings);
    expect(plan.decision).toBe('scheduled');
  });

  test('the same replies under another absence tag (its first leave cancelled) are remembered as that absence’s', () => {
    // Two identical leaves from two HR sources; the one that named the absence is cancelled.
    const renamed = { ...july, tag: 'abs-july-from-bamboohr' };
    const plan = planSync(july.settings, renamed, scheduled, IN_JULY);
    expect(plan.state).toEqual({ restoreTo: lisbon, applied: ours(renamed) });
    if (plan.write) expect(plan.write).toEqual(july.settings);
  });

  test('after the last absence her own replies come back exactly, and the app holds nothing', () => {
    const plan = planSync(july.settings, OWN_REPLIES, scheduled, AFTER);
    expect(plan).toEqual({
      write: lisbon,
      decision: 'restored',
      detail: "the person's own replies (Enabled) restored",
      state: {},
    });
    // The next look finds her replies and writes nothing.
    expect(planSync(lisbon, OWN_REPLIES, plan.state, AFTER)).toMatchObject({
      decision: 'nothing-to-do',
      state: { restoreTo: lisbon },
    });
    expect(planSync(lisbon, OWN_REPLIES, plan.state, AFTER).write).toBeUndefined();
  });

  test('with nothing to return to, the restore turns the replies off with no text', () => {
    const plan = planSync(july.settings, OWN_REPLIES, { applied: ours(july) }, AFTER);
    expect(plan.write).toEqual(TURNED_OFF);
  });
});

describe('between two absences', () => {
  test('her own replies that are on come back at once; the next absence waits for its start', () => {
    const restored = planSync(july.settings, august, { restoreTo: lisbon, applied: ours(july) }, BETWEEN);
    expect(restored).toMatchObject({ write: lisbon, decision: 'restored', state: {} });

    const next = planSync(lisbon, august, restored.state, BETWEEN);
    expect(next).toEqual({
      decision: 'waiting-for-start',
      detail: expect.stringContaining(AUGUST_START) as string,
      state: { restoreTo: lisbon },
    });
    expect(planSync(lisbon, august, next.state, AUGUST_START)).toMatchObject({
      write: august.settings,
      state: { restoreTo: lisbon, applied: ours(august) },
    });
  });

  test('her own replies that are off: the next absence is scheduled ahead at once, what to return to kept', () => {
    const plan = planSync(july.settings, august, { restoreTo: off, applied: ours(july) }, BETWEEN);
    expect(plan).toEqual({
      write: august.settings,
      decision: 'scheduled',
      detail: `scheduled ${AUGUST_START} to ${AUGUST_END}`,
      state: { restoreTo: off, applied: ours(august) },
    });
  });

  test('her change to the reply scheduled ahead is taken as what to return to, with no hands-off', () => {
    const plan = planSync(lisbon, august, { restoreTo: off, applied: ours(august) }, BETWEEN);
    expect(plan).toEqual({
      decision: 'waiting-for-start',
      detail: expect.any(String) as string,
      state: { restoreTo: lisbon },
    });
    expect(plan.write).toBeUndefined();
  });

  test('her change after the last absence stays, and is what to return to', () => {
    const plan = planSync(lisbon, OWN_REPLIES, { restoreTo: off, applied: ours(july) }, AFTER);
    // named as her change (not "nothing to do"), so the log says why nothing was restored
    expect(plan).toMatchObject({ decision: 'left-as-changed', state: { restoreTo: lisbon } });
    expect(plan.write).toBeUndefined();
  });
});

describe('her own change during an absence', () => {
  const scheduled: SyncState = { restoreTo: off, applied: ours(july) };

  test('is left alone until the absence ends, and becomes what to return to', () => {
    const plan = planSync(lisbon, july, scheduled, IN_JULY);
    expect(plan).toEqual({
      decision: 'left-as-changed',
      detail: `the automatic replies were changed during the absence; left as they are until ${JULY_END}, and kept as the state to return to`,
      state: { restoreTo: lisbon, handsOffUntil: JULY_END },
    });
    expect(plan.write).toBeUndefined();
  });

  test('on the first day of the absence counts as during it', () => {
    expect(planSync(lisbon, july, scheduled, JULY_START).state.handsOffUntil).toBe(JULY_END);
  });

  test('later looks during that absence write nothing, whatever she changes next', () => {
    const handsOff: SyncState = { restoreTo: lisbon, handsOffUntil: JULY_END };
    for (const current of [lisbon, off, conference]) {
      const plan = planSync(current, july, handsOff, '2030-07-12T23:59:59.999Z');
      expect(plan.write).toBeUndefined();
      expect(plan).toMatchObject({
        decision: 'left-as-changed',
        detail: `the person changed their replies; left as they are until ${JULY_END}`,
        state: { handsOffUntil: JULY_END },
      });
    }
  });

  test('once the absence is over, hers stays and a later absence is still applied at its start', () => {
    const handsOff: SyncState = { restoreTo: lisbon, handsOffUntil: JULY_END };
    const atEnd = planSync(lisbon, august, handsOff, JULY_END);
    expect(atEnd).toEqual({
      decision: 'waiting-for-start',
      detail: expect.any(String) as string,
      state: { restoreTo: lisbon },
    });
    const inAugust = planSync(lisbon, august, atEnd.state, '2030-08-06T00:00:00.000Z');
    expect(inAugust).toMatchObject({
      write: august.settings,
      state: { restoreTo: lisbon, applied: ours(august) },
    });
    expect(planSync(august.settings, OWN_REPLIES, inAugust.state, AFTER).write).toEqual(lisbon);
  });

  test('turning the replies off during the absence is a change too', () => {
    expect(planSync(off, july, { restoreTo: lisbon, applied: ours(july) }, IN_JULY)).toMatchObject({
      decision: 'left-as-changed',
      state: { restoreTo: off, handsOffUntil: JULY_END },
    });
  });
});

describe('an owner that lost track', () => {
  test('restarted from an older state: the mailbox already shows the absence, so it is not taken for her own', () => {
    const plan = planSync(july.settings, july, { restoreTo: lisbon }, IN_JULY);
    expect(plan).toEqual({
      decision: 'unchanged',
      detail: expect.any(String) as string,
      state: { restoreTo: lisbon, applied: ours(july) },
    });
    expect(planSync(july.settings, OWN_REPLIES, plan.state, AFTER).write).toEqual(lisbon);
  });

  test.each([
    ['during the absence', IN_JULY],
    ['scheduled ahead', MAY],
  ])(
    'a first write (%s) whose answer was lost is not taken for her own replies: the leave text is never “restored”',
    (_, now) => {
      // The activity is tried again with the state it was given (nothing held yet); the mailbox shows the
      // absence's reply, written by the first try.
      const retried = planSync(july.settings, july, {}, now);
      expect(retried.write).toBeUndefined();
      expect(retried.decision).toBe('unchanged');
      expect(retried.state.applied).toEqual(ours(july));
      expect(retried.state.restoreTo).toBeUndefined();
      // What she had before is unknown: after the absence the replies are turned off, without the leave's text.
      const after = planSync(july.settings, OWN_REPLIES, retried.state, AFTER);
      expect(after.write).toEqual(TURNED_OFF);
    },
  );
});

describe('what a restore writes', () => {
  const restoreAfter = (own: OofSettings, now = AFTER) =>
    planSync(july.settings, OWN_REPLIES, { restoreTo: own, applied: ours(july) }, now);

  test('her own scheduled window that is over comes back as Disabled with her texts and audience, no window', () => {
    const plan = restoreAfter(conference);
    expect(plan).toEqual({
      write: {
        state: 'Disabled',
        externalAudience: 'None',
        internalReply: 'At the conference',
        externalReply: 'At the conference (external)',
      },
      decision: 'restored-as-disabled',
      detail: "the person's own scheduled window is over: restored as Disabled with their texts and audience",
      state: {},
    });
  });

  test('her own scheduled window ending exactly now is over too', () => {
    expect(restoreAfter(conference, conference.end).decision).toBe('restored-as-disabled');
  });

  test('her own scheduled window still to come comes back exactly', () => {
    const later = { ...conference, start: '2030-10-01T00:00:00.000Z', end: '2030-10-10T00:00:00.000Z' };
    expect(restoreAfter(later)).toMatchObject({ write: later, decision: 'restored' });
  });

  test.each([
    ['Enabled', lisbon],
    ['Disabled', off],
  ])(
    '%s replies come back exactly, with the past window Exchange kept for them (left out, ours would stay)',
    (_, own) => {
      const withWindow = { ...own, start: '2030-03-01T00:00:00.000Z', end: '2030-03-05T00:00:00.000Z' };
      const plan = restoreAfter(withWindow);
      expect(plan.write).toEqual(withWindow);
      expect(plan.decision).toBe('restored');
    },
  );

  test('Enabled replies whose last window has not ended keep it', () => {
    const withWindow = { ...lisbon, start: '2030-08-01T00:00:00.000Z', end: '2030-12-01T00:00:00.000Z' };
    expect(restoreAfter(withWindow).write).toEqual(withWindow);
  });
});

describe('quiet replies and what can be written back', () => {
  const NOW = Date.parse('2030-06-20T00:00:00.000Z');

  test.each<[string, OofSettings, boolean]>([
    ['off', off, true],
    ['on', lisbon, false],
    ['a scheduled window that ended now', conference, true],
    [
      'a scheduled window ending a millisecond later',
      { ...conference, end: '2030-06-20T00:00:00.001Z' },
      false,
    ],
    ['on, with a past window', { ...lisbon, start: conference.start, end: conference.end }, false],
  ])('replies that are %s: quiet is %s', (_, settings, quiet) => {
    expect(isQuiet(settings, NOW)).toBe(quiet);
  });

  test('a window without an end is never over', () => {
    const { end: _end, ...openEnded } = lisbon.start ? lisbon : { ...lisbon, start: conference.start };
    expect(restorable({ ...openEnded, end: undefined }, NOW)).toEqual({
      settings: { ...openEnded, end: undefined },
      expired: false,
    });
  });

  test('only a scheduled window that is over is reported as expired', () => {
    expect(restorable(conference, NOW).expired).toBe(true);
    const offWithWindow = { ...off, start: conference.start, end: conference.end };
    expect(restorable(offWithWindow, NOW)).toEqual({ settings: offWithWindow, expired: false });
  });
});
