import { forEachInOrder } from '../platform/transport/concurrency';
import type { GroupMember, MailboxOperations } from './mailboxOperations';

const NESTED_GROUP_KINDS = new Set(['PublicDL', 'PrivateDL', 'GroupMailbox']);

/**
 * Walks a group breadth first, nested groups expanded, each group visited once (a group that contains
 * itself, directly or not, must not loop), handing every member that is not a group to `visit` as it
 * comes, in a fixed order (level by level, each group's members in the order Exchange lists them) whatever
 * `concurrency` is. Nothing but the groups is kept: a member seen twice is handed over twice (the caller
 * decides what a duplicate is), so a tenant of a million members streams through in bounded memory.
 * The groups of one level are expanded `concurrency` at a time: a tenant group of 10,000 mailboxes in
 * teams of 100 is 101 ExpandDL calls, and one at a time they held a sweep back for seconds.
 * Returns the groups expanded.
 */
export async function walkGroupMembers(
  ops: MailboxOperations,
  group: string,
  asMailbox: string,
  concurrency: number,
  visit: (member: GroupMember) => void | Promise<void>,
): Promise<string[]> {
  const seenGroups = new Set<string>();
  let level = [group.toLowerCase()];
  while (level.length > 0) {
    const fresh: string[] = [];
    for (const g of level) {
      if (seenGroups.has(g)) continue;
      seenGroups.add(g);
      fresh.push(g);
    }
    const next: string[] = [];
    await forEachInOrder(
      fresh,
      concurrency,
      (g) => ops.expandGroup(g, asMailbox),
      async (list) => {
        for (const member of list) {
          const address = member.address.toLowerCase();
          if (NESTED_GROUP_KINDS.has(member.kind)) next.push(address);
          else await visit({ ...member, address });
        }
      },
    );
    level = next;
  }
  return [...seenGroups];
}

/**
 * Every member of a group, nested groups expanded, members listed once, first sighting wins (breadth
 * first). Holds them all: for a person's look at a group (the CLI's `group` command); the sweep streams
 * with walkGroupMembers.
 */
export async function expandGroupDeep(
  ops: MailboxOperations,
  group: string,
  asMailbox: string,
  concurrency = 1,
): Promise<{ members: GroupMember[]; groups: string[] }> {
  const members = new Map<string, GroupMember>();
  const groups = await walkGroupMembers(ops, group, asMailbox, concurrency, (member) => {
    if (!members.has(member.address)) members.set(member.address, member);
  });
  return { members: [...members.values()], groups };
}
