/**
 * The privilege audit on its timer (functions/scopeAudit.ts, SCOPE_AUDIT_SCHEDULE): one audit
 * (shared/audit/scopeAudit.ts) with the day's directory sample (shared/audit/outOfScopeSample.ts), its verdict as a log line (error for open, warning for inconclusive), a
 * custom metric, and the health route's `scopeAudit` (GET /api/health).
 */
import { metrics, type Counter, type MeterProvider } from '@opentelemetry/api';
import type { AppServices } from '../app/appServices';
import { ConfigError } from '../platform/configError';
import type { InvocationLogger } from '../platform/logging/invocationLog';
import { METER_NAME } from '../sweep/sweepCounters';
import { auditScopeWithSample } from './outOfScopeSample';
import { describeScopeAudit, type ScopeAuditReport, type Verdict } from './scopeAudit';

/** The metric: one count per audit, attribute `verdict` (customMetrics name `scopeAudits`). */
export const SCOPE_AUDIT_METRIC = 'scopeAudits';

/** What every log line of the audit starts with (Kusto: `message startswith "scope audit: "`). */
export const SCOPE_AUDIT_LOG_PREFIX = 'scope audit: ';

/** Per meter provider, looked up at each count, for the reason shared/sweep/sweepCounters.ts gives. */
const counterByProvider = new WeakMap<MeterProvider, Counter>();

function auditCounter(): Counter {
  const provider = metrics.getMeterProvider();
  let counter = counterByProvider.get(provider);
  if (!counter) {
    counter = provider.getMeter(METER_NAME).createCounter(SCOPE_AUDIT_METRIC, {
      description:
        'Privilege audits run, by verdict: open means the service account read a mailbox outside MAILBOX_SCOPE',
      unit: '{audit}',
    });
    counterByProvider.set(provider, counter);
  }
  return counter;
}

/** Counts one audit under its verdict (never an address: attributes are time series, addresses personal data). */
export function countScopeAudit(verdict: Verdict): void {
  auditCounter().add(1, { verdict });
}

/**
 * Runs one audit with the app's services and reports it. A configuration problem (no canaries, a canary
 * inside MAILBOX_SCOPE) is an error line naming the setting and an inconclusive count; nothing is sent.
 */
export async function runScheduledScopeAudit(
  services: AppServices,
  log: InvocationLogger,
): Promise<ScopeAuditReport | undefined> {
  const now = services.now();
  let report: ScopeAuditReport;
  try {
    const settings = services.scopeAuditSettings();
    const input = {
      canaries: settings.canaries,
      scope: services.scope(),
      now,
      sample: settings.sample,
      ...(settings.serviceMailbox === undefined ? {} : { serviceMailbox: settings.serviceMailbox }),
    };
    const probe = await services.unscopedReadOnlyProbe();
    try {
      report = await auditScopeWithSample(probe, input);
    } finally {
      await probe.close();
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(`${SCOPE_AUDIT_LOG_PREFIX}not run: ${error.message}`);
    countScopeAudit('inconclusive');
    services
      .health()
      .recordScopeAudit({ verdict: 'inconclusive', auditedAt: now.toISOString(), canaries: 0 });
    return undefined;
  }
  const text = `${SCOPE_AUDIT_LOG_PREFIX}${report.verdict}\n${describeScopeAudit(report)}`;
  if (report.verdict === 'open') log.error(text);
  else if (report.verdict === 'inconclusive') log.warn(text);
  else log.info(text);
  countScopeAudit(report.verdict);
  services.health().recordScopeAudit({
    verdict: report.verdict,
    auditedAt: report.auditedAt,
    canaries: report.canaries.length,
  });
  return report;
}
