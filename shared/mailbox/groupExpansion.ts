import { mapWithLimit } from '../platform/transport/concurrency';
import type { GroupMember, MailboxOperations } from './mailboxOperations';

const NESTED_GROUP_KINDS = new Set(['PublicDL', 'PrivateDL', 'GroupMailbox']);

/**
 * Every member of a group, nested groups expanded, each group visited once (a group that contains
 * itself, directly or not, must not loop), members listed once, first sighting wins (breadth first).
 * The groups of one nesting level are expanded `concurrency` at a time: a tenant group of 10,000 mailboxes
 * in teams of 100 is 101 ExpandDL calls, and one at a time they held a sweep back for seconds. The result
 * does not depend on `concurrency`.
 */
export async function expandGroupDeep(
  ops: MailboxOperations,
  group: string,
  asMailbox: string,
  concurrency = 1,
): Promise<{ members: GroupMember[]; groups: string[] }> {
  const seenGroups = new Set<string>();
  const members = new Map<string, GroupMember>();
  let level = [group.toLowerCase()];
  while (level.length > 0) {
    const fresh: string[] = [];
    for (const g of level) {
      if (seenGroups.has(g)) continue;
      seenGroups.add(g);
      fresh.push(g);
    }
    const expanded = await mapWithLimit(fresh, concurrency, (g) => ops.expandGroup(g, asMailbox));
    const next: string[] = [];
    // Results are taken in level order, so the outcome is the same as one call at a time.
    for (const list of expanded) {
      for (const member of list) {
        const address = member.address.toLowerCase();
        if (NESTED_GROUP_KINDS.has(member.kind)) next.push(address);
        else if (!members.has(address)) members.set(address, { ...member, address });
      }
    }
    level = next;
  }
  return { members: [...members.values()], groups: [...seenGroups] };
}
