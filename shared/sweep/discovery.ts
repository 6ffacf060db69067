/**
 * Which mailboxes a sweep touches: members of MAILBOX_SCOPE_GROUP (nested groups expanded once each,
 * so a group containing itself cannot loop) and/or an explicit list; only user mailboxes; every
 * listed name resolved to its primary SMTP address; duplicates removed; anything outside
 * MAILBOX_SCOPE dropped and counted, never touched.
 */
import type { GroupMember, MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../scope';
import { ConfigError } from '../configError';
import type { DiscoveryCounts } from './sweepTypes';

export interface DiscoverySources {
  group?: string;
  /** Explicit names or addresses (aliases are resolved). */
  mailboxes: readonly string[];
  /** Impersonated for ExpandDL and ResolveNames. */
  serviceMailbox?: string;
}

export interface DiscoveryResult extends DiscoveryCounts {
  /** Primary SMTP addresses, lower case, sorted, unique, all in scope. */
  addresses: string[];
  /** A few of the dropped addresses, for the report (not all: a bad group could hold thousands). */
  droppedExamples: { address: string; reason: 'outOfScope' | 'unresolved' | 'notMailbox' }[];
}

const EXAMPLES = 20;

/**
 * ExpandDL calls in flight during discovery. All impersonate the service mailbox, so the EWS client's
 * per-mailbox cap (EWS_MAX_IN_FLIGHT_PER_MAILBOX, default 3) is what really applies; this only bounds
 * the promises waiting for it.
 */
const EXPAND_CONCURRENCY = 8;

const NESTED_GROUP_KINDS = new Set(['PublicDL', 'PrivateDL', 'GroupMailbox']);

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Every member of a group, nested groups expanded once each (a group containing itself cannot loop),
 * members listed once: the same result as shared/mailbox/groupExpansion's expandGroupDeep (breadth
 * first, first sighting wins), but the groups of one nesting level are expanded concurrently. A tenant
 * group of 10,000 mailboxes in teams of 100 is 101 ExpandDL calls; one at a time they held the whole
 * sweep back for seconds before its first mailbox.
 */
export async function expandGroupByLevel(
  ops: MailboxOperations,
  group: string,
  asMailbox: string,
  concurrency = EXPAND_CONCURRENCY,
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
    const expanded = await mapLimit(fresh, concurrency, (g) => ops.expandGroup(g, asMailbox));
    const next: string[] = [];
    // Results are taken in queue order, so members and groups come out as the sequential walk has them.
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

export async function discoverMailboxes(
  ops: MailboxOperations,
  scope: MailboxScope,
  sources: DiscoverySources,
): Promise<DiscoveryResult> {
  if (!sources.group && sources.mailboxes.length === 0) {
    throw new ConfigError(
      'nothing to sweep: set MAILBOX_SCOPE_GROUP (a distribution group) and/or SWEEP_MAILBOXES (addresses)',
      'MAILBOX_SCOPE_GROUP',
    );
  }
  const dropped: DiscoveryResult['droppedExamples'] = [];
  const drop = (address: string, reason: DiscoveryResult['droppedExamples'][number]['reason']): void => {
    if (dropped.length < EXAMPLES) dropped.push({ address, reason });
  };
  let notMailboxes = 0;
  let groupsExpanded = 0;
  const candidates: string[] = [];

  if (sources.group) {
    if (!sources.serviceMailbox) {
      throw new ConfigError(
        'EWS_SERVICE_MAILBOX is not set: group expansion acts as a mailbox',
        'EWS_SERVICE_MAILBOX',
      );
    }
    const { members, groups } = await expandGroupByLevel(ops, sources.group, sources.serviceMailbox);
    groupsExpanded = groups.length;
    for (const m of members) {
      // ExpandDL gives each member's primary SMTP address; only user mailboxes have an archive to fill.
      if (m.kind === 'Mailbox') candidates.push(m.address.toLowerCase());
      else {
        notMailboxes++;
        drop(m.address, 'notMailbox');
      }
    }
  }

  // Listed names may be aliases or display names: resolve each (ResolveNames), a few at a time.
  let unresolved = 0;
  const asMailbox = sources.serviceMailbox;
  const resolved = await mapLimit(sources.mailboxes, 8, async (name) => {
    const as = asMailbox ?? (scope.allows(name) ? name : undefined);
    if (!as) return { name, address: name.toLowerCase() }; // scope check below drops it
    return { name, address: (await ops.resolvePrimaryAddress(name, as))?.toLowerCase() };
  });
  for (const r of resolved) {
    if (r.address) candidates.push(r.address);
    else {
      unresolved++;
      drop(r.name, 'unresolved');
    }
  }

  const unique = new Set<string>();
  let duplicates = 0;
  let outOfScope = 0;
  for (const address of candidates) {
    if (unique.has(address)) {
      duplicates++;
      continue;
    }
    if (!scope.allows(address)) {
      outOfScope++;
      drop(address, 'outOfScope');
      unique.add(address); // count each dropped address once
      continue;
    }
    unique.add(address);
  }
  const addresses = [...unique].filter((a) => scope.allows(a)).sort();
  return {
    addresses,
    total: addresses.length,
    groupsExpanded,
    notMailboxes,
    duplicates,
    unresolved,
    outOfScope,
    droppedExamples: dropped,
  };
}
