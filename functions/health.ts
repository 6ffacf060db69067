/**
 * GET /api/health, anonymous: version, mailbox back end, and whether Key Vault and the mailbox endpoint
 * answered at the last check (shared/platform/health/healthCheck.ts: how often, what "reachable" means).
 *
 * Always 200 while this instance can answer. The platform's health check replaces instances that
 * answer anything else; that mends a stuck or broken instance, but not an unreachable Exchange or Key
 * Vault, which every instance shares: failing the health check for them would only churn instances
 * during an outage. A dependency that did not answer shows as `"status": "degraded"` in the body and as
 * a warning line (docs/operations.md, "Logs"), which is what alerts should watch.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { appServices } from '../shared/app/appServices';
import { healthReport } from '../shared/platform/health/healthCheck';

export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const report = await healthReport(appServices().health(), context);
  return { status: 200, jsonBody: report, headers: { 'cache-control': 'no-store' } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
