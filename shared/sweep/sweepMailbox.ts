/**
 * One mailbox of a sweep: archive mailbox present? plan, then (unless dry run) run. The same code runs
 * in the sweep's activity and in the CLI. Permanent errors become a `failed` row (never retried);
 * transient ones are thrown as RetryableSweepError for the caller's bounded retry.
 */
import { planArchive, runArchive } from '../archive/archiveMailbox';
import { isMailboxError } from '../mailbox/mailboxError';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import { OutOfScopeError } from '../scope';
import type { MailboxRow, SweepJob } from './sweepTypes';

/** A transient or throttling failure that outlived the EWS client's own retries; worth another attempt later. */
export class RetryableSweepError extends Error {
  constructor(
    readonly mailbox: string,
    readonly code: string,
    message: string,
  ) {
    // The code travels inside the message: durable task failures keep only name and message.
    super(`[${code}] ${mailbox}: ${message}`);
    this.name = 'RetryableSweepError';
  }
}

/** The `[Code]` a RetryableSweepError put in a failure message, if any. */
export function codeFromFailureMessage(message: string): string | undefined {
  return /\[([A-Za-z0-9_]+)\]/.exec(message)?.[1];
}

const NO_ARCHIVE_CODES = new Set([
  'ErrorArchiveMailboxNotEnabled',
  'ErrorArchiveMailboxServiceDiscoveryFailed',
]);

export type SweepJobLimits = Pick<SweepJob, 'dryRun' | 'receivedBefore' | 'folders' | 'maxItemsPerRun'>;

export async function sweepMailbox(
  ops: MailboxOperations,
  mailbox: string,
  job: SweepJobLimits,
): Promise<MailboxRow> {
  const options = {
    folders: job.folders,
    receivedBefore: new Date(job.receivedBefore),
    maxItems: job.maxItemsPerRun,
  };
  let planned = 0;
  try {
    if (!(await ops.hasArchiveMailbox(mailbox))) {
      return { mailbox, outcome: 'skipped', itemsPlanned: 0, itemsMoved: 0, errorCode: 'NoArchiveMailbox' };
    }
    const plan = await planArchive(ops, mailbox, options);
    planned = plan.planned;
    if (job.dryRun) {
      return {
        mailbox,
        outcome: plan.planned > 0 ? 'planned' : 'upToDate',
        itemsPlanned: plan.planned,
        itemsMoved: 0,
        capped: plan.capped || undefined,
      };
    }
    if (plan.planned === 0) return { mailbox, outcome: 'upToDate', itemsPlanned: 0, itemsMoved: 0 };
    const run = await runArchive(ops, mailbox, options, plan.planned);
    const first = run.failed[0];
    if (first) {
      return {
        mailbox,
        outcome: 'partial',
        itemsPlanned: Math.max(plan.planned, run.moved + run.failed.length),
        itemsMoved: run.moved,
        capped: run.capped || undefined,
        errorCode: first.code,
        errorMessage: `${run.failed.length} item(s) refused, first: ${first.message}`,
      };
    }
    return {
      mailbox,
      outcome: run.moved > 0 ? 'archived' : 'upToDate',
      itemsPlanned: Math.max(plan.planned, run.moved),
      itemsMoved: run.moved,
      capped: run.capped || undefined,
    };
  } catch (error) {
    if (isMailboxError(error)) {
      if (NO_ARCHIVE_CODES.has(error.code)) {
        return {
          mailbox,
          outcome: 'skipped',
          itemsPlanned: planned,
          itemsMoved: 0,
          errorCode: 'NoArchiveMailbox',
        };
      }
      if (error.retryable) throw new RetryableSweepError(mailbox, error.code, error.message);
      return {
        mailbox,
        outcome: 'failed',
        itemsPlanned: planned,
        itemsMoved: 0,
        errorCode: error.code,
        errorMessage: error.message,
      };
    }
    if (error instanceof OutOfScopeError) {
      return {
        mailbox,
        outcome: 'failed',
        itemsPlanned: 0,
        itemsMoved: 0,
        errorCode: error.code,
        errorMessage: error.message,
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      mailbox,
      outcome: 'failed',
      itemsPlanned: planned,
      itemsMoved: 0,
      errorCode: 'Unexpected',
      errorMessage: message,
    };
  }
}

/** The row for a mailbox whose transient failures outlived every attempt. */
export function gaveUpRow(mailbox: string, message: string): MailboxRow {
  return {
    mailbox,
    outcome: 'failed',
    itemsPlanned: 0,
    itemsMoved: 0,
    errorCode: codeFromFailureMessage(message) ?? 'Transient',
    errorMessage: message.slice(0, 500),
  };
}
