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
 * - anything else is unresolved, with the interval width this run reached.
 */
import { findStep, splitAtStep, type Step } from './step.js';
import { fitTrend, TREND_ALPHA, type Trend } from './trend.js';
import type { SlopeGroup } from './pairwise-slopes.js';

export interface GrowthLimits {
  /** Units per second above which growth is a leak. */
  readonly rate: number;
  /** Total growth over the window above which growth is a leak, whatever its shape. */
  readonly total: number;
}

export type Growth =
  | { readonly shape: 'flat'; readonly trend: Trend }
  | { readonly shape: 'step'; readonly trend: Trend; readonly step: Step; readonly around: Trend }
  | { readonly shape: 'growing'; readonly trend: Trend; readonly laterHalf: Trend }
  | { readonly shape: 'settling'; readonly trend: Trend; readonly laterHalf: Trend }
  | { readonly shape: 'warming'; readonly trend: Trend; readonly laterHalf: Trend; readonly code: Trend }
  | { readonly shape: 'unresolved'; readonly trend: Trend; readonly laterHalf: Trend | undefined };

/**
 * Heap growth under this multiple of the compiled-code growth, while that code growth is significant,
 * is JIT warm-up. Measured on the built-in workloads in 2-minute runs on 2 cores: clean heap growth was
 * 0.3–1.9 times the code growth over the same window.
 */
export const JIT_HEAP_RATIO = 2;

/** Each side of a step must hold at least this many points and this share of them. */
const MIN_SIDE_POINTS = 10;
/** The later half must hold this many points for persistence to be judged (half the minimum steady window). */
const MIN_HALF_POINTS = 5;
const MIN_SIDE_SHARE = 0.1;

/** `code`: the compiled-code series over the same window, when warm-up by the JIT is to be recognised. */
export function judgeGrowth(groups: readonly SlopeGroup[], limits: GrowthLimits, code?: readonly SlopeGroup[]): Growth | undefined {
  const trend = fitTrend(groups);
  if (trend === undefined) return undefined;
  if (trend.high < limits.rate) return { shape: 'flat', trend };

  const minSide = Math.max(MIN_SIDE_POINTS, Math.ceil(trend.points * MIN_SIDE_SHARE));
  const step = findStep(groups, minSide);
  if (step !== undefined && step.size > 0) {
    const around = fitTrend(splitAtStep(groups, step));
    if (around !== undefined && around.high < limits.rate) return { shape: 'step', trend, step, around };
  }

  const laterHalf = fitTrend(laterHalfOf(groups));
  const significant = trend.low > limits.rate && trend.p < TREND_ALPHA;
  if (!significant || laterHalf === undefined || laterHalf.points < MIN_HALF_POINTS) {
    return { shape: 'unresolved', trend, laterHalf };
  }
  const codeTrend = code === undefined ? undefined : fitTrend(code);
  if (codeTrend !== undefined && codeTrend.low > 0 && trend.slope < JIT_HEAP_RATIO * codeTrend.slope) {
    return { shape: 'warming', trend, laterHalf, code: codeTrend };
  }
  if (laterHalf.low > limits.rate) return { shape: 'growing', trend, laterHalf };
  const firstHalf = fitTrend(firstHalfOf(groups));
  const slowing = laterHalf.high < limits.rate || (firstHalf !== undefined && laterHalf.high < firstHalf.low);
  if (slowing) return { shape: 'settling', trend, laterHalf };
  return { shape: 'growing', trend, laterHalf };
}

/** Whether a judged growth is a leak: growing, or grown past the total limit in any shape. */
export function isLeak(growth: Growth, limits: GrowthLimits): boolean {
  if (growth.shape === 'growing') return true;
  if (growth.shape === 'step') return growth.step.size > limits.total;
  return false;
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
  return values instanceof Float64Array ? values.subarray(from, to) : Array.prototype.slice.call(values, from, to) as number[];
}
