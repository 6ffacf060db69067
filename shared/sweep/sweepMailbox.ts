/**
 * One mailbox of a sweep: archive mailbox present? then count (dry run) or archive (real run). The same code runs
 * in the sweep's activity and in the CLI. Permanent errors become a `failed` row (never retried);
 * transient ones are thrown as RetryableSweepError, retried by the sweep plan's policy
 * (shared/sweep/sweepPlan.ts: by the durable extension in the function app, in process in the CLI).
 */
import { transientCodeOf, TransientFailure } from '../app/activityOutcome';
import type { ChangeJournal, JournalLog } from '../journal/changeJournal';
import type { JournalTrigger } from '../journal/journalEntry';
import { journaledArchiveCalls } from '../journal/recordChange';
import { planArchive, runArchive, type ArchiveOptions } from './archiveMailbox';
import { isMailboxError, isNoArchiveError } from '../mailbox/mailboxError';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import { OutOfScopeError } from '../mailbox/scope';
import type { MailboxRow, SweepJob } from './sweepTypes';

/** A transient or throttling failure that outlived the EWS client's own retries; worth another attempt later. */
export class RetryableSweepError extends TransientFailure {
  constructor(
    readonly mailbox: string,
    code: string,
    message: string,
  ) {
    // The app's one transient shape (shared/app/activityOutcome.ts): the code travels in the message.
    super(code, `${mailbox}: ${message}`);
  }
}

export type SweepJobLimits = Pick<SweepJob, 'dryRun' | 'receivedBefore' | 'folders' | 'maxItemsPerRun'> &
  Partial<Pick<SweepJob, 'sweepId'>>;

/** Where a sweep's moves are journaled: the journal, the activity's log, and the orchestration making them. */
export interface SweepJournaling {
  journal: ChangeJournal;
  log: JournalLog;
  instanceId: string;
  /** Why: the sweep (its id) unless given; the CLI's `sweep archive` names its operator and command. */
  trigger?: JournalTrigger;
}

export async function sweepMailbox(
  ops: MailboxOperations,
  mailbox: string,
  job: SweepJobLimits,
  journaling?: SweepJournaling,
): Promise<MailboxRow> {
  // Items moved before a failure stopped the run: they are in the archive, and the row says so.
  let movedBeforeFailure = 0;
  const options: ArchiveOptions = {
    folders: job.folders,
    receivedBefore: new Date(job.receivedBefore),
    maxItems: job.maxItemsPerRun,
    onProgress: (progress) => {
      if (progress.phase === 'run') movedBeforeFailure = progress.done;
    },
    archiveCall: journaling
      ? journaledArchiveCalls(
          {
            ...journaling,
            trigger: journaling.trigger ?? { kind: 'sweep', sweepId: job.sweepId ?? journaling.instanceId },
          },
          mailbox,
        )
      : undefined,
  };
  try {
    if (!(await ops.hasArchiveMailbox(mailbox))) {
      return { mailbox, outcome: 'skipped', itemsPlanned: 0, itemsMoved: 0, errorCode: 'NoArchiveMailbox' };
    }
    if (job.dryRun) {
      const plan = await planArchive(ops, mailbox, options);
      return {
        mailbox,
        outcome: plan.planned > 0 ? 'planned' : 'upToDate',
        itemsPlanned: plan.planned,
        itemsMoved: 0,
        capped: plan.capped || undefined,
      };
    }
    // A real run does not plan first: counting would page through every old id (up to the cap) only
    // for the run to query them again. What the run found to archive is what it planned.
    const run = await runArchive(ops, mailbox, options);
    const first = run.failed[0];
    if (first) {
      return {
        mailbox,
        outcome: 'partial',
        itemsPlanned: run.moved + run.failed.length,
        itemsMoved: run.moved,
        capped: run.capped || undefined,
        errorCode: first.code,
        errorMessage: `${run.failed.length} item(s) refused, first: ${first.message}`,
      };
    }
    return {
      mailbox,
      outcome: run.moved > 0 ? 'archived' : 'upToDate',
      itemsPlanned: run.moved,
      itemsMoved: run.moved,
      capped: run.capped || undefined,
    };
  } catch (error) {
    if (isMailboxError(error)) {
      if (isNoArchiveError(error)) {
        return {
          mailbox,
          outcome: 'skipped',
          itemsPlanned: movedBeforeFailure,
          itemsMoved: movedBeforeFailure,
          errorCode: 'NoArchiveMailbox',
        };
      }
      if (error.retryable) throw new RetryableSweepError(mailbox, error.code, error.message);
      return {
        mailbox,
        outcome: 'failed',
        itemsPlanned: movedBeforeFailure,
        itemsMoved: movedBeforeFailure,
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
      itemsPlanned: movedBeforeFailure,
      itemsMoved: movedBeforeFailure,
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
    errorCode: transientCodeOf(message) ?? 'Transient',
    errorMessage: message.slice(0, 500),
  };
}
