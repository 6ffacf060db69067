/**
 * The dev host delivers each activity's completion as it comes, as the durable extension does (one
 * message each): a failed attempt's retry runs while the orchestration's other tasks still run. It used
 * to hold every completion of a group until all of them had ended, so a retry waited for tasks that were
 * themselves waiting for it (a sweep's batches waiting for discovery's retry never ended).
 */
import * as df from 'durable-functions';
import { registrations } from '../../../dev/host/functionsCoreStandIn';
import { LocalDurableHost } from '../../../dev/host/localDurableHost';

let attempts = 0;
let retried: () => void = () => undefined;
const retryStarted = new Promise<void>((resolve) => (retried = resolve));

df.app.activity('hostTestFlaky', {
  handler: () => {
    attempts++;
    if (attempts === 1) throw new Error('the first attempt fails');
    retried();
    return 'flaky done';
  },
});
// Ends only once the flaky activity's retry has started (or after 3 s, saying it had not).
df.app.activity('hostTestWaiter', {
  handler: async () =>
    Promise.race([
      retryStarted.then(() => 'saw the retry'),
      new Promise((r) => setTimeout(() => r('no retry while I ran'), 3000)),
    ]),
});
df.app.orchestration('hostTestParallel', function* (context) {
  const retry = new df.RetryOptions(1000, 3);
  const results: unknown = yield context.df.Task.all([
    context.df.callActivityWithRetry('hostTestFlaky', retry, null),
    context.df.callActivity('hostTestWaiter', null),
  ]);
  return results;
});

test("a failed attempt is retried while the orchestration's other activity still runs", async () => {
  const host = new LocalDurableHost(registrations, { timers: 'skip' });
  const run = await host.runOrchestration('hostTestParallel', null, 'host-test-parallel');
  expect(run.status).toBe('Completed');
  expect(run.output).toEqual(['flaky done', 'saw the retry']);
  expect(attempts).toBe(2);
});
