/**
 * Every function module loads with the stand-in for the host's @azure/functions-core, and registers
 * what the host needs: routes, methods, auth levels, schedules, durable bindings.
 */
import path from 'node:path';
import { loadFunctionModules } from '../../dev/host/devHost';
import { registrations } from '../../dev/host/functionsCoreStandIn';

const savedSchedule = process.env.ARCHIVE_SWEEP_SCHEDULE;

beforeAll(() => {
  // The sweep's timer exists only when a schedule is set (the host could not resolve it otherwise).
  process.env.ARCHIVE_SWEEP_SCHEDULE = '0 0 2 * * *';
  loadFunctionModules(path.resolve(__dirname, '../../functions'));
});

afterAll(() => {
  if (savedSchedule === undefined) delete process.env.ARCHIVE_SWEEP_SCHEDULE;
  else process.env.ARCHIVE_SWEEP_SCHEDULE = savedSchedule;
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
