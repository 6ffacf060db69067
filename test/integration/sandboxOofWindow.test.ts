/**
 * The sandbox refuses a scheduled OOF window that has ended, as Exchange does (ErrorInvalidScheduledOofDuration:
 * "the end time does not occur in the future"), judged by the sandbox's own clock, which a test or the dev
 * host can move forward.
 */
import type { EwsSandbox } from '../../dev/ews-sandbox';
import type { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';
import { sandboxClient } from '../support/ewsTestClient';

const DAY = 86_400_000;
let offsetMs = 0;
let sandbox: EwsSandbox;
let client: EwsClient;

beforeAll(async () => {
  // The sandbox's clock is this test's: real time plus an offset the test moves on.
  sandbox = await startDemoSandbox({
    knobs: { missingAnchorFailureRate: 0 },
    now: () => Date.now() + offsetMs,
  });
  client = sandboxClient(sandbox, demoEwsSettings(sandbox)).client;
});

afterAll(async () => {
  await client.close();
  await sandbox.close();
});

const window = (startDays: number, endDays: number): OofSettings => ({
  state: 'Scheduled',
  start: new Date(Date.now() + offsetMs + startDays * DAY).toISOString(),
  end: new Date(Date.now() + offsetMs + endDays * DAY).toISOString(),
  externalAudience: 'All',
  internalReply: 'On leave',
  externalReply: 'On leave',
});

describe('a scheduled OOF window must end in the future', () => {
  it('accepts a window ending later, refuses one that has ended and keeps the settings as they were', async () => {
    await client.setOof('alice@contoso.com', window(-1, 3)); // running now: fine
    const before = sandbox.inspectMailbox('alice@contoso.com')?.oof;
    await expect(client.setOof('alice@contoso.com', window(-10, -2))).rejects.toMatchObject({
      code: 'ErrorInvalidScheduledOofDuration',
    });
    expect(sandbox.inspectMailbox('alice@contoso.com')?.oof).toEqual(before);
  });

  it('keeps a past window with Disabled (Exchange stores it, Outlook pre-fills it)', async () => {
    await client.setOof('alice@contoso.com', { ...window(-10, -2), state: 'Disabled' });
    expect(sandbox.inspectMailbox('alice@contoso.com')?.oof.state).toBe('Disabled');
  });

  it("judges by the sandbox's clock: a window that was fine is refused once the clock passes its end", async () => {
    const settings = window(1, 5);
    await client.setOof('bob@contoso.com', settings);
    offsetMs += 6 * DAY;
    await expect(client.setOof('bob@contoso.com', settings)).rejects.toMatchObject({
      code: 'ErrorInvalidScheduledOofDuration',
    });
  });

  it('a number as `now` is a clock that starts there and runs on', async () => {
    const past = await startDemoSandbox({ now: Date.parse('2020-01-01T00:00:00Z') });
    const pastClient = sandboxClient(past, demoEwsSettings(past)).client;
    try {
      // In 2020 a window in 2021 is still to come.
      await pastClient.setOof('alice@contoso.com', {
        ...window(0, 1),
        start: '2021-03-01T00:00:00Z',
        end: '2021-03-05T00:00:00Z',
      });
      expect(past.inspectMailbox('alice@contoso.com')?.oof.end).toBe('2021-03-05T00:00:00.000Z');
    } finally {
      await pastClient.close();
      await past.close();
    }
  });
});
