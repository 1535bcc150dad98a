/**
 * Judges whether one measure (heap, off-heap memory, handles) grows without bound over the steady
 * window, telling apart the shapes that fool simpler tests:
 *
 * - flat: the interval's upper bound is under the limit.
 * - one-time step: a level shift (a buffer allocated once, a cache filled in a burst) with the series
 *   flat on both sides of it. Growth that happened once is not a leak, unless the step alone is over
 *   the growth limit.
 * - growing: the lower bound is over the limit, the trend test agrees, and the growth persists: the
 *   later half of the window is clearly over the limit too, or at least not clearly under it nor
 *   clearly slower than the first half. A staircase that keeps stepping passes this; warm-up that
 *   is settling does not.
 * - settling: significant growth that slows down (later half not clearly over the limit, and clearly
 *   under it or clearly slower than the first half).
 * - warming: growth that comes with V8 still compiling: while compiled code and bytecode grow
 *   significantly, the heap grows with them (feedback vectors, inline caches, hidden classes come
 *   with new code), so heap growth under JIT_HEAP_RATIO times the code growth is read as warm-up.
 * - bounded: the series swings too widely for its own interval, but the minima of its blocks
 *   (envelope.ts) are flat: a sawtooth, a churning cache, a pool that grows and shrinks.
 * - climbing: the series swings too widely to be significant, but its block minima clearly climb.
 * - anything else is unresolved, with the interval width this run reached.
 */
import { blockEnvelope, MIN_BLOCKS_FOR_CLIMBING } from './envelope.js';
import { findStep, splitAtStep, type Step } from './step.js';
import { CONFIDENCE, fitTrend, type Trend } from './trend.js';
import { nextDown, type SlopeGroup } from './pairwise-slopes.js';

export interface GrowthLimits {
  /** Units per second above which growth is a leak. */
  readonly rate: number;
  /** Total growth over the window above which growth is a leak, whatever its shape. */
  readonly total: number;
}

export type Growth =
  | { readonly shape: 'flat'; readonly trend: Trend }
  | { readonly shape: 'step'; readonly trend: Trend; readonly step: Step; readonly around: Trend }
  | { readonly shape: 'bounded'; readonly trend: Trend; readonly lows: Trend; readonly blockPoints: number }
  | { readonly shape: 'growing'; readonly trend: Trend; readonly laterHalf: Trend }
  | { readonly shape: 'climbing'; readonly trend: Trend; readonly lows: Trend; readonly blockPoints: number }
  | { readonly shape: 'settling'; readonly trend: Trend; readonly laterHalf: Trend }
  | { readonly shape: 'warming'; readonly trend: Trend; readonly laterHalf: Trend; readonly code: Trend }
  | { readonly shape: 'unresolved'; readonly trend: Trend; readonly laterHalf: Trend | undefined };

/**
 * Heap growth under this multiple of the compiled-code growth, while that code growth is significant,
 * is JIT warm-up. Measured on the built-in workloads in 2-minute runs on 2 cores: clean heap growth was
 * 0.3–1.9 times the code growth over the same window.
 */
export const JIT_HEAP_RATIO = 2;
/**
 * Growth faster than this per worker is never excused as JIT warm-up, whatever the code does: clean
 * warm-up grew the judged heap by at most ~5 MB/h here (the built-ins and an HTTP client, 2 cores
 * shared by 8 workers), while code compiled per call and kept grows it by tens to hundreds of MB/h.
 */
export const JIT_WARMUP_CEILING_PER_S = (16 * 1024 * 1024) / 3600;

/** Each side of a step must hold at least this many points and this share of them. */
const MIN_SIDE_POINTS = 10;
/** The later half must hold this many points for persistence to be judged (half the minimum steady window). */
const MIN_HALF_POINTS = 5;
const MIN_SIDE_SHARE = 0.1;

export interface GrowthOptions {
  /** The compiled-code series over the same window, when warm-up by the JIT is to be recognised. */
  readonly code?: readonly SlopeGroup[] | undefined;
  /** Two-sided confidence of the intervals; the trend test's level is 1 − confidence. Default 0.95. */
  readonly confidence?: number | undefined;
  /**
   * A look before the budget's last: growth stops the workload as a leak only when its later half is
   * clearly over the limit too (warm-up that is still going, a pool filling or the JIT, can look
   * linear for a while; it is given the rest of the budget to show that it slows down), and a step
   * passes only after a long flat stretch (flatLongAfter).
   */
  readonly early?: boolean | undefined;
}

/**
 * Two routes decide: the series itself and its block envelope (envelope.ts), each tested at the same
 * level, so a look's false-leak (and false-pass) error is at most twice that level.
 */
export function judgeGrowth(groups: readonly SlopeGroup[], limits: GrowthLimits, options: GrowthOptions = {}): Growth | undefined {
  const confidence = options.confidence ?? CONFIDENCE;
  const alpha = 1 - confidence;
  const fit = (g: readonly SlopeGroup[]): Trend | undefined => fitTrend(g, confidence);
  const trend = fit(groups);
  if (trend === undefined) return undefined;
  if (trend.bounds.highBelow(limits.rate)) return { shape: 'flat', trend };

  const minSide = Math.max(MIN_SIDE_POINTS, Math.ceil(trend.points * MIN_SIDE_SHARE));
  const step = findStep(groups, minSide);
  if (step !== undefined && step.size > 0 && (options.early !== true || flatLongAfter(groups, step))) {
    const around = fit(splitAtStep(groups, step));
    if (around?.bounds.highBelow(limits.rate)) return { shape: 'step', trend, step, around };
  }

  const envelope = blockEnvelope(groups);
  const lows = envelope === undefined ? undefined : fit(envelope.lows);
  if (envelope !== undefined && lows?.bounds.highBelow(limits.rate)) {
    return { shape: 'bounded', trend, lows, blockPoints: envelope.blockPoints };
  }

  // The code's own fit only when growth needs explaining: on day-long series each fit costs.
  let codeTrend: Trend | undefined;
  /** Growth that the JIT, still compiling significantly, may explain. */
  const jitExplains = (growth: Trend): boolean => {
    if (options.code === undefined || growth.bounds.lowAbove(nextDown(JIT_WARMUP_CEILING_PER_S))) return false;
    const code = (codeTrend ??= fit(options.code));
    return code?.bounds.lowAbove(0) === true && growth.bounds.exact().slope < JIT_HEAP_RATIO * code.bounds.exact().slope;
  };

  const laterHalf = fit(laterHalfOf(groups));
  const significant = trend.bounds.lowAbove(limits.rate) && trend.p < alpha;
  if (!significant || laterHalf === undefined || laterHalf.points < MIN_HALF_POINTS) {
    // The raw series swings too widely to say; its lows may still climb clearly (a sawtooth that keeps a residue).
    if (envelope !== undefined && envelope.blocks >= MIN_BLOCKS_FOR_CLIMBING && lows?.bounds.lowAbove(limits.rate) && lows.p < alpha && !jitExplains(lows)) {
      return { shape: 'climbing', trend, lows, blockPoints: envelope.blockPoints };
    }
    return { shape: 'unresolved', trend, laterHalf };
  }
  if (jitExplains(trend) && codeTrend !== undefined) return { shape: 'warming', trend, laterHalf, code: codeTrend };
  if (laterHalf.bounds.lowAbove(limits.rate)) return { shape: 'growing', trend, laterHalf };
  if (options.early === true) return { shape: 'unresolved', trend, laterHalf };
  const firstHalf = fit(firstHalfOf(groups));
  const slowing = laterHalf.bounds.highBelow(limits.rate) || (firstHalf !== undefined && laterHalf.bounds.highBelow(firstHalf.bounds.exact().low));
  if (slowing) return { shape: 'settling', trend, laterHalf };
  return { shape: 'growing', trend, laterHalf };
}

/**
 * At a look before the budget's last, one step passes only once the heap has stayed flat after it
 * for a minute and for half its life so far: in a short window a staircase shows one step at a time.
 */
const EARLY_FLAT_AFTER_STEP_S = 60;

function flatLongAfter(groups: readonly SlopeGroup[], step: Step): boolean {
  const g = groups[step.group];
  const first = g?.t[0] ?? 0;
  const last = g?.t[g.t.length - 1] ?? 0;
  const after = last - step.atS;
  return after >= EARLY_FLAT_AFTER_STEP_S && after >= (last - first) / 2;
}

/** Whether a judged growth is a leak: growing, lows climbing, or grown past the total limit in any shape. */
export function isLeak(growth: Growth, limits: GrowthLimits): boolean {
  if (growth.shape === 'growing' || growth.shape === 'climbing') return true;
  if (growth.shape === 'step') return growth.step.size > limits.total;
  return false;
}

/** Shapes that are bounded: a pass unless another check (total growth, cleanup) says otherwise. */
export function isBounded(growth: Growth): boolean {
  return growth.shape === 'flat' || growth.shape === 'step' || growth.shape === 'bounded';
}

/** The points in the later half of the time the groups cover, as groups. */
export function laterHalfOf(groups: readonly SlopeGroup[]): SlopeGroup[] {
  return splitInTime(groups, 'later');
}

function firstHalfOf(groups: readonly SlopeGroup[]): SlopeGroup[] {
  return splitInTime(groups, 'first');
}

function splitInTime(groups: readonly SlopeGroup[], half: 'first' | 'later'): SlopeGroup[] {
  let first = Infinity;
  let last = -Infinity;
  for (const g of groups) {
    if (g.t.length === 0) continue;
    first = Math.min(first, g.t[0] ?? Infinity);
    last = Math.max(last, g.t[g.t.length - 1] ?? -Infinity);
  }
  const middle = first + (last - first) / 2;
  return groups.flatMap((g) => {
    let cut = 0;
    while (cut < g.t.length && (g.t[cut] ?? 0) < middle) cut++;
    const [from, to] = half === 'later' ? [cut, g.t.length] : [0, cut];
    return to > from ? [{ t: slice(g.t, from, to), y: slice(g.y, from, to) }] : [];
  });
}

function slice(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return values instanceof Float64Array ? values.subarray(from, to) : (Array.prototype.slice.call(values, from, to) as number[]);
}
