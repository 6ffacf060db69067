/**
 * The daily reconcile (LEAVE_RECONCILE_SCHEDULE): every calendar owner with an absence running or to come is
 * asked to look at its mailbox again, and an owner that was lost (terminated, failed) is started again from
 * its last state. The owner itself compares the mailbox with what it last set and repairs only its own misses
 * (a set that failed after its retries, a lost owner); a person's own change is left alone by the rules of
 * shared/leave/mailboxSync.ts. A while later the report reads back what each owner decided.
 *
 * The owners' writes stay with the owners: this module never calls a mailbox, so the calendar owner remains
 * the one writer per mailbox.
 */
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';
import { isActive } from '../app/durableInstances';
import { csvText } from '../platform/csv';
import { mapWithLimit } from '../platform/transport/concurrency';
import { absencesOf, type CalendarDecision } from './leaveCalendar';
import {
  LEAVE_CALENDAR_ORCHESTRATOR,
  RECONCILE_EVENT_NAME,
  type CalendarOwnerInput,
  type CalendarOwnerStatus,
} from './leaveDispatch';
import { isCalendarInstanceId } from './instanceId';

/** The durable-client operations the reconcile needs. */
export interface ReconcileInstances {
  /** Every instance (no inputs): ids, runtime status, custom status. */
  list(): Promise<{ instanceId: string; runtimeStatus: string; customStatus?: unknown }[]>;
  /** One instance with its input. */
  read(
    instanceId: string,
  ): Promise<{ runtimeStatus: string; input?: unknown; customStatus?: unknown } | undefined>;
  nudge(instanceId: string): Promise<void>;
  restart(instanceId: string, input: CalendarOwnerInput): Promise<void>;
}

export function durableReconcileInstances(client: DurableClient): ReconcileInstances {
  const shape = (s: DurableOrchestrationStatus) => ({
    instanceId: s.instanceId,
    runtimeStatus: String(s.runtimeStatus),
    input: s.input,
    customStatus: s.customStatus,
  });
  return {
    async list() {
      return (await client.getStatusAll()).map(shape);
    },
    async read(instanceId) {
      const s = await client.getStatus(instanceId, { showInput: true, showHistory: false });
      return s?.runtimeStatus ? shape(s) : undefined;
    },
    async nudge(instanceId) {
      await client.raiseEvent(instanceId, RECONCILE_EVENT_NAME, {});
    },
    async restart(instanceId, input) {
      await client.startNew(LEAVE_CALENDAR_ORCHESTRATOR, { instanceId, input });
    },
  };
}

export type ReconcileAction = 'nudged' | 'restarted' | 'failed';

export interface ReconcileStart {
  owners: number;
  /** Owners asked to look again or started again (at most MAX_LISTED listed; the counts hold all). */
  touched: { instanceId: string; action: ReconcileAction; detail?: string }[];
  counts: Record<ReconcileAction | 'idle', number>;
}

/** At most this many owners are listed by id in the reconcile's state and report. */
export const MAX_LISTED = 5000;
/** Owners' statuses the report reads at once. */
const READS_AT_ONCE = 8;

/** Nudges every owner with something running or to come, and restarts lost ones that still have absences. */
export async function startReconcile(instances: ReconcileInstances, now: Date): Promise<ReconcileStart> {
  const counts = { nudged: 0, restarted: 0, failed: 0, idle: 0 };
  const touched: ReconcileStart['touched'] = [];
  const note = (instanceId: string, action: ReconcileAction, detail?: string): void => {
    counts[action]++;
    if (touched.length < MAX_LISTED) touched.push({ instanceId, action, ...(detail ? { detail } : {}) });
  };
  const owners = (await instances.list()).filter((s) => isCalendarInstanceId(s.instanceId));
  for (const owner of owners) {
    try {
      if (isActive(owner)) {
        const until = (owner.customStatus as Partial<CalendarOwnerStatus> | undefined)?.until;
        if (until === undefined) counts.idle++;
        else {
          await instances.nudge(owner.instanceId);
          note(owner.instanceId, 'nudged');
        }
        continue;
      }
      const full = await instances.read(owner.instanceId);
      const state = full?.input as CalendarOwnerInput | undefined;
      if (!state?.calendar || (absencesOf(state.calendar, now).length === 0 && !state.calendar.applied)) {
        counts.idle++;
        continue;
      }
      await instances.restart(owner.instanceId, {
        mailbox: state.mailbox,
        calendar: state.calendar,
        pending: [],
        wake: 'reconcile',
        ...(state.retry ? { retry: state.retry } : {}),
      });
      note(owner.instanceId, 'restarted', `was ${owner.runtimeStatus}`);
    } catch (error) {
      // One owner's trouble never stops the others.
      note(owner.instanceId, 'failed', (error as Error).message.slice(0, 300));
    }
  }
  return { owners: owners.length, touched, counts };
}

/** One owner's line in the report. */
export interface ReconcileRow {
  mailbox: string;
  instanceId: string;
  action: ReconcileAction;
  /** What the owner decided since the reconcile started: repaired, unchanged, left-as-changed, failed, ... */
  outcome: string;
  detail: string;
}

export interface ReconcileReport {
  startedAt: string;
  owners: number;
  counts: ReconcileStart['counts'];
  outcomes: Record<string, number>;
  rows: ReconcileRow[];
  /** One line for the log and for a person. */
  summary: string;
}

/** The outcomes that count as the owner's look at the mailbox (not the events it applied). */
const LOOKS = new Set([
  'repaired',
  'scheduled',
  'unchanged',
  'waiting-for-start',
  'restored',
  'restored-as-disabled',
  'left-as-changed',
  'nothing-to-do',
  'failed',
  'out-of-scope',
]);

/** Reads back what each touched owner decided since `startedAt`. */
export async function reconcileReport(
  instances: ReconcileInstances,
  start: ReconcileStart,
  startedAt: string,
): Promise<ReconcileReport> {
  // Up to MAX_LISTED owners: read a few at a time, not one after another.
  const rows = await mapWithLimit(start.touched, READS_AT_ONCE, async ({ instanceId, action, detail }) => {
    let mailbox = '';
    let decision: CalendarDecision | undefined;
    if (action !== 'failed') {
      const state = (await instances.read(instanceId))?.input as CalendarOwnerInput | undefined;
      mailbox = state?.mailbox ?? '';
      decision = state?.calendar.decisions.filter((d) => d.at >= startedAt && LOOKS.has(d.decision)).at(-1);
    }
    const row: ReconcileRow = {
      mailbox,
      instanceId,
      action,
      outcome: action === 'failed' ? 'failed' : (decision?.decision ?? 'pending'),
      detail: action === 'failed' ? (detail ?? '') : (decision?.detail ?? 'the owner has not looked yet'),
    };
    return row;
  });
  const outcomes: Record<string, number> = {};
  for (const row of rows) outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
  const listed = Object.entries(outcomes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  const { nudged, restarted, failed, idle } = start.counts;
  return {
    startedAt,
    owners: start.owners,
    counts: start.counts,
    outcomes,
    rows,
    summary:
      `leave reconcile: ${start.owners} calendars, ${nudged} looked at again, ${restarted} restarted, ` +
      `${failed} failed, ${idle} with nothing to do` +
      (listed ? `; outcomes: ${listed}` : ''),
  };
}

/** The report as CSV (one row per owner looked at), for a person with a spreadsheet. */
export function reconcileCsv(report: ReconcileReport): string {
  return csvText(
    ['mailbox', 'action', 'outcome', 'detail'],
    report.rows.map((r) => [r.mailbox, r.action, r.outcome, r.detail]),
  );
}
