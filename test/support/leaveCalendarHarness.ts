/**
 * The calendar owner run by the dev host's durable engine (durable-functions' real replay engine) against
 * the in-memory mailbox of test/support/durableMailboxFake.ts, on a virtual clock: a test delivers leave
 * events the way the webhook does (shared/leave/leaveDispatch.ts), moves the clock and reads the mailbox.
 */
import '../../functions/leaveCalendarOrchestrator';
import '../../functions/leaveIntakeOrchestrator';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { DevClock } from '../../dev/host/devClock';
import { LocalDurableHost } from '../../dev/host/localDurableHost';
import { useAppServices } from '../../shared/app/appServices';
import type { CalendarDecision, LeaveCalendar } from '../../shared/leave/leaveCalendar';
import { type ReconcileInstances } from '../../shared/leave/leaveReconcile';
import {
  deliverToCalendar,
  LEAVE_CALENDAR_ORCHESTRATOR,
  RECONCILE_EVENT_NAME,
  type CalendarOwnerInput,
  type DispatchOutcome,
  type LeaveInstances,
} from '../../shared/leave/leaveDispatch';
import type { LeaveEvent } from '../../shared/leave/leaveEvent';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { settleOwnerIds } from './calendarOwners';
import { FakeMailbox } from './durableMailboxFake';

export interface CalendarHarnessOptions {
  /** Where the virtual clock starts (later than the real time). */
  now: string;
  env?: Record<string, string>;
}

export class CalendarHarness {
  readonly clock: DevClock;
  readonly host: LocalDurableHost;
  readonly mailbox: FakeMailbox;
  readonly lines: string[] = [];
  /** The owners `deliver` handed an event to: the ones `settle` waits for. */
  private deliveredOwnerIds = new Set<string>();

  private constructor(options: CalendarHarnessOptions) {
    this.clock = new DevClock();
    this.clock.advanceTo(Date.parse(options.now));
    this.mailbox = new FakeMailbox(() => this.clock.now());
    this.host = new LocalDurableHost(registrations, {
      timers: 'clock',
      clock: this.clock,
      log: (line) => this.lines.push(line),
    });
  }

  static async start(options: CalendarHarnessOptions): Promise<CalendarHarness> {
    const harness = new CalendarHarness(options);
    await useAppServices({
      env: { MAILBOX_SCOPE: 'contoso.com', ...options.env },
      mailbox: harness.mailbox,
    });
    return harness;
  }

  async close(): Promise<void> {
    for (const record of this.host.listInstances()) this.host.terminate(record.instanceId, 'test over');
    await useAppServices(undefined);
  }

  /** The durable-client operations dispatching needs, on this host. */
  readonly instances: LeaveInstances = {
    status: (id, options) => {
      const record = this.host.getStatus(id);
      return Promise.resolve(
        record && {
          runtimeStatus: record.runtimeStatus,
          ...(options?.withInput ? { input: record.input } : {}),
          customStatus: record.customStatus,
        },
      );
    },
    // A running id is a conflict (thrown inside the executor: a rejection), a finished one is replaced.
    start: (name, id, input) =>
      new Promise<void>((resolve) => {
        this.host.startNew(name, input, id);
        resolve();
      }),
    raise: (id, name, data) => {
      if (!this.host.raiseEvent(id, name, data))
        return Promise.reject(new Error(`instance ${id} is not running`));
      return Promise.resolve();
    },
  };

  /** The reconcile's durable-client operations, on this host. */
  readonly reconcileInstances: ReconcileInstances = {
    list: () =>
      Promise.resolve(
        this.host.listInstances().map((r) => ({
          instanceId: r.instanceId,
          runtimeStatus: r.runtimeStatus,
          customStatus: r.customStatus,
        })),
      ),
    read: (id) => {
      const r = this.host.getStatus(id);
      return Promise.resolve(
        r && { runtimeStatus: r.runtimeStatus, input: r.input, customStatus: r.customStatus },
      );
    },
    nudge: (id) => this.instances.raise(id, RECONCILE_EVENT_NAME, {} as never),
    restart: (id, input) => this.instances.start(LEAVE_CALENDAR_ORCHESTRATOR, id, input),
  };

  /** Delivers one event as the webhook would, then waits until its owner has handled it. */
  async deliver(event: LeaveEvent, source = 'generic'): Promise<DispatchOutcome> {
    const outcome = await deliverToCalendar({ source, event }, this.instances, {
      firstRetryMs: 10,
      maxAttempts: 3,
    });
    this.deliveredOwnerIds.add(outcome.instanceId);
    await this.settle();
    return outcome;
  }

  /** Moves the virtual clock to `iso` and waits until every owner has handled what came due. */
  async advanceTo(iso: string): Promise<void> {
    this.clock.advanceTo(Date.parse(iso));
    await this.settle();
  }

  /** Waits until every owner an event was delivered to has handled everything (settleOwnerIds). */
  settle(): Promise<void> {
    return settleOwnerIds(this.host, [...this.deliveredOwnerIds]);
  }

  oof(mailbox: string): OofSettings {
    return (
      this.mailbox.oof.get(mailbox) ?? {
        state: 'Disabled',
        externalAudience: 'None',
        internalReply: '',
        externalReply: '',
      }
    );
  }

  /** The owner's calendar as its current generation holds it. */
  calendar(mailbox: string): LeaveCalendar {
    return (this.host.getStatus(calendarInstanceId(mailbox))?.input as CalendarOwnerInput).calendar;
  }

  /** The owner's decisions, newest last (its state while it waits). */
  decisions(mailbox: string): CalendarDecision[] {
    return this.calendar(mailbox).decisions;
  }

  instanceIdOf(mailbox: string): string {
    return calendarInstanceId(mailbox);
  }

  runtimeStatus(mailbox: string): string | undefined {
    return this.host.getStatus(calendarInstanceId(mailbox))?.runtimeStatus;
  }
}

/** An approved generic leave event for `email`, dates as HR sends them (last day inclusive). */
export function leave(
  email: string,
  leaveId: string,
  start: string,
  end: string,
  overrides: Partial<LeaveEvent> = {},
): LeaveEvent {
  return {
    eventId: `${leaveId}-${overrides.type ?? 'approved'}-${overrides.occurredAt ?? 'first'}`,
    type: 'approved',
    occurredAt: '2029-01-01T09:00:00Z',
    leaveId,
    start,
    end,
    timeZone: 'Europe/Berlin',
    employee: { email, displayName: email.split('@')[0] ?? email },
    locale: 'en',
    ...overrides,
  };
}
