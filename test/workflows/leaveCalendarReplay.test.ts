/**
 * The calendar owner replayed from a hand-built history through durable-functions' real replay engine, as
 * the host replays it after a crash: what is in the history is not done again.
 */
import '../../functions/leaveCalendarOrchestrator';
import { h } from '../../dev/host/history';
import { ActionType } from '../../dev/host/localDurableHost';
import { emptyCalendar } from '../../shared/leave/leaveCalendar';
import { LEAVE_CALENDAR_ORCHESTRATOR, type CalendarOwnerInput } from '../../shared/leave/leaveDispatch';
import type { SyncMailboxResult } from '../../shared/leave/leaveSteps';
import { LEAVE_OWNER_SETTINGS, LEAVE_SYNC_MAILBOX } from '../../functions/leaveActivities';
import { activityCalls, inputOf, replay } from '../support/durableEpisodes';
import { leave } from '../support/leaveCalendarHarness';

const ALICE = 'alice@contoso.com';
const t = new Date('2030-05-01T08:00:00Z');
const input: CalendarOwnerInput = {
  mailbox: ALICE,
  calendar: emptyCalendar(ALICE),
  pending: [{ source: 'generic', event: leave(ALICE, 'JUL', '2030-07-01', '2030-07-12') }],
  wake: 'start',
};
const synced: SyncMailboxResult = {
  decision: 'scheduled',
  detail: 'scheduled 2030-06-30T22:00:00.000Z to 2030-07-12T22:00:00.000Z',
  state: {
    restoreTo: { state: 'Disabled', externalAudience: 'None', internalReply: '', externalReply: '' },
    applied: {
      tag: 'abs-x',
      settings: {
        state: 'Scheduled',
        start: '2030-06-30T22:00:00.000Z',
        end: '2030-07-12T22:00:00.000Z',
        externalAudience: 'Known',
        internalReply: 'away',
        externalReply: 'away',
      },
    },
  },
};
const started = [h.orchestratorStarted(t), h.executionStarted(t, LEAVE_CALENDAR_ORCHESTRATOR, input)];
const settingsRead = [
  h.taskScheduled(0, t, LEAVE_OWNER_SETTINGS),
  h.orchestratorStarted(t),
  h.taskCompleted(t, 0, { inScope: true, scope: 'contoso.com', calendarEvent: false }),
];

test('a new leave: the configuration is read first, then one look at the mailbox for the July absence', async () => {
  const first = await replay(LEAVE_CALENDAR_ORCHESTRATOR, started, input);
  expect(activityCalls(first).map((a) => a.functionName)).toEqual([LEAVE_OWNER_SETTINGS]);
  const second = await replay(LEAVE_CALENDAR_ORCHESTRATOR, [...started, ...settingsRead], input);
  const sync = activityCalls(second, LEAVE_SYNC_MAILBOX);
  expect(sync).toHaveLength(1);
  expect(inputOf<{ absence: { start: string; end: string } }>(sync[0]).absence).toMatchObject({
    start: '2030-06-30T22:00:00.000Z',
    end: '2030-07-12T22:00:00.000Z',
  });
});

test('replayed after the mailbox was set: nothing is done again, the owner goes on waiting with the new state', async () => {
  const history = [
    ...started,
    ...settingsRead,
    h.taskScheduled(1, t, LEAVE_SYNC_MAILBOX),
    h.orchestratorStarted(t),
    h.taskCompleted(t, 1, { ok: true, value: synced }),
  ];
  const e = await replay(LEAVE_CALENDAR_ORCHESTRATOR, history, input);
  // the two activities appear once each (already in the history); the only new action is continueAsNew
  expect(activityCalls(e).map((a) => a.functionName)).toEqual([LEAVE_OWNER_SETTINGS, LEAVE_SYNC_MAILBOX]);
  const next = e.actions.find((a) => a.actionType === ActionType.ContinueAsNew);
  const state = inputOf<CalendarOwnerInput>(next);
  expect(state.wake).toBe('idle');
  expect(state.pending).toEqual([]);
  expect(state.calendar.applied?.settings.end).toBe('2030-07-12T22:00:00.000Z');
  expect(state.calendar.decisions.map((d) => d.decision)).toEqual(['applied', 'scheduled']);
});

test('two leave events in one batch are both taken into the next generation, none left unread', async () => {
  const idle: CalendarOwnerInput = {
    mailbox: ALICE,
    calendar: emptyCalendar(ALICE),
    pending: [],
    wake: 'idle',
  };
  const aug = { source: 'generic', event: leave(ALICE, 'AUG', '2030-08-05', '2030-08-16') };
  const sep = { source: 'generic', event: leave(ALICE, 'SEP', '2030-09-01', '2030-09-05') };
  const history = [
    h.orchestratorStarted(t),
    h.executionStarted(t, LEAVE_CALENDAR_ORCHESTRATOR, idle),
    h.orchestratorStarted(t),
    h.eventRaised(t, 'LeaveEvent', aug),
    h.eventRaised(t, 'LeaveEvent', sep),
  ];
  const e = await replay(LEAVE_CALENDAR_ORCHESTRATOR, history, idle);
  // the second event is read at once (its zero-length timer, id 0, cancelled); the next zero-length
  // timer (id 1) fires with nothing more delivered, and that ends the batch
  expect(e.actions.some((a) => a.actionType === ActionType.ContinueAsNew)).toBe(false);
  const drained = [
    ...history,
    h.timerCreated(0, t, t),
    h.timerCreated(1, t, t),
    h.orchestratorStarted(t),
    h.timerFired(t, 1, t),
  ];
  const done = await replay(LEAVE_CALENDAR_ORCHESTRATOR, drained, idle);
  const next = inputOf<CalendarOwnerInput>(
    done.actions.find((a) => a.actionType === ActionType.ContinueAsNew),
  );
  expect(next.pending.map((p) => p.event.leaveId)).toEqual(['AUG', 'SEP']);
  expect(next.wake).toBe('event');
});
