/**
 * Verdicts on synthetic series with a known truth: seeded noise at the levels real runs show (3.5 KB
 * to 20 KB sd on an 8 MB heap), one sample a second, the default limits (1 MB/h, 50 MB) unless a test
 * says otherwise. Each test builds its series from a spec (what the heap, off-heap memory and handles
 * really do) and checks the verdict and the numbers behind it against that truth.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerSeries, type Phase } from '../src/analysis/series.js';
import { pText } from '../src/analysis/explain.js';
import { bestTrendP } from '../src/analysis/trend.js';
import { analyzeWorker, analyzeWorkload, familyLevels, pooledJudgement } from '../src/analysis/verdict.js';
import { worstVerdict, type AnalysisSettings, type Verdict, type WorkerAnalysis } from '../src/analysis/types.js';
import { parseDuration } from '../src/units.js';

const KB = 1024;
const MB = 1024 * 1024;
const LIMIT_PER_HOUR = 1 * MB;

// ---------------------------------------------------------------------------------------------------
// Building series

/** Seeded uniform numbers in [0, 1) (mulberry32): every run of the tests sees the same series. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard normal numbers (Box–Muller on mulberry32). */
function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

interface SeriesSpec {
  /** Samples at t = 0, 1, …, seconds − 1. */
  readonly seconds: number;
  readonly seed: number;
  readonly worker?: string;
  /** Samples before this time are recorded as warm-up. Default 0. */
  readonly warmupS?: number;
  /** Heap at the start of each life. Default 8 MB. */
  readonly base?: number;
  /** Linear heap growth, bytes per hour. Default 0. */
  readonly leakPerHour?: number;
  /** Heap added on top of the line, by seconds since the worker's life started. */
  readonly shape?: (s: number) => number;
  /** Standard deviation of the heap noise. Default 3.5 KB. */
  readonly sd?: number;
  /** AR(1) coefficient of the heap noise (its stationary sd stays `sd`). Default 0: white noise. */
  readonly phi?: number;
  /** A share of the samples caught mid-allocation: `bytes` over the rest. */
  readonly spikes?: { readonly share: number; readonly bytes: number };
  /** Default 1000. */
  readonly opsPerS?: number;
  /** Default 0. */
  readonly errorsPerS?: number;
  /** Off-heap (external) memory: default a constant 1 MB. */
  readonly external?: { readonly base?: number; readonly perHour?: number; readonly sd?: number };
  /** Active handles at time t. Default a constant 12. */
  readonly handles?: (t: number, random: () => number) => number;
  /** The worker dies and is respawned at this time: a new segment, counters from zero, a fresh heap. */
  readonly respawnAtS?: number;
  /** The respawned life's first seconds are marked warm-up, as a resumed run's new workers are. Default 0. */
  readonly rewarmS?: number;
  /** Heap at the start of the respawned life. Default `base`. */
  readonly respawnBase?: number;
  /** Heap measured after teardown: adds a cooldown row. */
  readonly cooldownHeap?: number;
  /** V8's compiled code and bytecode at time t (not part of the judged heap). Default 0. */
  readonly code?: (t: number) => number;
}

function series(spec: SeriesSpec): WorkerSeries {
  const worker = spec.worker ?? 'w#0';
  const base = spec.base ?? 8 * MB;
  const leakPerS = (spec.leakPerHour ?? 0) / 3600;
  const sd = spec.sd ?? 3.5 * KB;
  const phi = spec.phi ?? 0;
  const heapNoise = normal(spec.seed);
  const spikeDraw = uniform(spec.seed + 1000);
  const externalNoise = normal(spec.seed + 2000);
  const handleDraw = uniform(spec.seed + 3000);
  const external = { base: 1 * MB, perHour: 0, sd: 0, ...spec.external };
  const s = new WorkerSeries('w', worker);
  let ar = sd * heapNoise();
  let row = { segment: 0, opsTotal: 0, errorsTotal: 0, heapBytes: base };
  for (let t = 0; t < spec.seconds; t++) {
    const respawned = spec.respawnAtS !== undefined && t >= spec.respawnAtS;
    const lifeS = respawned ? t - (spec.respawnAtS ?? 0) : t;
    const lifeBase = respawned ? (spec.respawnBase ?? base) : base;
    ar = phi === 0 ? sd * heapNoise() : phi * ar + Math.sqrt(1 - phi * phi) * sd * heapNoise();
    const spike = spec.spikes !== undefined && spikeDraw() < spec.spikes.share ? spec.spikes.bytes : 0;
    const phase: Phase = t < (spec.warmupS ?? 0) || (respawned && lifeS < (spec.rewarmS ?? 0)) ? 'warmup' : 'steady';
    row = {
      segment: respawned ? 1 : 0,
      opsTotal: Math.round((spec.opsPerS ?? 1000) * lifeS),
      errorsTotal: Math.round((spec.errorsPerS ?? 0) * lifeS),
      heapBytes: Math.round(lifeBase + leakPerS * lifeS + (spec.shape?.(lifeS) ?? 0) + ar + spike),
    };
    s.add({
      elapsedS: t,
      phase,
      workload: 'w',
      worker,
      ...row,
      externalBytes: Math.round(external.base + (external.perHour / 3600) * t + external.sd * externalNoise()),
      activeHandles: spec.handles?.(t, handleDraw) ?? 12,
      rssBytes: 60 * MB,
      codeBytes: spec.code?.(t) ?? 0,
    });
  }
  if (spec.cooldownHeap !== undefined) {
    s.add({
      elapsedS: spec.seconds + 1,
      phase: 'cooldown',
      workload: 'w',
      worker,
      ...row,
      heapBytes: spec.cooldownHeap,
      externalBytes: external.base,
      activeHandles: 0,
      rssBytes: 60 * MB,
      codeBytes: 0,
    });
  }
  return s;
}

function settings(o: { maxSlopePerHour?: number; maxGrowth?: number; warmup?: number | 'auto' } = {}): AnalysisSettings {
  return {
    thresholds: { maxSlopeBytesPerHour: o.maxSlopePerHour ?? LIMIT_PER_HOUR, maxGrowthBytes: o.maxGrowth ?? 50 * MB },
    warmup: o.warmup ?? 'auto',
    profile: 'short',
  };
}

const analyze = (spec: SeriesSpec, s: AnalysisSettings = settings()): WorkerAnalysis => analyzeWorker(series(spec), s, false);

// ---------------------------------------------------------------------------------------------------
// Checking results

type Fitted = Extract<WorkerAnalysis, { state: 'fitted' }>;

/** One line on an analysis, for assertion messages. */
function describe(a: WorkerAnalysis): string {
  if (a.state !== 'fitted') return `${a.state} ${a.verdict}: ${a.reason}`;
  const h = a.heap;
  const mbh = (v: number): string => `${(v / MB).toFixed(3)}`;
  return (
    `${a.verdict} (heap ${h.verdict}/${h.shape}, ${mbh(h.slopePerHour)} MB/h [${mbh(h.ci95[0])}, ${mbh(h.ci95[1])}], ` +
    `p ${h.trendP.toFixed(3)}, inflation ${h.autocorrelationInflation.toFixed(2)}, from ${a.steadyFromS}s, ` +
    `external ${a.external.verdict}/${a.external.shape}, handles ${a.handles.verdict}/${a.handles.shape}): ${a.reason}`
  );
}

function assertFitted(a: WorkerAnalysis): asserts a is Fitted {
  assert.equal(a.state, 'fitted', describe(a));
}

function assertVerdict(a: WorkerAnalysis, expected: Verdict | readonly Verdict[]): void {
  const allowed: readonly Verdict[] = typeof expected === 'string' ? [expected] : expected;
  assert.ok(allowed.includes(a.verdict), `expected ${allowed.join(' or ')}, got ${describe(a)}`);
}

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

const contains = (ci: readonly [number, number], value: number): boolean => ci[0] <= value && value <= ci[1];

/** Ordinary least-squares slope, bytes per second: what a non-robust fit would report. */
function olsSlope(t: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = t.length;
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i] ?? 0;
    my += y[i] ?? 0;
  }
  mt /= n;
  my /= n;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    sty += ((t[i] ?? 0) - mt) * ((y[i] ?? 0) - my);
    stt += ((t[i] ?? 0) - mt) ** 2;
  }
  return sty / stt;
}

const seeds = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** How many of the analyses are fitted with a 95 % interval holding `truth` (per hour). */
function held(runs: readonly WorkerAnalysis[], truth: number): number {
  return runs.filter((a) => a.state === 'fitted' && contains(a.heap.ci95, truth)).length;
}

// ---------------------------------------------------------------------------------------------------
// Flat heaps and linear leaks

test('white noise on a flat heap passes in a 2-minute run, its interval holding zero (3.5 KB and 20 KB sd)', () => {
  for (const sd of [3.5 * KB, 20 * KB]) {
    for (const seed of seeds(1, 5)) {
      const a = analyze({ seconds: 120, seed, sd });
      assertFitted(a);
      assertVerdict(a, 'pass');
      assert.equal(a.heap.shape, 'flat', describe(a));
      assert.ok(contains(a.heap.ci95, 0), `interval holds 0: ${describe(a)}`);
      assert.ok(a.heap.ci95[1] < LIMIT_PER_HOUR, describe(a));
      assert.match(a.reason, /^w#0 heap is flat/);
    }
  }
});

test('a 2 MB/h leak is found in a 2-minute run: interval holds the true slope, bytes per op = slope / ops per second', () => {
  const truth = 2 * MB;
  const runs = seeds(10, 5).map((seed) => analyze({ seconds: 120, seed, sd: 3.5 * KB, leakPerHour: truth, opsPerS: 500 }));
  assert.ok(held(runs, truth) >= 4, `a 95 % interval holds the truth in at least 4 of 5 runs: ${runs.map(describe).join('\n')}`);
  for (const a of runs) {
    assertFitted(a);
    assertVerdict(a, 'leak');
    assert.equal(a.heap.shape, 'growing', describe(a));
    assertClose(a.heap.bytesPerOp, a.heap.slopePerHour / 3600 / 500, 1e-9, 'bytesPerOp from the fitted slope');
    assertClose(a.heap.bytesPerOp, truth / 3600 / 500, 0.1 * (truth / 3600 / 500), 'bytesPerOp against the truth');
    assert.match(a.reason, /^w#0 heap grows .* above the 1 MB\/h limit: about .* retained per operation/);
  }
});

test('an 8 MB/h leak under 20 KB noise is found in a 2-minute run, its interval holding the true slope', () => {
  const truth = 8 * MB;
  const runs = seeds(20, 5).map((seed) => analyze({ seconds: 120, seed, sd: 20 * KB, leakPerHour: truth, opsPerS: 2000 }));
  assert.ok(held(runs, truth) >= 4, `a 95 % interval holds the truth in at least 4 of 5 runs: ${runs.map(describe).join('\n')}`);
  for (const a of runs) {
    assertFitted(a);
    assertVerdict(a, 'leak');
    assertClose(a.heap.bytesPerOp, truth / 3600 / 2000, 0.15 * (truth / 3600 / 2000), 'bytesPerOp against the truth');
  }
});

test('rare 2 MB spikes (1 % of samples) on a flat heap do not make a leak', () => {
  for (const seed of seeds(30, 10)) {
    const a = analyze({ seconds: 300, seed, spikes: { share: 0.01, bytes: 2 * MB } });
    assertFitted(a);
    assertVerdict(a, 'pass');
    assert.ok(contains(a.heap.ci95, 0), describe(a));
  }
});

test('rare 2 MB spikes on a 2 MB/h leak: still a leak with a slope near the truth, where least squares is dragged', () => {
  const truth = 2 * MB;
  let dragged = 0;
  for (const seed of seeds(40, 10)) {
    const s = series({ seconds: 300, seed, leakPerHour: truth, spikes: { share: 0.01, bytes: 2 * MB } });
    const a = analyzeWorker(s, settings({ warmup: 0 }), false);
    assertFitted(a);
    assertVerdict(a, 'leak');
    assertClose(a.heap.slopePerHour, truth, 0.03 * truth, `robust slope, ${describe(a)}`);
    const ols = olsSlope(s.columns.t, s.columns.heap) * 3600;
    if (Math.abs(ols - truth) > 0.15 * truth) dragged++;
  }
  assert.ok(dragged >= 3, `the spikes drag a least-squares slope more than 15 % in several seeds (${dragged} of 10)`);
});

// ---------------------------------------------------------------------------------------------------
// Growth that stops: plateaus, steps, sawtooth, settling

/** A cache filling: 200 KB, 98 % of it in the first 40 s. */
const cacheFill = (s: number): number => 200 * KB * (1 - Math.exp(-s / 10));

test('a cache that fills in 40 s then stays flat passes over 5 minutes: auto warm-up starts after the fill', () => {
  for (const seed of seeds(50, 5)) {
    const a = analyze({ seconds: 300, seed, shape: cacheFill });
    assertFitted(a);
    assertVerdict(a, 'pass');
    assert.ok(a.steadyFromS >= 25 && a.steadyFromS <= 150, `steady window from ${a.steadyFromS}s: ${describe(a)}`);
  }
});

test('a cache that fills in 40 s then stays flat is not a leak with a fixed warm-up of 0 s', () => {
  for (const seed of seeds(50, 5)) {
    const a = analyze({ seconds: 300, seed, shape: cacheFill }, settings({ warmup: 0 }));
    assertFitted(a);
    assert.equal(a.steadyFromS, 0);
    assertVerdict(a, ['pass', 'inconclusive']);
  }
});

test('a heap that wanders down and back up is not a leak because the auto warm-up cut starts at the low point', () => {
  // 200 KB down over 30-150 s, back up over 150-300 s: the cut search picks the climb (4.8 MB/h),
  // the window from the recorded warm-up has no trend; the choice of start must not make the leak.
  const vee = (s: number): number => (s < 150 ? -(200 * KB * (s - 30)) / 120 : -200 * KB + (200 * KB * (s - 150)) / 150);
  for (const seed of seeds(70, 5)) {
    const a = analyze({ seconds: 300, seed, warmupS: 30, shape: vee });
    assertFitted(a);
    assert.ok(a.steadyFromS > 120, `the cut sits at the low point: ${describe(a)}`);
    assertVerdict(a, 'inconclusive');
    assert.ok(a.heap.unconfirmedSinceWarmup !== undefined, describe(a));
    assert.match(a.reason, /since the recorded warm-up ended at 30s .* not clearly over the 1 MB\/h limit/);
    const fixed = analyze({ seconds: 300, seed, warmupS: 30, shape: vee }, settings({ warmup: 150 }));
    assertVerdict(fixed, 'leak');
  }
});

test('one 300 KB step in the middle of a flat heap passes as a step, found at its time and size', () => {
  // A fixed warm-up: auto warm-up may cut up to half the window, and would cut a step at or before the middle.
  const stepAt = 150;
  for (const seed of seeds(60, 5)) {
    const a = analyze({ seconds: 300, seed, shape: (s) => (s >= stepAt ? 300 * KB : 0) }, settings({ warmup: 0 }));
    assertFitted(a);
    assertVerdict(a, 'pass');
    assert.equal(a.heap.shape, 'step', describe(a));
    assert.ok(a.heap.step !== undefined);
    assertClose(a.heap.step.atS, stepAt, 2, 'step time');
    assertClose(a.heap.step.size, 300 * KB, 15 * KB, 'step size');
    assert.match(a.reason, /stepped up .* once at 2m30s and is flat on both sides/);
  }
});

test('one step larger than --max-growth is a leak, also late in the window where the halves cross-check misses it', () => {
  for (const stepAt of [150, 240]) {
    for (const seed of seeds(60, 3)) {
      const a = analyze({ seconds: 300, seed, shape: (s) => (s >= stepAt ? 300 * KB : 0) }, settings({ warmup: 0, maxGrowth: 256 * KB }));
      assertFitted(a);
      assertVerdict(a, 'leak');
      assert.equal(a.heap.shape, 'step', describe(a));
      assert.match(a.reason, /stepped up .* above the 256 KB growth limit/);
      // A step at 80 % leaves both halves' medians at the old level: only the step size can call it.
      if (stepAt === 240) assert.ok(a.heap.halvesGrowthBytes < 256 * KB, `halves ${a.heap.halvesGrowthBytes}`);
    }
  }
});

/** A one-time 60 MB jump, over the default 50 MB growth limit, a third of the way into a 5-minute run. */
const bigJump: SeriesSpec = { seconds: 300, seed: 65, warmupS: 30, shape: (s) => (s >= 100 ? 60 * MB : 0) };

test('a one-time jump over --max-growth a third into the run is a leak with the recorded warm-up', () => {
  const a = analyze(bigJump, settings({ warmup: 30 }));
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.match(a.reason, /stepped up 60\.0 MB at 1m40s, above the 50 MB growth limit/);
});

test('a one-time jump over --max-growth a third into the run is a leak with auto warm-up too', () => {
  const a = analyze(bigJump);
  assertFitted(a);
  assertVerdict(a, 'leak');
});

/** 100 MB of growth over the first 5 minutes of a 10-minute run, then flat: twice the default growth limit. */
const rampThenFlat: SeriesSpec = { seconds: 600, seed: 66, warmupS: 30, shape: (s) => (Math.min(s, 300) * 100 * MB) / 300 };

test('growth of 100 MB over the window that then stops is a leak: it is over --max-growth whatever its shape', () => {
  const a = analyze(rampThenFlat, settings({ warmup: 30 }));
  assertFitted(a);
  assert.ok(a.heap.growth > 50 * MB, describe(a));
  assertVerdict(a, 'leak');
});

test('growth of 100 MB that stops half-way through the run is not cut away as warm-up', () => {
  const a = analyze(rampThenFlat);
  assertFitted(a);
  assertVerdict(a, ['leak', 'inconclusive']);
});

test('a staircase (+40 KB every 10 s) over 5 minutes is a leak, not a step', () => {
  for (const seed of seeds(70, 5)) {
    const a = analyze({ seconds: 300, seed, shape: (s) => 40 * KB * Math.floor(s / 10) });
    assertFitted(a);
    assertVerdict(a, 'leak');
    assert.equal(a.heap.shape, 'growing', describe(a));
    assertClose(a.heap.slopePerHour, 4 * KB * 3600, 0.1 * 4 * KB * 3600, 'staircase slope');
  }
});

test('a sawtooth (200 KB over 30 s, then back) over 5 minutes is not a leak', () => {
  for (const seed of seeds(80, 5)) {
    const a = analyze({ seconds: 300, seed, shape: (s) => 200 * KB * ((s % 30) / 30) });
    assertFitted(a);
    assertVerdict(a, ['pass', 'inconclusive']);
  }
});

test('a batch of 3 MB built up and dropped every 8 s passes in 3 minutes as bounded: its lows are flat', () => {
  for (const seed of seeds(90, 5)) {
    const a = analyze({ seconds: 180, seed, warmupS: 18, shape: (s) => 3 * MB * ((s % 8) / 8) });
    assertFitted(a);
    assertVerdict(a, 'pass');
    assert.equal(a.heap.shape, 'bounded', describe(a));
    assert.ok(a.heap.envelope !== undefined && a.heap.envelope.blockPoints >= 5, describe(a));
    assert.match(a.reason, /keeps returning to its lows/);
  }
});

test("the same batch whose lows climb 8 MB/h is a leak, its lows' slope near the truth", () => {
  for (const seed of seeds(95, 5)) {
    const a = analyze({ seconds: 180, seed, warmupS: 18, leakPerHour: 8 * MB, shape: (s) => 3 * MB * ((s % 8) / 8) });
    assertFitted(a);
    assertVerdict(a, 'leak');
    assert.ok(a.heap.shape === 'climbing' || a.heap.shape === 'growing', describe(a));
    if (a.heap.envelope !== undefined) assertClose(a.heap.envelope.lowsSlopePerHour, 8 * MB, 3 * MB, 'lows slope');
  }
});

test('heap growth of 100 MB/h with compiled code growing as fast is a leak of compiled functions, never JIT warm-up', () => {
  // A validator compiled per call and kept: the judged heap and code_bytes both climb linearly.
  for (const seed of seeds(100, 3)) {
    const a = analyze({ seconds: 120, seed, warmupS: 12, leakPerHour: 100 * MB, code: (t) => 2 * MB + ((100 * MB) / 3600) * t });
    assertFitted(a);
    assertVerdict(a, 'leak');
    assert.notEqual(a.heap.shape, 'warming', describe(a));
  }
});

test('heap growth of 3 MB/h while compiled code grows 2 MB/h is JIT warm-up in a short run, not a leak', () => {
  for (const seed of seeds(105, 3)) {
    const a = analyze({ seconds: 120, seed, warmupS: 12, leakPerHour: 3 * MB, code: (t) => 2 * MB + ((2 * MB) / 3600) * t });
    assertFitted(a);
    assertVerdict(a, 'inconclusive');
    assert.equal(a.heap.shape, 'warming', describe(a));
  }
});

test('at a look before the budget, growth whose later half is not clearly over the limit does not stop the workload as a leak', () => {
  // Steady growth a little over the limit under noise: the whole window clears the limit, its later half alone often does not.
  let differed = 0;
  for (const seed of seeds(110, 10)) {
    const spec = { seconds: 200, seed, warmupS: 20, leakPerHour: 1.25 * MB, sd: 12 * KB };
    const early = analyze(spec, { ...settings(), early: true });
    assertFitted(early);
    if (early.heap.verdict === 'leak') assert.ok((early.heap.laterHalf?.ci95[0] ?? 0) > LIMIT_PER_HOUR, describe(early));
    const final = analyze(spec);
    assertFitted(final);
    if (final.heap.verdict === 'leak' && early.heap.verdict !== 'leak') differed++;
  }
  assert.ok(differed > 0, "some runs are leaks by the final look's rule and not by the early one");
});

test('at a look before the budget, a staircase showing one step so far is not passed as a one-time step', () => {
  // +48 KB every 15 s, seen 30 s into its steady window: one step at 45 s, flat on both sides.
  for (const seed of seeds(120, 5)) {
    const spec = { seconds: 61, seed, warmupS: 30, shape: (s: number) => 48 * KB * Math.floor(s / 15) };
    const early = analyze(spec, { ...settings(), warmup: 30, early: true });
    assertFitted(early);
    assert.notEqual(early.heap.verdict, 'pass', describe(early));
  }
  // A real one-time step is passed at an early look once the heap has stayed flat after it for long enough.
  for (const seed of seeds(125, 5)) {
    const early = analyze({ seconds: 200, seed, warmupS: 30, shape: (s) => (s >= 60 ? 300 * KB : 0) }, { ...settings(), warmup: 30, early: true });
    assertFitted(early);
    assertVerdict(early, 'pass');
    assert.equal(early.heap.shape, 'step', describe(early));
  }
});

/** Approaches a plateau 100 KB up with a 40 s time constant: steep at first, nearly flat by the end. */
const settlingCurve = (s: number): number => 100 * KB * (1 - Math.exp(-(s - 10) / 40));

test('growth that settles within the steady window is not a leak, and the reason says it may be settling', () => {
  let settling = 0;
  for (const seed of seeds(90, 5)) {
    const a = analyze({ seconds: 120, seed, sd: 1 * KB, shape: settlingCurve }, settings({ warmup: 30 }));
    assertFitted(a);
    assertVerdict(a, ['pass', 'inconclusive']);
    if (a.heap.shape === 'settling') {
      settling++;
      assert.ok(a.heap.ci95[0] > LIMIT_PER_HOUR, `over the whole window the growth is significant: ${describe(a)}`);
      assert.ok(a.heap.laterHalf !== undefined);
      assert.match(a.reason, /in its later half .* slowing down: warm-up may still be settling; run longer/);
    }
  }
  assert.ok(settling >= 3, `the decaying growth should read as settling in most seeds (${settling} of 5)`);
});

test('growth that settles is not a leak with auto warm-up either', () => {
  for (const seed of seeds(90, 5)) {
    const a = analyze({ seconds: 120, seed, sd: 1 * KB, warmupS: 12, shape: settlingCurve });
    assertFitted(a);
    assertVerdict(a, ['pass', 'inconclusive']);
  }
});

// ---------------------------------------------------------------------------------------------------
// Autocorrelated noise and what a run can resolve

test('AR(1) noise (phi 0.9, 20 KB sd) without a trend is never a leak, and widens the trend test (inflation > 1)', () => {
  for (const seed of seeds(100, 10)) {
    const a = analyze({ seconds: 300, seed, sd: 20 * KB, phi: 0.9 });
    assertFitted(a);
    assertVerdict(a, ['pass', 'inconclusive']);
    assert.ok(a.heap.autocorrelationInflation > 1, describe(a));
  }
  const white = analyze({ seconds: 300, seed: 100, sd: 20 * KB });
  assertFitted(white);
  const red = analyze({ seconds: 300, seed: 100, sd: 20 * KB, phi: 0.9 });
  assertFitted(red);
  assert.ok(red.heap.autocorrelationInflation > 2 * white.heap.autocorrelationInflation, `${describe(white)} / ${describe(red)}`);
});

test('the 95 % interval under AR(1) noise (phi 0.9) holds the true slope, zero, in most runs', () => {
  const runs = seeds(200, 40).map((seed) => analyze({ seconds: 300, seed, sd: 20 * KB, phi: 0.9 }, settings({ warmup: 0 })));
  const count = held(runs, 0);
  assert.ok(count >= 34, `the interval held 0 in ${count} of 40 runs (expected about 38)`);
});

/** 400 two-minute runs of a true slope at 0.8× the limit: how many are called a leak. */
function leaksAtFourFifths(phi: number): WorkerAnalysis[] {
  return seeds(300, 400)
    .map((seed) => analyze({ seconds: 120, seed, sd: 20 * KB, phi, leakPerHour: 0.8 * LIMIT_PER_HOUR }))
    .filter((a) => a.verdict === 'leak');
}

test('a slope at 0.8× the limit under white noise is called a leak in under 1 % of 400 two-minute runs', () => {
  const leaks = leaksAtFourFifths(0);
  assert.ok(leaks.length < 4, leaks.map(describe).join('\n'));
});

test('a slope at 0.8× the limit under AR(1) noise is called a leak in under 2.5 % of two-minute runs', {
  todo: 'engine: lag-1 autocorrelation estimated from 120 samples is biased low, so even with the AR(1) floor on the Hamed–Rao factor about 20 of 400 runs (5 %, the series and its lower envelope together) are called a leak',
}, () => {
  // Under 2.5 % holds for a calibrated 95 % interval even for a slope right at the limit.
  const leaks = leaksAtFourFifths(0.9);
  assert.ok(leaks.length < 10, `${leaks.length} of 400 runs called a leak:\n${leaks.slice(0, 5).map(describe).join('\n')}`);
});

const nearLimit = (seed: number, seconds = 120): SeriesSpec => ({ seconds, seed, sd: 20 * KB, leakPerHour: 1.2 * LIMIT_PER_HOUR });
const ADVICE = /not clearly on either side of its limit; this run resolves slopes to ±(.+?), a steady window of about (\S+) would decide$/;

test('a slope near the limit under 20 KB noise is inconclusive, saying what the run resolves and how long would decide', () => {
  let advised = 0;
  for (const seed of seeds(110, 8)) {
    const a = analyze(nearLimit(seed));
    assertFitted(a);
    // 1.2× the limit: a run may resolve it as a leak, never as a pass.
    assert.notEqual(a.verdict, 'pass', describe(a));
    if (a.heap.shape !== 'unresolved') continue;
    advised++;
    const m = ADVICE.exec(a.reason);
    assert.ok(m !== null, describe(a));
    assert.match(m[1] ?? '', /^\d+(\.\d+)? KB\/h$/);
    const need = parseDuration(m[2] ?? '');
    assert.ok(need !== undefined && need > a.heap.steadySpanS, `advised ${m[2]} for a ${a.heap.steadySpanS}s window`);
  }
  assert.ok(advised >= 3, `most near-limit runs are unresolved and advise a length (${advised} of 8)`);
});

test('a run as long as the advice says decides a slope near the limit', () => {
  // A 2-minute run whose estimate is near the truth, so the advice is about the real slope.
  const first = seeds(110, 20)
    .map((seed) => analyze(nearLimit(seed)))
    .find((a) => a.state === 'fitted' && a.heap.shape === 'unresolved' && Math.abs(a.heap.slopePerHour - 1.2 * LIMIT_PER_HOUR) < 0.1 * LIMIT_PER_HOUR);
  assert.ok(first !== undefined);
  const need = parseDuration(ADVICE.exec(first.reason)?.[2] ?? '');
  assert.ok(need !== undefined, first.reason);
  const runs = seeds(400, 10).map((seed) => analyze(nearLimit(seed, Math.ceil(need) + 1), settings({ warmup: 0 })));
  const decided = runs.filter((a) => a.verdict !== 'inconclusive').length;
  assert.ok(decided >= 5, `${decided} of 10 runs of ${need}s decided (advice: ${first.reason}):\n${runs.map(describe).join('\n')}`);
});

test('a steady linear leak just over the limit is not described as settling warm-up', () => {
  const runs = seeds(120, 10).map((seed) => analyze({ seconds: 120, seed, sd: 20 * KB, leakPerHour: 1.5 * LIMIT_PER_HOUR }));
  const settling = runs.filter((a) => a.state === 'fitted' && a.heap.shape === 'settling');
  assert.ok(settling.length <= 2, `${settling.length} of 10 linear leaks read as settling:\n${settling.map(describe).join('\n')}`);
});

test('what a run can detect shrinks as the run gets longer (2, 10, 30 minutes of the same noise)', () => {
  const md = [120, 600, 1800].map((seconds) => {
    const a = analyze({ seconds, seed: 120, sd: 20 * KB });
    assertFitted(a);
    return a.heap.minDetectableSlopePerHour;
  });
  const [two = NaN, ten = NaN, thirty = NaN] = md;
  assert.ok(two > ten && ten > thirty, md.join(' > '));
  // About T^-1.5 for white noise: 5^1.5 ≈ 11 from 2 to 10 minutes, 3^1.5 ≈ 5.2 from 10 to 30.
  assert.ok(two / ten > 6 && ten / thirty > 3, md.join(', '));
});

// ---------------------------------------------------------------------------------------------------
// Off-heap memory and handles

test('off-heap memory growing 4 MB/h under a flat heap is a leak the heap verdict alone would pass', () => {
  const a = analyze({ seconds: 300, seed: 130, external: { perHour: 4 * MB, sd: 2 * KB } });
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.equal(a.heap.verdict, 'pass', describe(a));
  assert.equal(a.external.verdict, 'leak', describe(a));
  assert.ok(contains(a.external.ci95, 4 * MB), describe(a));
  assert.match(a.reason, /off-heap memory .* grows .* the JS heap does not show it/);
});

test('active handles growing by one every 5 s are a leak named in the reason', () => {
  const a = analyze({ seconds: 300, seed: 140, handles: (t) => 12 + Math.floor(t / 5) });
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.equal(a.heap.verdict, 'pass');
  assert.equal(a.handles.verdict, 'leak', describe(a));
  assertClose(a.handles.slopePerHour, 720, 36, 'handles per hour');
  assert.match(a.reason, /active handles .* grow 720\.0\/h .* something opened is never closed/);
});

test('a stable handle count fluctuating between 10 and 15 is not a leak', () => {
  for (const seed of seeds(150, 5)) {
    const a = analyze({ seconds: 300, seed, handles: (_t, random) => 10 + Math.floor(random() * 6) });
    assertFitted(a);
    assertVerdict(a, 'pass');
    assert.equal(a.handles.verdict, 'pass', describe(a));
  }
});

// ---------------------------------------------------------------------------------------------------
// Too little data, out of memory

test('8 steady samples are an honest "not enough data"', () => {
  for (const warmup of ['auto', 5] as const) {
    const a = analyze({ seconds: 13, seed: 160, warmupS: 5 }, settings({ warmup }));
    assert.equal(a.state, 'insufficient', describe(a));
    assert.equal(a.verdict, 'inconclusive');
    assert.ok(a.state === 'insufficient' && a.steadySamples === 8, describe(a));
    assert.match(a.reason, /^w#0: not enough data: 8 samples in the steady window \(need 10\)/);
  }
});

test('a run that never left its recorded warm-up has no steady window', () => {
  const a = analyze({ seconds: 30, seed: 161, warmupS: 60 });
  assert.equal(a.state, 'insufficient', describe(a));
  assert.match(a.reason, /not enough data: 0 samples/);
});

test('a worker respawned every 2 s has no fittable segment, and the reason does not claim too few samples', () => {
  const s = new WorkerSeries('w', 'w#0');
  for (let t = 0; t < 12; t++) {
    s.add({
      elapsedS: t,
      segment: t >> 1,
      phase: 'steady',
      workload: 'w',
      worker: 'w#0',
      opsTotal: (t % 2) * 100,
      errorsTotal: 0,
      heapBytes: 8 * MB,
      externalBytes: MB,
      activeHandles: 12,
      rssBytes: 60 * MB,
      codeBytes: 0,
    });
  }
  const a = analyzeWorker(s, settings({ warmup: 0 }), false);
  assert.equal(a.state, 'insufficient', describe(a));
  assert.doesNotMatch(a.reason, /12 samples in the steady window \(need 10\)/);
});

test('a worker that ran out of memory is a leak whatever its samples say', () => {
  const a = analyzeWorker(series({ seconds: 120, seed: 170 }), settings(), true);
  assert.equal(a.state, 'out-of-memory');
  assert.equal(a.verdict, 'leak');
  assert.match(a.reason, /w#0 ran out of memory/);
});

test('growth over the window above --max-growth is a leak even under the slope limit', () => {
  // 200 B/s over 10 minutes is 117 KB, over the 64 KB limit, though only 0.7 MB/h against a 10 MB/h limit.
  const a = analyze({ seconds: 600, seed: 175, leakPerHour: 200 * 3600 }, settings({ maxSlopePerHour: 10 * MB, maxGrowth: 64 * KB }));
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.match(a.reason, /grew .* over the steady window, above the 64 KB limit/);
});

// ---------------------------------------------------------------------------------------------------
// Respawns and cleanup

test('a respawned worker leaking at the same rate in both lives is a leak at that rate (segments fitted apart, pooled)', () => {
  const truth = 4 * MB;
  const runs = seeds(180, 5).map((seed) =>
    analyze({ seconds: 300, seed, leakPerHour: truth, respawnAtS: 180, respawnBase: 7.5 * MB }, settings({ warmup: 0 })),
  );
  assert.ok(held(runs, truth) >= 4, `a 95 % interval holds the truth in at least 4 of 5 runs: ${runs.map(describe).join('\n')}`);
  for (const a of runs) {
    assertFitted(a);
    assertVerdict(a, 'leak');
    assertClose(a.heap.slopePerHour, truth, 0.02 * truth, 'slope over both lives');
    assertClose(a.heap.bytesPerOp, truth / 3600 / 1000, 0.1 * (truth / 3600 / 1000), 'bytesPerOp with counters restarting');
  }
});

test("a resumed run's new life is judged after its own warm-up: a cache filling again is not growth", () => {
  // Each life fills 3 MB over its first minutes, then holds; the run's warm-up (5 min) covers the first life's fill.
  const fill = (lifeS: number): number => 3 * MB * (1 - Math.exp(-lifeS / 50));
  for (const seed of seeds(185, 3)) {
    const spec = { seconds: 1800, seed, warmupS: 300, respawnAtS: 900, shape: fill };
    const marked = analyze({ ...spec, rewarmS: 300 }, settings({ warmup: 300 }));
    assertFitted(marked);
    assertVerdict(marked, 'pass');
    const unmarked = analyze(spec, settings({ warmup: 300 }));
    assertFitted(unmarked);
    // Robust fits mostly shrug the refill off even unmarked; marked, it is not in the fit at all.
    assert.ok(Math.abs(marked.heap.slopePerHour) < 0.02 * LIMIT_PER_HOUR, `marked: ${describe(marked)}`);
    assert.ok(unmarked.heap.slopePerHour > 2 * Math.abs(marked.heap.slopePerHour), `unmarked: ${describe(unmarked)}`);
  }
});

test('a clean respawned worker passes: the drop at the respawn is neither shrinkage nor growth', () => {
  for (const seed of seeds(190, 5)) {
    for (const respawnBase of [7 * MB, 9 * MB]) {
      const a = analyze({ seconds: 300, seed, respawnAtS: 180, respawnBase }, settings({ warmup: 0 }));
      assertFitted(a);
      assertVerdict(a, 'pass');
      assert.ok(contains(a.heap.ci95, 0), describe(a));
      assertClose(a.heap.halvesGrowthBytes, 0, 10 * KB, 'halves growth per life');
    }
  }
});

test("auto warm-up does not cut a respawned worker's first life as if it were warm-up", () => {
  const a = analyze({ seconds: 300, seed: 195, leakPerHour: 4 * MB, respawnAtS: 120, respawnBase: 7.5 * MB });
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.ok(a.steadyFromS < 120, `steady window from ${a.steadyFromS}s: ${describe(a)}`);
});

test('a heap 20 MB above its post-warm-up baseline after teardown is a leak about cleanup', () => {
  const a = analyze({ seconds: 120, seed: 200, cooldownHeap: 28 * MB });
  assertFitted(a);
  assertVerdict(a, 'leak');
  assert.equal(a.heap.verdict, 'pass');
  assert.ok(a.cleanup !== undefined && !a.cleanup.ok);
  assertClose(a.cleanup.baselineBytes, 8 * MB, 5 * KB, 'baseline');
  assertClose(a.cleanup.retainedBytes, 20 * MB, 5 * KB, 'retained');
  assert.match(a.reason, /kept 20\.0 MB over its post-warm-up heap after teardown \(tolerance 10 MB\)/);
});

test('a heap back at its baseline after teardown is a clean cleanup', () => {
  const a = analyze({ seconds: 120, seed: 201, cooldownHeap: 8 * MB + 2 * KB });
  assertFitted(a);
  assertVerdict(a, 'pass');
  assert.ok(a.cleanup?.ok, describe(a));
  assertClose(a.cleanup.retainedBytes, 2 * KB, 5 * KB, 'retained');
  const none = analyze({ seconds: 120, seed: 201 });
  assert.ok(none.state === 'fitted' && none.cleanup === undefined, 'no cooldown row, no cleanup check');
});

test('cleanup of a respawned worker is judged against the baseline of its last life', () => {
  const a = analyze({ seconds: 300, seed: 205, respawnAtS: 180, respawnBase: 30 * MB, cooldownHeap: 31 * MB }, settings({ warmup: 0 }));
  assertFitted(a);
  assert.ok(a.cleanup?.ok, describe(a));
  assertClose(a.cleanup.baselineBytes, 30 * MB, 5 * KB, 'baseline of the last life');
});

// ---------------------------------------------------------------------------------------------------
// Workloads

test('a workload takes its worst worker and names it in the reason', () => {
  const clean = series({ seconds: 120, seed: 210, worker: 'w#0' });
  const leaking = series({ seconds: 120, seed: 211, worker: 'w#1', leakPerHour: 8 * MB });
  const result = analyzeWorkload('w', [clean, leaking], settings(), new Set(), new Map([['w#1', 2]]));
  assert.equal(result.verdict, 'leak', result.reason);
  assert.match(result.reason, /^w#1 heap grows/);
  assert.deepEqual(
    result.workers.map((w) => [w.worker, w.verdict]),
    [
      ['w#0', 'pass'],
      ['w#1', 'leak'],
    ],
  );
  assert.equal(result.respawns, 2);
  assert.equal(result.opsTotal, clean.opsTotal + leaking.opsTotal);
});

test('among leaking workers the steepest decides', () => {
  const slow = series({ seconds: 120, seed: 212, worker: 'w#0', leakPerHour: 4 * MB });
  const fast = series({ seconds: 120, seed: 213, worker: 'w#1', leakPerHour: 16 * MB });
  const result = analyzeWorkload('w', [fast, slow], settings(), new Set(), new Map());
  assert.equal(result.verdict, 'leak');
  assert.match(result.reason, /^w#1 /);
});

test('a worker out of memory makes its workload a leak', () => {
  const result = analyzeWorkload(
    'w',
    [series({ seconds: 120, seed: 214, worker: 'w#0' }), series({ seconds: 60, seed: 215, worker: 'w#1' })],
    settings(),
    new Set(['w#1']),
    new Map(),
  );
  assert.equal(result.verdict, 'leak');
  assert.match(result.reason, /w#1 ran out of memory/);
});

test('two workers each leaking 0.8× the limit: the pooled heap trend is fitted, its slope between theirs', () => {
  const workers = [0, 1].map((i) => series({ seconds: 300, seed: 220 + i, worker: `w#${i}`, sd: 20 * KB, leakPerHour: 0.8 * LIMIT_PER_HOUR }));
  const result = analyzeWorkload('w', workers, settings(), new Set(), new Map());
  assert.ok(result.heap !== undefined, result.reason);
  const slopes = result.workers.map((w) => (w.state === 'fitted' ? w.heap.slopePerHour : NaN));
  const [lo = NaN, hi = NaN] = slopes.sort((a, b) => a - b);
  assert.ok(result.heap.slopePerHour >= lo && result.heap.slopePerHour <= hi, `${result.heap.slopePerHour} in [${lo}, ${hi}]`);
  const samples = result.workers.reduce((sum, w) => sum + (w.state === 'fitted' ? w.heap.steadySamples : 0), 0);
  assert.equal(result.heap.steadySamples, samples, "the pooled fit uses every worker's steady window");
});

test('a leak at 1.2× the limit in every worker, which not every worker resolves alone, is found pooled over 16 workers', () => {
  const truth = 1.2 * LIMIT_PER_HOUR;
  for (const group of [0, 1, 2]) {
    const workers = seeds(0, 16).map((i) => series({ seconds: 120, seed: 700 + 100 * group + i, worker: `w#${i}`, sd: 20 * KB, leakPerHour: truth }));
    const result = analyzeWorkload('w', workers, settings(), new Set(), new Map());
    assert.equal(result.verdict, 'leak', result.reason);
    assert.ok(result.heap !== undefined && result.heap.verdict === 'leak' && contains(result.heap.ci95, truth), result.reason);
    const alone = result.workers.filter((w) => w.verdict === 'leak').length;
    assert.ok(alone < 16, `${alone} of 16 workers resolved it alone`);
    if (alone === 0) assert.match(result.reason, /^w heap grows .* per worker .* pooled over its 16 workers, above the limit$/);
  }
});

test('a workload whose every operation fails, or that completes none, is an error', () => {
  const failing = series({ seconds: 120, seed: 230, opsPerS: 100, errorsPerS: 100 });
  const failed = analyzeWorkload('w', [failing], settings(), new Set(), new Map());
  assert.equal(failed.verdict, 'error');
  assert.match(failed.reason, /every operation failed/);
  const idle = series({ seconds: 120, seed: 231, opsPerS: 0 });
  const none = analyzeWorkload('w', [idle], settings(), new Set(), new Map());
  assert.equal(none.verdict, 'error');
  assert.match(none.reason, /no operation completed/);
  assert.equal(analyzeWorkload('w', [], settings(), new Set(), new Map()).verdict, 'error');
  const halfFailing = series({ seconds: 120, seed: 232, opsPerS: 100, errorsPerS: 50 });
  const someFail = analyzeWorkload('w', [halfFailing], settings(), new Set(), new Map());
  assert.equal(someFail.verdict, 'pass', someFail.reason);
  // The pooled fit, which such a workload's analysis does not read, is not made; it is where operations succeed.
  assert.deepEqual(
    [failing, idle, halfFailing].map((w) => pooledJudgement('w', [w], settings()) !== undefined),
    [false, false, true],
  );
});

test("a look's error is split half to the pooled fit and half over the workers; one worker takes all of it", () => {
  assert.deepEqual(familyLevels(0.95, 1), { pooled: 0.95, worker: 0.95 });
  const two = familyLevels(0.95, 2);
  assertClose(two.pooled, 0.975, 1e-12, 'pooled, 2 workers');
  assertClose(two.worker, 0.9875, 1e-12, 'each of 2 workers');
  const eight = familyLevels(0.99, 8);
  assertClose(eight.pooled, 0.995, 1e-12, 'pooled, 8 workers');
  assertClose(eight.worker, 1 - 0.01 / 16, 1e-12, 'each of 8 workers');
  // The union's error is the look's: half + workers × (half / workers).
  assertClose(1 - eight.pooled + 8 * (1 - eight.worker), 0.01, 1e-12, 'the union');
});

test("a workload's leaking workers are judged at their share of the level, and their reasons say it", () => {
  const leaking = [0, 1].map((i) => series({ seconds: 120, seed: 215 + i, worker: `w#${i}`, leakPerHour: 8 * MB }));
  const result = analyzeWorkload('w', leaking, settings(), new Set(), new Map());
  assert.equal(result.confidence, 0.975);
  assert.deepEqual(
    result.workers.map((w) => [w.verdict, w.state === 'fitted' ? w.confidence : undefined]),
    [
      ['leak', 0.9875],
      ['leak', 0.9875],
    ],
  );
  assert.equal(result.verdict, 'leak', result.reason);
  assert.match(result.reason, /98\.8% CI/);
  // A pass needs every worker: each is judged at the look's own level.
  const clean = [0, 1].map((i) => series({ seconds: 120, seed: 217 + i, worker: `w#${i}` }));
  const passed = analyzeWorkload('w', clean, settings(), new Set(), new Map());
  assert.deepEqual(
    passed.workers.map((w) => [w.verdict, w.state === 'fitted' ? w.confidence : undefined]),
    [
      ['pass', 0.95],
      ['pass', 0.95],
    ],
  );
});

test('the worst verdict orders error over leak over inconclusive over pass', () => {
  assert.equal(worstVerdict([]), 'pass');
  assert.equal(worstVerdict(['pass', 'pass']), 'pass');
  assert.equal(worstVerdict(['pass', 'inconclusive']), 'inconclusive');
  assert.equal(worstVerdict(['inconclusive', 'leak', 'pass']), 'leak');
  assert.equal(worstVerdict(['leak', 'error', 'pass']), 'error');
  assert.equal(worstVerdict(new Set<Verdict>(['error', 'inconclusive'])), 'error');
});

test('a steep slope whose trend test falls short of a strict level is inconclusive, and the reason says the test, not the interval', () => {
  // 30 samples of a leak at 1000x the limit, every step up, under strongly autocorrelated noise and at a
  // look's strict level: the Hamed-Rao correction inflates the trend test's variance several times, so
  // even a series this clear is not significant at 1e-6 (an engine limit, see the closing notes).
  const strict = { ...settings({ warmup: 0 }), confidence: 0.999999 };
  const found = seeds(700, 10)
    .map((seed) => analyze({ seconds: 30, seed, sd: 50 * KB, phi: 0.95, leakPerHour: 1000 * LIMIT_PER_HOUR }, strict))
    .filter((a): a is Fitted => a.state === 'fitted' && a.verdict === 'inconclusive' && a.heap.ci95[0] > LIMIT_PER_HOUR && a.heap.trendP >= 1e-6);
  assert.ok(found.length > 0, 'some runs are held back by the trend test alone');
  for (const a of found) {
    // 30 samples with that variance cannot reach 1e-6 however they rise: the reason says so, with the best p they allow.
    const best = bestTrendP(a.heap.steadySamples, a.heap.autocorrelationInflation);
    assert.ok(best >= 1e-6 && best <= a.heap.trendP, `best p ${best}, this run's ${a.heap.trendP}`);
    assert.match(
      a.reason,
      new RegExp(
        `heap grows .*, but ${a.heap.steadySamples} samples cannot make its trend test significant at this level \\(Mann-Kendall p = ${pText(best).replace('.', '\\.')} at best, with every sample above the last, needs under 1\\.0e-6`,
      ),
    );
    assert.doesNotMatch(a.reason, /not clearly on either side|interval over the limit/);
  }
});

test('the smallest trend p a series allows: every pair rising, the variance as widened', () => {
  // 10 samples: S = 45, Var(S) = 10*9*25/18 = 125, z = (45 - 1)/sqrt(125); scipy.stats.norm.sf(44/sqrt(125)) = 4.151535e-5,
  // and with the variance 4x norm.sf(44/sqrt(500)) = 0.02454899.
  assert.ok(Math.abs(bestTrendP(10, 1) - 4.151535e-5) < 1e-10, `${bestTrendP(10, 1)}`);
  assert.ok(Math.abs(bestTrendP(10, 4) - 0.02454899) < 1e-8, `${bestTrendP(10, 4)}`);
  assert.ok(bestTrendP(30, 1) < bestTrendP(30, 2.5) && bestTrendP(60, 2.5) < bestTrendP(30, 2.5));
});
