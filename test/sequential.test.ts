import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeAtLook, replayLooks, takeLook, type LookInput } from '../src/analysis/decide.js';
import { levelBetween, lookLevels, looksUntil, lookTimes, obrienFlemingSpent, SEQUENTIAL_ALPHA } from '../src/analysis/sequential.js';
import type { AnalysisSettings } from '../src/analysis/types.js';
import { syntheticWorker, type Noise } from '../scripts/synthetic-series.js';

const MB = 1024 * 1024;
const plan = { firstS: 60, everyS: 20, maxS: 300 };
const settings: AnalysisSettings = { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 50 * MB }, warmup: 'auto', profile: 'short' };

const close = (actual: number, expected: number, relative = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} is not ${expected}`);

test("Lan-DeMets O'Brien-Fleming spending matches scipy (2·Φ(−z_{1−α/2}/√τ), one-sided α = 0.025)", () => {
  // python: 2*scipy.stats.norm.sf(norm.isf(0.025/2)/sqrt(t)); gsDesign's sfLDOF(0.025, 0.5) is 0.001525323 too.
  close(obrienFlemingSpent(0.2), 5.388712629058749e-7, 1e-6);
  close(obrienFlemingSpent(0.25), 7.36680843586949e-6, 1e-7);
  close(obrienFlemingSpent(0.5), 0.0015253227579889112);
  close(obrienFlemingSpent(0.75), 0.009649324953512034);
  close(obrienFlemingSpent(0.9), 0.018144996379811394);
  close(obrienFlemingSpent(1), SEQUENTIAL_ALPHA);
  assert.equal(obrienFlemingSpent(0), 0);
  assert.equal(obrienFlemingSpent(1.5), obrienFlemingSpent(1));
});

test('the planned looks run from the first look to the budget and spend exactly alpha between them', () => {
  assert.deepEqual(lookTimes(plan), [60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 300]);
  assert.deepEqual(lookTimes({ firstS: 60, everyS: 50, maxS: 150 }), [60, 110, 150]);
  const levels = lookLevels(plan);
  close(
    levels.reduce((sum, l) => sum + l.alpha, 0),
    SEQUENTIAL_ALPHA,
    1e-12,
  );
  for (const l of levels) close(l.confidence, 1 - 2 * l.alpha, 1e-15);
  // O'Brien-Fleming type: the early looks get almost nothing, the later ones more and more.
  assert.ok((levels[0]?.alpha ?? 1) < 1e-6);
  for (let i = 1; i < levels.length; i++) assert.ok((levels[i]?.alpha ?? 0) > (levels[i - 1]?.alpha ?? 0));
});

test('a run stopped between two looks gets one more look there, with the error left since the last', () => {
  const looks = looksUntil(plan, 130);
  assert.deepEqual(
    looks.map((l) => l.atS),
    [60, 80, 100, 120, 130],
  );
  close(looks[4]?.alpha ?? 0, obrienFlemingSpent(130 / 300) - obrienFlemingSpent(120 / 300));
  assert.deepEqual(
    looksUntil(plan, 300.4).map((l) => l.atS),
    lookTimes(plan),
  );
  assert.deepEqual(
    looksUntil(plan, 120).map((l) => l.atS),
    [60, 80, 100, 120],
  );
  assert.deepEqual(
    looksUntil(plan, 30).map((l) => l.atS),
    [30],
  );
  // A stop a moment after a look still gives finite intervals.
  assert.ok(levelBetween(plan, 120, 120, 5).confidence < 1);
});

function workload(noise: Noise, slopeBytesPerHour: number, seed: number): LookInput {
  const workers = ['w#0', 'w#1'].map((worker) => syntheticWorker({ noise, slopeBytesPerHour, seconds: 300, warmupS: 30, seed, worker }));
  return { byWorkload: new Map([['w', workers]]), outOfMemory: new Map(), respawns: new Map() };
}

test('a clean workload passes at a look before the budget, and a look only reads samples stamped by its time', () => {
  const input = workload('white', 0, 7);
  const { outcome, workloads } = replayLooks(input, ['w'], plan, 300, settings);
  const decision = outcome.decisions.get('w');
  assert.equal(decision?.verdict, 'pass');
  assert.ok((decision?.atS ?? Infinity) < 300);
  assert.equal(workloads[0]?.verdict, 'pass');
  // The final analysis of a decided workload is the deciding look's, at its level.
  const atLook = analyzeAtLook(input, 'w', lookLevels(plan)[(decision?.look ?? 1) - 1]!, settings, true);
  assert.deepEqual(workloads[0]?.heap?.ci95, atLook.heap?.ci95);
  const worker = workloads[0]?.workers[0];
  assert.ok(worker?.state === 'fitted' && worker.heap.steadySpanS <= (decision?.atS ?? 0));
});

test('a leak of 20 MB/h is decided at the first look; 2 MB/h by the budget', () => {
  const fast = takeLook(workload('white', 20 * MB, 3), ['w'], lookLevels(plan)[0]!, settings, new Map());
  assert.equal(fast.get('w')?.verdict, 'leak');
  const slow = replayLooks(workload('white', 2 * MB, 4), ['w'], plan, 300, settings);
  assert.equal(slow.workloads[0]?.verdict, 'leak');
});

test('a sawtooth that returns to its lows is decided pass through its envelope; the same with climbing lows is a leak', () => {
  const bounded = replayLooks(workload('sawtooth', 0, 5), ['w'], plan, 300, settings);
  assert.equal(bounded.workloads[0]?.verdict, 'pass');
  assert.equal(bounded.workloads[0]?.heap?.shape, 'bounded');
  const climbing = replayLooks(workload('sawtooth', 8 * MB, 5), ['w'], plan, 300, settings);
  assert.equal(climbing.workloads[0]?.verdict, 'leak');
});

test('out of memory counts from the look at or after it, not before', () => {
  const input = { ...workload('white', 0, 9), outOfMemory: new Map([['w#1', 150]]) };
  const levels = lookLevels(plan);
  assert.notEqual(analyzeAtLook(input, 'w', levels[3]!, settings, false).verdict, 'leak'); // 120 s
  assert.equal(analyzeAtLook(input, 'w', levels[5]!, settings, false).verdict, 'leak'); // 160 s
});
