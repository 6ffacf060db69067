import { expandGroupDeep } from '../../shared/mailbox/groupExpansion';
import { FakeMailboxes } from '../support/fakeMailboxes';

/** all → 3 teams (one nested twice, one containing all again: a cycle), members shared across teams. */
function tenant(): FakeMailboxes {
  const fake = new FakeMailboxes();
  const m = (address: string, kind = 'Mailbox') => ({ name: address, address, kind });
  fake.groups.set('all@contoso.com', [
    m('t1@contoso.com', 'PublicDL'),
    m('t2@contoso.com', 'PublicDL'),
    m('ceo@contoso.com'),
    m('t1@contoso.com', 'PublicDL'),
  ]);
  fake.groups.set('t1@contoso.com', [
    m('a@contoso.com'),
    m('B@contoso.com'),
    m('t3@contoso.com', 'PrivateDL'),
  ]);
  fake.groups.set('t2@contoso.com', [
    m('b@contoso.com'),
    m('c@contoso.com'),
    m('room@contoso.com', 'Contact'),
  ]);
  fake.groups.set('t3@contoso.com', [
    m('d@contoso.com'),
    m('all@contoso.com', 'PublicDL'),
    m('a@contoso.com'),
  ]);
  return fake;
}

describe('expanding a group, nested groups level by level', () => {
  it('gives the same members in the same order one call at a time or several, each group once', async () => {
    const sequential = await expandGroupDeep(tenant(), 'ALL@contoso.com', 'svc@contoso.com', 1);
    const fake = tenant();
    const byLevel = await expandGroupDeep(fake, 'ALL@contoso.com', 'svc@contoso.com', 8);
    expect(byLevel).toEqual(sequential);
    expect(byLevel.groups).toEqual(['all@contoso.com', 't1@contoso.com', 't2@contoso.com', 't3@contoso.com']);
    expect(fake.calls.filter((c) => c.op === 'expand')).toHaveLength(4);
  });

  it('has at most `concurrency` ExpandDL calls in flight', async () => {
    const fake = tenant();
    for (let i = 0; i < 20; i++) {
      fake.groups.set(`x${i}@contoso.com`, [{ name: 'x', address: `x${i}m@contoso.com`, kind: 'Mailbox' }]);
    }
    fake.groups.set(
      'big@contoso.com',
      Array.from({ length: 20 }, (_, i) => ({ name: 'x', address: `x${i}@contoso.com`, kind: 'PublicDL' })),
    );
    let inFlight = 0;
    let peak = 0;
    const expand = fake.expandGroup.bind(fake);
    fake.expandGroup = async (group, as) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
      return expand(group, as);
    };
    const result = await expandGroupDeep(fake, 'big@contoso.com', 'svc@contoso.com', 3);
    expect(result.members).toHaveLength(20);
    expect(peak).toBe(3);
  });
});
