/**
 * The privilege audit's timer on %SCOPE_AUDIT_SCHEDULE% (shared/audit/scheduledScopeAudit.ts): asks
 * Exchange whether the service account can read the canary mailboxes outside MAILBOX_SCOPE, logs the
 * verdict (error for open), counts it as a metric and keeps it for GET /api/health. Registered only when
 * the setting exists: no setting, no audit (the CLI's `audit scope` runs one on demand).
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { appServices } from '../shared/app/appServices';
import { runScheduledScopeAudit } from '../shared/audit/scheduledScopeAudit';

export async function scopeAuditTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  await runScheduledScopeAudit(appServices(), context);
}

// The host resolves %SCOPE_AUDIT_SCHEDULE% from app settings; registering the timer without the setting
// would fail the host's indexing for every function.
if (appServices().scopeAuditSettings().schedule) {
  app.timer('scopeAuditTimer', { schedule: '%SCOPE_AUDIT_SCHEDULE%', handler: scopeAuditTimer });
}
