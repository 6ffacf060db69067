/**
 * Sweep simulation: what the orchestrations themselves cost as the tenant grows. The real sweep, lane and
 * batch orchestrators (functions/archiveSweepOrchestrator.ts) run on the dev host's in-process durable
 * driver (dev/host/localDurableHost.ts, the durable-functions replay engine with every episode replayed
 * over its whole history, as the extension does without extended sessions), with the default plan
 * (SWEEP_BATCH_SIZE 50, SWEEP_MAX_BATCHES_IN_FLIGHT 10). Every activity answers at once: discovery
 * reports `mailboxes` found, a batch's list is made up from its positions, each mailbox is archived,
 * saves and the report store nothing. So all the CPU and memory measured is the orchestrations' and the
 * driver's; what the activities cost is not (the mailbox calls: bench/sweepBench.ts).
 *
 * Each size runs in a process of its own (`node --expose-gc dist/bench/sweepSimulation.js <mailboxes>`),
 * so the peak RSS is that size's alone, after an unmeasured warm-up sweep of WARM_UP mailboxes (without
 * it the smallest size would mostly measure the compiler). An answer comes on the next turn of the event
 * loop (setImmediate), as an answer from the network would, so the heap sampler runs during the sweep.
 *
 * Memory is read two ways. heapUsed sampled every 50 ms is what the process holds, garbage included:
 * V8 lets the heap grow before it collects, more so the longer a run allocates. The live heap is heapUsed
 * right after a full collection, forced every BATCHES_PER_LIVE_SAMPLE batches: what the sweep
 * really keeps. Those collections' CPU is taken out of the CPU figure.
 */
import { runEachSizeInItsOwnProcess } from './sizeProcesses';
import {
  installFunctionsCoreStandIn,
  registrations,
  type Registration,
} from '../dev/host/functionsCoreStandIn';
import { round } from './sweepBench';

export interface SweepSimulationResult {
  mailboxes: number;
  batchSize: number;
  lanes: number;
  batches: number;
  /** Sweeps measured (more for small sizes); the figures are the median one's, the peaks over all. */
  repeats: number;
  seconds: number;
  /** User + system CPU of the whole run (orchestrations, driver, instant activities), s. */
  cpuSeconds: number;
  /** cpuSeconds per 1,000 mailboxes, ms: flat when the orchestrations' cost per mailbox does not grow. */
  cpuMsPer1000: number;
  /** Time spent inside the lane orchestrator's episodes (replay included), per batch, µs. */
  laneEpisodeMicrosPerBatch: number;
  /** The most history events one lane episode replayed. */
  largestLaneHistory: number;
  /** Lane generations started (a lane that continues as new starts another one). */
  laneGenerations: number;
  /** Highest heapUsed sampled (every 50 ms and after every batch), MiB: garbage not yet collected included. */
  peakHeapMiB: number;
  /** Highest heapUsed right after a forced full collection (one every 100 batches), MiB. */
  peakLiveHeapMiB: number;
  /** process.resourceUsage().maxRSS, MiB. */
  peakRssMiB: number;
}

/** Sizes below this are swept again until about this many mailboxes are measured (at most 10 sweeps). */
const MAILBOXES_MEASURED_AT_LEAST = 100_000;
/** Mailboxes swept, unmeasured, before the measured sweep. */
const WARM_UP = 20_000;
/**
 * Batches between two forced full collections: the same share of every size's work, so what they cost
 * (taken out of the CPU figure, but not wholly: V8 finishes some of the work afterwards) weighs alike.
 */
const BATCHES_PER_LIVE_SAMPLE = 100;

/** Answers on the next turn of the event loop. */
function soon<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

export async function simulateSweep(mailboxes: number): Promise<SweepSimulationResult> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with node --expose-gc: the live heap is read after forced collections');
  installFunctionsCoreStandIn();
  const { LocalDurableHost } = await import('../dev/host/localDurableHost');
  const { ACTIVITY } = await import('../functions/archiveSweepActivities');
  const { ORCHESTRATOR } = await import('../functions/archiveSweepOrchestrator');
  const { loadSweepSettings } = await import('../shared/platform/config');
  const { sweepJobFor } = await import('../shared/sweep/sweepJob');
  const { sweepPlanFor } = await import('../shared/sweep/sweepPlan');
  type PrepareInput = import('../functions/archiveSweepActivities').PrepareActivityInput;
  type LoadBatchInput = import('../functions/archiveSweepActivities').LoadBatchInput;
  type DiscoveryFound = import('../shared/sweep/sweepTypes').DiscoveryFound;
  type MailboxRow = import('../shared/sweep/sweepTypes').MailboxRow;
  type SweepSummary = import('../shared/sweep/sweepTypes').SweepSummary;
  if (!registrations.has(ORCHESTRATOR.sweep)) {
    throw new Error(
      'the sweep orchestrator did not register: load @azure/functions only after installFunctionsCoreStandIn()',
    );
  }

  // The default plan, from the settings' declared defaults.
  const settings = loadSweepSettings({
    MAILBOX_SCOPE: 'contoso.com',
    MAILBOX_SCOPE_GROUP: 'all-staff@contoso.com',
    EWS_SERVICE_MAILBOX: 'sweep@contoso.com',
  });
  let peakHeap = 0;
  const sampleHeap = (): void => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  // What discovery finds: the warm-up's size first, then the measured one.
  let discovered = WARM_UP;
  let measuring = false;
  let batchesSaved = 0;
  let peakLive = 0;
  let collectingMicros = 0;
  const sampleLiveHeap = (): void => {
    const before = process.cpuUsage();
    collect();
    const spent = process.cpuUsage(before);
    collectingMicros += spent.user + spent.system;
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  };

  const instant: Record<string, (input: never) => unknown> = {
    [ACTIVITY.prepare]: (input: PrepareInput) => ({
      ok: true,
      value: sweepJobFor(settings, {
        sweepId: input.sweepId,
        startedAt: new Date(input.startedAt),
        dryRun: input.dryRun,
      }),
    }),
    [ACTIVITY.discover]: () => {
      const discovery = {
        total: discovered,
        groupsExpanded: 1,
        notMailboxes: 0,
        duplicates: 0,
        unresolved: 0,
        outOfScope: 0,
      };
      const parts = Math.ceil(discovered / settings.batchSize);
      return { ok: true, value: { discovery, parts, droppedExamples: [] } satisfies DiscoveryFound };
    },
    [ACTIVITY.endDiscovery]: () => ({ parts: Math.ceil(discovered / settings.batchSize), total: discovered }),
    // Discovery is instant here, so every part is there from the start; past the last, there is none.
    [ACTIVITY.loadBatch]: ({ part }: LoadBatchInput) => {
      const start = part * settings.batchSize;
      const end = Math.min(discovered, start + settings.batchSize);
      if (start >= discovered) return { state: 'none' };
      return {
        state: 'ready',
        mailboxes: Array.from({ length: end - start }, (_, i) => `user${start + i}@contoso.com`),
      };
    },
    [ACTIVITY.sweepMailbox]: ({ mailbox }: { mailbox: string }) =>
      ({ mailbox, outcome: 'archived', itemsPlanned: 2, itemsMoved: 2 }) satisfies MailboxRow,
    [ACTIVITY.saveBatch]: () => {
      sampleHeap();
      if (measuring && ++batchesSaved % BATCHES_PER_LIVE_SAMPLE === 0) sampleLiveHeap();
      return null;
    },
    [ACTIVITY.writeReport]: (input: { job: { reportPath: string } }) => ({
      json: `${input.job.reportPath}.json`,
      csv: `${input.job.reportPath}.csv`,
    }),
  };

  // The registry the driver runs: the real orchestrators (the lane's episodes timed), instant activities.
  let laneMicros = 0;
  let largestLaneHistory = 0;
  let laneGenerations = 0;
  const unanswered = Object.values(ACTIVITY).filter((name) => !(name in instant));
  if (unanswered.length > 0) {
    throw new Error(
      `the simulation has no instant answer for ${unanswered.join(', ')}: it would run the real one`,
    );
  }
  const registry = new Map<string, Registration>(registrations);
  for (const [name, answer] of Object.entries(instant)) {
    const real = registrations.get(name);
    if (!real) throw new Error(`activity ${name} is not registered`);
    registry.set(name, { ...real, callback: (input) => soon(answer(input as never)) });
  }
  const lane = registrations.get(ORCHESTRATOR.lane);
  if (!lane) throw new Error(`orchestrator ${ORCHESTRATOR.lane} is not registered`);
  registry.set(ORCHESTRATOR.lane, {
    ...lane,
    callback: async (trigger, context) => {
      const { history } = trigger as { history: unknown[] };
      largestLaneHistory = Math.max(largestLaneHistory, history.length);
      if (history.length === 2) laneGenerations++; // OrchestratorStarted + ExecutionStarted: a new generation
      const started = process.hrtime.bigint();
      try {
        return await lane.callback(trigger, context);
      } finally {
        laneMicros += Number(process.hrtime.bigint() - started) / 1000;
      }
    },
  });

  const host = new LocalDurableHost(registry, { timers: 'skip', maxEpisodes: 1_000_000 });
  const warmUp = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep-warm-up');
  if (warmUp.status !== 'Completed') throw new Error(`warm-up sweep ${warmUp.status}: ${warmUp.error ?? ''}`);
  discovered = mailboxes;
  const plan = sweepPlanFor(settings, mailboxes);
  collect();
  peakHeap = 0;
  measuring = true;

  // One sweep of a small tenant is too little CPU to read on a shared VM: small sizes are swept several
  // times and the run with the median CPU is the one reported.
  const repeats = Math.min(10, Math.max(1, Math.round(MAILBOXES_MEASURED_AT_LEAST / mailboxes)));
  const runs: { seconds: number; cpuMicros: number; laneMicros: number }[] = [];
  const sampler = setInterval(sampleHeap, 50);
  try {
    for (let i = 0; i < repeats; i++) {
      largestLaneHistory = 0;
      laneGenerations = 0;
      laneMicros = 0;
      collectingMicros = 0;
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, `archive-sweep-simulation-${i}`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      if (run.status !== 'Completed') throw new Error(`sweep ${run.status}: ${run.error ?? ''}`);
      const { archived } = (run.output as SweepSummary).mailboxes;
      if (archived !== mailboxes) {
        throw new Error(`the simulation archived ${archived} of ${mailboxes} mailboxes`);
      }
      runs.push({ seconds, cpuMicros: cpu.user + cpu.system - collectingMicros, laneMicros });
    }
  } finally {
    clearInterval(sampler);
  }
  const median = [...runs].sort((a, b) => a.cpuMicros - b.cpuMicros)[Math.floor(runs.length / 2)]!;
  const cpuSeconds = median.cpuMicros / 1e6;
  const mib = (bytes: number): number => round(bytes / 1024 / 1024);
  return {
    mailboxes,
    batchSize: plan.batchSize,
    lanes: plan.lanes,
    batches: plan.batches,
    repeats,
    seconds: round(median.seconds),
    cpuSeconds: round(cpuSeconds),
    cpuMsPer1000: round((cpuSeconds * 1e6) / mailboxes),
    laneEpisodeMicrosPerBatch: round(median.laneMicros / plan.batches),
    largestLaneHistory,
    laneGenerations,
    peakHeapMiB: mib(peakHeap),
    peakLiveHeapMiB: mib(peakLive),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Each size in a fresh process (this file's CLI), smallest first. */
export function runSweepSimulations(sizes: number[]): Promise<SweepSimulationResult[]> {
  return runEachSizeInItsOwnProcess<SweepSimulationResult>(__filename, sizes);
}

if (require.main === module) {
  simulateSweep(Number(process.argv[2] ?? 10_000))
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
