import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerSeries, type Phase } from '../src/analysis/series.js';
import { analyzeWorker, analyzeWorkload, worstVerdict, type Thresholds } from '../src/analysis/verdict.js';

const MB = 1024 * 1024;
const thresholds: Thresholds = { maxSlopeBytesPerHour: 1 * MB, maxGrowthBytes: 50 * MB };

/** Seeded normal noise (mulberry32 + Box-Muller), so every run of the tests sees the same series. */
function noise(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

interface SeriesSpec {
  seconds: number;
  warmupS?: number;
  base?: number;
  slopePerS: number;
  sd: number;
  seed: number;
  opsPerS?: number;
  respawnAtS?: number;
}

function series({ seconds, warmupS = 0, base = 8 * MB, slopePerS, sd, seed, opsPerS = 1000, respawnAtS }: SeriesSpec): WorkerSeries {
  const s = new WorkerSeries('w', 'w#0');
  const n = noise(seed);
  for (let t = 0; t <= seconds; t++) {
    const segment = respawnAtS !== undefined && t >= respawnAtS ? 1 : 0;
    // A respawned worker starts again from a fresh heap: its own baseline, the same growth rate.
    const sinceStart = segment === 1 ? t - (respawnAtS ?? 0) : t;
    const phase: Phase = t < warmupS ? 'warmup' : 'steady';
    s.add({ elapsedS: t, segment, phase, workload: 'w', worker: 'w#0', opsTotal: sinceStart * opsPerS, errorsTotal: 0, heapBytes: base + slopePerS * sinceStart + sd * n() });
  }
  return s;
}

test('a clean series with the measured Node noise (3.5 KB sd) passes in a 2-minute run', () => {
  const a = analyzeWorker(series({ seconds: 120, warmupS: 30, slopePerS: 0, sd: 3500, seed: 1 }), thresholds, false);
  assert.equal(a.verdict, 'pass', a.reason);
  assert.equal(a.state, 'fitted');
});

test('a leak at twice the threshold is found in a 2-minute run, with bytes per operation', () => {
  const slopePerS = (2 * MB) / 3600;
  const a = analyzeWorker(series({ seconds: 120, warmupS: 30, slopePerS, sd: 3500, seed: 2 }), thresholds, false);
  assert.equal(a.verdict, 'leak', a.reason);
  assert.ok(a.state === 'fitted');
  assert.ok(a.heap.ci95[0] < 2 * MB && a.heap.ci95[1] > 2 * MB, 'the interval holds the true slope');
  assert.ok(Math.abs(a.heap.bytesPerOp - slopePerS / 1000) < 0.1 * (slopePerS / 1000));
});

test('a slope near the threshold with wide noise is inconclusive and says how long would decide', () => {
  const a = analyzeWorker(series({ seconds: 120, warmupS: 30, slopePerS: MB / 3600, sd: 20000, seed: 3 }), thresholds, false);
  assert.equal(a.verdict, 'inconclusive', a.reason);
  assert.match(a.reason, /straddles the 1 MB\/h limit; this run can detect slopes above .* would decide/);
});

test('growth that settles within the steady window (warm-up still ending) is not called a leak', () => {
  const s = new WorkerSeries('w', 'w#0');
  const n = noise(10);
  // Heap approaches a plateau 100 KB up with a 40 s time constant: steep at first, nearly flat by the end.
  for (let t = 0; t <= 120; t++) {
    s.add({ elapsedS: t, segment: 0, phase: t < 30 ? 'warmup' : 'steady', workload: 'w', worker: 'w#0', opsTotal: t * 1000, errorsTotal: 0,
      heapBytes: 8 * MB + 100_000 * (1 - Math.exp(-(t - 10) / 40)) + 1000 * n() });
  }
  const a = analyzeWorker(s, thresholds, false);
  assert.ok(a.state === 'fitted');
  assert.ok(a.heap.ci95[0] > MB, 'over the whole window the growth is significant');
  assert.equal(a.verdict, 'inconclusive', a.reason);
  assert.match(a.reason, /in its later half .* is not clearly above the 1 MB\/h limit: warm-up may still be settling/);
});

test('fewer than ten steady samples is an honest "not enough data"', () => {
  const a = analyzeWorker(series({ seconds: 12, warmupS: 5, slopePerS: 0, sd: 3500, seed: 4 }), thresholds, false);
  assert.equal(a.state, 'insufficient');
  assert.equal(a.verdict, 'inconclusive');
  assert.match(a.reason, /not enough data: 8 samples/);
});

test('a worker that ran out of memory is a leak whatever its samples say', () => {
  const a = analyzeWorker(series({ seconds: 60, slopePerS: 0, sd: 3500, seed: 5 }), thresholds, true);
  assert.equal(a.state, 'out-of-memory');
  assert.equal(a.verdict, 'leak');
});

test('growth over the steady window above --max-growth is a leak even under the slope limit', () => {
  const a = analyzeWorker(series({ seconds: 600, slopePerS: 200, sd: 3500, seed: 6 }), { maxSlopeBytesPerHour: 10 * MB, maxGrowthBytes: 64 * 1024 }, false);
  assert.equal(a.verdict, 'leak', a.reason);
  assert.match(a.reason, /grew .* over the steady window, above the 64 KB limit/);
});

test('a respawned worker is fitted with a baseline per segment: the heap drop is not read as shrinkage', () => {
  const slopePerS = (4 * MB) / 3600;
  const a = analyzeWorker(series({ seconds: 120, slopePerS, sd: 3500, seed: 7, respawnAtS: 60 }), thresholds, false);
  assert.ok(a.state === 'fitted');
  assert.equal(a.verdict, 'leak', a.reason);
  assert.ok(Math.abs(a.heap.slopeBytesPerHour - 4 * MB) < 0.25 * 4 * MB, `slope ${a.heap.slopeBytesPerHour}`);
});

test('a workload takes its worst worker, and one that never completes an operation is an error', () => {
  const clean = series({ seconds: 120, warmupS: 30, slopePerS: 0, sd: 3500, seed: 8 });
  const leaking = new WorkerSeries('w', 'w#1');
  const n = noise(9);
  for (let t = 0; t <= 120; t++) {
    leaking.add({ elapsedS: t, segment: 0, phase: t < 30 ? 'warmup' : 'steady', workload: 'w', worker: 'w#1', opsTotal: t * 10, errorsTotal: 0, heapBytes: 8 * MB + 5000 * t + 3500 * n() });
  }
  const result = analyzeWorkload('w', [clean, leaking], thresholds, 30, new Set(), new Map());
  assert.equal(result.verdict, 'leak');
  assert.match(result.reason, /^w#1 /);
  assert.deepEqual(result.workers.map((w) => w.verdict), ['pass', 'leak']);

  const idle = new WorkerSeries('w', 'w#0');
  for (let t = 0; t <= 60; t++) idle.add({ elapsedS: t, segment: 0, phase: 'steady', workload: 'w', worker: 'w#0', opsTotal: 0, errorsTotal: 0, heapBytes: 8 * MB });
  assert.equal(analyzeWorkload('w', [idle], thresholds, 0, new Set(), new Map()).verdict, 'error');
});

test('the worst verdict orders error over leak over inconclusive over pass', () => {
  assert.equal(worstVerdict([]), 'pass');
  assert.equal(worstVerdict(['pass', 'inconclusive']), 'inconclusive');
  assert.equal(worstVerdict(['inconclusive', 'leak', 'pass']), 'leak');
  assert.equal(worstVerdict(['leak', 'error']), 'error');
});
