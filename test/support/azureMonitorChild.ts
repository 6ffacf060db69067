/**
 * A Functions worker in miniature, for test/integration/azureMonitorExport.test.ts (run with
 * runTypeScriptChild, so OpenTelemetry's global state stays in that process): with the app settings in its
 * environment, loads functions/telemetry.ts with the functions-core stand-in as the worker
 * would, adds one sweep's and one batch's counts, ends the way the worker's appTerminate hook ends it,
 * and prints what happened: whether the meter provider ran, the counts added, and every network connection
 * this process opened.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { installFunctionsCoreStandIn } from '../../dev/host/functionsCoreStandIn';
import type { SweepMetrics } from '../../shared/sweep/sweepReport';

const connections: string[] = [];
diagnosticsChannel.subscribe('net.client.socket', (message) => {
  const socket = (message as { socket: Socket }).socket;
  socket.once('connect', () => connections.push(`${socket.remoteAddress}:${socket.remotePort}`));
  socket.once('error', (error) => connections.push(`failed: ${error.message}`));
});

const SWEEP_COUNTS: SweepMetrics = {
  mailboxesPlanned: 49,
  mailboxesArchived: 45,
  mailboxesUpToDate: 0,
  mailboxesToArchive: 0,
  mailboxesSkipped: 1,
  mailboxesPartial: 1,
  mailboxesFailed: 2,
  itemsPlanned: 240,
  itemsMoved: 235,
  itemsFailed: 5,
};
const BATCH_COUNTS: SweepMetrics = { ...SWEEP_COUNTS, mailboxesPlanned: 5, itemsMoved: 20 };

async function main(): Promise<void> {
  installFunctionsCoreStandIn();
  await import('../../functions/telemetry');
  const { telemetryRunning, stopTelemetry } = await import('../../shared/platform/telemetry/azureMonitor');
  const { addSweepCounts } = await import('../../shared/sweep/sweepCounters');
  const started = await telemetryRunning();
  addSweepCounts('sweep', false, SWEEP_COUNTS);
  addSweepCounts('batch', false, BATCH_COUNTS);
  await stopTelemetry();
  const added = { sweep: SWEEP_COUNTS, batch: BATCH_COUNTS };
  process.stdout.write(JSON.stringify({ started, added, connections }) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
