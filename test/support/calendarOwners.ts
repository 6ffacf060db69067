/**
 * Waiting for the leave path on a dev host (test/support/leaveDevHost.ts) the way a person watching it would:
 * a HiBob notice's intake until it completed, a calendar owner until it has handled everything it was sent.
 * Never fixed sleeps: an owner never completes (it continues as new per generation), so "done" is its custom
 * status saying `waiting` while its generation stays the same over a few turns of the event loop.
 */
import type { LocalDurableHost } from '../../dev/host/localDurableHost';
import {
  LEAVE_CALENDAR_ORCHESTRATOR,
  type CalendarOwnerInput,
  type CalendarOwnerStatus,
} from '../../shared/leave/leaveDispatch';
import type { LeaveIntakeSummary } from '../../functions/leaveIntakeOrchestrator';
import type { LeaveCalendar } from '../../shared/leave/leaveCalendar';
import { calendarInstanceId } from '../../shared/leave/instanceId';

/** An owner as its current generation shows it: the calendar, its custom status, its history's length. */
export interface OwnerView {
  mailbox: string;
  runtimeStatus: string;
  calendar: LeaveCalendar;
  status: Partial<CalendarOwnerStatus>;
  historyLength: number;
  lastUpdatedTime: number;
}

export function ownerOf(durable: LocalDurableHost, mailbox: string): OwnerView | undefined {
  return ownerAt(durable, calendarInstanceId(mailbox));
}

function ownerAt(durable: LocalDurableHost, instanceId: string): OwnerView | undefined {
  const record = durable.getStatus(instanceId);
  if (!record) return undefined;
  const input = record.input as CalendarOwnerInput;
  return {
    mailbox: input.mailbox,
    runtimeStatus: record.runtimeStatus,
    calendar: input.calendar,
    status: record.customStatus ?? {},
    historyLength: record.history.length,
    lastUpdatedTime: record.lastUpdatedTime.getTime(),
  };
}

/**
 * Waits until the calendar owners `instanceIds` are Running, `waiting`, and unchanged over five turns of the
 * event loop (at most 10 s): a continueAsNew starts the next generation at once, so one look at `waiting` may
 * be between two generations. An owner that does not exist never settles.
 */
export async function settleOwnerIds(
  durable: LocalDurableHost,
  instanceIds: readonly string[],
): Promise<void> {
  const deadline = Date.now() + 10_000;
  let quiet = 0;
  let last = '';
  while (quiet < 5) {
    if (Date.now() > deadline) throw new Error(`calendar owners did not settle: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const views = instanceIds.map((id) => ({ id, view: ownerAt(durable, id) }));
    const snapshot = views
      .map(({ id, view }) =>
        view
          ? `${view.mailbox}:${view.runtimeStatus}:${view.status.phase}:${view.historyLength}:${view.lastUpdatedTime}`
          : `${id}:none`,
      )
      .join('|');
    const waiting = views.every(
      ({ id, view }) =>
        view?.runtimeStatus === 'Running' && view.status.phase === 'waiting' && durable.isIdle(id),
    );
    quiet = waiting && snapshot === last ? quiet + 1 : 0;
    last = snapshot;
  }
}

/** Waits until the owners of `mailboxes` have settled (settleOwnerIds). */
export function settleOwners(durable: LocalDurableHost, mailboxes: readonly string[]): Promise<void> {
  return settleOwnerIds(durable, mailboxes.map(calendarInstanceId));
}

/** The mailboxes of every calendar owner running on the host (to settle them all after moving the clock). */
export function runningOwners(durable: LocalDurableHost): string[] {
  return durable
    .listInstances()
    .filter((r) => r.name === LEAVE_CALENDAR_ORCHESTRATOR && r.runtimeStatus === 'Running')
    .map((r) => (r.input as CalendarOwnerInput).mailbox);
}

/** Waits for a HiBob notice's intake to complete and returns what it says became of the notice. */
export async function intakeSummary(
  durable: LocalDurableHost,
  intakeId: string,
): Promise<LeaveIntakeSummary> {
  const result = await durable.waitForCompletion(intakeId);
  if (result.status !== 'Completed') throw new Error(`intake ${intakeId} ${result.status}: ${result.error}`);
  return result.output as LeaveIntakeSummary;
}

/** The owner's decisions (newest last), as `decision: detail` lines. */
export function decisionLines(durable: LocalDurableHost, mailbox: string): string[] {
  return (ownerOf(durable, mailbox)?.calendar.decisions ?? []).map((d) => `${d.decision}: ${d.detail}`);
}
