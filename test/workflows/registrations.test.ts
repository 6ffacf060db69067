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

test('the leave calendar owner, the HiBob intake and their activities are registered with durable triggers', () => {
  const triggers = Object.fromEntries(
    [...registrations].filter(([name]) => name.startsWith('leave')).map(([name, r]) => [name, r.triggerType]),
  );
  expect(triggers).toMatchObject({
    leaveCalendarOrchestrator: 'orchestrationTrigger',
    leaveIntakeOrchestrator: 'orchestrationTrigger',
    leaveOwnerSettings: 'activityTrigger',
    leaveSyncMailbox: 'activityTrigger',
    leaveSyncCalendarEvents: 'activityTrigger',
    leaveFetchHibob: 'activityTrigger',
    leaveDeliver: 'activityTrigger',
  });
  // The per-leave orchestration and its activities are gone: nothing registers them any more.
  const gone = ['leaveOrchestrator', 'leaveCheckScope', 'leaveGetOof', 'leaveSetOof', 'leaveRestoreOof'];
  expect(gone.filter((name) => name in triggers)).toEqual([]);
  // The intake hands events on to the owner through a durable client.
  expect(bindingsOf('leaveDeliver').some((b) => b.type === 'durableClient')).toBe(true);
});

test('every timer trigger has a six-field NCRONTAB schedule or a %SETTING% reference', () => {
  const timerNames = [...registrations].filter(([, r]) => r.triggerType === 'timerTrigger').map(([n]) => n);
  expect(timerNames).toEqual(['archiveSweepTimer', 'historyPurge']);
  const timers = [...registrations.values()].filter((r) => r.triggerType === 'timerTrigger');
  for (const t of timers) {
    const schedule = Object.values(t.metadata.bindings).find((b) => b.type === 'timerTrigger')?.schedule;
    expect(
      typeof schedule === 'string' && (/^%\w+%$/.test(schedule) || schedule.trim().split(/\s+/).length === 6),
    ).toBe(true);
  }
});
