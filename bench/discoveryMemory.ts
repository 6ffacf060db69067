/**
 * Discovery's memory as the tenant grows: the real discovery (shared/sweep/discovery.ts: the group walk,
 * the scope check, the fingerprints of placed addresses, the part writer) over a tenant of N mailboxes in
 * nested groups of 100 (all-staff holds N / 100 teams), each ExpandDL answered on the next turn of the
 * event loop by an in-process directory that makes the members up from their positions (so the tenant
 * itself takes no memory), each part serialised as the blob store would upload it and then dropped.
 * What is measured is what discovery keeps: the peak live memory (heapUsed plus array buffers — the
 * fingerprints of placed addresses live in a typed array, outside the JS heap — right after a full
 * collection, forced every PARTS_PER_LIVE_SAMPLE parts), the same sampled every 20 ms (garbage
 * included) and the peak RSS, each size in a process of its own after a warm-up discovery of WARM_UP mailboxes
 * (`node --expose-gc dist/bench/discoveryMemory.js <mailboxes>`).
 */
import { runEachSizeInItsOwnProcess } from './sizeProcesses';
import { round } from './sweepBench';

export interface DiscoveryMemoryResult {
  mailboxes: number;
  groups: number;
  parts: number;
  seconds: number;
  /** Highest heapUsed + arrayBuffers right after a forced full collection, MiB. */
  peakLiveHeapMiB: number;
  /** Highest heapUsed + arrayBuffers sampled every 20 ms, MiB (garbage included). */
  peakHeapMiB: number;
  /** heapUsed + arrayBuffers after a full collection before the run, MiB: the modules and the runtime. */
  baseHeapMiB: number;
  peakRssMiB: number;
}

const TEAM_SIZE = 100;
const PART_SIZE = 50;
const WARM_UP = 10_000;
const PARTS_PER_LIVE_SAMPLE = 200;

const soon = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));

export async function measureDiscovery(mailboxes: number): Promise<DiscoveryMemoryResult> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc: the live heap is read after forced collections');
  const { discoverMailboxes } = await import('../shared/sweep/discovery');
  const { MailboxScope } = await import('../shared/mailbox/scope');
  type Ops = import('../shared/mailbox/mailboxOperations').MailboxOperations;
  type Member = import('../shared/mailbox/mailboxOperations').GroupMember;

  const scope = MailboxScope.parse('contoso.com');
  const run = async (size: number, onPart: () => void): Promise<{ parts: number; groups: number }> => {
    const teams = Math.ceil(size / TEAM_SIZE);
    const directory = {
      expandGroup(group: string): Promise<Member[]> {
        if (group === 'all-staff@contoso.com') {
          return soon(
            Array.from({ length: teams }, (_, t) => ({
              name: `team ${t}`,
              address: `team${t}@contoso.com`,
              kind: 'PublicDL',
            })),
          );
        }
        const t = Number(/^team(\d+)@/.exec(group)?.[1]);
        const first = t * TEAM_SIZE;
        const count = Math.min(TEAM_SIZE, size - first);
        return soon(
          Array.from({ length: count }, (_, i) => ({
            name: `User ${first + i}`,
            address: `user${first + i}@contoso.com`,
            kind: 'Mailbox',
          })),
        );
      },
    } as unknown as Ops;
    let parts = 0;
    const found = await discoverMailboxes(
      directory,
      scope,
      { group: 'all-staff@contoso.com', mailboxes: [], serviceMailbox: 'svc@contoso.com' },
      {
        // What BlobSweepStore.putMailboxPart uploads, made and dropped.
        write: (_part, addresses) => {
          JSON.stringify(addresses);
          parts++;
          onPart();
          return soon(undefined);
        },
        read: () => soon(undefined),
      },
      { partSize: PART_SIZE, salt: `bench-${size}` },
    );
    if (found.total !== size) throw new Error(`discovery found ${found.total} of ${size} mailboxes`);
    return { parts, groups: found.groupsExpanded };
  };

  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  await run(WARM_UP, () => undefined);
  collect();
  const baseHeap = used();
  let peakHeap = baseHeap;
  let peakLive = baseHeap;
  let partsSeen = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, used())), 20);
  const started = process.hrtime.bigint();
  let result: { parts: number; groups: number };
  try {
    result = await run(mailboxes, () => {
      if (++partsSeen % PARTS_PER_LIVE_SAMPLE === 0) {
        collect();
        peakLive = Math.max(peakLive, used());
      }
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mib = (bytes: number): number => round(bytes / 1024 / 1024);
  return {
    mailboxes,
    groups: result.groups,
    parts: result.parts,
    seconds: round(seconds),
    peakLiveHeapMiB: mib(peakLive),
    peakHeapMiB: mib(peakHeap),
    baseHeapMiB: mib(baseHeap),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Each size in a fresh process (this file's CLI), smallest first. */
export function runDiscoveryMemory(sizes: number[]): Promise<DiscoveryMemoryResult[]> {
  return runEachSizeInItsOwnProcess<DiscoveryMemoryResult>(__filename, sizes);
}

export function printDiscoveryMemory(runs: DiscoveryMemoryResult[]): void {
  console.log(
    `\nDiscovery memory (the real discovery over N mailboxes in groups of ${TEAM_SIZE}, parts of ${PART_SIZE} made and dropped; ` +
      'each size in a process of its own after a 10,000-mailbox warm-up; live heap after forced full collections; peaks):',
  );
  console.log(
    'mailboxes  groups   parts  seconds  base MiB  live MiB  sampled MiB  RSS MiB  (MiB: heap + array buffers)',
  );
  for (const r of runs) {
    console.log(
      `${String(r.mailboxes).padStart(9)} ${String(r.groups).padStart(7)} ${String(r.parts).padStart(7)} ` +
        `${r.seconds.toFixed(1).padStart(8)} ${r.baseHeapMiB.toFixed(1).padStart(9)} ${r.peakLiveHeapMiB.toFixed(1).padStart(9)} ` +
        `${r.peakHeapMiB.toFixed(1).padStart(12)} ${r.peakRssMiB.toFixed(0).padStart(8)}`,
    );
  }
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last || first === last) return;
  const live = last.peakLiveHeapMiB / first.peakLiveHeapMiB;
  const rss = last.peakRssMiB / first.peakRssMiB;
  console.log(
    `  ${last.mailboxes} against ${first.mailboxes}: peak live memory ×${live.toFixed(2)}, peak RSS ×${rss.toFixed(2)} ` +
      `(target ≤ 1.5: ${live <= 1.5 && rss <= 1.5 ? 'met' : 'MISSED'})`,
  );
}

if (require.main === module) {
  measureDiscovery(Number(process.argv[2] ?? 10_000))
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
