import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { SERVICE_ACCOUNT } from '../support/ewsTestClient';
import { basic, bodies, post, soap } from '../support/sandboxSoap';

let sandbox: EwsSandbox;
beforeAll(async () => {
  sandbox = await startEwsSandbox({
    seed: {
      tenant: { domains: ['contoso.com'] },
      mailboxes: [
        {
          address: 'alice@contoso.com',
          oof: { state: 'Enabled', internalReply: 'kept', externalReply: 'kept' },
        },
      ],
      serviceAccounts: [{ ...SERVICE_ACCOUNT, impersonation: { domains: ['contoso.com'] } }],
    },
  });
});
afterAll(() => sandbox.close());

describe('the sandbox reads OOF replies the way Exchange does', () => {
  it('refuses unescaped HTML in a reply (Message is a string) instead of storing an empty reply', async () => {
    // What a client that forgets to escape sends: <p> becomes an element inside t:Message.
    const settings =
      '<t:OofState>Enabled</t:OofState><t:ExternalAudience>All</t:ExternalAudience>' +
      '<t:InternalReply><t:Message><p>Away</p></t:Message></t:InternalReply>';
    const answer = await post(
      sandbox.url,
      soap(bodies.setOof('alice@contoso.com', settings), { as: 'alice@contoso.com' }),
      {
        ...basic(SERVICE_ACCOUNT.username, SERVICE_ACCOUNT.password),
        anchor: 'alice@contoso.com',
      },
    );
    expect(answer.status).toBe(500);
    expect(answer.text).toContain('ErrorSchemaValidation');
    expect(sandbox.inspectMailbox('alice@contoso.com')?.oof.internalReply).toBe('kept');
  });
});
