/**
 * The sweep's counts as custom metrics: a sweep run whole through the dev host's in-process durable
 * driver (the real replay engine: orchestrators run again and again) adds to the "mailbox-automation"
 * counters exactly what its report shows, once, read back through an in-memory OpenTelemetry reader
 * registered as the global meter provider the way shared/platform/telemetry/azureMonitor registers its own.
 */
import '../../functions/archiveSweep';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { LocalDurableHost } from '../../dev/host/localDurableHost';
import { ORCHESTRATOR } from '../../functions/archiveSweepOrchestrator';
import { useAppServices } from '../../shared/app/appServices';
import { useFakeSweepTenant } from '../support/sweepStarters';
import { SWEEP_METRIC_MEANINGS } from '../../shared/sweep/sweepReport';
import type { SweepSummary } from '../../shared/sweep/sweepTypes';
import { METER_NAME } from '../../shared/sweep/sweepCounters';
import { permanent, transient } from '../support/durableMailboxFake';
import { FakeMailboxes } from '../support/fakeMailboxes';

/** Collects on demand (cumulative totals since the provider started), as an exporter's reader would. */
class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let reader: CollectingReader;

beforeEach(() => {
  // Registered after the function modules loaded, as shared/platform/telemetry/azureMonitor's provider is in the worker.
  reader = new CollectingReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});

afterEach(async () => {
  metrics.disable();
  await useAppServices(undefined);
});

/** `name` → `scope/dryRun` → total, for the meter's counters. */
async function collected(): Promise<Record<string, Record<string, number>>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return totals(resourceMetrics);
}

function totals(resourceMetrics: ResourceMetrics): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const scopeMetrics of resourceMetrics.scopeMetrics) {
    expect(scopeMetrics.scope.name).toBe(METER_NAME);
    for (const metric of scopeMetrics.metrics) {
      const byAttributes = (out[metric.descriptor.name] ??= {});
      for (const point of metric.dataPoints) {
        const key = `${String(point.attributes.scope)}/dryRun=${String(point.attributes.dryRun)}`;
        byAttributes[key] = (byAttributes[key] ?? 0) + (point.value as number);
      }
    }
  }
  return out;
}

const NOW = new Date();

/** 11 mailboxes: 8 with old mail, one without an archive mailbox, one denied, one busy for good. */
async function useTenant(): Promise<void> {
  const fake = new FakeMailboxes();
  for (let i = 0; i < 8; i++) fake.addMailbox(`user${i}@contoso.com`, { old: 3, recent: 1, now: NOW });
  fake.addMailbox('noarchive@contoso.com', { old: 2, archive: false, now: NOW });
  fake.addMailbox('denied@contoso.com', { old: 3, now: NOW });
  fake.failures.set('denied@contoso.com', { error: permanent('ErrorImpersonateUserDenied'), times: 99 });
  fake.addMailbox('busy@contoso.com', { old: 3, now: NOW });
  fake.failures.set('busy@contoso.com', { error: transient('ErrorServerBusy'), times: 99 });
  await useFakeSweepTenant(fake, { SWEEP_BATCH_SIZE: '4', SWEEP_MAX_BATCHES_IN_FLIGHT: '2' });
}

async function sweep(dryRun: boolean): Promise<SweepSummary> {
  const host = new LocalDurableHost(registrations, { timers: 'skip' });
  const run = await host.runOrchestration(ORCHESTRATOR.sweep, { dryRun }, 'archive-sweep');
  expect(run.status).toBe('Completed');
  return run.output as SweepSummary;
}

test('a sweep adds exactly its report’s counts, once for the sweep and once across its batches', async () => {
  await useTenant();
  const report = await sweep(false);
  expect(report.mailboxes).toMatchObject({ total: 11, archived: 8, skipped: 1, failed: 2 });

  const fromReport = {
    mailboxesPlanned: report.mailboxes.total,
    mailboxesArchived: report.mailboxes.archived,
    mailboxesUpToDate: report.mailboxes.upToDate,
    mailboxesToArchive: report.mailboxes.planned,
    mailboxesSkipped: report.mailboxes.skipped,
    mailboxesPartial: report.mailboxes.partial,
    mailboxesFailed: report.mailboxes.failed,
    itemsPlanned: report.itemsPlanned,
    itemsMoved: report.itemsArchived,
    itemsFailed: report.itemsFailed,
  };
  expect(fromReport).toMatchObject({ mailboxesPlanned: 11, itemsMoved: 24 });
  // Every metric, under its own name, at the sweep's scope and (three batches) summed at the batches'.
  expect(await collected()).toEqual(
    Object.fromEntries(
      Object.entries(fromReport).map(([name, value]) => [
        name,
        { 'sweep/dryRun=false': value, 'batch/dryRun=false': value },
      ]),
    ),
  );
  expect(Object.keys(fromReport).sort()).toEqual(Object.keys(SWEEP_METRIC_MEANINGS).sort());
});

test('a dry run counts under dryRun=true and moves nothing; a second sweep adds to the first', async () => {
  await useTenant();
  await sweep(true);
  await sweep(true);

  const got = await collected();
  expect(got.mailboxesPlanned).toEqual({ 'sweep/dryRun=true': 22, 'batch/dryRun=true': 22 });
  expect(got.mailboxesToArchive).toEqual({ 'sweep/dryRun=true': 16, 'batch/dryRun=true': 16 });
  expect(got.itemsPlanned).toEqual({ 'sweep/dryRun=true': 48, 'batch/dryRun=true': 48 });
  expect(got.itemsMoved).toEqual({ 'sweep/dryRun=true': 0, 'batch/dryRun=true': 0 });
});

test('no attribute names a mailbox or an instance: only the scope and the dry-run flag', async () => {
  await useTenant();
  await sweep(false);
  const { resourceMetrics } = await reader.collect();
  const attributeSets = resourceMetrics.scopeMetrics.flatMap((s) =>
    s.metrics.flatMap((m) => m.dataPoints.map((p) => p.attributes)),
  );
  expect(attributeSets.length).toBeGreaterThan(0);
  for (const attributes of attributeSets) {
    expect(Object.keys(attributes).sort()).toEqual(['dryRun', 'scope']);
    expect(JSON.stringify(attributes)).not.toMatch(/@|archive-sweep/);
  }
});

test('the operator guide lists exactly these metrics, with the meanings the counters carry', () => {
  const guide = readFileSync(path.join(__dirname, '../../docs/operations.md'), 'utf8');
  const section = guide.slice(guide.indexOf('### Sweep metrics'), guide.indexOf('## Troubleshooting'));
  const rows = [...section.matchAll(/^\| `(\w+)` \| (.+) \|$/gm)].map(([, name, meaning]) => [name, meaning]);
  expect(Object.fromEntries(rows)).toEqual(
    Object.fromEntries(
      Object.entries(SWEEP_METRIC_MEANINGS).map(([name, meaning]) => [
        name,
        meaning.replace(/^./, (c) => c.toLowerCase()),
      ]),
    ),
  );
});
