/**
 * Archive sweep benchmark: 10,000 mailboxes on the EWS sandbox with 20 ms per call, the real EWS client,
 * the real orchestrations through the dev host's in-process durable driver (reports in memory).
 * Throughput is EWS calls per second, every call counted (discovery's group expansion included), against
 * the flat bound: configured concurrency / latency, where the configured concurrency is the smallest of
 * the mailboxes in flight (batches in flight x the mailboxes a batch runs at once,
 * SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH, at most the batch size), the activities one worker runs at once
 * (host.json's maxConcurrentActivityFunctions; each mailbox has one call in flight at a time) and the EWS
 * client's per-endpoint cap (EWS_MAX_IN_FLIGHT). Discovery runs beside the batches (they start on its
 * first parts), so its calls take slots like the others'. By default the benchmark runs 3 mailboxes a
 * batch at once (30 in flight), so that the client's cap (27) is what binds and the bound is
 * EWS_MAX_IN_FLIGHT / latency = 1,350 calls/s; BENCH_SWEEP_PER_BATCH=2 runs the app's default (20 in
 * flight, bound 1,000 calls/s). Target: at least 90 % of the bound.
 */
import { cpus, loadavg } from 'node:os';
import { installFunctionsCoreStandIn, registrations } from '../dev/host/functionsCoreStandIn';
import { readDurableHostSettings } from '../dev/host/hostJson';
import { startSandboxChild } from './sandboxChild';

export interface SweepBenchResult {
  mailboxes: number;
  latencyMs: number;
  batchSize: number;
  maxBatchesInFlight: number;
  /** EWS_MAX_IN_FLIGHT of the client. */
  endpointInFlight: number;
  /** host.json's maxConcurrentActivityFunctions (undefined: not limited). */
  maxConcurrentActivities?: number;
  /** SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: the mailboxes one batch runs at once. */
  mailboxesInFlightPerBatch: number;
  /** min(maxBatchesInFlight * min(mailboxesInFlightPerBatch, batchSize), maxConcurrentActivities, endpointInFlight). */
  concurrency: number;
  ewsCalls: number;
  seconds: number;
  callsPerSecond: number;
  /** Calls made before the first mailbox's (discovery: group expansion as the service mailbox). */
  discoveryCalls: number;
  /** The per-mailbox cap (EWS_MAX_IN_FLIGHT_PER_MAILBOX): discovery's concurrency. */
  discoveryConcurrency: number;
  /** The flat bound: concurrency / latency, every call counted (discovery runs beside the batches). */
  boundCallsPerSecond: number;
  /** callsPerSecond / boundCallsPerSecond. */
  efficiency: number;
  /** From the sweep's start to its first mailbox call: how soon archiving starts while discovery runs. */
  firstMailboxSeconds: number;
  target: number;
  mailboxesPerSecond: number;
  itemsArchived: number;
  outcome: Record<string, number>;
  /** process.resourceUsage().maxRSS, MiB, and the highest heapUsed sampled every 100 ms, MiB. */
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Events in the parent orchestration's history (grows with lanes, not mailboxes). */
  parentHistoryEvents: number;
  /** CPU seconds of this process (client + orchestrations) per wall-clock second; near 1 means CPU-bound. */
  cpuShare: number;
  /** This process's CPU per EWS call, µs (EWS client, orchestrations, activities). */
  cpuMicrosPerCall: number;
  /** The sandbox process's CPU per wall-clock second, and per EWS call (µs). */
  sandboxCpuShare: number;
  sandboxCpuMicrosPerCall: number;
  /**
   * concurrency × seconds / ewsCalls, ms: how long each of the `concurrency` slots took per call on
   * average, idle time included. latencyMs would be the bound; the difference is the per-call overhead
   * (both processes' CPU on the call's path, waiting for a busy event loop or core, discovery, the tail).
   */
  slotMsPerCall: number;
  /** From the sweep's start to discovery's last answer (the group expansion). */
  discoverySeconds: number;
  /** Machine context: cores and the 1-minute load average when the run started (others' work included). */
  cpus: number;
  loadAverage: number;
}

export async function runSweepBenchmark(
  options: {
    mailboxes?: number;
    latencyMs?: number;
    endpointInFlight?: number;
    mailboxesInFlightPerBatch?: number;
  } = {},
): Promise<SweepBenchResult> {
  installFunctionsCoreStandIn();
  const mailboxes = options.mailboxes ?? 10_000;
  const latencyMs = options.latencyMs ?? 20;
  const endpointInFlight = options.endpointInFlight ?? 27;
  const batchSize = 50;
  const maxBatchesInFlight = 10;
  // 10 lanes x 3 = 30 mailboxes in flight, above the client's cap of 27 (the app's default is 2: 20).
  const mailboxesInFlightPerBatch = options.mailboxesInFlightPerBatch ?? 3;

  const { generatedAddress } = await import('../dev/ews-sandbox/generateTenant');
  const { LocalDurableHost } = await import('../dev/host/localDurableHost');
  const { createMailboxBackend } = await import('../shared/mailbox/mailboxBackend');
  const { loadEwsSettings } = await import('../shared/platform/config');
  const { useAppServices } = await import('../shared/app/appServices');
  const { MemorySweepStore } = await import('../shared/sweep/sweepStore');
  const { ORCHESTRATOR } = await import('../functions/archiveSweepOrchestrator');
  if (!registrations.has(ORCHESTRATOR.sweep)) {
    throw new Error(
      'the sweep orchestrator did not register: load @azure/functions only after installFunctionsCoreStandIn()',
    );
  }
  type Ops = import('../shared/mailbox/mailboxOperations').MailboxOperations;

  // The sandbox runs in a child process (bench/sandboxProcess.ts): in this process it would compete for
  // the one JS thread with the client and the orchestrations and cap what is measured.
  // Not pinned: with the sandbox held to one core the app's garbage collector and the kernel's network
  // work had fewer places to run, and the sweep reached 0.80 of the bound instead of 0.92.
  const sandbox = await startSandboxChild(
    { mailboxes, itemsPerMailbox: 4, oldFraction: 0.5, oldAgeDays: 365, groupSize: 100 },
    { latencyMs },
    { pinned: false },
  );
  const env = {
    EWS_URL: sandbox.url,
    EWS_AUTH: 'basic',
    EWS_USERNAME: sandbox.username,
    EWS_PASSWORD: sandbox.password,
    EWS_MAX_IN_FLIGHT: String(endpointInFlight),
    MAILBOX_SCOPE: 'contoso.com',
    MAILBOX_SCOPE_GROUP: 'all-staff@contoso.com',
    EWS_SERVICE_MAILBOX: generatedAddress(0),
    ARCHIVE_OLDER_THAN_DAYS: '365',
    SWEEP_BATCH_SIZE: String(batchSize),
    SWEEP_MAX_BATCHES_IN_FLIGHT: String(maxBatchesInFlight),
    SWEEP_MAILBOXES_IN_FLIGHT_PER_BATCH: String(mailboxesInFlightPerBatch),
  };
  const backend = createMailboxBackend(env);
  let calls = 0;
  let discoveryCalls = 0;
  let firstMailboxCall = 0n;
  let lastDiscoveryAnswer = 0n;
  const counted = new Proxy(backend.operations, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        const discovering = prop === 'expandGroup' || prop === 'resolvePrimaryAddress';
        if (discovering) discoveryCalls++;
        else if (firstMailboxCall === 0n) firstMailboxCall = process.hrtime.bigint();
        const answer = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (discovering) {
          void Promise.resolve(answer).finally(() => (lastDiscoveryAnswer = process.hrtime.bigint()));
        }
        return answer;
      };
    },
  }) as Ops;
  // Every archived mailbox is journaled, as in Azure; in memory here (without a journal each write would
  // fail, build an error and log a warning: 2 % of the process's CPU in a profile, none of it the app's).
  const { MemoryChangeJournal } = await import('../shared/journal/changeJournal');
  await useAppServices({
    env,
    mailbox: counted,
    reports: new MemorySweepStore(),
    journal: new MemoryChangeJournal(() => new Date()),
  });

  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
  // One Functions worker: at most host.json's maxConcurrentActivityFunctions mailboxes at once.
  const { maxConcurrentActivityFunctions } = readDurableHostSettings();
  const host = new LocalDurableHost(registrations, {
    timers: 'skip',
    maxConcurrentActivities: maxConcurrentActivityFunctions,
  });
  const loadAverage = loadavg()[0] ?? 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let summary: import('../shared/sweep/sweepTypes').SweepSummary;
  let parentEvents = 0;
  let sandboxCpuMicros: number | undefined;
  let seconds = 0;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  try {
    const run = await host.runOrchestration(ORCHESTRATOR.sweep, {}, 'archive-sweep-bench');
    if (run.status !== 'Completed') throw new Error(`sweep ${run.status}: ${run.error ?? ''}`);
    summary = run.output as typeof summary;
    parentEvents = run.history.length;
  } finally {
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    await useAppServices(undefined);
    await backend.close();
    const cpuAtEnd = await sandbox.stop();
    sandboxCpuMicros = cpuAtEnd === undefined ? undefined : cpuAtEnd - sandbox.cpuMicros;
  }
  const concurrency = Math.min(
    maxBatchesInFlight * Math.min(mailboxesInFlightPerBatch, batchSize),
    maxConcurrentActivityFunctions ?? Infinity,
    endpointInFlight,
  );
  const discoveryConcurrency = loadEwsSettings(env).maxInFlightPerMailbox;
  // The flat bound: every call, discovery's included, at the configured concurrency.
  const bound = concurrency / (latencyMs / 1000);
  const callsPerSecond = calls / seconds;
  const discoverySeconds = lastDiscoveryAnswer === 0n ? NaN : Number(lastDiscoveryAnswer - started) / 1e9;
  const firstMailboxSeconds = firstMailboxCall === 0n ? NaN : Number(firstMailboxCall - started) / 1e9;
  const { total, ...outcome } = summary.mailboxes;
  return {
    mailboxes: total,
    latencyMs,
    batchSize,
    maxBatchesInFlight,
    endpointInFlight,
    maxConcurrentActivities: maxConcurrentActivityFunctions,
    mailboxesInFlightPerBatch,
    concurrency,
    ewsCalls: calls,
    seconds: round(seconds),
    callsPerSecond: round(callsPerSecond),
    discoveryCalls,
    discoveryConcurrency,
    boundCallsPerSecond: round(bound),
    efficiency: round(callsPerSecond / bound, 3),
    firstMailboxSeconds: round(firstMailboxSeconds, 2),
    target: 0.9,
    mailboxesPerSecond: round(total / seconds),
    itemsArchived: summary.itemsArchived,
    outcome,
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
    peakHeapMiB: round(peakHeap / 1024 / 1024),
    parentHistoryEvents: parentEvents,
    cpuShare: round((cpu.user + cpu.system) / 1e6 / seconds, 2),
    cpuMicrosPerCall: Math.round((cpu.user + cpu.system) / calls),
    sandboxCpuShare: sandboxCpuMicros === undefined ? NaN : round(sandboxCpuMicros / 1e6 / seconds, 2),
    sandboxCpuMicrosPerCall: sandboxCpuMicros === undefined ? NaN : Math.round(sandboxCpuMicros / calls),
    slotMsPerCall: round((concurrency * seconds * 1000) / calls, 2),
    discoverySeconds: round(discoverySeconds, 2),
    cpus: cpus().length,
    loadAverage: round(loadAverage, 2),
  };
}

/** `value` to `digits` decimals, for printed figures. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

if (require.main === module) {
  const perBatch = process.env.BENCH_SWEEP_PER_BATCH;
  runSweepBenchmark({
    mailboxes: Number(process.argv[2] ?? 10_000),
    mailboxesInFlightPerBatch: perBatch === undefined ? undefined : Number(perBatch),
  })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
}
