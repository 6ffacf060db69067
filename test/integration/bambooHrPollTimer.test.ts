/**
 * functions/bamboohrPoll.ts as the host runs it: the timer exists because BAMBOOHR_POLL_SCHEDULE is set,
 * fires on its schedule (the dev host's virtual clock), reads the BambooHR stand-in with the API key from
 * the app's secrets, and hands each request to the leave dispatch through the real DurableClient, which
 * starts the leave's owner under source `bamboohr`. What the owner then does to the mailbox is the leave
 * workflow's tests' to show.
 */
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { POLL_EVERY_MS, startBambooHrDevHost, type BambooHrDevHost } from '../support/bambooHrDevHost';
import { FakeMailbox } from '../support/durableMailboxFake';
import { until } from '../support/eventually';

const API_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

let world: BambooHrDevHost;

beforeAll(async () => {
  world = await startBambooHrDevHost({
    apiKey: API_KEY,
    timeZone: 'Europe/Lisbon',
    mailbox: new FakeMailbox(),
  });
});

afterAll(() => world?.close());

/** The poll's one-line summaries, as the timer logged them. */
const summaries = (): string[] => world.devHost.logs.filter((l) => l.includes('bamboohr poll '));

/** Waits for `what`, at most 10 s; on failure, the host's lines. */
const waitFor = <T>(what: string, probe: () => T | undefined): Promise<T> =>
  until(what, probe, { timeoutMs: 10_000, explain: () => `logs:\n${world.devHost.logs.join('\n')}` });

test('the poll timer is registered on %BAMBOOHR_POLL_SCHEDULE% with a durable client', () => {
  const bindings = Object.values(registrations.get('bamboohrPoll')?.metadata.bindings ?? {});
  expect(bindings.find((b) => b.type === 'timerTrigger')).toMatchObject({
    schedule: '%BAMBOOHR_POLL_SCHEDULE%',
  });
  expect(bindings.some((b) => b.type === 'durableClient')).toBe(true);
});

test("when the timer fires, an approved BambooHR request reaches its person's calendar; the next poll is a duplicate", async () => {
  // A leave next month: inside the poll's window (365 days ahead by default) whenever the test runs.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  world.bamboo.addRequest({ employeeId: '101', start: day(30), end: day(41) });
  world.clock.advance(POLL_EVERY_MS);
  const first = await waitFor('the first poll summary', () => summaries()[0]);
  expect(first).toContain('1 requests seen, 1 delivered, 0 ignored as duplicates, 0 skipped, 0 failed');
  const owner = calendarInstanceId('alice@contoso.com');
  await waitFor("alice's calendar owner", () => world.devHost.host.durable.getStatus(owner));

  // Nothing changed in BambooHR: the next poll's event says what the calendar already holds.
  world.clock.advance(POLL_EVERY_MS);
  const second = await waitFor('the second poll summary', () => summaries()[1]);
  expect(second).toContain('1 requests seen, 0 delivered, 1 ignored as duplicates, 0 skipped, 0 failed');
  expect(world.bamboo.calls.every((c) => c.authorized)).toBe(true);
});
