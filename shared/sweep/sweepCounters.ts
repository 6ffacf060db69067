/**
 * The sweep's counts as OpenTelemetry counters of the meter "mailbox-automation", one per metric of
 * SweepMetrics under the same name; Application Insights stores them in `customMetrics` when the meter provider
 * runs (shared/platform/telemetry/azureMonitor), and they cost nothing when it does not.
 *
 * Attributes are the dry-run flag and the scope (`sweep`: the whole run's totals, once at its end;
 * `batch`: one batch's, as it ends, so a long sweep shows progress). Never a mailbox address or an
 * instance id: every distinct attribute set is a time series of its own (cardinality), and addresses
 * are personal data. The metrics log line names the instance instead.
 */
import { metrics, type Counter, type MeterProvider } from '@opentelemetry/api';
import { SWEEP_METRIC_MEANINGS, type SweepMetrics, type SweepMetricsScope } from './sweepReport';

export const METER_NAME = 'mailbox-automation';

type SweepCounters = Record<keyof SweepMetrics, Counter>;

const SWEEP_METRIC_NAMES = Object.keys(SWEEP_METRIC_MEANINGS) as (keyof SweepMetrics)[];

/**
 * Counters per meter provider. The global provider is looked up on every count, not once at load:
 * OpenTelemetry's metrics API has no proxy, so a meter taken before shared/platform/telemetry/azureMonitor registers its provider
 * would stay a no-op for the life of the process, and the worker loads modules in no promised order.
 */
const countersByProvider = new WeakMap<MeterProvider, SweepCounters>();

function sweepCounters(): SweepCounters {
  const provider = metrics.getMeterProvider();
  let counters = countersByProvider.get(provider);
  if (!counters) {
    const meter = provider.getMeter(METER_NAME);
    counters = Object.fromEntries(
      SWEEP_METRIC_NAMES.map((name) => [
        name,
        meter.createCounter(name, {
          description: SWEEP_METRIC_MEANINGS[name],
          unit: name.startsWith('items') ? '{item}' : '{mailbox}',
        }),
      ]),
    ) as SweepCounters;
    countersByProvider.set(provider, counters);
  }
  return counters;
}

/** Adds one sweep's (or one batch's) counts; a count of 0 is added too, so a quiet night still shows. */
export function addSweepCounts(scope: SweepMetricsScope, dryRun: boolean, counts: SweepMetrics): void {
  const counters = sweepCounters();
  for (const name of SWEEP_METRIC_NAMES) counters[name].add(counts[name], { scope, dryRun });
}
