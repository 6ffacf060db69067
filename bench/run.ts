/** `npm run bench`: every benchmark, figures printed as a table (and as JSON with --json). */
import { archiveThroughputBenchmark, oofCpuBenchmark } from './clientBench';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const results: Record<string, unknown> = {
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  };

  const oof = await oofCpuBenchmark();
  results.oofCpuPerCall = oof;
  if (!json) {
    console.log('CPU per call (µs, median of 5 rounds × 1,000 sequential calls; sandbox in another process)');
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

  if (json) console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
