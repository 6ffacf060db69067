/**
 * Histories of the leave orchestration for replay tests (test/support/durableEpisodes.ts), built one
 * episode at a time: what the orchestrator scheduled, then what came back. The first three activities
 * always run in the same order with the same task ids (check scope 0, snapshot 1, set OOF 2), so each has
 * a step here instead of a hand-written pair of history events in every test.
 */
import { h, type WireEvent } from '../../dev/host/history';
import {
  LEAVE_CHECK_SCOPE,
  LEAVE_GET_OOF,
  LEAVE_SET_OOF,
  type leaveCheckScope,
} from '../../functions/leaveActivities';
import { LEAVE_ORCHESTRATOR } from '../../functions/leaveOrchestrator';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import type { ActivityOutcome } from '../../shared/app/activityOutcome';

/** What the scope check activity answers. */
export type ScopeCheck = ReturnType<typeof leaveCheckScope>;

export class LeaveStory {
  readonly events: WireEvent[];
  private t: Date;

  constructor(start: string, input: unknown) {
    this.t = new Date(start);
    this.events = [h.orchestratorStarted(this.t), h.executionStarted(this.t, LEAVE_ORCHESTRATOR, input)];
  }

  /** Close the episode (with what it scheduled), open the next at `when` with `results`. */
  next(scheduled: WireEvent[], when: string | undefined, ...results: WireEvent[]): this {
    this.events.push(...scheduled, h.orchestratorCompleted(this.t));
    if (when) this.t = new Date(when);
    this.events.push(h.orchestratorStarted(this.t), ...results);
    return this;
  }

  get now(): Date {
    return this.t;
  }

  /** The scope check (task 0) ran now and answered `result`. */
  scopeChecked(result: ScopeCheck): this {
    return this.completed(0, LEAVE_CHECK_SCOPE, result);
  }

  /** The snapshot of the current replies (task 1) was taken now and answered `result`. */
  snapshotTaken(result: ActivityOutcome<OofSettings>): this {
    return this.completed(1, LEAVE_GET_OOF, result);
  }

  /** The leave's replies were set (task 2) now and the activity answered `result`. */
  oofSet(result: ActivityOutcome<OofSettings>): this {
    return this.completed(2, LEAVE_SET_OOF, result);
  }

  private completed(id: number, activity: string, result: unknown): this {
    return this.next([h.taskScheduled(id, this.t, activity)], undefined, h.taskCompleted(this.t, id, result));
  }
}
