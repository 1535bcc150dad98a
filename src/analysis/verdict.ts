/**
 * Verdicts from post-GC heap series: per worker a common-slope fit over the steady window (a
 * separate baseline per respawn segment) with an autocorrelation-aware 95 % interval, judged
 * against the thresholds; per workload the worst of its workers.
 */
import { formatBytes, formatDuration, formatRatePerHour } from '../units.js';
import { minDetectableSlope, oneSidedTrendP, segmentedSlopeFit, slopeInterval } from './regression.js';
import type { WorkerSeries } from './series.js';

export type Verdict = 'pass' | 'leak' | 'inconclusive' | 'error';

const severity: Record<Verdict, number> = { pass: 0, inconclusive: 1, leak: 2, error: 3 };

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'pass';
  for (const v of verdicts) if (severity[v] > severity[worst]) worst = v;
  return worst;
}

export interface Thresholds {
  readonly maxSlopeBytesPerHour: number;
  readonly maxGrowthBytes: number;
}

/** Fewer steady samples than this per worker give "not enough data". */
export const MIN_STEADY_SAMPLES = 10;

export interface HeapTrend {
  readonly slopeBytesPerHour: number;
  readonly ci95: readonly [number, number];
  /** One-sided p-value for a positive trend. */
  readonly trendP: number;
  /** Fitted growth over the steady window. */
  readonly growthBytes: number;
  readonly bytesPerOp: number;
  readonly minDetectableSlopeBytesPerHour: number;
  readonly steadySamples: number;
  readonly steadySpanS: number;
  readonly lag1Autocorrelation: number;
  /** The slope over the later half of the steady window: a leak keeps growing, warm-up settles. */
  readonly laterHalf: { readonly slopeBytesPerHour: number; readonly ci95: readonly [number, number] } | undefined;
}

/** A worker's analysis, tagged by what could be computed. */
export type WorkerAnalysis =
  | { readonly state: 'fitted'; readonly worker: string; readonly verdict: Verdict; readonly reason: string; readonly heap: HeapTrend }
  | { readonly state: 'insufficient'; readonly worker: string; readonly verdict: 'inconclusive'; readonly reason: string; readonly steadySamples: number }
  | { readonly state: 'out-of-memory'; readonly worker: string; readonly verdict: 'leak'; readonly reason: string };

export interface WorkloadAnalysis {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  /** The deciding worker's trend, when one could be fitted. */
  readonly heap: HeapTrend | undefined;
  readonly steadyFromS: number;
  readonly workers: readonly WorkerAnalysis[];
}

export function analyzeWorker(series: WorkerSeries, thresholds: Thresholds, outOfMemory: boolean): WorkerAnalysis {
  const worker = series.worker;
  if (outOfMemory) {
    return { state: 'out-of-memory', worker, verdict: 'leak', reason: `${worker} ran out of memory` };
  }
  const { t, heap, segment } = series.steady;
  if (t.length < MIN_STEADY_SAMPLES) {
    return {
      state: 'insufficient',
      worker,
      verdict: 'inconclusive',
      steadySamples: t.length,
      reason: `not enough data: ${t.length} samples in the steady window (need ${MIN_STEADY_SAMPLES}); run longer or sample more often`,
    };
  }
  const fit = segmentedSlopeFit(t, heap, segment);
  const [lo, hi] = slopeInterval(fit);
  const spanS = steadySpan(t, segment);
  const limit = thresholds.maxSlopeBytesPerHour / 3600;
  const opsPerS = series.steadyOpsPerS;
  const laterHalf = laterHalfSlope(t, heap, segment);
  const trend: HeapTrend = {
    slopeBytesPerHour: fit.slope * 3600,
    ci95: [lo * 3600, hi * 3600],
    trendP: oneSidedTrendP(fit),
    growthBytes: fit.slope * spanS,
    bytesPerOp: opsPerS > 0 ? fit.slope / opsPerS : 0,
    minDetectableSlopeBytesPerHour: minDetectableSlope(fit) * 3600,
    steadySamples: t.length,
    steadySpanS: spanS,
    lag1Autocorrelation: fit.lag1Autocorrelation,
    laterHalf,
  };
  // Over the slope limit, or growing more than --max-growth over the window: whichever is stricter.
  const limitRate = Math.min(limit, thresholds.maxGrowthBytes / spanS);
  const grew = lo > limitRate;
  // Growth that has stopped by the second half is warm-up settling, not (yet) a leak.
  const persists = laterHalf !== undefined && laterHalf.ci95[0] / 3600 > limitRate;
  const pass = hi < limitRate;
  const verdict: Verdict = grew && persists ? 'leak' : pass ? 'pass' : 'inconclusive';
  return { state: 'fitted', worker, verdict, heap: trend, reason: explain(worker, verdict, trend, thresholds, limit, hi - lo) };
}

function explain(worker: string, verdict: Verdict, trend: HeapTrend, thresholds: Thresholds, limit: number, width: number): string {
  const slope = `${formatRatePerHour(trend.slopeBytesPerHour)} (95% CI ${formatRatePerHour(trend.ci95[0])} to ${formatRatePerHour(trend.ci95[1])})`;
  const limitText = `the ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)} limit`;
  switch (verdict) {
    case 'leak':
      return trend.ci95[0] / 3600 > limit
        ? `${worker} heap grows ${slope}, above ${limitText}: about ${formatBytes(trend.bytesPerOp)} retained per operation`
        : `${worker} heap grew ${formatBytes(trend.growthBytes)} over the steady window, above the ${formatBytes(thresholds.maxGrowthBytes)} limit`;
    case 'pass':
      return `${worker} heap is flat: ${slope}, under ${limitText}`;
    default: {
      if (trend.ci95[0] / 3600 > limit && trend.laterHalf !== undefined) {
        return `${worker} heap grew ${slope} over the steady window, but in its later half ` +
          `${formatRatePerHour(trend.laterHalf.slopeBytesPerHour)} (95% CI ${formatRatePerHour(trend.laterHalf.ci95[0])} to ` +
          `${formatRatePerHour(trend.laterHalf.ci95[1])}) is not clearly above ${limitText}: warm-up may still be settling; run longer or set a longer --warmup`;
      }
      // The interval's half-width shrinks as T^-1.5 for a fixed interval, so this is the run length that would decide.
      const distance = Math.abs(trend.slopeBytesPerHour / 3600 - limit);
      const needS = distance > 0 ? trend.steadySpanS * Math.pow(width / 2 / distance, 2 / 3) : Infinity;
      const advice = Number.isFinite(needS) ? `a steady window of about ${formatDuration(Math.ceil(needS))} would decide` : 'run longer to decide';
      return `${worker} heap slope ${slope} straddles ${limitText}; this run can detect slopes above ` +
        `${formatRatePerHour(trend.minDetectableSlopeBytesPerHour)}, ${advice}`;
    }
  }
}

/** Slope and interval over the points in the later half of the steady time span, if they can be fitted. */
function laterHalfSlope(t: Float64Array, heap: Float64Array, segment: Float64Array): HeapTrend['laterHalf'] {
  const first = t[0] ?? 0;
  const middle = first + ((t[t.length - 1] ?? first) - first) / 2;
  const from = t.findIndex((v) => v >= middle);
  if (from < 0 || t.length - from < MIN_STEADY_SAMPLES / 2) return undefined;
  try {
    const fit = segmentedSlopeFit(t.subarray(from), heap.subarray(from), segment.subarray(from));
    const [lo, hi] = slopeInterval(fit);
    return { slopeBytesPerHour: fit.slope * 3600, ci95: [lo * 3600, hi * 3600] };
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/** Time covered by the steady samples, summed over segments (gaps between segments excluded). */
function steadySpan(t: Float64Array, segment: Float64Array): number {
  let span = 0;
  let start = 0;
  for (let i = 1; i <= t.length; i++) {
    if (i === t.length || segment[i] !== segment[start]) {
      span += (t[i - 1] ?? 0) - (t[start] ?? 0);
      start = i;
    }
  }
  return span;
}

export function analyzeWorkload(
  name: string,
  workers: readonly WorkerSeries[],
  thresholds: Thresholds,
  steadyFromS: number,
  outOfMemoryWorkers: ReadonlySet<string>,
  respawnsByWorker: ReadonlyMap<string, number>,
): WorkloadAnalysis {
  const analyses = workers.map((w) => analyzeWorker(w, thresholds, outOfMemoryWorkers.has(w.worker)));
  const opsTotal = workers.reduce((sum, w) => sum + w.opsTotal, 0);
  const errorsTotal = workers.reduce((sum, w) => sum + w.errorsTotal, 0);
  const respawns = workers.reduce((sum, w) => sum + (respawnsByWorker.get(w.worker) ?? 0), 0);
  const base = { name, opsTotal, errorsTotal, respawns, steadyFromS, workers: analyses };
  if (workers.length === 0) {
    return { ...base, verdict: 'error', reason: `no samples were recorded for ${name}`, heap: undefined };
  }
  if (opsTotal === 0 || errorsTotal >= opsTotal) {
    const what = opsTotal === 0 ? 'no operation completed' : `every operation failed (${errorsTotal} errors)`;
    return { ...base, verdict: 'error', reason: `${name}: ${what}; the workload is not exercising its code, check it`, heap: undefined };
  }
  const deciding = decidingWorker(analyses);
  return { ...base, verdict: deciding.verdict, reason: deciding.reason, heap: deciding.state === 'fitted' ? deciding.heap : undefined };
}

/** The worker with the worst verdict; among equals, the steepest slope. */
function decidingWorker(analyses: readonly WorkerAnalysis[]): WorkerAnalysis {
  const slope = (a: WorkerAnalysis): number => (a.state === 'fitted' ? a.heap.slopeBytesPerHour : -Infinity);
  return analyses.reduce((worst, a) =>
    severity[a.verdict] > severity[worst.verdict] || (a.verdict === worst.verdict && slope(a) > slope(worst)) ? a : worst,
  );
}
