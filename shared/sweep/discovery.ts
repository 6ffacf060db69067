/**
 * Which mailboxes a sweep touches: members of MAILBOX_SCOPE_GROUP (nested groups expanded once each,
 * so a group containing itself cannot loop) and/or an explicit list; only user mailboxes; every
 * listed name resolved to its primary SMTP address; duplicates removed; anything outside
 * MAILBOX_SCOPE dropped and counted, never touched.
 *
 * The list is written in parts as it is found (part k is batch k's mailboxes), so discovery holds one part
 * and the fingerprints of what it placed, not the tenant, and the sweep's batches start on the first parts
 * while the expansion goes on. The order is the expansion's (group members level by level, then the listed
 * names), not sorted: sorting would need the whole list.
 */
import { forEachInOrder } from '../platform/transport/concurrency';
import { walkGroupMembers } from '../mailbox/groupExpansion';
import type { MailboxOperations } from '../mailbox/mailboxOperations';
import type { MailboxScope } from '../mailbox/scope';
import { ConfigError } from '../platform/configError';
import { AddressFingerprints } from './addressFingerprints';
import type { DiscoveryCounts } from './sweepTypes';

export interface DiscoverySources {
  group?: string;
  /** Explicit names or addresses (aliases are resolved). */
  mailboxes: readonly string[];
  /** Impersonated for ExpandDL and ResolveNames. */
  serviceMailbox?: string;
}

export type DroppedReason = 'outOfScope' | 'unresolved' | 'notMailbox';

export interface DiscoveryResult extends DiscoveryCounts {
  /** Parts written, from 0 (resumed ones included): batch k sweeps part k. */
  parts: number;
  /** A few of the dropped addresses, for the report (not all: a bad group could hold thousands). */
  droppedExamples: { address: string; reason: DroppedReason }[];
}

/** Where the parts go, and what an earlier attempt of the same discovery already wrote. */
export interface MailboxPartSink {
  /** Writes part `part`: primary SMTP addresses, lower case, unique across all parts, all in scope. */
  write(part: number, addresses: readonly string[]): Promise<void>;
  /** A part an earlier attempt wrote, or undefined. */
  read(part: number): Promise<readonly string[] | undefined>;
}

export interface DiscoveryOptions {
  /** Addresses per part (SWEEP_BATCH_SIZE: a part is a batch). */
  partSize: number;
  /** Salts the fingerprints of placed addresses (the sweep's id): see AddressFingerprints. */
  salt: string;
}

const EXAMPLES = 20;

/**
 * Part writes in flight while the expansion goes on (each is one blob upload). A crash can leave a gap
 * below the last part written; a discovery that runs again reads on past up to this many missing parts.
 */
export const PART_WRITES_IN_FLIGHT = 8;

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

/**
 * Finds the sweep's mailboxes and writes them to `sink` in parts of `options.partSize`, the last one
 * shorter. Run again after a failure (activities run at least once), it first reads the parts the earlier
 * attempt wrote: their addresses stay where they are (a batch may already have swept them) and count as
 * placed, gaps left by writes that never finished become empty parts, and the new parts follow the last
 * one. Only full parts are written before the end, so no part ever changes once written.
 */
export async function discoverMailboxes(
  ops: MailboxOperations,
  scope: MailboxScope,
  sources: DiscoverySources,
  sink: MailboxPartSink,
  options: DiscoveryOptions,
): Promise<DiscoveryResult> {
  assertDiscoverable(scope, sources);
  if (!Number.isInteger(options.partSize) || options.partSize < 1) {
    throw new Error(`part size must be a positive whole number, got ${options.partSize}`);
  }
  const dropped: DiscoveryResult['droppedExamples'] = [];
  const drop = (address: string, reason: DroppedReason): void => {
    if (dropped.length < EXAMPLES) dropped.push({ address, reason });
  };
  const placed = new AddressFingerprints(options.salt);
  const writer = new PartWriter(sink, options.partSize);
  const earlier = new AddressFingerprints(options.salt);
  await writer.resume(placed, earlier);
  // Addresses an earlier attempt placed are not duplicates the first time this attempt meets them.
  const metAgain = earlier.size > 0 ? new AddressFingerprints(options.salt) : undefined;
  let notMailboxes = 0;
  let duplicates = 0;
  let outOfScope = 0;

  const place = async (address: string): Promise<void> => {
    if (!placed.add(address)) {
      const firstMeetingOfEarlier = metAgain !== undefined && metAgain.add(address) && earlier.has(address);
      if (!firstMeetingOfEarlier) duplicates++;
      return;
    }
    if (!scope.allows(address)) {
      // Kept among the placed fingerprints so that it is counted once, never written.
      outOfScope++;
      drop(address, 'outOfScope');
      return;
    }
    await writer.add(address);
  };

  let groupsExpanded = 0;
  if (sources.group && sources.serviceMailbox) {
    const groups = await walkGroupMembers(
      ops,
      sources.group,
      sources.serviceMailbox,
      EXPAND_CONCURRENCY,
      async (member) => {
        // ExpandDL gives each member's primary SMTP address; only user mailboxes have an archive to fill.
        if (member.kind === 'Mailbox') return place(member.address);
        notMailboxes++;
        drop(member.address, 'notMailbox');
      },
    );
    groupsExpanded = groups.length;
  }

  // Listed names may be aliases or display names: resolve each (ResolveNames), a few at a time.
  let unresolved = 0;
  const asMailbox = sources.serviceMailbox;
  await forEachInOrder(
    sources.mailboxes,
    EXPAND_CONCURRENCY,
    async (name) => {
      const as = asMailbox ?? (scope.allows(name) ? name : undefined);
      if (!as) return name.toLowerCase(); // the scope check drops it
      return (await ops.resolvePrimaryAddress(name, as))?.toLowerCase();
    },
    async (address, name) => {
      if (address) return place(address);
      unresolved++;
      drop(name, 'unresolved');
    },
  );

  const { parts, total } = await writer.end();
  return {
    parts,
    total,
    groupsExpanded,
    notMailboxes,
    duplicates,
    unresolved,
    outOfScope,
    droppedExamples: dropped,
  };
}

/** The parts as they fill: full ones written at once (a few at a time), the last one at the end. */
class PartWriter {
  private current: string[] = [];
  private next = 0;
  private written = 0;
  private readonly pending = new Set<Promise<void>>();
  private failure?: Error;

  constructor(
    private readonly sink: MailboxPartSink,
    private readonly partSize: number,
  ) {}

  /**
   * Reads what an earlier attempt wrote into `placed` and `earlier`, and continues after its last part,
   * filling gaps with empty parts.
   */
  async resume(placed: AddressFingerprints, earlier: AddressFingerprints): Promise<void> {
    const { parts, total } = await readWrittenParts(this.sink, (address) => {
      placed.add(address);
      earlier.add(address);
    });
    this.next = parts;
    this.written = total;
  }

  async add(address: string): Promise<void> {
    this.current.push(address);
    if (this.current.length >= this.partSize) await this.flush();
  }

  async end(): Promise<{ parts: number; total: number }> {
    if (this.current.length > 0) await this.flush();
    await Promise.all(this.pending);
    this.throwIfFailed();
    return { parts: this.next, total: this.written };
  }

  /** A write that failed fails discovery (at the next part, or at the end). */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async flush(): Promise<void> {
    this.throwIfFailed();
    const addresses = this.current;
    this.current = [];
    const write = this.sink.write(this.next++, addresses).then(
      () => {
        this.written += addresses.length;
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
    if (this.pending.size >= PART_WRITES_IN_FLIGHT) await Promise.race(this.pending);
    this.throwIfFailed();
  }
}

/**
 * The parts a discovery wrote, read from part 0 on past up to PART_WRITES_IN_FLIGHT missing ones in a row
 * (writes finish out of order: a crash can leave a gap below the last part written); each gap below the
 * last part becomes an empty part, so that every part below `parts` exists. `visit` sees every address.
 */
export async function readWrittenParts(
  sink: MailboxPartSink,
  visit: (address: string) => void = () => undefined,
): Promise<{ parts: number; total: number }> {
  let parts = 0;
  let total = 0;
  const gaps: number[] = [];
  for (let part = 0, missingInARow = 0; missingInARow < PART_WRITES_IN_FLIGHT; part++) {
    const addresses = await sink.read(part);
    if (!addresses) {
      missingInARow++;
      gaps.push(part);
      continue;
    }
    missingInARow = 0;
    for (const address of addresses) visit(address);
    total += addresses.length;
    parts = part + 1;
  }
  for (const gap of gaps) if (gap < parts) await sink.write(gap, []);
  return { parts, total };
}
