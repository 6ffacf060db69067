/**
 * The app's own custom metrics (the sweep's counts, shared/telemetry/sweepCounters) go to Application
 * Insights through the Azure Monitor OpenTelemetry distro, started once in the Functions worker process
 * when APPLICATIONINSIGHTS_CONNECTION_STRING is set; without it (dev host, CLI, tests) nothing starts,
 * the counters go to OpenTelemetry's no-op meter and nothing is sent anywhere.
 *
 * What we decided, and why (docs: "Use OpenTelemetry with Azure Functions", the distro's readme):
 * - host.json keeps the host on its Application Insights SDK: no `"telemetryMode": "OpenTelemetry"`.
 *   That mode changes how the HOST exports its own logs and traces (preview, Flex only, no Core Tools
 *   locally, only HTTP and Azure SDK triggers, host metrics not exported); the worker's distro exports
 *   our metrics to the ingestion endpoint by itself, whichever mode the host is in.
 * - No `@azure/functions-opentelemetry-instrumentation`: it turns each invocation into a span that
 *   continues the host's trace, for correlating spans and logs across host and worker. Custom metrics
 *   are not traced and carry no invocation, so they need nothing from it.
 * - Every auto-instrumentation is off, and so are the distro's live metrics, standard metrics and
 *   performance counters (the host already sends requests, live metrics and counters). The http
 *   instrumentation in particular would patch node:http (so it must load before everything it
 *   patches, the distro's "call it first" rule), write a dependency row for every Blob, Key Vault and
 *   token call and add trace headers to them; the EWS and Graph clients use undici, which it does not
 *   see anyway. With nothing patched, the order in which the worker loads the modules does not matter:
 *   the counters look the global meter up when they count (sweepCounters).
 * - Application Insights has local (key) authentication off (infra), so ingestion takes only an Entra
 *   token. The distro's exporter does not read APPLICATIONINSIGHTS_AUTHENTICATION_STRING itself (only
 *   its live metrics do), so the managed identity named there is passed as the exporter's credential.
 */
import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../configError';

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

/** The distro's start in this process: true once it runs, false if it failed to start. */
let running: Promise<boolean> | undefined;

/**
 * Starts the distro once per process when the connection string is set; returns whether it does (or
 * did). The settings are checked before anything loads, so a wrong one fails here and now, naming it.
 * The distro itself is loaded only then: it takes seconds, which the dev host, the CLI and the tests
 * do not pay. Counts added before it runs (the first moments of the worker) go to the no-op meter.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): boolean {
  if (running) return true;
  const settings = telemetrySettings(env);
  if (!settings) return false;
  // Metrics are not worth stopping the app for: a distro that fails to start is reported, and the
  // counters stay on the no-op meter.
  running = startAzureMonitor(settings).then(
    () => true,
    (error: unknown) => {
      console.error(`telemetry: Application Insights metrics not started: ${(error as Error).message}`);
      return false;
    },
  );
  return true;
}

/** Whether the distro runs in this process, once its start has settled (false: never started). */
export function telemetryRunning(): Promise<boolean> {
  return running ?? Promise.resolve(false);
}

async function startAzureMonitor(settings: TelemetrySettings): Promise<void> {
  const [{ useAzureMonitor }, { ManagedIdentityCredential }] = await Promise.all([
    import('@azure/monitor-opentelemetry'),
    import('@azure/identity'),
  ]);
  let credential: TokenCredential | undefined;
  if (settings.entraAuth) {
    credential = new ManagedIdentityCredential(
      settings.managedIdentityClientId ? { clientId: settings.managedIdentityClientId } : {},
    );
  }
  const off = { enabled: false };
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: settings.connectionString, credential },
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
    instrumentationOptions: {
      http: off,
      azureSdk: off,
      mongoDb: off,
      mySql: off,
      postgreSql: off,
      redis: off,
      redis4: off,
      bunyan: off,
      winston: off,
      console: off,
    },
  });
}

/**
 * Sends what the counters hold and stops the distro (the worker is ending: the periodic export, once a
 * minute, would otherwise lose the last minute's counts). Nothing to do when it never started.
 */
export async function stopTelemetry(): Promise<void> {
  const starting = running;
  running = undefined;
  if (!starting || !(await starting)) return;
  const { shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  await shutdownAzureMonitor();
}
