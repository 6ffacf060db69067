import { discoverMailboxes } from '../../../shared/sweep/discovery';
import { MailboxScope } from '../../../shared/mailbox/scope';
import { FakeMailboxes } from '../../support/fakeMailboxes';

function tenant(): FakeMailboxes {
  const fake = new FakeMailboxes();
  for (const a of ['alice', 'bob', 'carol', 'svc']) fake.addMailbox(`${a}@contoso.com`);
  fake.addMailbox('eve@fabrikam.com');
  fake.mailboxes.get('alice@contoso.com')!.aliases = ['alice.smith@contoso.com'];
  const m = (address: string, kind = 'Mailbox') => ({ name: address, address, kind });
  fake.groups.set('all@contoso.com', [
    m('alice@contoso.com'),
    m('team@contoso.com', 'PublicDL'),
    m('room@contoso.com', 'Contact'),
  ]);
  // team contains all again (a cycle) and bob twice, and someone outside the scope
  fake.groups.set('team@contoso.com', [
    m('bob@contoso.com'),
    m('bob@contoso.com'),
    m('all@contoso.com', 'PublicDL'),
    m('eve@fabrikam.com'),
  ]);
  return fake;
}

describe('finding the mailboxes a sweep touches', () => {
  it('expands nested groups once each, keeps only mailboxes, drops and counts what is out of scope', async () => {
    const fake = tenant();
    const result = await discoverMailboxes(fake, MailboxScope.parse('contoso.com'), {
      group: 'all@contoso.com',
      mailboxes: ['alice.smith@contoso.com', 'carol@contoso.com', 'nobody@contoso.com'],
      serviceMailbox: 'svc@contoso.com',
    });
    expect(result.addresses).toEqual(['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com']);
    expect(result).toMatchObject({
      total: 3,
      groupsExpanded: 2,
      notMailboxes: 1,
      outOfScope: 1,
      unresolved: 1,
    });
    expect(result.duplicates).toBe(1); // alice by group and by alias (bob twice in one group is merged by the expansion)
    expect(fake.calls.filter((c) => c.op === 'expand')).toHaveLength(2);
    expect(result.droppedExamples).toContainEqual({ address: 'eve@fabrikam.com', reason: 'outOfScope' });
  });

  it('refuses to guess when nothing to sweep is configured', async () => {
    await expect(
      discoverMailboxes(new FakeMailboxes(), MailboxScope.parse('*'), { mailboxes: [] }),
    ).rejects.toThrow(/MAILBOX_SCOPE_GROUP/);
  });
});
