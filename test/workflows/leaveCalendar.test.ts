/**
 * A person's leaves as one calendar, through the calendar owner on the dev host's durable engine (the real
 * replay engine, continueAsNew per generation) against an in-memory mailbox that refuses what Exchange
 * refuses, on a virtual clock. Alice is in Europe/Berlin: a leave of 1–12 July 2030 runs from
 * 2030-06-30T22:00Z to 2030-07-12T22:00Z (13 July, 00:00 in Berlin, her first day back).
 */
import { CalendarHarness, leave } from '../support/leaveCalendarHarness';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';

const ALICE = 'alice@contoso.com';
const own: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: 'Working from the Lisbon office',
  externalReply: 'Working from the Lisbon office',
};

let harness: CalendarHarness;
afterEach(() => harness.close());

test('two separate leaves: July’s reply in July, August’s in August, exactly her own replies afterwards', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(ALICE, {
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: 'mine out',
  });
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  await harness.deliver(leave(ALICE, 'AUG', '2030-08-05', '2030-08-16', { eventId: 'aug-1' }));

  // Her own replies were Disabled (quiet): July is scheduled ahead, so it starts on time even if the app is down.
  expect(harness.oof(ALICE)).toMatchObject({
    state: 'Scheduled',
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-12T22:00:00.000Z',
  });
  expect(harness.oof(ALICE).internalReply).toMatch(/13/);

  await harness.advanceTo('2030-07-05T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });

  await harness.advanceTo('2030-07-13T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({
    state: 'Scheduled',
    start: '2030-08-04T22:00:00.000Z',
    end: '2030-08-16T22:00:00.000Z',
  });

  await harness.advanceTo('2030-08-20T10:00:00Z');
  expect(harness.oof(ALICE)).toEqual({
    state: 'Disabled',
    externalAudience: 'Known',
    internalReply: 'mine',
    externalReply: 'mine out',
  });
});

test('her own Enabled reply stays until the absence starts, and comes back after it', async () => {
  harness = await CalendarHarness.start({ now: '2030-05-01T08:00:00Z' });
  harness.mailbox.oof.set(ALICE, own);
  await harness.deliver(leave(ALICE, 'JUL', '2030-07-01', '2030-07-12'));
  expect(harness.oof(ALICE)).toEqual(own);
  await harness.advanceTo('2030-07-01T10:00:00Z');
  expect(harness.oof(ALICE)).toMatchObject({ state: 'Scheduled', end: '2030-07-12T22:00:00.000Z' });
  await harness.advanceTo('2030-07-14T10:00:00Z');
  expect(harness.oof(ALICE)).toEqual(own);
});
