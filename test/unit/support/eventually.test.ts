/**
 * The integration tests' one retry loop (test/support/eventually.ts): it gives back what the check returned
 * once it passes, and when time is up it fails with the last failure and what `explain` adds, so a slow or
 * broken run says what it last saw.
 */
import { eventually, until } from '../../support/eventually';

test('retries until the check passes and gives back its value', async () => {
  let looks = 0;
  const value = await eventually(
    () => {
      looks++;
      expect(looks).toBeGreaterThanOrEqual(3);
      return `after ${looks} looks`;
    },
    { intervalMs: 1 },
  );
  expect(value).toBe('after 3 looks');
});

test('when time is up, fails with the last failure and the explanation', async () => {
  let looks = 0;
  const failure = eventually(
    () => {
      looks++;
      throw new Error(`look ${looks} saw nothing`);
    },
    { timeoutMs: 30, intervalMs: 5, explain: () => 'host lines: none' },
  );
  const error = await failure.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(looks).toBeGreaterThan(1);
  // the last look's failure, not the first's
  expect((error as Error).message).toBe(
    `still failing after 30 ms: look ${looks} saw nothing\nhost lines: none`,
  );
});

test('until waits for something to be found and names what never was', async () => {
  let found: string | undefined;
  setTimeout(() => (found = 'the summary'), 10);
  await expect(until('summary', () => found, { intervalMs: 1 })).resolves.toBe('the summary');
  await expect(until('owner', () => undefined, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
    /no owner yet/,
  );
});
