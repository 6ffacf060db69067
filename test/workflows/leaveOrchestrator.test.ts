/**
 * The leave orchestration, episode by episode through durable-functions' real replay engine.
 * Alice (Europe/Berlin) is on leave from 1 to 14 July 2025 inclusive: the OOF runs from
 * 2025-06-30T22:00Z to 2025-07-14T22:00Z (15 July, 00:00 in Berlin, her first day back).
 */
import '../../functions/leaveOrchestrator';
import { h } from '../../dev/host/history';
import { TransientFailure } from '../../shared/app/activityOutcome';
import type { LeaveEvent } from '../../shared/leave/leaveEvent';
import type { LeaveOrchestrationInput } from '../../shared/leave/leaveDispatch';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import {
  LEAVE_CHECK_SCOPE,
  LEAVE_GET_OOF,
  LEAVE_RESTORE_OOF,
  LEAVE_SET_OOF,
  type SetOofInput,
} from '../../functions/leaveActivities';
import { LEAVE_ORCHESTRATOR, type LeaveSummary } from '../../functions/leaveOrchestrator';
import { activityCalls, eventWaits, inputOf, replay, timers } from '../support/durableEpisodes';
import { LeaveStory, type ScopeCheck } from '../support/leaveStory';

const approved: LeaveEvent = {
  eventId: 'evt-1',
  type: 'approved',
  occurredAt: '2025-06-01T09:00:00Z',
  leaveId: 'L-100',
  start: '2025-07-01',
  end: '2025-07-14',
  timeZone: 'Europe/Berlin',
  employee: { email: 'alice@contoso.com', displayName: 'Alice Example' },
  locale: 'en',
};
const input: LeaveOrchestrationInput = {
  source: 'generic',
  event: approved,
  retry: { firstRetryMs: 1000, maxAttempts: 3 },
};
const snapshot: OofSettings = {
  state: 'Enabled',
  externalAudience: 'All',
  internalReply: 'old in',
  externalReply: 'old out',
};
const applied: OofSettings = {
  state: 'Scheduled',
  start: '2025-06-30T22:00:00.000Z',
  end: '2025-07-14T22:00:00.000Z',
  externalAudience: 'Known',
  internalReply: 'on leave',
  externalReply: 'on leave',
};
const at = (iso: string): Date => new Date(iso);

const story = (start: string): LeaveStory => new LeaveStory(start, input);
const unrestrictedScope: ScopeCheck = { inScope: true, scope: '*' };

/** Scope check done, snapshot taken, OOF set: the orchestration now waits (ids 0, 1, 2 used). */
const waiting = (start: string): LeaveStory =>
  story(start)
    .scopeChecked({ inScope: true, scope: 'contoso.com' })
    .snapshotTaken({ ok: true, value: snapshot })
    .oofSet({ ok: true, value: applied });

const run = (s: LeaveStory) => replay(LEAVE_ORCHESTRATOR, s.events, input);

describe('leave orchestration, episode by episode', () => {
  test('an approved leave checks the scope before anything else', async () => {
    const e = await run(story('2025-06-20T10:00:00Z'));
    expect(e.done).toBe(false);
    expect(activityCalls(e).map((a) => a.functionName)).toEqual([LEAVE_CHECK_SCOPE]);
    expect(e.customStatus).toEqual({ phase: 'checking-scope' });
  });

  test('a mailbox out of scope finishes with a clear result and no mailbox call', async () => {
    const s = story('2025-06-20T10:00:00Z').scopeChecked({ inScope: false, scope: 'fabrikam.com' });
    const e = await run(s);
    expect(e.done).toBe(true);
    expect(e.output).toMatchObject({ outcome: 'out-of-scope', mailbox: 'alice@contoso.com' });
    expect((e.output as LeaveSummary).note).toMatch(/outside MAILBOX_SCOPE \(fabrikam\.com\)/);
    expect(activityCalls(e).map((a) => a.functionName)).toEqual([LEAVE_CHECK_SCOPE]);
  });

  test('a leave already over does nothing', async () => {
    const e = await run(story('2025-07-20T10:00:00Z').scopeChecked(unrestrictedScope));
    expect(e.output).toMatchObject({ outcome: 'already-over', timesSet: 0 });
    expect(activityCalls(e).map((a) => a.functionName)).toEqual([LEAVE_CHECK_SCOPE]);
  });

  test('in scope: the current replies are snapshotted first, with bounded retries', async () => {
    const e = await run(story('2025-06-20T10:00:00Z').scopeChecked(unrestrictedScope));
    const get = activityCalls(e, LEAVE_GET_OOF);
    expect(get).toHaveLength(1);
    expect(get[0]?.retryOptions).toMatchObject({
      maxNumberOfAttempts: 3,
      firstRetryIntervalInMilliseconds: 1000,
    });
    expect(e.customStatus).toEqual({ phase: 'snapshot' });
  });

  test('then a scheduled OOF from the first day of leave to the first day back, 00:00 Berlin time, in UTC', async () => {
    const s = story('2025-06-20T10:00:00Z')
      .scopeChecked(unrestrictedScope)
      .snapshotTaken({ ok: true, value: snapshot });
    const e = await run(s);
    const set = inputOf<SetOofInput>(activityCalls(e, LEAVE_SET_OOF)[0]);
    expect(set).toMatchObject({
      mailbox: 'alice@contoso.com',
      start: '2025-06-30T22:00:00.000Z',
      end: '2025-07-14T22:00:00.000Z',
      firstDayBack: '2025-07-15',
    });
    expect(e.customStatus).toEqual({ phase: 'scheduling', until: '2025-07-14T22:00:00.000Z' });
  });

  test('a leave that already started is on from now until its end', async () => {
    const s = story('2025-07-03T08:30:00Z')
      .scopeChecked(unrestrictedScope)
      .snapshotTaken({ ok: true, value: snapshot });
    const set = inputOf<SetOofInput>(activityCalls(await run(s), LEAVE_SET_OOF)[0]);
    expect(set.start).toBe('2025-07-03T08:30:00.000Z');
    expect(set.end).toBe('2025-07-14T22:00:00.000Z');
  });

  test('once set, it waits for the end of the leave or an HR event, whichever comes first', async () => {
    const e = await run(waiting('2025-06-20T10:00:00Z'));
    expect(e.done).toBe(false);
    expect(timers(e).map((t) => new Date(t.fireAt as string).toISOString())).toEqual([
      '2025-07-14T22:00:00.000Z',
    ]);
    expect(eventWaits(e).map((w) => w.externalEventName)).toEqual(['LeaveEvent']);
    expect(e.customStatus).toEqual({ phase: 'waiting', until: '2025-07-14T22:00:00.000Z' });
  });

  test('a replay after partial progress schedules nothing already done', async () => {
    const e = await run(waiting('2025-06-20T10:00:00Z'));
    // the three activities appear once each (already in the history); only the wait is new
    expect(activityCalls(e).map((a) => a.functionName)).toEqual([
      LEAVE_CHECK_SCOPE,
      LEAVE_GET_OOF,
      LEAVE_SET_OOF,
    ]);
  });

  describe('at the end of the leave', () => {
    // 4 days before the end: a short timer (id 3)
    const ended = (): LeaveStory =>
      waiting('2025-07-10T10:00:00Z').next(
        [h.timerCreated(3, at('2025-07-10T10:00:00Z'), at('2025-07-14T22:00:00Z'))],
        '2025-07-14T22:00:00Z',
        h.timerFired(at('2025-07-14T22:00:00Z'), 3, at('2025-07-14T22:00:00Z')),
      );

    test('the snapshot is restored (if the replies are still ours)', async () => {
      const e = await run(ended());
      const restore = activityCalls(e, LEAVE_RESTORE_OOF);
      expect(restore).toHaveLength(1);
      expect(inputOf(restore[0])).toEqual({
        mailbox: 'alice@contoso.com',
        snapshot,
        applied,
        instanceId: 'episode-test', // the activity's log lines name the orchestration
      });
      expect(e.customStatus).toEqual({ phase: 'restoring' });
    });

    test('restored: the output summarises what was done', async () => {
      const s = ended().next(
        [h.taskScheduled(4, at('2025-07-14T22:00:00Z'), LEAVE_RESTORE_OOF)],
        undefined,
        h.taskCompleted(at('2025-07-14T22:00:00Z'), 4, { ok: true, value: { restored: true } }),
      );
      const e = await run(s);
      expect(e.done).toBe(true);
      expect(e.output).toEqual({
        outcome: 'restored',
        mailbox: 'alice@contoso.com',
        source: 'generic',
        leaveId: 'L-100',
        scheduled: { start: '2025-07-10T10:00:00.000Z', end: '2025-07-14T22:00:00.000Z' },
        endedBy: 'end-of-leave',
        timesSet: 1,
        eventsApplied: ['evt-1'],
        eventsIgnored: [],
        lastEventOccurredAt: '2025-06-01T09:00:00Z',
      });
      expect(e.customStatus).toEqual({ phase: 'done' });
    });

    test('when the person changed their replies meanwhile, they are left alone and that is recorded', async () => {
      const s = ended().next(
        [h.taskScheduled(4, at('2025-07-14T22:00:00Z'), LEAVE_RESTORE_OOF)],
        undefined,
        h.taskCompleted(at('2025-07-14T22:00:00Z'), 4, {
          ok: true,
          value: { restored: false, reason: 'changed-meanwhile' },
        }),
      );
      const e = await run(s);
      expect(e.output).toMatchObject({ outcome: 'left-as-changed' });
      expect((e.output as LeaveSummary).note).toMatch(/changed after we set them/);
    });
  });

  describe('HR events while waiting', () => {
    const deliver = (event: unknown): LeaveStory =>
      waiting('2025-06-20T10:00:00Z').next(
        [h.timerCreated(3, at('2025-06-20T10:00:00Z'), at('2025-06-23T10:00:00Z'))],
        '2025-06-21T12:00:00Z',
        h.eventRaised(at('2025-06-21T12:00:00Z'), 'LeaveEvent', event),
      );

    test('a change sets the OOF again with the new dates and waits for the new end', async () => {
      const updated: LeaveEvent = {
        ...approved,
        eventId: 'evt-2',
        type: 'updated',
        occurredAt: '2025-06-21T11:00:00Z',
        end: '2025-07-18',
      };
      const e = await run(deliver(updated));
      const sets = activityCalls(e, LEAVE_SET_OOF);
      expect(sets).toHaveLength(2);
      expect(inputOf<SetOofInput>(sets[1])).toMatchObject({
        end: '2025-07-18T22:00:00.000Z',
        firstDayBack: '2025-07-19',
      });
      expect(timers(e)[0]?.isCanceled).toBe(true); // the old end no longer counts
    });

    test.each([
      ['before the leave starts', '2025-06-21T12:00:00Z'],
      ['during the leave', '2025-07-05T12:00:00Z'],
    ])('a cancellation %s restores the previous replies now', async (_when, when) => {
      const cancelled: LeaveEvent = { ...approved, eventId: 'evt-3', type: 'cancelled', occurredAt: when };
      const s = waiting('2025-06-20T10:00:00Z').next(
        [h.timerCreated(3, at('2025-06-20T10:00:00Z'), at('2025-06-23T10:00:00Z'))],
        when,
        h.eventRaised(at(when), 'LeaveEvent', cancelled),
      );
      const e = await run(s);
      expect(activityCalls(e, LEAVE_SET_OOF)).toHaveLength(1);
      expect(inputOf(activityCalls(e, LEAVE_RESTORE_OOF)[0])).toEqual({
        mailbox: 'alice@contoso.com',
        snapshot,
        applied,
        instanceId: 'episode-test',
      });
      const done = await run(
        s.next(
          [h.taskScheduled(4, at(when), LEAVE_RESTORE_OOF)],
          undefined,
          h.taskCompleted(at(when), 4, { ok: true, value: { restored: true } }),
        ),
      );
      expect(done.output).toMatchObject({
        outcome: 'restored',
        endedBy: 'cancelled',
        eventsApplied: ['evt-1', 'evt-3'],
      });
    });

    test('the same event delivered again, or an older one, changes nothing', async () => {
      for (const stale of [
        approved,
        {
          ...approved,
          eventId: 'evt-0',
          type: 'updated',
          occurredAt: '2025-05-01T00:00:00Z',
          end: '2025-08-30',
        },
      ]) {
        const e = await run(deliver(stale));
        expect(activityCalls(e, LEAVE_SET_OOF)).toHaveLength(1);
        expect(activityCalls(e, LEAVE_RESTORE_OOF)).toHaveLength(0);
        expect(eventWaits(e)).toHaveLength(2); // waiting again
        expect(e.done).toBe(false);
      }
    });

    test('a change that moves the end into the past restores now', async () => {
      const shortened: LeaveEvent = {
        ...approved,
        eventId: 'evt-4',
        type: 'updated',
        occurredAt: '2025-06-21T11:00:00Z',
        start: '2025-06-10',
        end: '2025-06-15',
      };
      const e = await run(deliver(shortened));
      expect(activityCalls(e, LEAVE_RESTORE_OOF)).toHaveLength(1);
    });
  });

  describe('mailbox errors', () => {
    test('a permanent EWS error ends the orchestration as failed, naming the code, without retrying', async () => {
      const s = story('2025-06-20T10:00:00Z')
        .scopeChecked(unrestrictedScope)
        .snapshotTaken({
          ok: false,
          failure: { code: 'ErrorNonExistentMailbox', message: 'No mailbox with such guid.' },
        });
      const e = await run(s);
      expect(e.failed).toBe(true);
      expect(e.error).toMatch(/leaveGetOof failed with ErrorNonExistentMailbox/);
      expect(e.customStatus).toEqual({ phase: 'failed', code: 'ErrorNonExistentMailbox' });
    });

    test('a transient error is retried after the retry interval; success then continues', async () => {
      const s = story('2025-06-20T10:00:00Z').scopeChecked(unrestrictedScope);
      const t = s.now;
      s.next(
        [h.taskScheduled(1, t, LEAVE_GET_OOF)],
        undefined,
        h.taskFailed(t, 1, new TransientFailure('ErrorServerBusy', 'busy'), LEAVE_GET_OOF),
        h.timerCreated(2, t, at('2025-06-20T10:00:01Z')),
      )
        .next(
          [],
          '2025-06-20T10:00:01Z',
          h.timerFired(at('2025-06-20T10:00:01Z'), 2, at('2025-06-20T10:00:01Z')),
          h.taskScheduled(3, at('2025-06-20T10:00:01Z'), LEAVE_GET_OOF),
        )
        .next([], undefined, h.taskCompleted(at('2025-06-20T10:00:01Z'), 3, { ok: true, value: snapshot }));
      const e = await run(s);
      expect(e.failed).toBe(false);
      expect(activityCalls(e, LEAVE_SET_OOF)).toHaveLength(1);
    });

    test('transient errors on every attempt: bounded, then failed with the reason', async () => {
      const s = story('2025-06-20T10:00:00Z').scopeChecked(unrestrictedScope);
      const t = s.now;
      let id = 1;
      const busy = new TransientFailure('ErrorServerBusy', 'busy');
      s.next(
        [h.taskScheduled(id, t, LEAVE_GET_OOF)],
        undefined,
        h.taskFailed(t, id, busy, LEAVE_GET_OOF),
        h.timerCreated(id + 1, t, t),
      );
      for (let attempt = 2; attempt <= 3; attempt++) {
        const retryId = id + 2;
        s.next([], undefined, h.timerFired(t, id + 1, t), h.taskScheduled(retryId, t, LEAVE_GET_OOF));
        s.next(
          [],
          undefined,
          h.taskFailed(t, retryId, busy, LEAVE_GET_OOF),
          h.timerCreated(retryId + 1, t, t),
        );
        id = retryId;
      }
      const pending = await run(s);
      expect(pending.done).toBe(false); // the last retry timer has not fired yet
      s.next([], undefined, h.timerFired(t, id + 1, t));
      const e = await run(s);
      expect(e.failed).toBe(true);
      expect(e.error).toMatch(
        /leaveGetOof failed with TransientGiveUp: still failing after 3 attempts: .*ErrorServerBusy/,
      );
    });
  });
});
