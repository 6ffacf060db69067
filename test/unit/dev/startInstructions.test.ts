/**
 * What `npm start` prints about the HR webhook secret (dev/start.ts): the dev default, so that the demo can
 * be followed by copy and paste, but never a value the operator exported before starting it.
 */
import { applyDemoSettings, demoAppSettings, devHostInstructions } from '../../../dev/start';
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
