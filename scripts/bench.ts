/**
 * `npm run bench`: per built-in workload, operations per second per thread, and the cost of
 * sampling: throughput with a sample (forced GC + figures) every second against no sampling,
 * measured side by side in alternating rounds of one run, so machine drift hits both alike.
 *
 * Options: --seconds N (per measured phase, default 10), --rounds N (default 3), --workload a,b.
 */
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

/** Ops per second of one worker over `phaseS`, after `warmupS` of unmeasured running. */
async function measure(name: string, mode: Mode): Promise<number> {
  const [workload] = await loadWorkloads([name], []);
  if (workload === undefined) throw new Error(`no workload ${name}`);
  const tick = new Int32Array(new SharedArrayBuffer(4));
  const pool = new WorkloadPool(workload, { concurrency: defaults.concurrency, seed: 1, injectLeakBytesPerS: 0, tick: tick.buffer as SharedArrayBuffer },
    1, defaults.sliceMs, { onSample: () => {}, onEvent: () => {}, onFailure: (err) => { throw err; } });
  pool.start();
  const ticker = mode === 'sampled' ? setInterval(() => Atomics.add(tick, 0, 1), 1000) : undefined;
  await sleep(warmupS * 1000);
  const startOps = pool.opsTotal;
  const start = performance.now();
  await sleep(phaseS * 1000);
  const opsPerS = (pool.opsTotal - startOps) / ((performance.now() - start) / 1000);
  clearInterval(ticker);
  await pool.stop();
  return opsPerS;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`soak bench: node ${process.version}, ${phaseS}s phases after ${warmupS}s warm-up, ${rounds} rounds, 1 worker, concurrency ${defaults.concurrency}`);
console.log('workload            ops/s/thread (sampled)  ops/s/thread (unsampled)  throughput ratio  sampling overhead');
for (const name of values.workload.split(',')) {
  const results: Record<Mode, number[]> = { sampled: [], unsampled: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so a trend in the machine's load does not favour one mode.
    const order: Mode[] = round % 2 === 0 ? ['sampled', 'unsampled'] : ['unsampled', 'sampled'];
    for (const mode of order) results[mode].push(await measure(name, mode));
  }
  const sampled = mean(results.sampled);
  const unsampled = mean(results.unsampled);
  const ratio = sampled / unsampled;
  console.log(`${name.padEnd(20)}${sampled.toFixed(0).padStart(22)}  ${unsampled.toFixed(0).padStart(24)}  ${ratio.toFixed(4).padStart(16)}  ${((1 - ratio) * 100).toFixed(2).padStart(16)} %`);
}
