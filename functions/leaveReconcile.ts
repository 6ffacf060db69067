/**
 * The daily leave reconcile (shared/leave/leaveReconcile.ts): a timer on %LEAVE_RECONCILE_SCHEDULE%
 * (registered only when the setting exists) starts one orchestration per day, which asks every calendar
 * owner with an absence running or to come to look at its mailbox again (restarting lost owners), waits
 * for them, and writes a report (JSON and CSV, next to the sweep reports) with a one-line summary.
 */
import { blobTimeStamp } from '../shared/platform/blobNames';
import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { findInstance } from '../shared/app/durableInstances';
import {
  durableReconcileInstances,
  reconcileCsv,
  reconcileReport,
  startReconcile,
  type ReconcileReport,
  type ReconcileStart,
} from '../shared/leave/leaveReconcile';
import { instanceLine } from '../shared/platform/logging/invocationLog';
import './leaveCalendarOrchestrator';

export const LEAVE_RECONCILE_ORCHESTRATOR = 'leaveReconcileOrchestrator';
export const LEAVE_RECONCILE_START = 'leaveReconcileStart';
export const LEAVE_RECONCILE_REPORT = 'leaveReconcileReport';
/** How long the owners get to look at their mailboxes before the report reads their decisions. */
export const RECONCILE_REPORT_DELAY_MS = 10 * 60_000;

/** What the reconcile orchestration answers. */
export interface ReconcileOutcome {
  summary: string;
  counts: ReconcileReport['counts'];
  outcomes: ReconcileReport['outcomes'];
  report: { json: string; csv: string };
}

/** One reconcile per day: `leave-reconcile-<date>`. */
export function reconcileInstanceId(now: Date): string {
  return `leave-reconcile-${now.toISOString().slice(0, 10)}`;
}

export async function leaveReconcileStart(
  input: { startedAt: string },
  context: InvocationContext,
): Promise<ReconcileStart> {
  return startReconcile(durableReconcileInstances(df.getClient(context)), new Date(input.startedAt));
}
df.app.activity(LEAVE_RECONCILE_START, {
  handler: leaveReconcileStart,
  extraInputs: [df.input.durableClient()],
});

export async function leaveReconcileReport(
  input: { startedAt: string; start: ReconcileStart; instanceId: string },
  context: InvocationContext,
): Promise<ReconcileOutcome> {
  const report = await reconcileReport(
    durableReconcileInstances(df.getClient(context)),
    input.start,
    input.startedAt,
  );
  const path = `leave-reconcile/${blobTimeStamp(input.startedAt)}`;
  const where = await appServices()
    .reports()
    .putReport(path, JSON.stringify(report, null, 2), reconcileCsv(report));
  context.log(instanceLine(input.instanceId, report.summary));
  return { summary: report.summary, counts: report.counts, outcomes: report.outcomes, report: where };
}
df.app.activity(LEAVE_RECONCILE_REPORT, {
  handler: leaveReconcileReport,
  extraInputs: [df.input.durableClient()],
});

export const leaveReconcileOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const now = context.df.currentUtcDateTime;
  const startedAt = now.toISOString();
  const start = (yield context.df.callActivity(LEAVE_RECONCILE_START, { startedAt })) as ReconcileStart;
  if (start.touched.length > 0) {
    yield context.df.createTimer(new Date(now.getTime() + RECONCILE_REPORT_DELAY_MS));
  }
  return (yield context.df.callActivity(LEAVE_RECONCILE_REPORT, {
    startedAt,
    start,
    instanceId: context.df.instanceId,
  })) as ReconcileOutcome;
};
df.app.orchestration(LEAVE_RECONCILE_ORCHESTRATOR, leaveReconcileOrchestrator);

/** The timer: today's reconcile, unless it already ran or runs. */
export async function leaveReconcileTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const client = df.getClient(context);
  const instanceId = reconcileInstanceId(appServices().now());
  if (await findInstance(client, instanceId, { showInput: false })) {
    context.log(`leave reconcile: ${instanceId} already started today`);
    return;
  }
  await client.startNew(LEAVE_RECONCILE_ORCHESTRATOR, { instanceId });
  context.log(`leave reconcile: started ${instanceId}`);
}

// The host resolves %LEAVE_RECONCILE_SCHEDULE% from app settings; without it there is no timer.
if (appServices().leaveReconcileSchedule()) {
  app.timer('leaveReconcileTimer', {
    schedule: '%LEAVE_RECONCILE_SCHEDULE%',
    extraInputs: [df.input.durableClient()],
    handler: leaveReconcileTimer,
  });
}
