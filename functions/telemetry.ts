/**
 * Starts the app's custom metrics (shared/platform/telemetry/azureMonitor) when the worker loads the function
 * modules, and sends what is left when it ends. Registers no function. Without
 * APPLICATIONINSIGHTS_CONNECTION_STRING (dev host, CLI, tests) it does nothing.
 *
 * Load order does not matter: nothing is instrumented, and the counters find the provider's meter when
 * they count. A malformed APPLICATIONINSIGHTS_AUTHENTICATION_STRING stops the app at start, naming it.
 */
import { app } from '@azure/functions';
import { startTelemetry, stopTelemetry } from '../shared/platform/telemetry/azureMonitor';

if (startTelemetry(process.env)) {
  // Counters are exported once a minute; on scale-in the worker is told to end, and the last minute's
  // counts (a sweep's totals, typically) are sent then instead of lost.
  app.hook.appTerminate(() => stopTelemetry());
}
