/** An in-memory MailboxOperations for workflow tests: OOF per mailbox, a call log, scripted failures. */
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { MailboxOperations, OofSettings } from '../../shared/mailbox/mailboxOperations';

export const DISABLED: OofSettings = {
  state: 'Disabled',
  externalAudience: 'None',
  internalReply: '',
  externalReply: '',
};

export class FakeMailbox implements MailboxOperations {
  readonly oof = new Map<string, OofSettings>();
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
    this.oof.set(mailbox, { ...settings });
    return Promise.resolve();
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
