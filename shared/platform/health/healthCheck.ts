/**
 * What GET /api/health answers: the app's version, its mailbox back end, and whether Key Vault and the
 * mailbox endpoint (EWS or Microsoft Graph) answered at the last check, with that check's time; and the
 * last privilege audit's verdict (`scopeAudit`), kept from the audit's timer, never run by the route.
 *
 * - How often: a check runs when the last one is older than `maxAgeMs` (60 s); in between, the route
 *   answers from the last one, so an anonymous caller cannot make the app probe Exchange more than once
 *   a minute per instance. At most one check is in flight: concurrent requests share it.
 * - How long: each probe gives up after `probeTimeoutMs` (5 s); both run at once, so a request that
 *   triggers a check waits at most about that long.
 * - Reachable: the endpoint answered an anonymous HTTP request at all (shared/platform/health/probeEndpoint.ts),
 *   through the CA file the app's own client uses.
 * - Secrets: none in the answer. Hosts only (no user info, path or query), error codes, not messages; a
 *   configuration problem names the setting, never its value.
 *
 * The route answers 200 whatever the checks found; see functions/health.ts for why.
 */
import { readFileSync } from 'node:fs';
import {
  loadEwsSettings,
  loadGraphSettings,
  loadMailboxBackendKind,
  type Env,
  type MailboxBackendKind,
} from '../config';
import { ConfigError } from '../configError';
import { packageVersion } from '../appVersion';
import type { InvocationLogger } from '../logging/invocationLog';
import { probeEndpoint, type ProbeTarget } from './probeEndpoint';

let version: string | undefined;
/** Read once; a package without its package.json answers "unknown" rather than failing the health route. */
function appVersionOnce(): string {
  if (version === undefined) {
    try {
      version = packageVersion();
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

export const HEALTH_CHECK_MAX_AGE_MS = 60_000;
export const HEALTH_PROBE_TIMEOUT_MS = 5_000;

/** One dependency at the last check. */
export type DependencyHealth =
  | { configured: false }
  | {
      configured: true;
      reachable: boolean;
      /** Host and port only. */
      host?: string;
      httpStatus?: number;
      /** Why not reachable: an error code, the timeout, or `configuration: <SETTING>`. */
      error?: string;
      durationMs?: number;
    };

/**
 * The last privilege audit this instance ran (shared/audit/scopeAudit.ts, the SCOPE_AUDIT_SCHEDULE timer):
 * its verdict and time, never the canaries' addresses (the route is anonymous). `not-run`: no audit has
 * run in this instance since it started.
 */
export type ScopeAuditHealth =
  | { verdict: 'not-run' }
  | { verdict: 'fenced' | 'open' | 'inconclusive'; auditedAt: string; canaries: number };

export interface HealthReport {
  /** `degraded`: a configured dependency did not answer at the last check. */
  status: 'ok' | 'degraded';
  version: string;
  backend: MailboxBackendKind | 'misconfigured';
  checkedAt: string;
  keyVault: DependencyHealth;
  mailboxEndpoint: DependencyHealth;
  /** Kept from the last audit, not re-run by the health check: an audit reads mailboxes, a health check must not. */
  scopeAudit: ScopeAuditHealth;
}

export interface HealthCheckOptions {
  maxAgeMs?: number;
  probeTimeoutMs?: number;
  now?: () => number;
}

/** A target, or the setting whose value is wrong (only the name is ever shown). */
type Target = ProbeTarget | { misconfigured: string };

function configurationProblem(error: unknown): { misconfigured: string } {
  if (error instanceof ConfigError) return { misconfigured: error.setting ?? 'configuration' };
  throw error;
}

function readPem(file: string | undefined, setting: string): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${setting} cannot be read`, setting);
  }
}

/**
 * The mailbox endpoint as the back end would reach it. With KEY_VAULT_URI the credentials are in the
 * vault and only read when the back end is built; the probe needs none, so their absence here is not
 * a configuration problem.
 */
function mailboxTarget(env: Env, backend: MailboxBackendKind): Target {
  const withVaultCredentials: Env = env.KEY_VAULT_URI
    ? { EWS_PASSWORD: 'held-in-key-vault', EWS_CLIENT_SECRET: 'held-in-key-vault', ...env }
    : env;
  try {
    if (backend === 'graph') {
      const graph = loadGraphSettings(withVaultCredentials);
      const caSetting = env.GRAPH_CA_FILE ? 'GRAPH_CA_FILE' : 'EWS_CA_FILE';
      return {
        url: graph.url,
        caPem: readPem(graph.caFile, caSetting),
        connectTimeoutMs: graph.connectTimeoutMs,
      };
    }
    const ews = loadEwsSettings(withVaultCredentials);
    return {
      url: ews.url,
      caPem: readPem(ews.caFile, 'EWS_CA_FILE'),
      connectTimeoutMs: ews.connectTimeoutMs,
    };
  } catch (error) {
    return configurationProblem(error);
  }
}

function keyVaultTarget(env: Env): Target | undefined {
  const uri = env.KEY_VAULT_URI?.trim();
  if (!uri) return undefined;
  try {
    const url = new URL(uri);
    if (url.protocol !== 'https:') return { misconfigured: 'KEY_VAULT_URI' };
    return { url, caPem: readPem(env.KEY_VAULT_CA_FILE?.trim(), 'KEY_VAULT_CA_FILE') };
  } catch (error) {
    return error instanceof TypeError ? { misconfigured: 'KEY_VAULT_URI' } : configurationProblem(error);
  }
}

async function check(target: Target | undefined, timeoutMs: number): Promise<DependencyHealth> {
  if (!target) return { configured: false };
  if ('misconfigured' in target) {
    return { configured: true, reachable: false, error: `configuration: ${target.misconfigured}` };
  }
  return { configured: true, host: target.url.host, ...(await probeEndpoint(target, timeoutMs)) };
}

const unreachable = (d: DependencyHealth): boolean => d.configured && !d.reachable;

/** The process's health checks: a cached last result, at most one check in flight. */
export class HealthMonitor {
  private last: { report: HealthReport; at: number } | undefined;
  private inFlight: Promise<HealthReport> | undefined;
  private readonly maxAgeMs: number;
  private readonly probeTimeoutMs: number;
  private readonly now: () => number;
  /** Checks run so far (tests: the cache and the single flight). */
  checksRun = 0;
  private scopeAudit: ScopeAuditHealth = { verdict: 'not-run' };

  constructor(
    private readonly env: Env,
    options: HealthCheckOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? HEALTH_CHECK_MAX_AGE_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? HEALTH_PROBE_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /** Keeps the privilege audit's verdict for the route (shown from the next request on, cache or not). */
  recordScopeAudit(audit: ScopeAuditHealth): void {
    this.scopeAudit = audit;
    if (this.last) this.last = { ...this.last, report: { ...this.last.report, scopeAudit: audit } };
  }

  /** The last check's result, checking again first when it is older than maxAgeMs. */
  async report(): Promise<{ report: HealthReport; fresh: boolean }> {
    if (this.last && this.now() - this.last.at < this.maxAgeMs)
      return { report: this.last.report, fresh: false };
    if (!this.inFlight) {
      const running = this.run();
      this.inFlight = running;
      void running.finally(() => {
        if (this.inFlight === running) this.inFlight = undefined;
      });
    }
    return { report: await this.inFlight, fresh: true };
  }

  private async run(): Promise<HealthReport> {
    this.checksRun++;
    const at = this.now();
    let backend: HealthReport['backend'];
    let mailbox: Target;
    try {
      backend = loadMailboxBackendKind(this.env);
      mailbox = mailboxTarget(this.env, backend);
    } catch (error) {
      backend = 'misconfigured';
      mailbox = configurationProblem(error);
    }
    const [keyVault, mailboxEndpoint] = await Promise.all([
      check(keyVaultTarget(this.env), this.probeTimeoutMs),
      check(mailbox, this.probeTimeoutMs),
    ]);
    const report: HealthReport = {
      status: unreachable(keyVault) || unreachable(mailboxEndpoint) ? 'degraded' : 'ok',
      version: appVersionOnce(),
      backend,
      checkedAt: new Date(at).toISOString(),
      keyVault,
      mailboxEndpoint,
      scopeAudit: this.scopeAudit,
    };
    this.last = { report, at };
    return report;
  }
}

/**
 * What the route answers: the monitor's report. A fresh check that found a dependency unreachable is
 * also a warning line (docs/operations.md, "Logs"), once per check rather than once per request: that
 * line is what alerts watch, since the route answers 200 either way.
 */
export async function healthReport(monitor: HealthMonitor, log: InvocationLogger): Promise<HealthReport> {
  const { report, fresh } = await monitor.report();
  if (fresh && report.status === 'degraded') {
    log.warn(
      `health: degraded ${JSON.stringify({ keyVault: report.keyVault, mailboxEndpoint: report.mailboxEndpoint })}`,
    );
  }
  return report;
}
