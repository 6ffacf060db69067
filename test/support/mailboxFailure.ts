import { MailboxError } from '../../shared/mailbox/mailboxError';

/** The MailboxError a call fails with; fails the test if the call succeeds or fails with anything else. */
export async function mailboxFailure(promise: Promise<unknown>): Promise<MailboxError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MailboxError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with a MailboxError');
}
