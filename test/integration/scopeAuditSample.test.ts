/**
 * The privilege audit's directory sample (SCOPE_AUDIT_SAMPLE, shared/audit/outOfScopeSample.ts) against
 * the EWS sandbox and the Graph stand-in, through `audit scope`: a mailbox outside MAILBOX_SCOPE that no
 * canary names is found in the directory and read, so an account Exchange does not fence shows as open
 * without any canary configured; a fenced account has the sampled mailbox refused; SCOPE_AUDIT_SAMPLE=0
 * sends nothing but the canaries' reads; no sampled mailbox is ever inside MAILBOX_SCOPE, and two runs
 * of a day sample the same mailboxes. The stand-ins' request logs witness what was sent.
 */
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { GRAPH_ROLES } from '../../dev/graph/graphStandIn';
import { runCli } from '../../cli/main';
import type { ScopeAuditReport } from '../../shared/audit/scopeAudit';
import { demoSeed, demoEwsSettings, DEMO_SEED_FILE } from '../support/demoTenant';
import {
  graphAccessToken,
  graphAppSettings,
  startGraphTenant,
  type GraphTenant,
} from '../support/graphTenant';

const unscoped = demoSeed.serviceAccounts?.find((a) => a.impersonation.all === true);
const SCOPED_APP = demoSeed.apps?.[0]?.clientId ?? '';
/** No seed entry: no application access policy, every mailbox (dev/graph/operations/permissions.ts). */
const UNSCOPED_APP = '00000000-0000-4000-8000-0000000a11ed';
const SECRET = 'scope-audit-sample-secret';

async function audit(env: Record<string, string>): Promise<{ code: number; report: ScopeAuditReport }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['audit', 'scope', '--json'], {
    env,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  if (stdout === '') throw new Error(`audit scope printed nothing (exit ${code}): ${stderr}`);
  return { code, report: JSON.parse(stdout) as ScopeAuditReport };
}

/** The sample's directory reads ($select=mail), not the address lookups of the mailboxes read. */
const directoryListings = (world: GraphTenant): string[] =>
  world.graph.requests
    .filter((r) => r.operation === 'listUsers' && r.path.includes('$select=mail&'))
    .map((r) => decodeURIComponent(r.path));

const sampledOf = (report: ScopeAuditReport): string[] =>
  report.canaries.filter((c) => c.sampled).map((c) => c.mailbox);

describe('the directory sample against the EWS sandbox', () => {
  let sandbox: EwsSandbox;
  let scopedEnv: Record<string, string>;
  let unscopedEnv: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startEwsSandbox({ seed: DEMO_SEED_FILE, knobs: { missingAnchorFailureRate: 0 } });
    scopedEnv = {
      ...demoEwsSettings(sandbox),
      MAILBOX_SCOPE: 'contoso.com',
      EWS_SERVICE_MAILBOX: 'alice@contoso.com',
    };
    unscopedEnv = {
      ...scopedEnv,
      EWS_USERNAME: unscoped?.username ?? '',
      EWS_PASSWORD: unscoped?.password ?? '',
    };
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.clearRequests());

  it('open for the unscoped account with no canary configured: the sampled dave@fabrikam.com was readable', async () => {
    const { code, report } = await audit(unscopedEnv);
    expect(code).toBe(2);
    expect(report.verdict).toBe('open');
    expect(report.canaries).toEqual([
      expect.objectContaining({ mailbox: 'dave@fabrikam.com', outcome: 'readable', sampled: true }),
    ]);
    expect(report.fixCommands.length).toBeGreaterThan(0);
    expect(report.findings[0]).toContain('SCOPE_AUDIT_SAMPLE=3');
    // The directory read as the in-scope service mailbox (the demo tenant fits in the first page), then
    // one read of the sampled mailbox.
    expect(sandbox.requests.map((r) => [r.operation, r.impersonation?.value])).toEqual([
      ['ResolveNames', 'alice@contoso.com'],
      ['GetFolder', 'dave@fabrikam.com'],
    ]);
  });

  it('fenced for the scoped account: the sampled mailbox refused with ErrorImpersonateUserDenied', async () => {
    const { code, report } = await audit(scopedEnv);
    expect(code).toBe(0);
    expect(report.verdict).toBe('fenced');
    expect(report.canaries).toEqual([
      expect.objectContaining({
        mailbox: 'dave@fabrikam.com',
        outcome: 'refused',
        code: 'ErrorImpersonateUserDenied',
        sampled: true,
      }),
    ]);
  });

  it('an Exchange scope wider than MAILBOX_SCOPE is open: a sampled contoso.com mailbox outside it was readable', async () => {
    const env = { ...scopedEnv, MAILBOX_SCOPE: 'alice@contoso.com,bob@contoso.com' };
    const { code, report } = await audit(env);
    expect(code).toBe(2);
    // Only carol (inside svc-mailbox's Exchange scope) and dave lie outside MAILBOX_SCOPE.
    expect(sampledOf(report).sort()).toEqual(['carol@contoso.com', 'dave@fabrikam.com']);
    expect(report.canaries.find((c) => c.mailbox === 'carol@contoso.com')?.outcome).toBe('readable');
    expect(report.canaries.find((c) => c.mailbox === 'dave@fabrikam.com')?.outcome).toBe('refused');
  });

  it('never samples a mailbox inside MAILBOX_SCOPE, nor a configured canary, and samples the same all day', async () => {
    const env = {
      ...scopedEnv,
      MAILBOX_SCOPE: 'alice@contoso.com',
      SCOPE_AUDIT_CANARIES: 'bob@contoso.com',
      SCOPE_AUDIT_SAMPLE: '2',
    };
    const first = await audit(env);
    const second = await audit(env);
    const sampled = sampledOf(first.report);
    expect(sampled).toHaveLength(2);
    expect(sampled).not.toContain('alice@contoso.com');
    expect(sampled).not.toContain('bob@contoso.com');
    expect(first.report.canaries.find((c) => c.mailbox === 'bob@contoso.com')?.sampled).toBeUndefined();
    expect(sampledOf(second.report)).toEqual(sampled);
    // No read impersonated the scope's own mailbox except the directory reads made as it.
    const reads = sandbox.requests.filter((r) => r.operation === 'GetFolder');
    expect(reads.map((r) => r.impersonation?.value)).not.toContain('alice@contoso.com');
  });

  it('SCOPE_AUDIT_SAMPLE=0: only the canaries are read, the directory is not listed', async () => {
    const env = { ...unscopedEnv, SCOPE_AUDIT_SAMPLE: '0', SCOPE_AUDIT_CANARIES: 'dave@fabrikam.com' };
    const { code, report } = await audit(env);
    expect(code).toBe(2);
    expect(report.canaries).toEqual([expect.not.objectContaining({ sampled: true })]);
    expect(report.findings.join(' ')).not.toContain('SCOPE_AUDIT_SAMPLE');
    expect(sandbox.requests.map((r) => r.operation)).toEqual(['GetFolder']);
  });

  it('SCOPE_AUDIT_SAMPLE out of range is refused naming it, and nothing is sent', async () => {
    for (const value of ['-1', '21', 'three']) {
      let stderr = '';
      const code = await runCli(['audit', 'scope'], {
        env: { ...scopedEnv, SCOPE_AUDIT_SAMPLE: value, SCOPE_AUDIT_CANARIES: 'dave@fabrikam.com' },
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
      });
      expect(code).toBe(2);
      expect(stderr).toContain('SCOPE_AUDIT_SAMPLE');
    }
    expect(sandbox.requests).toEqual([]);
  });

  it('an EWS_SERVICE_MAILBOX outside MAILBOX_SCOPE is refused naming it before the directory is read', async () => {
    let stderr = '';
    const code = await runCli(['audit', 'scope'], {
      env: {
        ...unscopedEnv,
        EWS_SERVICE_MAILBOX: 'dave@fabrikam.com',
        SCOPE_AUDIT_CANARIES: 'dave@fabrikam.com',
      },
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toContain('EWS_SERVICE_MAILBOX');
    expect(sandbox.requests).toEqual([]);
  });
});

describe('the directory sample against the Graph stand-in', () => {
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

  it('open without an application access policy and no canary: the sampled mailbox settings were read', async () => {
    const { code, report } = await audit(graphEnv(UNSCOPED_APP));
    expect(code).toBe(2);
    expect(report.canaries).toEqual([
      expect.objectContaining({ mailbox: 'dave@fabrikam.com', outcome: 'readable', sampled: true }),
    ]);
    // One page of the directory: the demo tenant fits in it.
    expect(directoryListings(world)).toEqual(['/v1.0/users?$select=mail&$top=100']);
    expect(world.graph.requests.map((r) => r.method)).not.toContain('PATCH');
  });

  it('fenced with the policy: the sampled mailbox refused with ErrorAccessDenied', async () => {
    const { code, report } = await audit(graphEnv(SCOPED_APP));
    expect(code).toBe(0);
    expect(report.canaries).toEqual([
      expect.objectContaining({
        mailbox: 'dave@fabrikam.com',
        outcome: 'refused',
        code: 'ErrorAccessDenied',
        sampled: true,
      }),
    ]);
  });

  it('samples users outside the scope only, the listing bounded by $top', async () => {
    const env = { ...graphEnv(UNSCOPED_APP), MAILBOX_SCOPE: 'alice@contoso.com', SCOPE_AUDIT_SAMPLE: '3' };
    const { report } = await audit(env);
    expect(sampledOf(report).sort()).toEqual(['bob@contoso.com', 'carol@contoso.com', 'dave@fabrikam.com']);
    expect(directoryListings(world)).toEqual(['/v1.0/users?$select=mail&$top=100']);
  });

  it('the stand-in answers startswith(mail) and $top as Graph does, and refuses a $top out of range', async () => {
    const headers = { authorization: `Bearer ${graphAccessToken(world.tokens, UNSCOPED_APP)}` };
    const get = (query: string) => fetch(`${world.graph.url}/users?${query}`, { headers });
    const page = await get(`$select=mail&$filter=${encodeURIComponent("startswith(mail,'c')")}&$top=1`);
    expect(page.status).toBe(200);
    const body = (await page.json()) as { value: { mail: string }[]; '@odata.nextLink'?: string };
    expect(body.value).toEqual([{ mail: 'carol@contoso.com' }]);
    expect(body['@odata.nextLink']).toBeUndefined();
    const all = (await (await get('$select=mail&$top=2')).json()) as { '@odata.nextLink'?: string };
    expect(all['@odata.nextLink']).toContain('skiptoken');
    const tooMany = await get('$select=mail&$top=1000');
    expect(tooMany.status).toBe(400);
  });
});
