/**
 * Which mailboxes a sweep touches: members of MAILBOX_SCOPE_GROUP (nested groups expanded once each,
 * so a group containing itself cannot loop) and/or an explicit list; only user mailboxes; every
 * listed name resolved to its primary SMTP address; duplicates removed; anything outside
 * MAILBOX_SCOPE dropped and counted, never touched.
 */
import { mapWithLimit } from '../platform/transport/concurrency';
import { expandGroupDeep } from '../mailbox/groupExpansion';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../mailbox/scope';
import { ConfigError } from '../platform/configError';
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
 * ExpandDL and ResolveNames calls in flight during discovery. All impersonate the service mailbox, so the EWS client's
 * per-mailbox cap (EWS_MAX_IN_FLIGHT_PER_MAILBOX, default 3) is what really applies; this only bounds
 * the promises waiting for it.
 */
const EXPAND_CONCURRENCY = 8;

/**
 * What configuration alone says about a discovery, before any call: something to sweep, a mailbox to act
 * as for the group, that mailbox in MAILBOX_SCOPE, and a scope that admits anything at all. Throws
 * ConfigError naming the setting; discoverMailboxes checks it first, and the sweep's starters check it
 * before any orchestration starts.
 */
export function assertDiscoverable(scope: MailboxScope, sources: DiscoverySources): void {
  if (!sources.group && sources.mailboxes.length === 0) {
    throw new ConfigError(
      'nothing to sweep: set MAILBOX_SCOPE_GROUP (a distribution group) and/or SWEEP_MAILBOXES (addresses)',
      'MAILBOX_SCOPE_GROUP',
    );
  }
  if (scope.isEmpty) {
    throw new ConfigError(
      'MAILBOX_SCOPE is not set, so no mailbox may be swept: set it to the domains and addresses allowed, ' +
        'e.g. MAILBOX_SCOPE=contoso.com',
      'MAILBOX_SCOPE',
    );
  }
  if (sources.group && !sources.serviceMailbox) {
    throw new ConfigError(
      'EWS_SERVICE_MAILBOX is not set: expanding MAILBOX_SCOPE_GROUP acts as a mailbox; set it to a service mailbox in MAILBOX_SCOPE',
      'EWS_SERVICE_MAILBOX',
    );
  }
  // Group expansion and name resolution act as this mailbox: outside the scope, every call is refused.
  if (sources.serviceMailbox && !scope.allows(sources.serviceMailbox)) {
    throw new ConfigError(
      `EWS_SERVICE_MAILBOX ${sources.serviceMailbox} is outside MAILBOX_SCOPE (${scope.describe()}): ` +
        'directory calls act as it; pick a mailbox in scope or widen MAILBOX_SCOPE',
      'EWS_SERVICE_MAILBOX',
    );
  }
}

export async function discoverMailboxes(
  ops: MailboxOperations,
  scope: MailboxScope,
  sources: DiscoverySources,
): Promise<DiscoveryResult> {
  assertDiscoverable(scope, sources);
  const dropped: DiscoveryResult['droppedExamples'] = [];
  const drop = (address: string, reason: DiscoveryResult['droppedExamples'][number]['reason']): void => {
    if (dropped.length < EXAMPLES) dropped.push({ address, reason });
  };
  let notMailboxes = 0;
  let groupsExpanded = 0;
  const candidates: string[] = [];

  if (sources.group && sources.serviceMailbox) {
    const { members, groups } = await expandGroupDeep(
      ops,
      sources.group,
      sources.serviceMailbox,
      EXPAND_CONCURRENCY,
    );
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
  const resolved = await mapWithLimit(sources.mailboxes, EXPAND_CONCURRENCY, async (name) => {
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
