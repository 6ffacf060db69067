/** `npm run bench`: every benchmark, figures printed as a table (and as JSON with --json). */
import { printDiscoveryMemory, runDiscoveryMemory } from './discoveryMemory';
import {
  archiveThroughputBenchmark,
  FRESH_MEASURED_CALLS,
  FRESH_PAIRS,
  FRESH_WARMUP_CALLS,
  oofCpuBenchmark,
} from './clientBench';
import { runSweepBenchmark } from './sweepBench';
import { runSweepSimulations, type SweepSimulationResult } from './sweepSimulation';
import { pinningAvailable } from './cpuPinning';
import { printReportMemory, reportMemorySizes, runReportMemory } from './reportMemory';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const results: Record<string, unknown> = {
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    pinnedToCores: pinningAvailable(),
  };

  const oof = await oofCpuBenchmark();
  results.oofCpuPerCall = oof;
  if (!json) {
    console.log(
      'CPU per call (µs; each client in its own process, the sandbox in another' +
        `${pinningAvailable() ? ', on cores of their own' : ''}; ratio: median of the pairs' ratios)\n` +
        '  steady: median of 10 rounds × 1,000 sequential calls per client, rounds of the two clients taken in turn after 10 discarded pairs\n' +
        `  fresh: a new process per client and run, ${FRESH_WARMUP_CALLS} calls, then ${FRESH_MEASURED_CALLS} measured; ${FRESH_PAIRS} pairs of runs in turn after 1 discarded`,
    );
    console.log('operation            mode     this client   ews-javascript-api   ratio   target ≤ 0.20');
    for (const r of oof) {
      console.log(
        `${r.operation.padEnd(20)} ${r.mode.padEnd(6)} ${r.oursMicros.toFixed(0).padStart(13)} ${r.ewsJavascriptApiMicros.toFixed(0).padStart(20)} ${r.ratio
          .toFixed(3)
          .padStart(7)}   ${r.ratio <= 0.2 ? 'met' : 'MISSED'}`,
      );
    }
  }

  const archive = await archiveThroughputBenchmark();
  results.archive = archive;
  if (!json) {
    console.log(
      `\nArchiving ${archive.items} items (FindItem + ArchiveItem ×100, re-query from offset 0): ` +
        `${archive.seconds.toFixed(2)} s, ${archive.itemsPerSecond.toFixed(0)} items/s, ${archive.requests} requests`,
    );
  }

  // Skippable for a quick client-only run: BENCH_SWEEP=0.
  if (process.env.BENCH_SWEEP !== '0') {
    const mailboxes = Number(process.env.BENCH_SWEEP_MAILBOXES ?? 10_000);
    const perBatch = process.env.BENCH_SWEEP_PER_BATCH;
    const sweep = await runSweepBenchmark({
      mailboxes,
      mailboxesInFlightPerBatch: perBatch === undefined ? undefined : Number(perBatch),
    });
    results.sweep = sweep;
    if (!json) {
      console.log(
        `\nArchive sweep of ${sweep.mailboxes} mailboxes, ${sweep.latencyMs} ms per EWS call, ` +
          `${sweep.maxBatchesInFlight} batches of ${sweep.batchSize} in flight, ${sweep.mailboxesInFlightPerBatch} mailboxes of each at once, ` +
          `${sweep.maxConcurrentActivities ?? 'unlimited'} activities at once (host.json), client cap ${sweep.endpointInFlight}:`,
      );
      console.log(
        `  ${sweep.ewsCalls} calls in ${sweep.seconds.toFixed(1)} s = ${sweep.callsPerSecond.toFixed(0)} calls/s; ` +
          `flat bound ${sweep.boundCallsPerSecond.toFixed(0)} calls/s (concurrency ${sweep.concurrency} / latency, every call counted, ` +
          `the ${sweep.discoveryCalls} discovery calls included, at most ${sweep.discoveryConcurrency} at once beside the batches); ` +
          `efficiency ${(sweep.efficiency * 100).toFixed(1)} % (target ${(sweep.target * 100).toFixed(0)} %: ` +
          `${sweep.efficiency >= sweep.target ? 'met' : 'MISSED'}); first mailbox call after ${sweep.firstMailboxSeconds.toFixed(2)} s`,
      );
      console.log(
        `  ${sweep.mailboxesPerSecond.toFixed(0)} mailboxes/s, ${sweep.itemsArchived} items archived, outcomes ${JSON.stringify(sweep.outcome)}`,
      );
      console.log(
        `  peak RSS ${sweep.peakRssMiB.toFixed(0)} MiB, peak heap ${sweep.peakHeapMiB.toFixed(0)} MiB, ` +
          `parent orchestration history ${sweep.parentHistoryEvents} events, CPU share ${sweep.cpuShare.toFixed(2)}`,
      );
      console.log(
        `  per call: ${sweep.slotMsPerCall.toFixed(1)} ms of in-flight slot (20 at the bound), ` +
          `${sweep.cpuMicrosPerCall.toFixed(0)} µs CPU in the app, ${sweep.sandboxCpuMicrosPerCall.toFixed(0)} µs in the sandbox; ` +
          `discovery ${sweep.discoverySeconds.toFixed(1)} s; load average ${sweep.loadAverage.toFixed(1)} on ${sweep.cpus} cores`,
      );
    }
  }

  // Skippable: BENCH_SIMULATION=0; BENCH_SIMULATION_SIZES=10000,100000 for fewer or other sizes.
  if (process.env.BENCH_SIMULATION !== '0') {
    const sizes = simulationSizes(
      process.env.BENCH_SIMULATION_SIZES ?? '10000,100000,1000000',
      'BENCH_SIMULATION_SIZES',
    );
    const simulations = await runSweepSimulations(sizes);
    results.sweepSimulation = simulations;
    if (!json) printSimulations(simulations);
  }

  // Skippable: BENCH_DISCOVERY=0; BENCH_DISCOVERY_SIZES=10000,100000 for fewer or other sizes.
  if (process.env.BENCH_DISCOVERY !== '0') {
    const sizes = simulationSizes(
      process.env.BENCH_DISCOVERY_SIZES ?? '10000,100000,1000000',
      'BENCH_DISCOVERY_SIZES',
    );
    const discoveries = await runDiscoveryMemory(sizes);
    results.discoveryMemory = discoveries;
    if (!json) printDiscoveryMemory(discoveries);
  }

  // Skippable: BENCH_REPORT=0; BENCH_REPORT_SIZES=10000,100000 for fewer or other sizes.
  if (process.env.BENCH_REPORT !== '0') {
    const reports = await runReportMemory(reportMemorySizes(process.env.BENCH_REPORT_SIZES));
    results.reportMemory = reports;
    if (!json) printReportMemory(reports);
  }

  if (json) console.log(JSON.stringify(results, null, 2));
}

function simulationSizes(text: string, setting: string): number[] {
  const sizes = text.split(',').map((part) => Number(part.trim()));
  const bad = sizes.findIndex((n) => !Number.isInteger(n) || n < 1);
  if (bad >= 0) {
    throw new Error(`${setting}: "${text.split(',')[bad]}" is not a number of mailboxes (whole, at least 1)`);
  }
  return sizes;
}

function printSimulations(runs: SweepSimulationResult[]): void {
  console.log(
    '\nSweep simulation (the real orchestrations on the in-process durable host, every activity answering at once, ' +
      'default plan: batches of 50, 10 lanes; each size in a process of its own after a 20,000-mailbox warm-up; ' +
      'live heap: after forced full collections, heap: sampled, garbage included; peaks):',
  );
  console.log(
    'mailboxes  batches  seconds  CPU ms/1,000  lane µs/batch  largest lane history  generations  live heap MiB  heap MiB  RSS MiB',
  );
  for (const r of runs) {
    console.log(
      `${String(r.mailboxes).padStart(9)} ${String(r.batches).padStart(8)} ${r.seconds.toFixed(1).padStart(8)} ` +
        `${r.cpuMsPer1000.toFixed(1).padStart(13)} ${r.laneEpisodeMicrosPerBatch.toFixed(0).padStart(14)} ` +
        `${String(r.largestLaneHistory).padStart(21)} ${String(r.laneGenerations).padStart(12)} ` +
        `${r.peakLiveHeapMiB.toFixed(0).padStart(14)} ${r.peakHeapMiB.toFixed(0).padStart(9)} ${r.peakRssMiB.toFixed(0).padStart(8)}`,
    );
  }
  const first = runs[0];
  const last = runs.at(-1);
  if (!first || !last || first === last) return;
  const cpu = last.cpuMsPer1000 / first.cpuMsPer1000;
  const heap = last.peakLiveHeapMiB / first.peakLiveHeapMiB;
  console.log(
    `  ${last.mailboxes} against ${first.mailboxes}: CPU per 1,000 mailboxes ×${cpu.toFixed(2)}, peak live heap ×${heap.toFixed(2)} ` +
      `(target ≤ 1.5: ${cpu <= 1.5 && heap <= 1.5 ? 'met' : 'MISSED'})`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
