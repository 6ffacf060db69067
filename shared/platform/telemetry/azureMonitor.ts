/**
 * The app's own custom metrics (the sweep's counts, shared/sweep/sweepCounters) go to Application
 * Insights through an OpenTelemetry MeterProvider with Azure Monitor's metric exporter, started once in
 * the Functions worker process when APPLICATIONINSIGHTS_CONNECTION_STRING is set; without it (dev host,
 * CLI, tests) nothing starts, the counters go to OpenTelemetry's no-op meter and nothing is sent anywhere.
 *
 * What we decided, and why (docs: "Use OpenTelemetry with Azure Functions", the Azure Monitor
 * OpenTelemetry readme):
 * - The exporter and the metrics SDK, not the whole distro (@azure/monitor-opentelemetry). The distro
 *   brings the Node SDK with every OTLP/Prometheus/Zipkin exporter and seven instrumentations we would
 *   switch off: it took the deployment package from 13,711 files (20.5 MB) to 45,804 (57.1 MB), which
 *   every Flex instance unpacks at a cold start. The exporter is pinned to the version the distro itself
 *   ships (1.0.0-beta.47; the package's `latest` tag points at an older preview).
 * - host.json keeps the host on its Application Insights SDK: no `"telemetryMode": "OpenTelemetry"`.
 *   That mode changes how the HOST exports its own logs and traces (preview, Flex only, no Core Tools
 *   locally, only HTTP and Azure SDK triggers, host metrics not exported); the worker's exporter sends
 *   our metrics to the ingestion endpoint by itself, whichever mode the host is in.
 * - No `@azure/functions-opentelemetry-instrumentation`: it turns each invocation into a span that
 *   continues the host's trace, for correlating spans and logs across host and worker. Custom metrics
 *   are not traced and carry no invocation, so they need nothing from it.
 * - Nothing is auto-instrumented, and there are no live metrics, standard metrics or performance
 *   counters of ours (the host already sends requests, live metrics and counters). An http
 *   instrumentation would patch node:http (so it would have to load before everything it patches),
 *   write a dependency row for every Blob, Key Vault and token call and add trace headers to them; the
 *   EWS and Graph clients use undici, which it does not see anyway. With nothing patched, the order in which the worker loads the modules does not matter:
 *   the counters look the global meter up when they count (sweepCounters).
 * - Application Insights has local (key) authentication off (infra), so ingestion takes only an Entra
 *   token. The exporter does not read APPLICATIONINSIGHTS_AUTHENTICATION_STRING itself, so the managed identity named there is passed as the exporter's credential.
 */
import type { TokenCredential } from '@azure/identity';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConfigError } from '../configError';

/** How often the counts are sent: Application Insights aggregates custom metrics per minute. */
const EXPORT_INTERVAL_MS = 60_000;

export interface TelemetrySettings {
  connectionString: string;
  /** The managed identity's client id from APPLICATIONINSIGHTS_AUTHENTICATION_STRING, if it asks for Entra. */
  managedIdentityClientId?: string;
  /** `Authorization=AAD` without a ClientId: the system-assigned identity. */
  entraAuth: boolean;
}

/**
 * The telemetry settings, or undefined when APPLICATIONINSIGHTS_CONNECTION_STRING is unset or empty.
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING is `Authorization=AAD;ClientId=<client id>` (the App
 * Service and Functions convention; pairs in any order, names without case); anything else is refused.
 */
export function telemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings | undefined {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return undefined;
  const auth = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.trim();
  if (!auth) return { connectionString, entraAuth: false };
  const pairs = new Map<string, string>();
  for (const pair of auth.split(';').filter((p) => p.trim() !== '')) {
    const [name, value, ...rest] = pair.split('=');
    if (!name?.trim() || !value?.trim() || rest.length > 0) {
      throw new ConfigError(
        `APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "${pair}" is not name=value; ` +
          'expected Authorization=AAD;ClientId=<client id of the managed identity>',
        'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      );
    }
    pairs.set(name.trim().toLowerCase(), value.trim());
  }
  if (pairs.get('authorization') !== 'AAD') {
    throw new ConfigError(
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING: Authorization must be AAD (the only way this app sends ' +
        'telemetry with a token); unset the setting to send with the connection string alone',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    );
  }
  return { connectionString, entraAuth: true, managedIdentityClientId: pairs.get('clientid') };
}

/** The meter provider's start in this process: the provider once it runs, undefined if it failed. */
let running: Promise<MeterProvider | undefined> | undefined;

/**
 * Starts the meter provider once per process when the connection string is set; returns whether it does (or
 * did). The settings are checked before anything loads, so a wrong one fails here and now, naming it.
 * The OpenTelemetry packages are loaded only then: it takes a while, which the dev host, the CLI and the tests
 * do not pay. Counts added before it runs (the first moments of the worker) go to the no-op meter.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): boolean {
  if (running) return true;
  const settings = telemetrySettings(env);
  if (!settings) return false;
  // Metrics are not worth stopping the app for: a provider that fails to start is reported, and the
  // counters stay on the no-op meter.
  running = startAzureMonitor(settings, env).catch((error: unknown) => {
    console.error(`telemetry: Application Insights metrics not started: ${(error as Error).message}`);
    return undefined;
  });
  return true;
}

/** Whether the meter provider runs in this process, once its start has settled (false: never started). */
export async function telemetryRunning(): Promise<boolean> {
  return (await running) !== undefined;
}

async function startAzureMonitor(
  settings: TelemetrySettings,
  env: NodeJS.ProcessEnv,
): Promise<MeterProvider> {
  const [
    { AzureMonitorMetricExporter },
    sdk,
    { resourceFromAttributes },
    { metrics },
    { ManagedIdentityCredential },
  ] = await Promise.all([
    import('@azure/monitor-opentelemetry-exporter'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
    import('@azure/identity'),
  ]);
  let credential: TokenCredential | undefined;
  if (settings.entraAuth) {
    credential = new ManagedIdentityCredential(
      settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {},
    );
  }
  const exporter = new AzureMonitorMetricExporter({
    connectionString: settings.connectionString,
    credential,
  });
  const provider = new sdk.MeterProvider({
    // The cloud role name in Application Insights: the function app's name, as the host's own rows carry.
    resource: resourceFromAttributes({
      'service.name': env.WEBSITE_SITE_NAME?.trim() || 'mailbox-automation',
    }),
    readers: [new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: EXPORT_INTERVAL_MS })],
  });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}

/**
 * Sends what the counters hold and stops the meter provider (the worker is ending: the periodic export, once a
 * minute, would otherwise lose the last minute's counts). Nothing to do when it never started.
 */
export async function stopTelemetry(): Promise<void> {
  const starting = running;
  running = undefined;
  const provider = await starting;
  if (!provider) return;
  // shutdown() exports what the reader holds, then stops it.
  await provider.shutdown();
  const { metrics } = await import('@opentelemetry/api');
  metrics.disable();
}
