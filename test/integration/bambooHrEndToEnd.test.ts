/**
 * BambooHR end to end: the poll timer (functions/bamboohrPoll.ts) fires on the dev host's virtual clock, reads
 * the BambooHR stand-in, and each request reaches alice's calendar owner, which sets her automatic replies in
 * the EWS sandbox (sharing that clock). A new, a changed and a cancelled request are each seen by the next
 * poll and shown by the mailbox.
 */
import type { EwsSandbox, MailboxSnapshot } from '../../dev/ews-sandbox';
import { DevClock } from '../../dev/host/devClock';
import { POLL_EVERY_MS, startBambooHrDevHost, type BambooHrDevHost } from '../support/bambooHrDevHost';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';
import { eventually } from '../support/eventually';
import { oofOf as sandboxOof } from '../support/leaveBackends';

const API_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f12345678';
const ALICE = 'alice@contoso.com';

const clock = new DevClock();
let sandbox: EwsSandbox;
let world: BambooHrDevHost;

beforeAll(async () => {
  sandbox = await startDemoSandbox({ knobs: { latencyMs: 0 }, now: () => clock.now() });
  world = await startBambooHrDevHost({
    apiKey: API_KEY,
    timeZone: 'Europe/Berlin',
    clock,
    env: { ...demoEwsSettings(sandbox), LEAVE_RETRY_FIRST_MS: '10' },
  });
});

afterAll(async () => {
  await world?.close();
  await sandbox?.close();
});

const oofOf = (address: string): MailboxSnapshot['oof'] => sandboxOof(sandbox, address);

/** Retries `check` until it passes (the poll and the owner run asynchronously); on failure, the host's lines. */
const eventuallyOnHost = (check: () => void): Promise<void> =>
  eventually(check, { explain: () => `logs:\n${world.devHost.logs.join('\n')}` });

/** `YYYY-MM-DD`, `days` after the virtual today: inside the poll's window whenever the test runs. */
const day = (days: number): string => new Date(clock.now() + days * 86_400_000).toISOString().slice(0, 10);
/** 00:00 in Berlin of a date, as the UTC instant Exchange shows. */
const berlinMidnight = (date: string): string => {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  const offset = new Date(utcMidnight).toLocaleString('en-US', { timeZone: 'Europe/Berlin', hour12: false });
  const hours = Number(/, (\d+):/.exec(offset)?.[1] ?? 0);
  return new Date(utcMidnight - hours * 3_600_000).toISOString();
};

test('a new, a changed and a cancelled BambooHR request, each seen by the next poll, end to end to the mailbox', async () => {
  const before = oofOf(ALICE);
  const first = day(40);
  const id = world.bamboo.addRequest({ employeeId: '101', start: first, end: day(45) });
  clock.advance(POLL_EVERY_MS);
  await eventuallyOnHost(() =>
    expect(oofOf(ALICE)).toMatchObject({
      state: 'Scheduled',
      start: berlinMidnight(first),
      end: berlinMidnight(day(46)),
    }),
  );

  world.bamboo.changeRequest(id, { end: day(50) });
  clock.advance(POLL_EVERY_MS);
  await eventuallyOnHost(() => expect(oofOf(ALICE).end).toBe(berlinMidnight(day(51))));

  world.bamboo.cancelRequest(id);
  clock.advance(POLL_EVERY_MS);
  await eventuallyOnHost(() => expect(oofOf(ALICE)).toEqual(before));

  const { logs } = world.devHost;
  const polls = logs.filter((l) => l.includes('bamboohr poll '));
  expect(polls.length).toBeGreaterThanOrEqual(3);
  expect(logs.filter((l) => / failed: /.test(l))).toEqual([]);
});
