import {
  discoverMailboxes,
  PART_WRITES_IN_FLIGHT,
  type MailboxPartSink,
} from '../../../shared/sweep/discovery';
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

/** Parts as a store keeps them; `writes` in the order they were asked for. */
class Parts implements MailboxPartSink {
  readonly parts = new Map<number, string[]>();
  readonly writes: number[] = [];
  write(part: number, addresses: readonly string[]): Promise<void> {
    this.writes.push(part);
    this.parts.set(part, [...addresses]);
    return Promise.resolve();
  }
  read(part: number): Promise<string[] | undefined> {
    return Promise.resolve(this.parts.get(part));
  }
  all(): string[] {
    return [...this.parts.keys()].sort((a, b) => a - b).flatMap((k) => this.parts.get(k) ?? []);
  }
}

const options = { partSize: 2, salt: 'sweep-1' };

describe('finding the mailboxes a sweep touches', () => {
  it('expands nested groups once each, keeps only mailboxes, drops and counts what is out of scope', async () => {
    const fake = tenant();
    const parts = new Parts();
    const result = await discoverMailboxes(
      fake,
      MailboxScope.parse('contoso.com'),
      {
        group: 'all@contoso.com',
        mailboxes: ['alice.smith@contoso.com', 'carol@contoso.com', 'nobody@contoso.com'],
        serviceMailbox: 'svc@contoso.com',
      },
      parts,
      options,
    );
    // the group's members level by level, then the listed names; parts of 2, the last one shorter
    expect(parts.parts).toEqual(
      new Map([
        [0, ['alice@contoso.com', 'bob@contoso.com']],
        [1, ['carol@contoso.com']],
      ]),
    );
    expect(result).toMatchObject({
      parts: 2,
      total: 3,
      groupsExpanded: 2,
      notMailboxes: 1,
      outOfScope: 1,
      unresolved: 1,
    });
    expect(result.duplicates).toBe(2); // bob twice in team, alice by group and by alias
    expect(fake.calls.filter((c) => c.op === 'expand')).toHaveLength(2);
    expect(result.droppedExamples).toContainEqual({ address: 'eve@fabrikam.com', reason: 'outOfScope' });
  });

  it('refuses to guess when nothing to sweep is configured', async () => {
    const parts = new Parts();
    await expect(
      discoverMailboxes(new FakeMailboxes(), MailboxScope.parse('*'), { mailboxes: [] }, parts, options),
    ).rejects.toThrow(/MAILBOX_SCOPE_GROUP/);
    expect(parts.writes).toEqual([]);
  });

  /** all@contoso.com holds `teams` teams of `size` mailboxes; every mailbox is also in all directly. */
  function bigTenant(teams: number, size: number): FakeMailboxes {
    const fake = new FakeMailboxes();
    fake.addMailbox('svc@contoso.com');
    const m = (address: string, kind = 'Mailbox') => ({ name: address, address, kind });
    const top = [];
    for (let t = 0; t < teams; t++) {
      const members = Array.from({ length: size }, (_, i) => m(`u${t}-${i}@contoso.com`));
      fake.groups.set(`team${t}@contoso.com`, members);
      top.push(m(`team${t}@contoso.com`, 'PublicDL'));
    }
    fake.groups.set('all@contoso.com', [...top, m('u0-0@contoso.com')]);
    return fake;
  }
  const sources = { group: 'all@contoso.com', mailboxes: [], serviceMailbox: 'svc@contoso.com' };

  it('writes each full part while the groups are still being expanded, so batches can start on it', async () => {
    const fake = bigTenant(40, 10);
    const expandsBeforeFirstPart: number[] = [];
    const parts = new Parts();
    const sink: MailboxPartSink = {
      write: (part, addresses) => {
        if (part === 0) expandsBeforeFirstPart.push(fake.calls.filter((c) => c.op === 'expand').length);
        return parts.write(part, addresses);
      },
      read: (part) => parts.read(part),
    };
    const result = await discoverMailboxes(fake, MailboxScope.parse('contoso.com'), sources, sink, {
      partSize: 10,
      salt: 's',
    });
    expect(result).toMatchObject({ parts: 40, total: 400, duplicates: 1, groupsExpanded: 41 });
    // 41 ExpandDL calls in all; part 0 was written after the first few, not after all of them
    expect(fake.calls.filter((c) => c.op === 'expand')).toHaveLength(41);
    expect(expandsBeforeFirstPart[0]).toBeLessThan(20);
    const all = parts.all();
    expect(new Set(all).size).toBe(400); // each mailbox once across all parts
  });

  it('run again after a failure, keeps the parts written, fills a gap, and places only what is new after them', async () => {
    const fake = bigTenant(6, 5); // 30 mailboxes
    const parts = new Parts();
    // an earlier attempt wrote parts 0 and 2 (part 1's write never finished) before it failed
    const first = new Parts();
    await discoverMailboxes(fake, MailboxScope.parse('contoso.com'), sources, first, {
      partSize: 5,
      salt: 's',
    });
    parts.parts.set(0, first.parts.get(0)!);
    parts.parts.set(2, first.parts.get(2)!);
    // the group changed in between: a newcomer, and someone of part 2 left
    fake.groups.get('team5@contoso.com')!.push({ name: 'new', address: 'new@contoso.com', kind: 'Mailbox' });
    const leaver = first.parts.get(2)![0]!;
    const team = [...fake.groups.entries()].find(([, ms]) => ms.some((x) => x.address === leaver))!;
    fake.groups.set(
      team[0],
      team[1].filter((x) => x.address !== leaver),
    );

    const again = await discoverMailboxes(fake, MailboxScope.parse('contoso.com'), sources, parts, {
      partSize: 5,
      salt: 's',
    });
    expect(parts.parts.get(1)).toEqual([]); // the gap is an empty part: every part below `parts` exists
    expect(parts.parts.get(0)).toEqual(first.parts.get(0)); // written parts never change
    expect(parts.parts.get(2)).toEqual(first.parts.get(2));
    const all = parts.all();
    expect(new Set(all).size).toBe(all.length); // nobody twice
    // the 20 the earlier attempt had not written, and the newcomer, come after the parts already written
    expect(all).toHaveLength(10 + 20 + 1);
    expect(all.slice(10)).toContain('new@contoso.com');
    expect(again).toMatchObject({ total: 31, parts: 3 + 5 });
    // the members the earlier attempt placed are not counted as duplicates the first time they come again
    expect(again.duplicates).toBe(1); // u0-0, listed in all and in team0
  });

  it("a part that cannot be written fails discovery with the store's error", async () => {
    const fake = bigTenant(10, 10);
    const sink: MailboxPartSink = {
      write: (part) => (part === 3 ? Promise.reject(new Error('blob refused part 3')) : Promise.resolve()),
      read: () => Promise.resolve(undefined),
    };
    await expect(
      discoverMailboxes(fake, MailboxScope.parse('contoso.com'), sources, sink, { partSize: 5, salt: 's' }),
    ).rejects.toThrow('blob refused part 3');
  });

  it(`reads on past up to ${PART_WRITES_IN_FLIGHT - 1} missing parts when resuming (the writes that may be in flight)`, async () => {
    const parts = new Parts();
    parts.parts.set(PART_WRITES_IN_FLIGHT - 1, ['u0-0@contoso.com']); // parts 0..6 missing, 7 written
    const result = await discoverMailboxes(
      bigTenant(1, 3),
      MailboxScope.parse('contoso.com'),
      sources,
      parts,
      {
        partSize: 5,
        salt: 's',
      },
    );
    expect(result.parts).toBe(PART_WRITES_IN_FLIGHT + 1);
    expect(parts.all()).toEqual(['u0-0@contoso.com', 'u0-1@contoso.com', 'u0-2@contoso.com']);
    expect(parts.parts.get(0)).toEqual([]);
  });
});
