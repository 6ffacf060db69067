/**
 * The privilege audit against the stand-ins, through the CLI (`audit scope`) and the timer: the EWS
 * sandbox's scoped service account is fenced (ErrorImpersonateUserDenied for the canary), the unscoped one
 * open (the canary's inbox read, with the commands that fence it printed), a canary that does not exist
 * inconclusive; the Graph stand-in likewise with an application access policy present or absent. The
 * stand-ins' request logs witness that each canary got exactly one read, and nothing else was sent.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { GRAPH_ROLES } from '../../dev/graph/graphStandIn';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { runCli } from '../../cli/main';
import { useAppServices } from '../../shared/app/appServices';
import { SCOPE_AUDIT_METRIC } from '../../shared/audit/scheduledScopeAudit';
import type { ScopeAuditReport } from '../../shared/audit/scopeAudit';
import type { HealthReport } from '../../shared/platform/health/healthCheck';
import { demoSeed, demoEwsSettings, DEMO_SEED_FILE } from '../support/demoTenant';
import { graphAppSettings, startGraphTenant, type GraphTenant } from '../support/graphTenant';

const unscoped = demoSeed.serviceAccounts?.find((a) => a.impersonation.all === true);
const SCOPED_APP = demoSeed.apps?.[0]?.clientId ?? '';
/** No seed entry: no application access policy, every mailbox (dev/graph/operations/permissions.ts). */
const UNSCOPED_APP = '00000000-0000-4000-8000-0000000a11ed';
const SECRET = 'scope-audit-secret';

let sandbox: EwsSandbox;
let scopedEnv: Record<string, string>;
let unscopedEnv: Record<string, string>;

beforeAll(async () => {
  sandbox = await startEwsSandbox({ seed: DEMO_SEED_FILE, knobs: { missingAnchorFailureRate: 0 } });
  scopedEnv = { ...demoEwsSettings(sandbox), MAILBOX_SCOPE: 'contoso.com' };
  unscopedEnv = {
    ...scopedEnv,
    EWS_USERNAME: unscoped?.username ?? '',
    EWS_PASSWORD: unscoped?.password ?? '',
  };
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.clearRequests());

async function audit(env: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['audit', 'scope', ...argv], {
    env,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('audit scope against the EWS sandbox', () => {
  it('the demo seed has an unscoped service account beside the scoped one', () => {
    expect(unscoped?.username).toBe('svc-unscoped@contoso.com');
  });

  it('fenced for the scoped account: the canary refused with ErrorImpersonateUserDenied, exit 0', async () => {
    const run = await audit(scopedEnv, '--canary', 'dave@fabrikam.com', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ScopeAuditReport;
    expect(report.verdict).toBe('fenced');
    expect(report.deployment).toBe('exchange-server');
    expect(report.canaries).toEqual([
      expect.objectContaining({
        mailbox: 'dave@fabrikam.com',
        outcome: 'refused',
        code: 'ErrorImpersonateUserDenied',
      }),
    ]);
    expect(report.fixCommands).toEqual([]);
    // One read, impersonating the canary: GetFolder, and nothing else.
    expect(sandbox.requests.map((r) => [r.operation, r.impersonation?.value])).toEqual([
      ['GetFolder', 'dave@fabrikam.com'],
    ]);
  });

  it('open for the unscoped account: the canary read, exit 2, the commands that fence it printed', async () => {
    const run = await audit(unscopedEnv, '--canary', 'dave@fabrikam.com');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('dave@fabrikam.com: readable');
    expect(run.stdout).toContain('verdict: open');
    expect(run.stdout).toContain(
      `New-ManagementScope -Name "mailbox-automation" -RecipientRestrictionFilter "PrimarySmtpAddress -like '*@contoso.com'"`,
    );
    expect(run.stdout).toContain(
      'New-ManagementRoleAssignment -Name "mailbox-automation impersonation" -Role ApplicationImpersonation -User "svc-unscoped@contoso.com" -CustomRecipientWriteScope "mailbox-automation"',
    );
    // The read was GetFolder of the inbox with IdOnly: nothing of the mailbox came back, nothing changed.
    const [read] = sandbox.requests;
    expect(sandbox.requests).toHaveLength(1);
    expect(read).toMatchObject({ operation: 'GetFolder', mailbox: 'dave@fabrikam.com', status: 200 });
  });

  it('inconclusive when the canary does not exist (ErrorNonExistentMailbox), exit 3', async () => {
    const run = await audit(scopedEnv, '--canary', 'nobody@fabrikam.com', '--json');
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as ScopeAuditReport;
    expect(report.verdict).toBe('inconclusive');
    expect(report.canaries[0]).toMatchObject({ outcome: 'missing', code: 'ErrorNonExistentMailbox' });
  });

  it('one readable canary among refused ones is open', async () => {
    const env = { ...unscopedEnv, SCOPE_AUDIT_CANARIES: 'nobody@fabrikam.com,dave@fabrikam.com' };
    const run = await audit(env, '--json');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as ScopeAuditReport;
    expect(report.canaries.map((c) => c.outcome)).toEqual(['missing', 'readable']);
  });

  it('a canary inside MAILBOX_SCOPE is a configuration error naming it, and nothing is sent', async () => {
    const run = await audit(scopedEnv, '--canary', 'alice@contoso.com');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'SCOPE_AUDIT_CANARIES: alice@contoso.com is inside MAILBOX_SCOPE=contoso.com',
    );
    expect(sandbox.requests).toHaveLength(0);
  });

  it('no canary at all is a configuration error naming SCOPE_AUDIT_CANARIES, nothing sent', async () => {
    const run = await audit(scopedEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SCOPE_AUDIT_CANARIES is not set');
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('audit scope against the Graph stand-in', () => {
  let world: GraphTenant;
  beforeAll(async () => {
    world = await startGraphTenant({
      tokenClients: [
        { clientId: SCOPED_APP, clientSecret: SECRET, roles: GRAPH_ROLES },
        { clientId: UNSCOPED_APP, clientSecret: SECRET, roles: GRAPH_ROLES },
      ],
    });
  });
  afterAll(() => world.close());
  beforeEach(() => world.reset());

  const graphEnv = (clientId: string) => ({
    ...graphAppSettings(world.tokens, world.graph, { clientId, clientSecret: SECRET }),
    MAILBOX_SCOPE: 'contoso.com',
  });

  it('fenced with an application access policy: 403 ErrorAccessDenied; the token roles are reported', async () => {
    const run = await audit(graphEnv(SCOPED_APP), '--canary', 'dave@fabrikam.com', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ScopeAuditReport;
    expect(report).toMatchObject({ verdict: 'fenced', deployment: 'exchange-online-graph' });
    expect(report.canaries[0]).toMatchObject({ outcome: 'refused', code: 'ErrorAccessDenied' });
    expect(report.tokenRoles).toEqual(GRAPH_ROLES);
    expect(report.findings.join(' ')).toContain('MailboxSettings.ReadWrite, an Entra grant on every mailbox');
  });

  it('open without a policy: the mailboxSettings read, exit 2, RBAC and access-policy commands', async () => {
    const run = await audit(graphEnv(UNSCOPED_APP), '--canary', 'dave@fabrikam.com', '--json');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as ScopeAuditReport;
    expect(report.verdict).toBe('open');
    expect(report.fixCommands).toEqual(
      expect.arrayContaining([
        `$ClientId = "${UNSCOPED_APP}"; $ObjectId = "<SP_OBJECT_ID>"`,
        'New-ManagementRoleAssignment -App $ObjectId -Role "Application MailboxSettings.ReadWrite" -CustomResourceScope "mailbox-automation"',
        'Test-ServicePrincipalAuthorization -Identity $ClientId -Resource dave@fabrikam.com   # InScope: False',
        expect.stringMatching(/^New-ApplicationAccessPolicy -AppId \$ClientId /),
      ]),
    );
    const mailboxReads = world.graph.requests.filter((r) => r.operation === 'getMailboxSettings');
    expect(mailboxReads).toHaveLength(1);
    expect(world.graph.requests.map((r) => r.method)).not.toContain('PATCH');
  });

  it('inconclusive when no user has the canary address', async () => {
    const run = await audit(graphEnv(SCOPED_APP), '--canary', 'nobody@fabrikam.com', '--json');
    expect(run.code).toBe(3);
    expect((JSON.parse(run.stdout) as ScopeAuditReport).canaries[0]).toMatchObject({
      outcome: 'missing',
      code: 'UserNotFound',
    });
  });
});

/** Collects the counters on demand, as an exporter's reader would. */
class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('the scope audit timer', () => {
  const SCHEDULE = '0 0 3 * * *';

  beforeAll(async () => {
    // The timer exists only when SCOPE_AUDIT_SCHEDULE is set as the module loads, as in the host.
    await useAppServices({ env: { ...scopedEnv, SCOPE_AUDIT_SCHEDULE: SCHEDULE } });
    await import('../../functions/scopeAudit');
    await import('../../functions/health');
  });
  afterEach(async () => {
    metrics.disable();
    await useAppServices(undefined);
  });

  /** Fires the registered timer as the host would; the lines it logged, with their level. */
  async function fire(): Promise<string[]> {
    const registration = registrations.get('scopeAuditTimer');
    if (!registration) throw new Error('scopeAuditTimer is not registered');
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'scopeAuditTimer',
      logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
    });
    await registration.callback({ isPastDue: false }, context);
    return lines;
  }

  async function health(): Promise<HealthReport> {
    const registration = registrations.get('health');
    if (!registration) throw new Error('the health function is not registered');
    const context = new InvocationContext({ functionName: 'health', logHandler: () => undefined });
    const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/health' });
    return ((await registration.callback(request, context)) as { jsonBody: HealthReport }).jsonBody;
  }

  it('is registered on %SCOPE_AUDIT_SCHEDULE%', () => {
    const bindings = Object.values(registrations.get('scopeAuditTimer')?.metadata.bindings ?? {});
    expect(bindings.find((b) => b.type === 'timerTrigger')).toMatchObject({
      schedule: '%SCOPE_AUDIT_SCHEDULE%',
    });
  });

  it('logs open at error level, counts it, and GET /api/health shows it', async () => {
    const reader = new CollectingReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    await useAppServices({ env: { ...unscopedEnv, SCOPE_AUDIT_CANARIES: 'dave@fabrikam.com' } });
    expect((await health()).scopeAudit).toEqual({ verdict: 'not-run' });
    const lines = await fire();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: scope audit: open\n/);
    expect(lines[0]).toContain('New-ManagementScope');
    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === SCOPE_AUDIT_METRIC)
      .flatMap((m) => m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
    expect(points.map((p) => [p.attributes.verdict, p.value])).toEqual([['open', 1]]);
    // The health answer was cached before the audit; the verdict shows at once anyway.
    expect((await health()).scopeAudit).toMatchObject({ verdict: 'open', canaries: 1 });
  });

  it('logs fenced at information level for the scoped account', async () => {
    await useAppServices({ env: { ...scopedEnv, SCOPE_AUDIT_CANARIES: 'dave@fabrikam.com' } });
    const lines = await fire();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^information: scope audit: fenced\n/);
    expect((await health()).scopeAudit).toMatchObject({ verdict: 'fenced' });
  });

  it('a canary inside MAILBOX_SCOPE: an error line naming the setting, inconclusive, nothing sent', async () => {
    await useAppServices({ env: { ...scopedEnv, SCOPE_AUDIT_CANARIES: 'alice@contoso.com' } });
    const lines = await fire();
    expect(lines).toEqual([
      expect.stringMatching(
        /^error: scope audit: not run: SCOPE_AUDIT_CANARIES: alice@contoso.com is inside/,
      ),
    ]);
    expect(sandbox.requests).toHaveLength(0);
    expect((await health()).scopeAudit).toMatchObject({ verdict: 'inconclusive', canaries: 0 });
  });
});
