import type { GroupMember, MailboxOperations } from './mailboxOperations';

const NESTED_GROUP_KINDS = new Set(['PublicDL', 'PrivateDL', 'GroupMailbox']);

/**
 * Every member of a group, nested groups expanded, each group visited once (a group that contains
 * itself, directly or not, must not loop), members listed once.
 */
export async function expandGroupDeep(
  ops: MailboxOperations,
  group: string,
  asMailbox: string,
): Promise<{ members: GroupMember[]; groups: string[] }> {
  const seenGroups = new Set<string>();
  const members = new Map<string, GroupMember>();
  const queue = [group.toLowerCase()];
  while (queue.length > 0) {
    const next = queue.shift() ?? '';
    if (seenGroups.has(next)) continue;
    seenGroups.add(next);
    for (const member of await ops.expandGroup(next, asMailbox)) {
      const address = member.address.toLowerCase();
      if (NESTED_GROUP_KINDS.has(member.kind)) queue.push(address);
      else if (!members.has(address)) members.set(address, { ...member, address });
    }
  }
  return { members: [...members.values()], groups: [...seenGroups] };
}
