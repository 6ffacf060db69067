/**
 * Finished orchestrations leave the task hub: the dev host's purge routes answer the real DurableClient as
 * the Durable extension does (by creation time and runtime status; 404 when nothing matched; 400 without
 * createdTimeFrom) and forget what they purge; the nightly timer (functions/historyPurge.ts), fired by
 * the dev host on its virtual clock, purges what finished before DURABLE_HISTORY_RETENTION_DAYS and
 * keeps what runs and the stopped calendar owners. The orchestrations here are the test's own: the purge
 * decides by id, creation time and status only.
 */
import path from 'node:path';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient, OrchestrationContext } from 'durable-functions';
import { DevClock } from '../../dev/host/devClock';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { useAppServices } from '../../shared/app/appServices';
import { calendarInstanceId } from '../../shared/leave/instanceId';

const DAY = 86_400_000;
const logs: string[] = [];
let host: DevHost;
let clock: DevClock;

df.app.orchestration('purgeTestFinishes', function* (context: OrchestrationContext) {
  yield context.df.createTimer(context.df.currentUtcDateTime);
  return 'done';
});
df.app.orchestration('purgeTestFails', function* (context: OrchestrationContext) {
  yield context.df.createTimer(context.df.currentUtcDateTime);
  throw new Error('failed on purpose');
});
df.app.orchestration('purgeTestWaits', function* (context: OrchestrationContext) {
  return (yield context.df.waitForExternalEvent('go')) as unknown;
});

beforeAll(async () => {
  // A virtual clock that starts at 02:00 UTC tomorrow: the purge's 03:15 comes only when the test moves it.
  clock = new DevClock();
  const tomorrow = new Date(clock.now() + DAY);
  tomorrow.setUTCHours(2, 0, 0, 0);
  clock.advanceTo(tomorrow.getTime());
  await useAppServices({ env: { DURABLE_HISTORY_RETENTION_DAYS: '30' }, now: () => new Date(clock.now()) });
  host = await startDevHost({
    port: 0,
    functionsDir: path.resolve(__dirname, '../../functions'),
    clock,
    env: {},
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await host?.close();
  await useAppServices(undefined);
});

/** The real durable-functions client, bound to the dev host as the worker binds it. */
function durableClient(): DurableClient {
  const input = df.input.durableClient();
  const context = new InvocationContext({
    options: {
      trigger: { type: 'timerTrigger', name: 'timer', direction: 'in' },
      extraInputs: [input],
      extraOutputs: [],
    },
  });
  context.extraInputs.set(input, host.durableClientData());
  return df.getClient(context);
}

/** Starts `name` under `id` and, unless it waits, lets it end. */
async function started(name: string, id: string): Promise<string> {
  host.durable.startNew(name, null, id);
  if (name !== 'purgeTestWaits') await host.durable.waitForCompletion(id);
  return id;
}

async function terminated(id: string): Promise<string> {
  await started('purgeTestWaits', id);
  host.durable.terminate(id, 'stopped by the test');
  await host.durable.waitForCompletion(id);
  return id;
}

const present = (ids: string[]) => ids.filter((id) => host.durable.getStatus(id) !== undefined);

test('purge by filter: what was created in the range with a listed status goes, the rest stays', async () => {
  const from = new Date(clock.now());
  const old = [
    await started('purgeTestFinishes', 'filter-completed'),
    await started('purgeTestFails', 'filter-failed'),
    await terminated('filter-terminated'),
  ];
  const running = await started('purgeTestWaits', 'filter-running');
  const to = new Date(clock.now());
  clock.advance(60_000);
  const later = await started('purgeTestFinishes', 'filter-later');
  expect(host.durable.getStatus('filter-failed')?.runtimeStatus).toBe('Failed');

  const client = durableClient();
  const result = await client.purgeInstanceHistoryBy({
    createdTimeFrom: from,
    createdTimeTo: to,
    runtimeStatus: [
      df.OrchestrationRuntimeStatus.Completed,
      df.OrchestrationRuntimeStatus.Failed,
      df.OrchestrationRuntimeStatus.Terminated,
    ],
  });
  expect(result.instancesDeleted).toBe(3);
  expect(present([...old, running, later])).toEqual([running, later]);
  // Gone for the status API too, as after a purge in Azure.
  await expect(client.getStatus('filter-completed')).rejects.toThrow(/404/);
  expect((await client.getStatus(running)).runtimeStatus).toBe('Running');

  // Nothing left to purge in that range: the extension answers 404, the client reads 0.
  const again = await client.purgeInstanceHistoryBy({ createdTimeFrom: from, createdTimeTo: to });
  expect(again.instancesDeleted).toBe(1); // no status filter: the running one too, as the extension does
  expect(present([running])).toEqual([]);
  const none = await client.purgeInstanceHistoryBy({ createdTimeFrom: from, createdTimeTo: to });
  expect(none.instancesDeleted).toBe(0);

  // By id: the one named, or 0 for an unknown id.
  expect((await client.purgeInstanceHistory(later)).instancesDeleted).toBe(1);
  expect((await client.purgeInstanceHistory(later)).instancesDeleted).toBe(0);
});

test('a purge without createdTimeFrom is refused with 400 and purges nothing', async () => {
  const id = await started('purgeTestFinishes', 'no-from');
  const res = await fetch(`${host.url}/durabletask/instances/?runtimeStatus=Completed`, { method: 'DELETE' });
  expect(res.status).toBe(400);
  expect(await res.text()).toContain('createdTimeFrom');
  expect(present([id])).toEqual([id]);
  // A status that is no status is left out, as Enum.TryParse leaves it out: here nothing is left to filter
  // on but "Canceled", which no instance has.
  const from = encodeURIComponent(new Date(0).toISOString());
  const canceled = await fetch(
    `${host.url}/durabletask/instances/?createdTimeFrom=${from}&runtimeStatus=Canceled,completed`,
    {
      method: 'DELETE',
    },
  );
  expect(canceled.status).toBe(404);
  expect(present([id])).toEqual([id]);
  await durableClient().purgeInstanceHistory(id);
});

test('the nightly timer purges what finished more than 30 days ago, never what runs nor a stopped calendar owner', async () => {
  const stoppedOwner = await terminated(calendarInstanceId('alice@contoso.com'));
  const runningOwner = await started('purgeTestWaits', calendarInstanceId('bob@contoso.com'));
  const runningSweep = await started('purgeTestWaits', 'archive-sweep');
  const oldDone = [
    await started('purgeTestFinishes', 'leave-intake-hibob-old'),
    await started('purgeTestFails', 'leave-reconcile-old'),
    await terminated('archive-sweep-old'),
  ];
  const purgeLines = () => logs.filter((l) => l.includes('history purge:'));
  /** Moves the clock; the timer fires once for the jump (at 03:15 or at once if the jump passed it). */
  const nextPurge = async (ms: number): Promise<string> => {
    const before = purgeLines().length;
    clock.advance(ms);
    return until(() => purgeLines()[before]);
  };
  // 29 days and 2 hours later (past 03:15): nothing is old enough yet.
  expect(await nextPurge(29 * DAY + 2 * 3_600_000)).toMatch(
    /history purge: 0 finished orchestration\(s\) created before .* purged/,
  );
  const recent = await started('purgeTestFinishes', 'leave-intake-hibob-recent');
  // Two days later the first ones are 31 days old.
  const line = await nextPurge(2 * DAY);
  expect(line).toContain('history purge: 3 finished orchestration(s)');
  expect(line).toContain('DURABLE_HISTORY_RETENTION_DAYS=30');
  expect(line).toContain('1 stopped calendar owner(s) kept');
  expect(present(oldDone)).toEqual([]);
  expect(present([stoppedOwner, runningOwner, runningSweep, recent])).toEqual([
    stoppedOwner,
    runningOwner,
    runningSweep,
    recent,
  ]);
  // The stopped owner still holds its last input, which a new leave starts from.
  expect(host.durable.getStatus(stoppedOwner)?.runtimeStatus).toBe('Terminated');
});

async function until<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out; logs:\n${logs.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
