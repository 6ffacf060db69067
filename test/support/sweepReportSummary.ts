/** A sweep report's summary for the report tests: a run that found `total` mailboxes and left `rows`. */
import { countRows, summarize } from '../../shared/sweep/sweepReport';
import type { MailboxRow, SweepSummary } from '../../shared/sweep/sweepTypes';

export function reportSummary(
  total: number,
  rows: readonly MailboxRow[],
  run: { sweepId?: string; dryRun?: boolean; outOfScope?: number } = {},
): SweepSummary {
  const job = {
    sweepId: run.sweepId ?? 'archive-sweep',
    dryRun: run.dryRun ?? false,
    startedAt: '2026-12-06T02:00:00.000Z',
    receivedBefore: '2025-12-06T02:00:00.000Z',
    folders: ['inbox' as const],
  };
  const discovery = {
    total,
    groupsExpanded: 1,
    notMailboxes: 0,
    duplicates: 0,
    unresolved: 0,
    outOfScope: run.outOfScope ?? 0,
  };
  return summarize(job, discovery, countRows(rows), new Date('2026-12-06T03:00:00Z'));
}
