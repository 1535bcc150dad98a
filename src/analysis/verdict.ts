/**
 * Verdicts from the recorded series. Per worker: find the steady window, judge the post-GC heap, the
 * off-heap (external) memory and the active handles with judgeGrowth, check that teardown gave the
 * memory back, and take the worst. Per workload: the worst worker, and a pooled estimate over all
 * workers that can find a slow leak no single worker shows clearly. Pure: series in, analysis out.
 */
import { explainWorker, namedCountsText, pooledLeakReason } from './explain.js';
import { isBounded, isLeak, judgeGrowth, type Growth, type GrowthLimits } from './growth.js';
import { halvesGrowth, noiseSd, sinceWarmupGrowth } from './heap-figures.js';
import type { SlopeGroup } from './pairwise-slopes.js';
import { PointPhase, type WorkerSeries } from './series.js';
import { median } from './theil-sen.js';
import { CONFIDENCE, fitTrend, withFitCache, withGroupFigures } from './trend.js';
import {
  CLEANUP_TOLERANCE_BYTES,
  HANDLE_GROWTH_LIMIT,
  MIN_STEADY_SAMPLES,
  settingsFor,
  severity,
  worstVerdict,
  type AnalysisSettings,
  type Cleanup,
  type HandleTypeGrowth,
  type HeapTrend,
  type MeasureTrend,
  type Thresholds,
  type Verdict,
  type WorkerAnalysis,
  type WorkloadAnalysis,
} from './types.js';
import { groupsOf, opsPerSecond, spanOf, steadyWindow, type SteadyWindow } from './window.js';

function limitsFor(thresholds: Thresholds, spanS: number): GrowthLimits {
  // Over the slope limit, or growing more than --max-growth over the window: whichever is stricter.
  const rate = Math.min(thresholds.maxSlopeBytesPerHour / 3600, spanS > 0 ? thresholds.maxGrowthBytes / spanS : Infinity);
  return { rate, total: thresholds.maxGrowthBytes };
}

const perHour = (low: number, high: number): readonly [number, number] => [low * 3600, high * 3600];

function envelopeOf(growth: Growth): MeasureTrend['envelope'] {
  if (growth.shape === 'bounded' || growth.shape === 'climbing') {
    return { blockPoints: growth.blockPoints, lowsSlopePerHour: growth.lows.slope * 3600, lowsCi95: perHour(growth.lows.low, growth.lows.high) };
  }
  return undefined;
}

function measureTrend(growth: Growth, limits: GrowthLimits): MeasureTrend {
  const { trend } = growth;
  const laterHalf = 'laterHalf' in growth ? growth.laterHalf : undefined;
  const verdict: Verdict = isLeak(growth, limits) ? 'leak' : isBounded(growth) ? 'pass' : 'inconclusive';
  const envelope = envelopeOf(growth);
  return {
    verdict,
    shape: growth.shape,
    slopePerHour: trend.slope * 3600,
    ci95: [trend.low * 3600, trend.high * 3600],
    trendP: trend.p,
    growth: trend.slope * trend.spanS,
    minDetectableSlopePerHour: ((trend.high - trend.low) / 2) * 3600,
    autocorrelationInflation: trend.inflation,
    ...(laterHalf === undefined ? {} : { laterHalf: { slopePerHour: laterHalf.slope * 3600, ci95: [laterHalf.low * 3600, laterHalf.high * 3600] as const } }),
    ...(growth.shape === 'step' ? { step: { atS: growth.step.atS, size: growth.step.size } } : {}),
    ...(growth.shape === 'warming' ? { codeSlopePerHour: growth.code.slope * 3600 } : {}),
    ...(envelope === undefined ? {} : { envelope }),
  };
}

export interface HeapJudgement {
  readonly heap: HeapTrend;
  readonly limits: GrowthLimits;
}

interface HeapInput {
  /** The steady window's heap, one group per life. */
  readonly groups: readonly SlopeGroup[];
  /** The same window's compiled-code series. */
  readonly code: readonly SlopeGroup[];
  /** The heap from the end of the recorded warm-up. */
  readonly recorded: readonly SlopeGroup[];
  readonly opsPerS: number;
  /** One worker's steady time: the limits are per worker, also for a pooled fit. */
  readonly spanS: number;
  /** One worker's time since the end of the recorded warm-up. */
  readonly recordedSpanS: number;
}

function judgeHeap(input: HeapInput, settings: AnalysisSettings): HeapJudgement | undefined {
  const { groups, opsPerS, spanS } = input;
  const points = groups.reduce((sum, g) => sum + g.t.length, 0);
  const limits = limitsFor(settings.thresholds, spanS);
  const growth = judgeGrowth(groups, limits, {
    code: settings.profile === 'short' ? input.code : undefined,
    confidence: settings.confidence,
    early: settings.early,
  });
  if (growth === undefined) return undefined;
  const base = measureTrend(growth, limits);
  const unconfirmed = base.verdict === 'leak' && settings.warmup === 'auto' ? unconfirmedSinceWarmup(input, settings) : undefined;
  const halvesGrowthBytes = halvesGrowth(groups);
  const sinceWarmupGrowthBytes = sinceWarmupGrowth(input.recorded);
  // The seed's short test (second half against first half) and total growth, under the growth limit, whatever the shape.
  const grewTooMuch = Math.max(halvesGrowthBytes, sinceWarmupGrowthBytes) > settings.thresholds.maxGrowthBytes;
  const heap: HeapTrend = {
    ...base,
    verdict: grewTooMuch ? 'leak' : unconfirmed !== undefined ? 'inconclusive' : base.verdict,
    bytesPerOp: opsPerS > 0 ? growth.trend.slope / opsPerS : 0,
    bytesPerOpCi95: opsPerS > 0 ? [growth.trend.low / opsPerS, growth.trend.high / opsPerS] : [0, 0],
    opsPerSecond: opsPerS,
    noiseSdBytes: noiseSd(groups),
    steadySamples: points,
    steadySpanS: spanS,
    halvesGrowthBytes,
    sinceWarmupGrowthBytes,
    ...(unconfirmed === undefined || grewTooMuch ? {} : { unconfirmedSinceWarmup: unconfirmed }),
  };
  return { heap, limits };
}

/**
 * A start chosen from the data can pick a stretch of a wandering series that happens to trend, and
 * at every look it is chosen again. Warm-up only ever makes the whole window steeper (a curve that
 * rises, then flattens), so a leak in the chosen window is one only if the window from the end of
 * the recorded warm-up shows it too: the choice of start can then remove a leak, never create one.
 * Returns that window's trend when it does not confirm the leak.
 */
function unconfirmedSinceWarmup(input: HeapInput, settings: AnalysisSettings): HeapTrend['unconfirmedSinceWarmup'] {
  const cut = input.recorded.some((g, i) => g.t.length !== (input.groups[i]?.t.length ?? 0));
  if (!cut) return undefined;
  const limits = limitsFor(settings.thresholds, input.recordedSpanS);
  const whole = judgeGrowth(input.recorded, limits, { confidence: settings.confidence, early: settings.early });
  // Growth whose interval clears the limit confirms whatever its shape, and without the trend test:
  // start-up left in the whole window (a curve, a drop) reads as settling and inflates the test's
  // variance for autocorrelation, while every pairwise slope still clears the limit.
  const grows = whole?.trend.bounds.lowAbove(limits.rate) === true;
  if (whole !== undefined && (grows || isLeak(whole, limits))) return undefined;
  const fromS = Math.min(...input.recorded.map((g) => g.t[0] ?? Infinity));
  const trend = whole?.trend;
  return { fromS, slopePerHour: (trend?.slope ?? 0) * 3600, ci95: trend === undefined ? [-Infinity, Infinity] : perHour(trend.low, trend.high) };
}

/** A worker's steady window and, when it holds enough samples, the heap input its fit (and the pooled fit) uses. */
interface PreparedWorker {
  readonly window: SteadyWindow | undefined;
  readonly steadySamples: number;
  readonly heapGroups: readonly SlopeGroup[];
  readonly input: HeapInput | undefined;
}

function prepareWorker(series: WorkerSeries, settings: AnalysisSettings): PreparedWorker {
  const window = steadyWindow(series.columns, settings.warmup);
  const steadySamples = window === undefined ? 0 : window.columns.t.length - window.from;
  const heapGroups = window === undefined ? [] : groupsOf(window, window.columns.heap);
  const input = window === undefined || steadySamples < MIN_STEADY_SAMPLES ? undefined : heapInput(window, heapGroups);
  return { window, steadySamples, heapGroups, input };
}

/** `prepared` lets analyzeWorkload find each steady window once for the worker's fit and the pooled one. */
export function analyzeWorker(
  series: WorkerSeries,
  settings: AnalysisSettings,
  outOfMemory: boolean,
  prepared: PreparedWorker = prepareWorker(series, settings),
): WorkerAnalysis {
  const worker = series.worker;
  if (outOfMemory) {
    return { state: 'out-of-memory', worker, verdict: 'leak', reason: `${worker} ran out of memory` };
  }
  const { window, steadySamples, heapGroups, input } = prepared;
  const judged = input === undefined ? undefined : judgeHeap(input, settings);
  if (window === undefined || judged === undefined) {
    const why =
      steadySamples < MIN_STEADY_SAMPLES
        ? `${steadySamples} samples in the steady window (need ${MIN_STEADY_SAMPLES})`
        : `its ${steadySamples} steady samples are split into lives too short to fit (respawned every few samples)`;
    return {
      state: 'insufficient',
      worker,
      verdict: 'inconclusive',
      steadySamples,
      reason: `${worker}: not enough data: ${why}; run longer or sample more often`,
    };
  }
  const { heap } = judged;
  const externalLimits = limitsFor(settings.thresholds, heap.steadySpanS);
  const external = judgeOther(groupsOf(window, window.columns.external), externalLimits, settings);
  const handleLimits = { rate: HANDLE_GROWTH_LIMIT / Math.max(heap.steadySpanS, 1), total: Infinity };
  const handles = judgeOther(groupsOf(window, window.columns.handles), handleLimits, settings);
  const listeners = judgeOther(groupsOf(window, window.columns.listeners), handleLimits, settings);
  // What grows is named wherever the count's interval is over its limit, also where the trend test at a
  // look's strict level leaves the verdict open: naming explains, it does not decide.
  const named = (m: MeasureTrend, byKey: ReadonlyMap<string, Float64Array>): HandleTypeGrowth[] =>
    m.verdict === 'leak' || m.ci95[0] > handleLimits.rate * 3600 ? growingTypes(window, byKey, m.slopePerHour) : [];
  const handleTypes = named(handles, window.columns.handleTypes);
  const listenerTypes = named(listeners, window.columns.listenerTypes);
  const cleanup = cleanupOf(series, heapGroups);
  // Listener counts only add evidence of a leak: a listener is a closure on the heap, so the heap
  // speaks for them otherwise, and one more measure that could be inconclusive would decide less.
  const listenersLeak = listeners.verdict === 'leak' ? 'leak' : 'pass';
  const verdict = worstVerdict([heap.verdict, external.verdict, handles.verdict, listenersLeak, cleanup?.ok === false ? 'leak' : 'pass']);
  const reason = explainWorker(worker, verdict, { judged, external, handles, handleTypes, listeners, listenerTypes, cleanup, settings });
  return {
    state: 'fitted',
    worker,
    verdict,
    reason,
    confidence: settings.confidence ?? CONFIDENCE,
    steadyFromS: window.fromS,
    heap,
    external,
    handles,
    handleTypes,
    listeners,
    listenerTypes,
    cleanup,
  };
}

/**
 * The handle types (or emitters' events) behind a leaking count: each key's count fitted over the
 * steady window like the total, those growing by at least a tenth of the total's slope, fastest first (at most three).
 */
function growingTypes(window: SteadyWindow, byKey: ReadonlyMap<string, Float64Array>, totalPerHour: number): HandleTypeGrowth[] {
  const found: HandleTypeGrowth[] = [];
  for (const [type, counts] of byKey) {
    const trend = fitTrend(groupsOf(window, counts));
    if (trend !== undefined && trend.slope * 3600 >= totalPerHour / 10) found.push({ type, perHour: trend.slope * 3600 });
  }
  return found.sort((a, b) => b.perHour - a.perHour).slice(0, 3);
}

function heapInput(window: SteadyWindow, groups: readonly SlopeGroup[]): HeapInput {
  const recordedFrom = Math.min(window.from, Math.max(0, window.columns.phase.indexOf(PointPhase.Steady)));
  const recorded = groupsOf({ ...window, from: recordedFrom }, window.columns.heap);
  return {
    groups,
    code: groupsOf(window, window.columns.code),
    recorded,
    opsPerS: opsPerSecond(window),
    spanS: spanOf(groups),
    recordedSpanS: spanOf(recorded),
  };
}

function judgeOther(groups: readonly SlopeGroup[], limits: GrowthLimits, settings: AnalysisSettings): MeasureTrend {
  const growth = judgeGrowth(groups, limits, { confidence: settings.confidence, early: settings.early });
  if (growth === undefined) throw new RangeError('a measure with heap samples has no samples');
  return measureTrend(growth, limits);
}

/** Heap after teardown against the first steady samples: memory the workload's cleanup did not give back. */
function cleanupOf(series: WorkerSeries, heapGroups: readonly SlopeGroup[]): Cleanup | undefined {
  const cooldown = series.cooldown;
  const last = heapGroups[heapGroups.length - 1];
  if (cooldown === undefined || last === undefined || last.t.length === 0) return undefined;
  // The baseline of the life that was torn down: the first steady samples of its segment.
  const baselineBytes = median(Array.prototype.slice.call(last.y, 0, MIN_STEADY_SAMPLES) as number[]);
  const retainedBytes = cooldown.heapBytes - baselineBytes;
  return { baselineBytes, afterTeardownBytes: cooldown.heapBytes, retainedBytes, ok: retainedBytes <= CLEANUP_TOLERANCE_BYTES };
}

export function analyzeWorkload(
  name: string,
  workers: readonly WorkerSeries[],
  given: AnalysisSettings,
  outOfMemoryWorkers: { has(worker: string): boolean },
  respawnsByWorker: ReadonlyMap<string, number>,
): WorkloadAnalysis {
  // The pooled fit is made of the workers' own groups: what their fits found in each is kept for it.
  return withGroupFigures(() => {
    const analyses = workers.map((w) => judgeWorker(name, w, given, outOfMemoryWorkers.has(w.worker), workers.length));
    return combineWorkload({ name, workers, analyses, pooled: pooledJudgement(name, workers, given), settings: given, respawnsByWorker });
  });
}

/**
 * One worker of a workload of `workerCount` workers, judged as the workload's analysis judges it:
 * at the look's level, and a leak again at the worker's share of the family's error. The parts of a
 * workload's analysis (judgeWorker, pooledJudgement, combineWorkload) can run on different threads.
 */
export function judgeWorker(workload: string, series: WorkerSeries, given: AnalysisSettings, outOfMemory: boolean, workerCount: number): WorkerAnalysis {
  const settings = settingsFor(given, workload);
  const confidence = settings.confidence ?? CONFIDENCE;
  const levels = familyLevels(confidence, workerCount);
  const prepared = prepareWorker(series, settings);
  // A pass needs every worker to pass (an intersection: the look's level holds); a leak in any one is a union.
  return withFitCache(() => {
    const atLook = analyzeWorker(series, settings, outOfMemory, prepared);
    if (atLook.state !== 'fitted' || atLook.verdict !== 'leak' || levels.worker === confidence) return atLook;
    return analyzeWorker(series, { ...settings, confidence: levels.worker }, outOfMemory, prepared);
  });
}

/**
 * The pooled heap fit of a workload's workers: undefined when none has enough steady samples, and
 * for a workload in error (no operation completed, or none succeeded), whose analysis does not read it.
 */
export function pooledJudgement(workload: string, workers: readonly WorkerSeries[], given: AnalysisSettings): HeapJudgement | undefined {
  if (failedWork(workers) !== undefined) return undefined;
  const settings = settingsFor(given, workload);
  const levels = familyLevels(settings.confidence ?? CONFIDENCE, workers.length);
  const inputs = workers.flatMap((w) => prepareWorker(w, settings).input ?? []);
  return pooledHeap(inputs, { ...settings, confidence: levels.pooled });
}

/** What combineWorkload makes a workload's analysis of: its workers' series, their analyses in the same order, and the pooled fit. */
export interface WorkloadParts {
  readonly name: string;
  readonly workers: readonly WorkerSeries[];
  readonly analyses: readonly WorkerAnalysis[];
  readonly pooled: HeapJudgement | undefined;
  readonly settings: AnalysisSettings;
  readonly respawnsByWorker: ReadonlyMap<string, number>;
}

export function combineWorkload({ name, workers, analyses, pooled, settings: given, respawnsByWorker }: WorkloadParts): WorkloadAnalysis {
  const settings = settingsFor(given, name);
  const levels = familyLevels(settings.confidence ?? CONFIDENCE, workers.length);
  const { opsTotal, errorsTotal } = totalsOf(workers);
  const respawns = workers.reduce((sum, w) => sum + (respawnsByWorker.get(w.worker) ?? 0), 0);
  const steadyFromS = Math.max(0, ...analyses.map((a) => (a.state === 'fitted' ? a.steadyFromS : 0)));
  const base = { name, opsTotal, errorsTotal, respawns, steadyFromS, confidence: levels.pooled, thresholds: settings.thresholds, workers: analyses };
  if (workers.length === 0) {
    return { ...base, verdict: 'error', reason: `no samples were recorded for ${name}`, heap: undefined };
  }
  const failed = failedWork(workers);
  if (failed !== undefined) {
    return { ...base, verdict: 'error', reason: `${name}: ${failed}; the workload is not exercising its code, check it`, heap: undefined };
  }
  const deciding = decidingWorker(analyses);
  if (deciding.verdict !== 'leak' && pooled?.heap.verdict === 'leak') {
    return {
      ...base,
      verdict: 'leak',
      reason: pooledLeakReason(name, pooled.heap, workers.length, levels.pooled) + namedCountsText(analyses),
      heap: pooled.heap,
    };
  }
  return { ...base, verdict: deciding.verdict, reason: deciding.reason, heap: pooled?.heap };
}

function totalsOf(workers: readonly WorkerSeries[]): { opsTotal: number; errorsTotal: number } {
  return { opsTotal: workers.reduce((sum, w) => sum + w.opsTotal, 0), errorsTotal: workers.reduce((sum, w) => sum + w.errorsTotal, 0) };
}

/** Why the workers' operations show the workload not exercising its code, if they do. */
function failedWork(workers: readonly WorkerSeries[]): string | undefined {
  const { opsTotal, errorsTotal } = totalsOf(workers);
  if (opsTotal === 0) return 'no operation completed';
  return errorsTotal >= opsTotal ? `every operation failed (${errorsTotal} errors)` : undefined;
}

/**
 * A workload is a leak when its pooled fit or any one of its workers is: the error of the look is
 * split so that the union keeps it, half to the pooled fit and half over the workers (Bonferroni).
 * A pass needs every worker to pass, so a worker is judged at the look's level and only a leak is
 * checked again at the worker's share. One worker is its own pooled fit: no split.
 */
export function familyLevels(confidence: number, workers: number): { pooled: number; worker: number } {
  if (workers <= 1) return { pooled: confidence, worker: confidence };
  const error = 1 - confidence;
  return { pooled: 1 - error / 2, worker: 1 - error / (2 * workers) };
}

/** One heap trend over every worker's steady window: a common slope, each worker (and each life) with its own baseline. */
function pooledHeap(inputs: readonly HeapInput[], settings: AnalysisSettings): HeapJudgement | undefined {
  if (inputs.length === 0) return undefined;
  const mean = (f: (i: HeapInput) => number): number => inputs.reduce((sum, i) => sum + f(i), 0) / inputs.length;
  // Limits are per worker: judge the pooled slope against them over one worker's mean window length.
  return judgeHeap(
    {
      groups: inputs.flatMap((i) => i.groups),
      code: inputs.flatMap((i) => i.code),
      recorded: inputs.flatMap((i) => i.recorded),
      opsPerS: mean((i) => i.opsPerS),
      spanS: mean((i) => i.spanS),
      recordedSpanS: mean((i) => i.recordedSpanS),
    },
    settings,
  );
}

/** The worker with the worst verdict; among equals, the steepest slope. */
function decidingWorker(analyses: readonly WorkerAnalysis[]): WorkerAnalysis {
  const slope = (a: WorkerAnalysis): number => (a.state === 'fitted' ? a.heap.slopePerHour : -Infinity);
  return analyses.reduce((worst, a) => (severity[a.verdict] > severity[worst.verdict] || (a.verdict === worst.verdict && slope(a) > slope(worst)) ? a : worst));
}
