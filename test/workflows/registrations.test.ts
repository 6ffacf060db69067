/**
 * Every function module loads with the stand-in for the host's @azure/functions-core, and registers
 * what the host needs: routes, methods, auth levels, schedules, durable bindings.
 */
import path from 'node:path';
import { loadFunctionModules } from '../../dev/host/devHost';
import { registrations } from '../../dev/host/functionsCoreStandIn';

// The sweep's timer exists only when a schedule is set (the host could not resolve it otherwise), and the
// start-up check (functions/appStart.ts) refuses a schedule with nothing to sweep, as a deployment would.
const SWEEP_SETTINGS = { ARCHIVE_SWEEP_SCHEDULE: '0 0 2 * * *', SWEEP_MAILBOXES: 'alice@contoso.com' };
const saved = Object.fromEntries(Object.keys(SWEEP_SETTINGS).map((name) => [name, process.env[name]]));

beforeAll(() => {
  Object.assign(process.env, SWEEP_SETTINGS);
  loadFunctionModules(path.resolve(__dirname, '../../functions'));
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const bindingsOf = (name: string) => Object.values(registrations.get(name)?.metadata.bindings ?? {});

test('the HR webhook is POST /api/hr/{source}, function-key protected, with a durable client', () => {
  const http = bindingsOf('hrWebhook').find((b) => b.type === 'httpTrigger');
  expect(http).toMatchObject({
    route: 'hr/{source}',
    methods: ['POST'],
    authLevel: 'function',
    direction: 'in',
  });
  expect(bindingsOf('hrWebhook').some((b) => b.type === 'durableClient')).toBe(true);
});

test('the leave orchestrator and its activities are registered with durable triggers', () => {
  expect(registrations.get('leaveOrchestrator')?.triggerType).toBe('orchestrationTrigger');
  for (const name of ['leaveCheckScope', 'leaveGetOof', 'leaveSetOof', 'leaveRestoreOof']) {
    expect(registrations.get(name)?.triggerType).toBe('activityTrigger');
  }
});

test('every timer trigger has a six-field NCRONTAB schedule or a %SETTING% reference', () => {
  const timerNames = [...registrations].filter(([, r]) => r.triggerType === 'timerTrigger').map(([n]) => n);
  expect(timerNames).toEqual(['archiveSweepTimer']);
  const timers = [...registrations.values()].filter((r) => r.triggerType === 'timerTrigger');
  for (const t of timers) {
    const schedule = Object.values(t.metadata.bindings).find((b) => b.type === 'timerTrigger')?.schedule;
    expect(
      typeof schedule === 'string' && (/^%\w+%$/.test(schedule) || schedule.trim().split(/\s+/).length === 6),
    ).toBe(true);
  }
});
