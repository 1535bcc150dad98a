/**
 * Verdicts from the recorded series. Per worker: find the steady window, judge the post-GC heap, the
 * off-heap (external) memory and the active handles with judgeGrowth, check that teardown gave the
 * memory back, and take the worst. Per workload: the worst worker, and a pooled estimate over all
 * workers that can find a slow leak no single worker shows clearly. Pure: series in, analysis out.
 */
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../units.js';
import { isBounded, isLeak, judgeGrowth, type Growth, type GrowthLimits } from './growth.js';
import type { SlopeGroup } from './pairwise-slopes.js';
import { PointPhase, type WorkerColumns, type WorkerSeries } from './series.js';
import { detectSteadyStart } from './steady-window.js';
import { median } from './theil-sen.js';
import { CONFIDENCE } from './trend.js';

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

/**
 * The policy-cache seed's criteria. short: growth under 50 MB, with the median of the steady window's
 * second half against its first half as a cross-check; long: under 1 MB/h and 100 MB total. Both:
 * after teardown, heap back within 10 MB of its post-warm-up baseline. The profiles differ in their
 * default thresholds (options.ts); every check runs in both.
 */
export type Profile = 'short' | 'long';

export const CLEANUP_TOLERANCE_BYTES = 10 * 1024 * 1024;
/** Active handles may grow by this many over the steady window before it counts as a leak. */
export const HANDLE_GROWTH_LIMIT = 10;
/** Fewer steady samples than this per worker give "not enough data". */
export const MIN_STEADY_SAMPLES = 10;
/** Auto warm-up may cut at most this share of the samples after the recorded warm-up (MSER's rule). */
const MAX_WARMUP_CUT_SHARE = 0.5;

export interface AnalysisSettings {
  readonly thresholds: Thresholds;
  /** Seconds of warm-up to leave out, or 'auto': found from the data after the recorded warm-up. */
  readonly warmup: number | 'auto';
  /** short: growth that comes with the JIT still compiling is read as warm-up (long runs are past it). */
  readonly profile: Profile;
  /** Two-sided confidence of every interval (a sequential look's own level); default 0.95. */
  readonly confidence?: number;
  /** A look before the budget's last, which stops a workload only on growth that clearly persists (growth.ts). */
  readonly early?: boolean;
}

export type Shape = Growth['shape'];

/** A judged measure in the units summary.json uses (bytes or handles, per hour). */
export interface MeasureTrend {
  readonly verdict: Verdict;
  readonly shape: Shape;
  readonly slopePerHour: number;
  readonly ci95: readonly [number, number];
  /** Mann–Kendall one-sided p-value for growth, autocorrelation-corrected. */
  readonly trendP: number;
  /** Fitted growth over the steady window. */
  readonly growth: number;
  /** Half the 95 % interval: slopes this far over the limit are found by a run like this one. */
  readonly minDetectableSlopePerHour: number;
  /** Variance inflation of the trend test for autocorrelation (1 = independent samples). */
  readonly autocorrelationInflation: number;
  readonly laterHalf?: { readonly slopePerHour: number; readonly ci95: readonly [number, number] };
  readonly step?: { readonly atS: number; readonly size: number };
  /** Shape 'warming': the growth of compiled code over the window, which the heap growth kept pace with. */
  readonly codeSlopePerHour?: number;
  /** Shapes 'bounded' and 'climbing': the trend of the block minima (and maxima), and the block length in samples. */
  readonly envelope?: {
    readonly blockPoints: number;
    readonly lowsSlopePerHour: number;
    readonly lowsCi95: readonly [number, number];
  };
}

export interface HeapTrend extends MeasureTrend {
  readonly bytesPerOp: number;
  /** The slope's interval over the operation rate (the rate, counted over the whole window, is taken as exact). */
  readonly bytesPerOpCi95: readonly [number, number];
  /** Operations per second per worker over the steady window. */
  readonly opsPerSecond: number;
  /** Sample-to-sample noise of the heap (robust: 1.4826·MAD of successive differences / √2): the floor a leak must rise above. */
  readonly noiseSdBytes: number;
  readonly steadySamples: number;
  readonly steadySpanS: number;
  /** Median heap of the steady window's second half less that of its first half (the short profile's cross-check). */
  readonly halvesGrowthBytes: number;
  /** Growth from the end of the recorded warm-up to the end of the run, before any auto warm-up cut. */
  readonly sinceWarmupGrowthBytes: number;
  /**
   * Set when the window the auto warm-up search chose showed a leak that the whole window from the end
   * of the recorded warm-up did not: that window's trend. The verdict is then inconclusive.
   */
  readonly unconfirmedSinceWarmup?: { readonly fromS: number; readonly slopePerHour: number; readonly ci95: readonly [number, number] };
}

export interface Cleanup {
  readonly baselineBytes: number;
  readonly afterTeardownBytes: number;
  readonly retainedBytes: number;
  readonly ok: boolean;
}

/** A worker's analysis, tagged by what could be computed. */
export type WorkerAnalysis =
  | {
      readonly state: 'fitted';
      readonly worker: string;
      readonly verdict: Verdict;
      readonly reason: string;
      /** Two-sided confidence of its intervals: the look's, or its share of it where it leaks (familyLevels). */
      readonly confidence: number;
      readonly steadyFromS: number;
      readonly heap: HeapTrend;
      readonly external: MeasureTrend;
      readonly handles: MeasureTrend;
      readonly cleanup: Cleanup | undefined;
    }
  | { readonly state: 'insufficient'; readonly worker: string; readonly verdict: 'inconclusive'; readonly reason: string; readonly steadySamples: number }
  | { readonly state: 'out-of-memory'; readonly worker: string; readonly verdict: 'leak'; readonly reason: string };

export interface WorkloadAnalysis {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  /** The pooled heap trend over all workers, when one could be fitted. */
  readonly heap: HeapTrend | undefined;
  readonly steadyFromS: number;
  /** Two-sided confidence of the pooled fit's intervals (familyLevels). */
  readonly confidence: number;
  readonly workers: readonly WorkerAnalysis[];
}

/** A worker's steady window: where it starts and its points split into segments (a respawn starts a new one). */
interface SteadyWindow {
  readonly from: number;
  readonly fromS: number;
  readonly columns: WorkerColumns;
}

export function steadyWindow(columns: WorkerColumns, warmup: number | 'auto'): SteadyWindow | undefined {
  const { t, heap, phase, segment } = columns;
  let from: number;
  if (warmup === 'auto') {
    const recorded = phase.indexOf(PointPhase.Steady);
    if (recorded < 0) return undefined;
    // Warm-up is searched within the first life only: a respawn's drop is not a curve to cut.
    let end = recorded;
    while (end < t.length && segment[end] === segment[recorded]) end++;
    from = detectSteadyStart(t.subarray(0, end), heap.subarray(0, end), {
      earliest: recorded,
      maxCutShare: MAX_WARMUP_CUT_SHARE,
      minPoints: MIN_STEADY_SAMPLES,
    });
  } else {
    from = t.findIndex((s) => s >= warmup);
    if (from < 0) return undefined;
  }
  return { from, fromS: t[from] ?? 0, columns };
}

/** The window's values of one column, one group per segment. */
function groupsOf(window: SteadyWindow, values: Float64Array): SlopeGroup[] {
  const { t, segment } = window.columns;
  const groups: SlopeGroup[] = [];
  let start = window.from;
  for (let i = window.from + 1; i <= t.length; i++) {
    if (i === t.length || segment[i] !== segment[start]) {
      groups.push({ t: t.subarray(start, i), y: values.subarray(start, i) });
      start = i;
    }
  }
  return groups;
}

/** Operations per second over the window, summed over segments (counters restart at a respawn). */
function opsPerSecond(window: SteadyWindow): number {
  let ops = 0;
  let seconds = 0;
  for (const g of groupsOf(window, window.columns.ops)) {
    const n = g.t.length;
    if (n < 2) continue;
    ops += (g.y[n - 1] ?? 0) - (g.y[0] ?? 0);
    seconds += (g.t[n - 1] ?? 0) - (g.t[0] ?? 0);
  }
  return seconds > 0 ? ops / seconds : 0;
}

/** Time covered by groups, summed (the gaps between a worker's lives left out). */
function spanOf(groups: readonly SlopeGroup[]): number {
  return groups.reduce((sum, g) => sum + ((g.t[g.t.length - 1] ?? 0) - (g.t[0] ?? 0)), 0);
}

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

/**
 * Growth from the start of the recorded steady phase to its end, per life (median of the last
 * samples less median of the first), the largest: what the auto warm-up cut or a fading shape must
 * not hide from the --max-growth limit.
 */
function sinceWarmupGrowth(groups: readonly SlopeGroup[]): number {
  let largest = -Infinity;
  for (const g of groups) {
    const n = g.y.length;
    if (n < 2) continue;
    const k = Math.max(1, Math.min(MIN_STEADY_SAMPLES, n >> 2));
    largest = Math.max(largest, median(Array.from(g.y).slice(n - k)) - median(Array.from(g.y).slice(0, k)));
  }
  return Number.isFinite(largest) ? largest : 0;
}

/** Median of each group's second half (by time) less that of its first half, averaged over the groups. */
function halvesGrowth(groups: readonly SlopeGroup[]): number {
  let total = 0;
  let counted = 0;
  for (const g of groups) {
    const n = g.t.length;
    if (n < 2) continue;
    const middle = ((g.t[0] ?? 0) + (g.t[n - 1] ?? 0)) / 2;
    const first: number[] = [];
    const second: number[] = [];
    for (let i = 0; i < n; i++) ((g.t[i] ?? 0) < middle ? first : second).push(g.y[i] ?? 0);
    if (first.length === 0 || second.length === 0) continue;
    total += median(second) - median(first);
    counted++;
  }
  return counted > 0 ? total / counted : 0;
}

function noiseSd(groups: readonly SlopeGroup[]): number {
  const diffs: number[] = [];
  for (const g of groups) for (let i = 1; i < g.y.length; i++) diffs.push((g.y[i] ?? 0) - (g.y[i - 1] ?? 0));
  if (diffs.length === 0) return 0;
  const center = median(diffs);
  return (1.4826 * median(diffs.map((d) => Math.abs(d - center)))) / Math.SQRT2;
}

interface HeapJudgement {
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
  const grows = whole !== undefined && whole.trend.low > limits.rate;
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
  const cleanup = cleanupOf(series, heapGroups);
  const verdict = worstVerdict([heap.verdict, external.verdict, handles.verdict, cleanup?.ok === false ? 'leak' : 'pass']);
  const reason = explainWorker(worker, verdict, { judged, external, handles, cleanup, settings });
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
    cleanup,
  };
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
  const baselineBytes = median(Array.from(last.y).slice(0, MIN_STEADY_SAMPLES));
  const retainedBytes = cooldown.heapBytes - baselineBytes;
  return { baselineBytes, afterTeardownBytes: cooldown.heapBytes, retainedBytes, ok: retainedBytes <= CLEANUP_TOLERANCE_BYTES };
}

const rateText = (perHour: number): string => formatRatePerHour(perHour);
const ciText = (ci: readonly [number, number], confidence: number | undefined): string =>
  `${formatConfidence(confidence ?? CONFIDENCE)} CI ${rateText(ci[0])} to ${rateText(ci[1])}`;

function explainWorker(
  worker: string,
  verdict: Verdict,
  parts: { judged: HeapJudgement; external: MeasureTrend; handles: MeasureTrend; cleanup: Cleanup | undefined; settings: AnalysisSettings },
): string {
  const { judged, external, handles, cleanup, settings } = parts;
  const { heap, limits } = judged;
  const limitText = `the ${rateText(settings.thresholds.maxSlopeBytesPerHour)} limit`;
  if (verdict === 'leak') {
    if (heap.verdict === 'leak') {
      if (heap.shape === 'growing') {
        return heap.ci95[0] / 3600 > settings.thresholds.maxSlopeBytesPerHour / 3600
          ? `${worker} heap grows ${rateText(heap.slopePerHour)} (${ciText(heap.ci95, settings.confidence)}), above ${limitText}: about ${formatBytes(heap.bytesPerOp)} retained per operation`
          : `${worker} heap grew ${formatBytes(heap.growth)} over the steady window, above the ${formatBytes(settings.thresholds.maxGrowthBytes)} limit`;
      }
      if (heap.shape === 'climbing' && heap.envelope !== undefined) {
        return `${worker} heap swings, and its lows climb ${lowsText(heap.envelope, '', settings.confidence)}, above ${limitText}: each cycle keeps a residue`;
      }
      if (heap.shape === 'step' && heap.step !== undefined) {
        return `${worker} heap stepped up ${formatBytes(heap.step.size)} at ${formatDuration(Math.round(heap.step.atS))}, above the ${formatBytes(limits.total)} growth limit`;
      }
      const limitSize = formatBytes(settings.thresholds.maxGrowthBytes);
      return heap.halvesGrowthBytes > settings.thresholds.maxGrowthBytes
        ? `${worker} heap's second half is ${formatBytes(heap.halvesGrowthBytes)} above its first half, over the ${limitSize} growth limit`
        : `${worker} heap grew ${formatBytes(heap.sinceWarmupGrowthBytes)} from the end of warm-up to the end of the run, over the ${limitSize} growth limit`;
    }
    if (external.verdict === 'leak') {
      return `${worker} off-heap memory (Buffers, ArrayBuffers) grows ${rateText(external.slopePerHour)} (${ciText(external.ci95, settings.confidence)}), above ${limitText}; the JS heap does not show it`;
    }
    if (handles.verdict === 'leak') {
      return (
        `${worker} active handles (timers, sockets) grow ${handles.slopePerHour.toFixed(1)}/h (${handles.ci95[0].toFixed(1)} to ${handles.ci95[1].toFixed(1)}/h), ` +
        `${Math.round(handles.growth)} more over the steady window: something opened is never closed`
      );
    }
    if (cleanup !== undefined && !cleanup.ok) {
      return `${worker} kept ${formatBytes(cleanup.retainedBytes)} over its post-warm-up heap after teardown (tolerance ${formatBytes(CLEANUP_TOLERANCE_BYTES)}): state outlives the workload`;
    }
  }
  const slope = `${rateText(heap.slopePerHour)} (${ciText(heap.ci95, settings.confidence)})`;
  if (verdict === 'pass') {
    if (heap.shape === 'step' && heap.step !== undefined) {
      return `${worker} heap stepped up ${formatBytes(heap.step.size)} once at ${formatDuration(Math.round(heap.step.atS))} and is flat on both sides, under ${limitText}`;
    }
    if (heap.shape === 'bounded' && heap.envelope !== undefined) {
      return (
        `${worker} heap swings (${slope}) but keeps returning to its lows: the minima of its ${heap.envelope.blockPoints}-sample blocks ` +
        `are flat, ${rateText(heap.envelope.lowsSlopePerHour)} (${ciText(heap.envelope.lowsCi95, settings.confidence)}), under ${limitText}`
      );
    }
    return `${worker} heap is flat: ${slope}, under ${limitText}`;
  }
  const which = heap.verdict === 'inconclusive' ? heap : external.verdict === 'inconclusive' ? external : handles;
  const what = which === heap ? 'heap' : which === external ? 'off-heap memory' : 'active handles';
  if (which === heap && heap.unconfirmedSinceWarmup !== undefined) {
    const whole = heap.unconfirmedSinceWarmup;
    return (
      `${worker} heap grows ${slope} after the warm-up the data suggest, but since the recorded warm-up ended at ` +
      `${formatDuration(Math.round(whole.fromS))} ${rateText(whole.slopePerHour)} (${ciText(whole.ci95, settings.confidence)}), not clearly over ${limitText}: ` +
      'the later start may sit on a stretch that happens to trend; run longer'
    );
  }
  if (which.shape === 'warming' && which.codeSlopePerHour !== undefined) {
    return (
      `${worker} ${what} grew ${rateText(which.slopePerHour)} (${ciText(which.ci95, settings.confidence)}) while V8 was still compiling ` +
      `(compiled code and bytecode grew ${rateText(which.codeSlopePerHour)}): JIT warm-up, not judged as a leak; run longer to decide`
    );
  }
  if (which.shape === 'settling' && which.laterHalf !== undefined) {
    return (
      `${worker} ${what} grew ${rateText(which.slopePerHour)} (${ciText(which.ci95, settings.confidence)}) over the steady window, but in its later half ` +
      `${rateText(which.laterHalf.slopePerHour)} (${ciText(which.laterHalf.ci95, settings.confidence)}), slowing down: warm-up may still be settling; run longer`
    );
  }
  // The interval's half-width shrinks about as T^-1.5 at a fixed interval; at half the distance to the limit the
  // interval clears the limit in ~97 % of runs, so that is the window advised.
  const limitPerHour = which === handles ? (HANDLE_GROWTH_LIMIT / Math.max(heap.steadySpanS, 1)) * 3600 : limits.rate * 3600;
  const distance = Math.abs(which.slopePerHour - limitPerHour);
  const needS = distance > 0 ? heap.steadySpanS * ((2 * which.minDetectableSlopePerHour) / distance) ** (2 / 3) : Infinity;
  const advice =
    Number.isFinite(needS) && needS > heap.steadySpanS
      ? `a steady window of about ${formatDuration(Math.ceil(needS))} would decide`
      : 'a longer run would decide';
  return (
    `${worker} ${what} slope ${which === handles ? `${which.slopePerHour.toFixed(1)}/h` : rateText(which.slopePerHour)} is not clearly on either side of its limit; ` +
    `this run resolves slopes to ±${which === handles ? which.minDetectableSlopePerHour.toFixed(1) : rateText(which.minDetectableSlopePerHour)}, ${advice}`
  );
}

export function analyzeWorkload(
  name: string,
  workers: readonly WorkerSeries[],
  settings: AnalysisSettings,
  outOfMemoryWorkers: { has(worker: string): boolean },
  respawnsByWorker: ReadonlyMap<string, number>,
): WorkloadAnalysis {
  const prepared = workers.map((w) => prepareWorker(w, settings));
  const confidence = settings.confidence ?? CONFIDENCE;
  const levels = familyLevels(confidence, workers.length);
  const analyses = workers.map((w, i): WorkerAnalysis => {
    const oom = outOfMemoryWorkers.has(w.worker);
    // A pass needs every worker to pass (an intersection: the look's level holds); a leak in any one is a union.
    const atLook = analyzeWorker(w, settings, oom, prepared[i]);
    if (atLook.state !== 'fitted' || atLook.verdict !== 'leak' || levels.worker === confidence) return atLook;
    return analyzeWorker(w, { ...settings, confidence: levels.worker }, oom, prepared[i]);
  });
  const opsTotal = workers.reduce((sum, w) => sum + w.opsTotal, 0);
  const errorsTotal = workers.reduce((sum, w) => sum + w.errorsTotal, 0);
  const respawns = workers.reduce((sum, w) => sum + (respawnsByWorker.get(w.worker) ?? 0), 0);
  const steadyFromS = Math.max(0, ...analyses.map((a) => (a.state === 'fitted' ? a.steadyFromS : 0)));
  const base = { name, opsTotal, errorsTotal, respawns, steadyFromS, confidence: levels.pooled, workers: analyses };
  if (workers.length === 0) {
    return { ...base, verdict: 'error', reason: `no samples were recorded for ${name}`, heap: undefined };
  }
  if (opsTotal === 0 || errorsTotal >= opsTotal) {
    const what = opsTotal === 0 ? 'no operation completed' : `every operation failed (${errorsTotal} errors)`;
    return { ...base, verdict: 'error', reason: `${name}: ${what}; the workload is not exercising its code, check it`, heap: undefined };
  }
  const pooled = pooledHeap(
    prepared.flatMap((p) => (p.input === undefined ? [] : [p.input])),
    { ...settings, confidence: levels.pooled },
  );
  const deciding = decidingWorker(analyses);
  if (deciding.verdict !== 'leak' && pooled?.heap.verdict === 'leak') {
    return {
      ...base,
      verdict: 'leak',
      reason: pooledLeakReason(name, pooled.heap, workers.length, levels.pooled),
      heap: pooled.heap,
    };
  }
  return { ...base, verdict: deciding.verdict, reason: deciding.reason, heap: pooled?.heap };
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

/** `2.5 MB/h (99.7% CI ..., minima of 10-sample blocks)`: the slope of the lows, for a worker or per worker pooled. */
function lowsText(envelope: NonNullable<MeasureTrend['envelope']>, unit: string, confidence: number | undefined): string {
  return `${rateText(envelope.lowsSlopePerHour)}${unit} (${ciText(envelope.lowsCi95, confidence)}, minima of ${envelope.blockPoints}-sample blocks)`;
}

function pooledLeakReason(name: string, heap: HeapTrend, workers: number, confidence: number | undefined): string {
  const pooled = `pooled over its ${workers} workers, above the limit`;
  if (heap.shape === 'climbing' && heap.envelope !== undefined) {
    return `${name} heap swings, and its lows climb ${lowsText(heap.envelope, ' per worker', confidence)} ${pooled}: each cycle keeps a residue`;
  }
  return `${name} heap grows ${rateText(heap.slopePerHour)} per worker (${ciText(heap.ci95, confidence)}) ${pooled}`;
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
