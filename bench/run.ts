/** `npm run bench`: every benchmark, figures printed as a table (and as JSON with --json). */
import { archiveThroughputBenchmark, oofCpuBenchmark } from './clientBench';
import { runSweepBenchmark } from './sweepBench';
import { pinningAvailable } from './cpuPinning';

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
      'CPU per call (µs, median of 10 rounds × 1,000 sequential calls per client, rounds of the two clients taken in turn after 10 discarded pairs; ratio: median of the 10 pairs; ' +
        `each client in its own process, the sandbox in another${pinningAvailable() ? ', on cores of their own' : ''})`,
    );
    console.log('operation            this client   ews-javascript-api   ratio   target ≤ 0.20');
    for (const r of oof) {
      console.log(
        `${r.operation.padEnd(20)} ${r.oursMicros.toFixed(0).padStart(11)} ${r.ewsJavascriptApiMicros.toFixed(0).padStart(20)} ${r.ratio
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
    const sweep = await runSweepBenchmark({ mailboxes });
    results.sweep = sweep;
    if (!json) {
      console.log(
        `\nArchive sweep of ${sweep.mailboxes} mailboxes, ${sweep.latencyMs} ms per EWS call, ` +
          `${sweep.maxBatchesInFlight} batches of ${sweep.batchSize} in flight, ` +
          `${sweep.maxConcurrentActivities ?? 'unlimited'} activities at once (host.json), client cap ${sweep.endpointInFlight}:`,
      );
      console.log(
        `  ${sweep.ewsCalls} calls in ${sweep.seconds.toFixed(1)} s = ${sweep.callsPerSecond.toFixed(0)} calls/s; ` +
          `bound ${sweep.boundCallsPerSecond.toFixed(0)} calls/s (concurrency ${sweep.concurrency} / latency; ` +
          `the ${sweep.discoveryCalls} discovery calls at ${sweep.discoveryConcurrency}, the service mailbox's cap); ` +
          `efficiency ${(sweep.efficiency * 100).toFixed(0)} % (target ${(sweep.target * 100).toFixed(0)} %: ` +
          `${sweep.efficiency >= sweep.target ? 'met' : 'MISSED'}); archiving phase alone ${(sweep.archivingEfficiency * 100).toFixed(0)} %`,
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

  if (json) console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
