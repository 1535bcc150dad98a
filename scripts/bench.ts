/**
 * `npm run bench`: per built-in workload, operations per second per thread, and the cost of
 * sampling: throughput with a sample (forced GC + figures) every second against no sampling,
 * measured side by side in alternating rounds of one run, so machine drift hits both alike.
 *
 * Options: --seconds N (per measured phase, default 10), --rounds N (default 3), --workload a,b.
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { builtInWorkloads, loadWorkloads } from '../src/controller/workload-loader.js';
import { WorkloadPool } from '../src/controller/workload-pool.js';
import { defaults } from '../src/options.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    workload: { type: 'string', default: builtInWorkloads.join(',') },
  },
});
const phaseS = Number(values.seconds);
const rounds = Number(values.rounds);
const warmupS = Number(values.warmup);

type Mode = 'sampled' | 'unsampled';

interface Phase {
  readonly opsPerS: number;
  /** Share of the measured time the worker spent taking its samples (forced GC and code statistics). */
  readonly samplingShare: number;
}

/** One worker's throughput over `phaseS`, after `warmupS` of unmeasured running. */
async function measure(name: string, mode: Mode): Promise<Phase> {
  const [workload] = await loadWorkloads([name], []);
  if (workload === undefined) throw new Error(`no workload ${name}`);
  const tick = new Int32Array(new SharedArrayBuffer(4));
  let measuring = false;
  let gcMs = 0;
  const pool = new WorkloadPool(workload, {
    config: { concurrency: defaults.concurrency, seed: 1, injectLeakBytesPerS: 0, tick: tick.buffer as SharedArrayBuffer },
    threads: 1,
    sliceMs: defaults.sliceMs,
    listener: {
      onSample: (s) => {
        if (measuring) gcMs += s.sample.gcMs;
      },
      onEvent: () => {},
      onFailure: (err) => {
        throw err;
      },
    },
  });
  pool.start();
  const ticker = mode === 'sampled' ? setInterval(() => Atomics.add(tick, 0, 1), 1000) : undefined;
  await sleep(warmupS * 1000);
  const startOps = pool.opsTotal;
  const start = performance.now();
  measuring = true;
  await sleep(phaseS * 1000);
  measuring = false;
  const seconds = (performance.now() - start) / 1000;
  const opsPerS = (pool.opsTotal - startOps) / seconds;
  clearInterval(ticker);
  await pool.stop();
  return { opsPerS, samplingShare: gcMs / 1000 / seconds };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const percent = (x: number): string => `${(x * 100).toFixed(2)} %`;

console.log(
  `soak bench: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${phaseS}s phases after ${warmupS}s warm-up, ` +
    `${rounds} rounds, 1 worker, concurrency ${defaults.concurrency}, sample every 1s`,
);
console.log('throughput ratio = sampled / unsampled ops/s (mean of rounds; range of the per-round ratios: the noise);');
console.log('sampling share = time the worker spent taking its samples (forced GC + code statistics), measured directly');
console.log('');
console.log('| workload | ops/s/thread sampled | ops/s/thread unsampled | throughput ratio | per-round range | sampling share |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const name of values.workload.split(',')) {
  const results: Record<Mode, Phase[]> = { sampled: [], unsampled: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so a trend in the machine's load does not favour one mode.
    const order: Mode[] = round % 2 === 0 ? ['sampled', 'unsampled'] : ['unsampled', 'sampled'];
    for (const mode of order) results[mode].push(await measure(name, mode));
  }
  const sampled = mean(results.sampled.map((p) => p.opsPerS));
  const unsampled = mean(results.unsampled.map((p) => p.opsPerS));
  const roundRatios = results.sampled.map((p, i) => p.opsPerS / (results.unsampled[i]?.opsPerS ?? Number.NaN));
  const samplingShare = mean(results.sampled.map((p) => p.samplingShare));
  console.log(
    `| ${name} | ${sampled.toFixed(0)} | ${unsampled.toFixed(0)} | ${(sampled / unsampled).toFixed(3)} | ` +
      `${Math.min(...roundRatios).toFixed(3)}–${Math.max(...roundRatios).toFixed(3)} | ${percent(samplingShare)} |`,
  );
}
