/**
 * BambooHR end to end: the poll timer (functions/bamboohrPoll.ts) fires on the dev host's virtual clock, reads
 * the BambooHR stand-in, and each request reaches alice's calendar owner, which sets her automatic replies in
 * the EWS sandbox (sharing that clock). A new, a changed and a cancelled request are each seen by the next
 * poll and shown by the mailbox.
 */
import path from 'node:path';
import {
  DEMO_BAMBOOHR_EMPLOYEES,
  startBambooHrApi,
  type BambooHrApiServer,
} from '../../dev/bamboohr/bambooHrApiServer';
import type { EwsSandbox, MailboxSnapshot } from '../../dev/ews-sandbox';
import { startDevHost, type DevHost } from '../../dev/host/devHost';
import { DevClock } from '../../dev/host/devClock';
import { useAppServices } from '../../shared/app/appServices';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';

const API_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f12345678';
const ALICE = 'alice@contoso.com';
const POLL_EVERY_MS = 15 * 60_000;

const clock = new DevClock();
let bamboo: BambooHrApiServer;
let sandbox: EwsSandbox;
let host: DevHost;
const logs: string[] = [];

beforeAll(async () => {
  bamboo = await startBambooHrApi({
    companyDomain: 'contoso',
    apiKey: API_KEY,
    employees: [...DEMO_BAMBOOHR_EMPLOYEES],
    today: () => new Date(clock.now()).toISOString().slice(0, 10),
  });
  sandbox = await startDemoSandbox({ knobs: { latencyMs: 0 }, now: () => clock.now() });
  const env: Record<string, string | undefined> = {
    ...process.env,
    KEY_VAULT_URI: undefined,
    ...demoEwsSettings(sandbox),
    MAILBOX_SCOPE: 'contoso.com',
    LEAVE_RETRY_FIRST_MS: '10',
    BAMBOOHR_POLL_SCHEDULE: '0 */15 * * * *',
    BAMBOOHR_COMPANY_DOMAIN: 'contoso',
    BAMBOOHR_API_URL: bamboo.url,
    BAMBOOHR_API_KEY: API_KEY,
    BAMBOOHR_TIME_ZONE: 'Europe/Berlin',
  };
  await useAppServices({ env, now: () => new Date(clock.now()) });
  host = await startDevHost({
    port: 0,
    functionsDir: path.resolve(__dirname, '../../functions'),
    env,
    clock,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await host?.close();
  await useAppServices(undefined);
  await sandbox?.close();
  await bamboo?.close();
});

const oofOf = (address: string): MailboxSnapshot['oof'] => {
  const snapshot = sandbox.inspectMailbox(address);
  if (!snapshot) throw new Error(`no ${address} in the sandbox`);
  return snapshot.oof;
};

/** Retries `check` until it passes (the poll and the owner run asynchronously), at most 15 s. */
async function eventually(check: () => void): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${(error as Error).message}\nlogs:\n${logs.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

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
  const id = bamboo.addRequest({ employeeId: '101', start: first, end: day(45) });
  clock.advance(POLL_EVERY_MS);
  await eventually(() =>
    expect(oofOf(ALICE)).toMatchObject({
      state: 'Scheduled',
      start: berlinMidnight(first),
      end: berlinMidnight(day(46)),
    }),
  );

  bamboo.changeRequest(id, { end: day(50) });
  clock.advance(POLL_EVERY_MS);
  await eventually(() => expect(oofOf(ALICE).end).toBe(berlinMidnight(day(51))));

  bamboo.cancelRequest(id);
  clock.advance(POLL_EVERY_MS);
  await eventually(() => expect(oofOf(ALICE)).toEqual(before));

  const polls = logs.filter((l) => l.includes('bamboohr poll '));
  expect(polls.length).toBeGreaterThanOrEqual(3);
  expect(logs.filter((l) => / failed: /.test(l))).toEqual([]);
});
