/**
 * A leave's reply set through the real EWS client on the sandbox (every request checked against the EWS
 * schema) and read back is still the app's own, whatever the person's or the delegate's name holds: the
 * check that decides whether the app may restore the person's reply (isStillOurs) must not take what the way
 * to Exchange alters for the person's own change.
 */
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { isStillOurs, plannedOof } from '../../shared/leave/leavePlan';
import type { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import { sandboxClient, SERVICE_ACCOUNT } from '../support/ewsTestClient';

const ALICE = 'alice@contoso.com';
/** The sandbox's clock: a month before the leave, so its scheduled window is in the future. */
const NOW = Date.parse('2030-06-01T08:00:00Z');
const window = {
  start: '2030-07-01T07:00:00.000Z',
  end: '2030-07-13T07:00:00.000Z',
  firstDayBack: '2030-07-15',
};

let sandbox: EwsSandbox;
let client: EwsClient;

beforeAll(async () => {
  sandbox = await startEwsSandbox({
    now: NOW,
    knobs: { strictSchema: true },
    seed: {
      tenant: { domains: ['contoso.com'] },
      mailboxes: [{ address: ALICE, oof: { state: 'Disabled', internalReply: '', externalReply: '' } }],
      serviceAccounts: [{ ...SERVICE_ACCOUNT, impersonation: { domains: ['contoso.com'] } }],
    },
  });
  ({ client } = sandboxClient(sandbox));
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

describe('the reply a leave sets is still the app’s own when read back from the mailbox', () => {
  it.each([
    ['a control character (U+0001)', 'Ann\u0001Lee'],
    ['a form feed', 'Ann\fLee'],
    ['a lone surrogate', 'Ann\uD83DLee'],
    ['U+FFFE and U+FFFF', 'Ann\uFFFELee\uFFFF'],
    ['CR LF and a lone CR', 'Ann\r\nLee\rJr'],
    ['HTML and an emoji', 'Ann <Ops> & “Lee” 😀'],
  ])('a display name and a delegate with %s', async (_what, name) => {
    const ours = plannedOof(
      { employee: { email: ALICE, displayName: name }, delegate: { name, email: 'bob@contoso.com' } },
      window,
      { externalAudience: 'All' },
    );
    await client.setOof(ALICE, ours);
    const read = await client.getOof(ALICE);
    expect(read).toMatchObject({ state: 'Scheduled', externalAudience: 'All' });
    expect({ name, stillOurs: isStillOurs(read, ours) }).toEqual({ name, stillOurs: true });
    // The text itself arrived as set, not merely something that compares equal.
    expect(sandbox.inspectMailbox(ALICE)?.oof.internalReply).toBe(ours.internalReply);
  });
});
