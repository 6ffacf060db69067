/**
 * functions/bamboohrPoll.ts as the host runs it: the timer exists because BAMBOOHR_POLL_SCHEDULE is set,
 * fires on its schedule (the dev host's virtual clock), reads the BambooHR stand-in with the API key from
 * the app's secrets, and hands each request to the leave dispatch through the real DurableClient, which
 * starts the leave's owner under source `bamboohr`. What the owner then does to the mailbox is the leave
 * workflow's tests' to show.
 */
import path from 'node:path';
import {
  DEMO_BAMBOOHR_EMPLOYEES,
  startBambooHrApi,
  type BambooHrApiServer,
} from '../../dev/bamboohr/bambooHrApiServer';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { useAppServices } from '../../shared/app/appServices';
import { calendarInstanceId } from '../../shared/leave/instanceId';
import { FakeMailbox } from '../support/durableMailboxFake';

const API_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

let bamboo: BambooHrApiServer;
let host: DevHost;
const logs: string[] = [];

beforeAll(async () => {
  bamboo = await startBambooHrApi({
    companyDomain: 'contoso',
    apiKey: API_KEY,
    employees: [...DEMO_BAMBOOHR_EMPLOYEES],
  });
  const env: Record<string, string | undefined> = {
    ...process.env,
    KEY_VAULT_URI: undefined,
    MAILBOX_SCOPE: 'contoso.com',
    BAMBOOHR_POLL_SCHEDULE: '0 */15 * * * *',
    BAMBOOHR_COMPANY_DOMAIN: 'contoso',
    BAMBOOHR_API_URL: bamboo.url,
    BAMBOOHR_API_KEY: API_KEY,
    BAMBOOHR_TIME_ZONE: 'Europe/Lisbon',
  };
  // The app's clock is the host's virtual clock, as in `npm start`: each poll's instant follows it.
  await useAppServices({ env, mailbox: new FakeMailbox(), now: () => new Date(host.clock.now()) });
  host = await startDevHost({
    port: 0,
    functionsDir: path.resolve(__dirname, '../../functions'),
    env,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await host?.close();
  await useAppServices(undefined);
  await bamboo?.close();
});

/** The poll's one-line summaries, as the timer logged them. */
const summaries = (): string[] => logs.filter((l) => l.includes('bamboohr poll '));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs:\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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
  bamboo.addRequest({ employeeId: '101', start: day(30), end: day(41) });
  host.clock.advance(15 * 60_000);
  const first = await until('the first poll summary', () => summaries()[0]);
  expect(first).toContain('1 requests seen, 1 delivered, 0 ignored as duplicates, 0 skipped, 0 failed');
  const owner = calendarInstanceId('alice@contoso.com');
  await until("alice's calendar owner", () => host.durable.getStatus(owner));

  // Nothing changed in BambooHR: the next poll's event says what the calendar already holds.
  host.clock.advance(15 * 60_000);
  const second = await until('the second poll summary', () => summaries()[1]);
  expect(second).toContain('1 requests seen, 0 delivered, 1 ignored as duplicates, 0 skipped, 0 failed');
  expect(bamboo.calls.every((c) => c.authorized)).toBe(true);
});
