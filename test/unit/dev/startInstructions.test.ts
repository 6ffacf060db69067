/**
 * What `npm start` prints (dev/start.ts): the HR webhook secret, the dev default so that the demo can be
 * followed by copy and paste, but never a value the operator exported before starting it; and the privilege
 * audit, with the demo's out-of-scope canary, fenced as the demo account and open as the unscoped one.
 */
import {
  applyDemoSettings,
  demoAppSettings,
  devHostInstructions,
  scopeAuditInstructions,
} from '../../../dev/start';
import { demoSeed } from '../../support/demoTenant';

const HOST_URL = 'http://127.0.0.1:7071';

/** The environment the dev host runs with after `npm start` merged the demo settings under `exported`. */
function startedWith(exported: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...exported };
  applyDemoSettings(
    env,
    demoAppSettings(demoSeed, {
      ewsUrl: 'http://127.0.0.1:8443/EWS/Exchange.asmx',
      reportsConnectionString: 'UseDevelopmentStorage=true',
    }),
  );
  return env;
}

describe('npm start prints the HR webhook secret', () => {
  it('prints the dev default, ready to export, when the operator set none', () => {
    const env = startedWith({});
    const printed = devHostInstructions(HOST_URL, env).join('\n');
    expect(printed).toContain(`export HR_WEBHOOK_SECRETS='${env.HR_WEBHOOK_SECRETS}'`);
    expect(env.HR_WEBHOOK_SECRETS).toBe('dev-only-hr-webhook-secret');
  });

  it('never prints secrets the operator exported, neither whole nor any one of the list', () => {
    const env = startedWith({ HR_WEBHOOK_SECRETS: 'hibob-live-7f3a9c,previous-rotation-42be' });
    // The operator's value is what the dev host verifies signatures with (the demo default did not replace it).
    expect(env.HR_WEBHOOK_SECRETS).toBe('hibob-live-7f3a9c,previous-rotation-42be');
    const printed = devHostInstructions(HOST_URL, env).join('\n');
    expect(printed).not.toContain('hibob-live-7f3a9c');
    expect(printed).not.toContain('previous-rotation-42be');
    expect(printed).not.toContain('dev-only-hr-webhook-secret');
    expect(printed).toMatch(/HR_WEBHOOK_SECRETS.*not printed/);
  });
});

describe('npm start prints the privilege audit', () => {
  const unscoped = demoSeed.serviceAccounts?.find((a) => a.impersonation?.all === true);

  it('with the out-of-scope demo mailbox as canary: audit scope fenced as the demo account, open as the unscoped one', () => {
    const env = startedWith({});
    expect(env.SCOPE_AUDIT_CANARIES).toBe('dave@fabrikam.com');
    expect(unscoped?.username).toBe('svc-unscoped@contoso.com');
    const printed = scopeAuditInstructions(demoSeed, env);
    expect(printed).toEqual([
      '',
      'Privilege audit: can the service account read dave@fabrikam.com, outside MAILBOX_SCOPE=contoso.com?',
      '  export SCOPE_AUDIT_CANARIES=dave@fabrikam.com',
      '  npx mailbox-automation audit scope      # fenced, exit 0: svc-mailbox@contoso.com is scoped',
      `  EWS_USERNAME=svc-unscoped@contoso.com EWS_PASSWORD='${unscoped?.password ?? ''}' \\`,
      '    npx mailbox-automation audit scope    # open, exit 2, with the commands that fence it',
    ]);
  });

  it('keeps canaries the operator exported, and prints them', () => {
    const env = startedWith({ SCOPE_AUDIT_CANARIES: 'canary@fabrikam.com' });
    expect(env.SCOPE_AUDIT_CANARIES).toBe('canary@fabrikam.com');
    expect(scopeAuditInstructions(demoSeed, env)).toContain(
      '  export SCOPE_AUDIT_CANARIES=canary@fabrikam.com',
    );
  });

  it('prints nothing on Graph, where the EWS accounts do not apply', () => {
    expect(scopeAuditInstructions(demoSeed, startedWith({ MAILBOX_BACKEND: 'graph' }))).toEqual([]);
  });
});
