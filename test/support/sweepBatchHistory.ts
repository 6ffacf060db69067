/**
 * Hand-built histories of the archive sweep's batch orchestration, for episode tests (durableEpisodes.ts
 * replays them): the first two episodes every batch goes through, loading its part of the mailbox list.
 */
import { h, type WireEvent } from '../../dev/host/history';
import { ACTIVITY } from '../../functions/archiveSweepActivities';
import { ORCHESTRATOR, type BatchInput } from '../../functions/archiveSweepOrchestrator';

/**
 * A batch started at `at(0)` that scheduled loadBatch (task 0), and the episode at `at(1)` in which loadBatch
 * answered `mailboxes`: the orchestrator's next move is to sweep them. Tests push the later events onto it.
 */
export function batchHistoryAfterLoad(
  input: BatchInput,
  mailboxes: readonly string[],
  at: (second: number) => Date,
): WireEvent[] {
  return [
    h.orchestratorStarted(at(0)),
    h.executionStarted(at(0), ORCHESTRATOR.batch, input),
    h.taskScheduled(0, at(0), ACTIVITY.loadBatch),
    h.orchestratorCompleted(at(0)),
    h.orchestratorStarted(at(1)),
    h.taskCompleted(at(1), 0, { state: 'ready', mailboxes }),
  ];
}
