/**
 * The BambooHR poll as the host runs it: the BambooHR stand-in (company `contoso`, the demo employees) and
 * the dev host with its timers firing on the virtual clock, BAMBOOHR_POLL_SCHEDULE every 15 minutes and the
 * app's own clock following the host's, so each poll's instant and the stand-in's "today" move with it.
 */
import {
  DEMO_BAMBOOHR_EMPLOYEES,
  startBambooHrApi,
  type BambooHrApiServer,
} from '../../dev/bamboohr/bambooHrApiServer';
import { DevClock } from '../../dev/host/devClock';
import type { MailboxOperations } from '../../shared/mailbox/mailboxOperations';
import { startLeaveDevHost, type LeaveDevHost } from './leaveDevHost';

/** How often the poll fires: BAMBOOHR_POLL_SCHEDULE below. */
export const POLL_EVERY_MS = 15 * 60_000;

export interface BambooHrDevHostOptions {
  /** The key the stand-in accepts and the app's BAMBOOHR_API_KEY. */
  apiKey: string;
  /** BAMBOOHR_TIME_ZONE: the company's days are read in it. */
  timeZone: string;
  /** The host's clock (default: a new one), for a stand-in started before the host that must share it. */
  clock?: DevClock;
  /** Settings added to the poll's, e.g. the mailbox back end's. */
  env?: Record<string, string | undefined>;
  /** The leave activities' mailbox; without it they build the real back end from the settings. */
  mailbox?: MailboxOperations;
}

export interface BambooHrDevHost {
  bamboo: BambooHrApiServer;
  devHost: LeaveDevHost;
  clock: DevClock;
  /** Stops the host, then the stand-in. */
  close(): Promise<void>;
}

export async function startBambooHrDevHost(options: BambooHrDevHostOptions): Promise<BambooHrDevHost> {
  const clock = options.clock ?? new DevClock();
  const bamboo = await startBambooHrApi({
    companyDomain: 'contoso',
    apiKey: options.apiKey,
    employees: [...DEMO_BAMBOOHR_EMPLOYEES],
    today: () => new Date(clock.now()).toISOString().slice(0, 10),
  });
  try {
    const devHost = await startLeaveDevHost({
      env: {
        MAILBOX_SCOPE: 'contoso.com',
        BAMBOOHR_POLL_SCHEDULE: '0 */15 * * * *',
        BAMBOOHR_COMPANY_DOMAIN: 'contoso',
        BAMBOOHR_API_URL: bamboo.url,
        BAMBOOHR_API_KEY: options.apiKey,
        BAMBOOHR_TIME_ZONE: options.timeZone,
        ...options.env,
      },
      mailbox: options.mailbox,
      timers: true,
      clock,
      now: () => new Date(clock.now()),
    });
    return {
      bamboo,
      devHost,
      clock,
      async close() {
        await devHost.close();
        await bamboo.close();
      },
    };
  } catch (error) {
    await bamboo.close(); // a failed start leaves nothing listening
    throw error;
  }
}
