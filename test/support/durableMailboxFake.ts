/** An in-memory MailboxOperations for workflow tests: OOF per mailbox, a call log, scripted failures. */
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type {
  MailboxOperations,
  OofCalendarEvent,
  OofSettings,
} from '../../shared/mailbox/mailboxOperations';

export const DISABLED: OofSettings = {
  state: 'Disabled',
  externalAudience: 'None',
  internalReply: '',
  externalReply: '',
};

export class FakeMailbox implements MailboxOperations {
  readonly oof = new Map<string, OofSettings>();
  /** Each mailbox's calendar: event id → event (the person's own events included, to prove they stay). */
  readonly calendars = new Map<string, Map<string, OofCalendarEvent>>();
  private nextEventId = 0;

  /** `now`: the clock Exchange judges scheduled windows by (SetUserOofSettings refuses one already over). */
  constructor(private readonly now: () => number = () => Date.now()) {}
  readonly calls: string[] = [];
  /** Errors thrown by the next calls, in order (then calls succeed). */
  readonly failures: MailboxError[] = [];

  private fail(): void {
    const next = this.failures.shift();
    if (next) throw next;
  }
  getOof(mailbox: string): Promise<OofSettings> {
    this.calls.push(`getOof ${mailbox}`);
    this.fail();
    return Promise.resolve({ ...(this.oof.get(mailbox) ?? DISABLED) });
  }
  setOof(mailbox: string, settings: OofSettings): Promise<void> {
    this.calls.push(`setOof ${mailbox} ${settings.state}`);
    this.fail();
    if (settings.state === 'Scheduled' && !(Date.parse(settings.end ?? '') > this.now())) {
      // As Exchange: "ErrorInvalidScheduledOofDuration: the end time does not occur in the future".
      return Promise.reject(
        new MailboxError({
          code: 'ErrorInvalidScheduledOofDuration',
          errorClass: 'permanent',
          message: 'The end time of the scheduled duration does not occur in the future.',
        }),
      );
    }
    this.oof.set(mailbox, { ...settings });
    return Promise.resolve();
  }
  private calendar(mailbox: string): Map<string, OofCalendarEvent> {
    let calendar = this.calendars.get(mailbox);
    if (!calendar) this.calendars.set(mailbox, (calendar = new Map<string, OofCalendarEvent>()));
    return calendar;
  }
  createOofEvent(mailbox: string, event: OofCalendarEvent): Promise<string> {
    this.calls.push(`createOofEvent ${mailbox} ${event.firstDay}..${event.firstDayBack}`);
    this.fail();
    const id = `event-${++this.nextEventId}`;
    this.calendar(mailbox).set(id, { ...event });
    return Promise.resolve(id);
  }
  updateOofEvent(mailbox: string, id: string, event: OofCalendarEvent): Promise<string> {
    this.calls.push(`updateOofEvent ${mailbox} ${event.firstDay}..${event.firstDayBack}`);
    this.fail();
    const calendar = this.calendar(mailbox);
    if (!calendar.has(id)) {
      return Promise.reject(
        new MailboxError({ code: 'ErrorItemNotFound', errorClass: 'permanent', message: 'not found' }),
      );
    }
    calendar.set(id, { ...event });
    return Promise.resolve(id);
  }
  deleteOofEvent(mailbox: string, id: string): Promise<'deleted' | 'already-gone'> {
    this.calls.push(`deleteOofEvent ${mailbox}`);
    this.fail();
    return Promise.resolve(this.calendar(mailbox).delete(id) ? 'deleted' : 'already-gone');
  }
  findItemIdsReceivedBefore(): never {
    throw new Error('not used');
  }
  archiveItems(): never {
    throw new Error('not used');
  }
  moveItems(): never {
    throw new Error('not used');
  }
  getFolder(): never {
    throw new Error('not used');
  }
  hasArchiveMailbox(): never {
    throw new Error('not used');
  }
  expandGroup(): never {
    throw new Error('not used');
  }
  resolvePrimaryAddress(): never {
    throw new Error('not used');
  }
}

export function transient(code = 'ErrorServerBusy'): MailboxError {
  return new MailboxError({
    code,
    errorClass: 'throttled',
    message: 'The server cannot service this request right now.',
  });
}

export function permanent(code = 'ErrorNonExistentMailbox'): MailboxError {
  return new MailboxError({ code, errorClass: 'permanent', message: 'No mailbox with such guid.' });
}
