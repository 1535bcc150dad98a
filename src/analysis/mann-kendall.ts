/**
 * Mann–Kendall test for a monotonic trend in heap series, with the Hamed & Rao (1998) correction for
 * autocorrelation (post-GC heap samples 1 s apart are far from independent, which makes the plain test
 * and the Theil–Sen interval much too confident).
 *
 * - S = Σ_{i<j, t_i<t_j} sign(y_j − y_i) over pairs within a group, in O(n log n) by inversion counting
 *   (pairwise-slopes.ts). Groups are pooled as in the seasonal Kendall test (Hirsch, Slack & Smith 1982):
 *   S and Var(S) are sums over groups.
 * - Var(S) with ties, per group: the variance scipy.stats.kendalltau uses for its asymptotic p-value,
 *   [n(n−1)(2n+5) − Σ_t − Σ_y]/18 + 2·T_t·T_y/(n(n−1)) + C_t·C_y/(9n(n−1)(n−2)), where Σ = Σ k(k−1)(2k+5),
 *   T = Σ k(k−1)/2 and C = Σ k(k−1)(k−2) over groups of k tied times or values. With distinct times this is
 *   the textbook Mann–Kendall variance with ties in y.
 * - Hamed & Rao (1998, "A modified Mann–Kendall trend test for autocorrelated data", J. Hydrology
 *   204:182–196), as implemented by pyMannKendall's hamed_rao_modification_test: detrend with the Theil–Sen
 *   slope (y − slope·t), rank the residuals (average ranks for ties), take their autocorrelation r_k at every
 *   lag k = 1 … n−1, keep the lags with |r_k| > z_{1−α/2}/√n (α = 0.05), and
 *   n/n* = 1 + 2/(n(n−1)(n−2)) · Σ_k (n−k)(n−k−1)(n−k−2)·r_k.
 *   Var(S) is multiplied by that factor, clamped to ≥ 1 here (pyMannKendall does not clamp): a negative
 *   autocorrelation gives a factor below 1, which would make the test and the interval narrower than the
 *   independent case on the strength of an estimate; a leak detector should not gain confidence that way.
 * - z with continuity correction: (S − 1)/σ for S > 0, (S + 1)/σ for S < 0, 0 for S = 0.
 */

import { autocorrelation } from './fft.js';
import type { PairwiseSlopes, SlopeGroup } from './pairwise-slopes.js';
import { normalCdf, normalQuantile } from './normal.js';
import { slopesOf, theilSenSlope, tieSums, type TieSums } from './theil-sen.js';

export interface MannKendallOptions {
  /** Slope removed before the autocorrelation is estimated. Default: the pooled Theil–Sen slope. */
  readonly detrendSlope?: number;
  /** Significance level for keeping a lag's autocorrelation. Default 0.05. */
  readonly lagAlpha?: number;
}

export interface MannKendallGroup {
  /** Points in the group. */
  readonly n: number;
  /** Pairs with distinct t. */
  readonly pairs: number;
  readonly s: number;
  /** Var(S) with tie corrections, before the autocorrelation correction. */
  readonly varS: number;
  /** Hamed–Rao factor n/n* as published (1 for groups of fewer than 3 points or constant residuals). */
  readonly hamedRaoFactor: number;
  /** The factor applied: hamedRaoFactor clamped to ≥ 1. */
  readonly factor: number;
  /** varS × factor. */
  readonly varSCorrected: number;
}

export interface MannKendallResult {
  /** Σ over groups of S. */
  readonly s: number;
  /** Σ over groups of the pairs with distinct t. */
  readonly pairs: number;
  /** Kendall's tau: s / pairs. */
  readonly tau: number;
  readonly varS: number;
  readonly varSCorrected: number;
  /** (S ∓ 1)/√varSCorrected, 0 for S = 0. */
  readonly z: number;
  /** One-sided p-value against an increasing trend: P(Z ≥ z). */
  readonly pIncreasing: number;
  /** Two-sided p-value: 2·P(Z ≥ |z|). */
  readonly pTwoSided: number;
  /** The slope the residuals were detrended with. */
  readonly detrendSlope: number;
  readonly groups: MannKendallGroup[];
}

/** Var(S) of one group with ties in t and y, as scipy.stats.kendalltau (asymptotic) computes it. */
export function kendallVarianceS(t: ArrayLike<number>, y: ArrayLike<number>): number {
  return y.length < 2 ? 0 : kendallVarianceFromTies(y.length, tieSums(t), tieSums(y));
}

/** kendallVarianceS of n ≥ 2 points from the tie sums of their t and y, for a caller that has them already. */
export function kendallVarianceFromTies(n: number, tt: TieSums, ty: TieSums): number {
  const m = n * (n - 1);
  const cubicTerm = n > 2 ? (tt.cubic * ty.cubic) / (9 * m * (n - 2)) : 0;
  return (m * (2 * n + 5) - tt.kendall - ty.kendall) / 18 + (2 * tt.pairs * ty.pairs) / m + cubicTerm;
}

/** Ranks 1 … n, ties given the average of the ranks they span (scipy.stats.rankdata 'average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const bound = (v: number, orEqual: boolean): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v || (orEqual && sorted[mid] === v)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const below = bound(v, false);
    // Most values are untied (found, and the next one up is larger): their rank is below + 1.
    const untied = sorted[below] === v && !(below + 1 < n && sorted[below + 1] === v);
    ranks[i] = untied ? below + 1 : (below + 1 + bound(v, true)) / 2;
  }
  return ranks;
}

/**
 * Hamed & Rao's n/n* for residuals in time order (unclamped): 1 + 2/(n(n−1)(n−2))·Σ (n−k)(n−k−1)(n−k−2)·r_k
 * over the lags k whose rank autocorrelation r_k is significant at level `lagAlpha`. 1 when n < 3 or the
 * residuals are all equal (no autocorrelation to estimate).
 */
export function hamedRaoFactor(residuals: ArrayLike<number>, lagAlpha = 0.05): number {
  if (!(lagAlpha > 0 && lagAlpha < 1)) throw new RangeError(`hamedRaoFactor: lagAlpha must be in (0, 1), got ${lagAlpha}`);
  const n = residuals.length;
  if (n < 3) return 1;
  const r = autocorrelation(averageRanks(residuals));
  const bound = normalQuantile(1 - lagAlpha / 2) / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k < n; k++) {
    const rk = r[k]!;
    if (Math.abs(rk) > bound) sum += (n - k) * (n - k - 1) * (n - k - 2) * rk; // false for NaN (constant ranks)
  }
  return 1 + (2 / (n * (n - 1) * (n - 2))) * sum;
}

/**
 * Kendall's S = Σ_{i<j, t_i<t_j} sign(y_j − y_i) of one group sorted by t, in O(n log n) with a Fenwick
 * tree over the ranks of y: each point counts the earlier points below and above it, points of equal
 * t entering the tree only after all of them are counted (their pairs are not formed). `sortedY`:
 * y in ascending order, when the caller has it.
 */
export function kendallS(t: ArrayLike<number>, y: ArrayLike<number>, sortedY: ArrayLike<number> = Float64Array.from(y).sort()): number {
  const n = y.length;
  const values = Float64Array.from(sortedY);
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || values[i] !== values[distinct - 1]) values[distinct++] = values[i]!;
  const rank = new Int32Array(n); // 1-based rank among the distinct values
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = distinct;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid]! < y[i]!) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo + 1;
  }
  const tree = new Int32Array(distinct + 1);
  const atMost = (r: number): number => {
    let sum = 0;
    for (let k = r; k > 0; k -= k & -k) sum += tree[k]!;
    return sum;
  };
  let s = 0;
  for (let i = 0; i < n; ) {
    let end = i + 1;
    while (end < n && t[end] === t[i]) end++;
    for (let j = i; j < end; j++) s += atMost(rank[j]! - 1) - (i - atMost(rank[j]!));
    for (let j = i; j < end; j++) for (let k = rank[j]!; k <= distinct; k += k & -k) tree[k]!++;
    i = end;
  }
  return s;
}

/**
 * hamedRaoFactor of the residuals y − slope·t estimated from every `stride`-th of them: n/n* − 1 of
 * the thinned series, times `stride`. The sum over lags is then a Riemann sum with step `stride` over
 * the lags of the full series, which a persistent series (the case the factor exists for) follows
 * closely: within 1 % of the full estimate on day-long heap series with factors in the thousands.
 * For nearly independent noise the chance lags the test keeps are scaled up too, so the estimate
 * scatters about `stride` times more widely around 1; the clamp at 1 and the AR(1) floor of
 * trend.ts bound it from below.
 */
export function thinnedHamedRaoFactor(t: ArrayLike<number>, y: ArrayLike<number>, slope: number, stride: number, lagAlpha = 0.05): number {
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`thinnedHamedRaoFactor: stride must be an integer ≥ 1, got ${stride}`);
  const residuals = new Float64Array(Math.ceil(y.length / stride));
  for (let i = 0; i < residuals.length; i++) residuals[i] = y[i * stride]! - slope * t[i * stride]!;
  return 1 + stride * (hamedRaoFactor(residuals, lagAlpha) - 1);
}

export function mannKendall(data: readonly SlopeGroup[] | PairwiseSlopes, options: MannKendallOptions = {}): MannKendallResult {
  const slopes = slopesOf(data, 'mannKendall');
  const detrendSlope = options.detrendSlope ?? theilSenSlope(slopes);
  if (!Number.isFinite(detrendSlope)) throw new RangeError(`mannKendall: detrendSlope must be finite, got ${detrendSlope}`);
  const lagAlpha = options.lagAlpha ?? 0.05;
  const counts = slopes.signCounts();

  const groups = slopes.groups.map(({ t, y }, g): MannKendallGroup => {
    const { positive, negative, pairs } = counts[g]!;
    const varS = kendallVarianceS(t, y);
    const residuals = Float64Array.from(y, (v, i) => v - detrendSlope * t[i]!);
    const raw = hamedRaoFactor(residuals, lagAlpha);
    const factor = Math.max(1, raw);
    return { n: t.length, pairs, s: positive - negative, varS, hamedRaoFactor: raw, factor, varSCorrected: varS * factor };
  });

  const sum = (f: (g: MannKendallGroup) => number): number => groups.reduce((acc, g) => acc + f(g), 0);
  const s = sum((g) => g.s);
  const pairs = sum((g) => g.pairs);
  const varSCorrected = sum((g) => g.varSCorrected);
  const sigma = Math.sqrt(varSCorrected);
  const z = s > 0 ? (s - 1) / sigma : s < 0 ? (s + 1) / sigma : 0;
  return {
    s,
    pairs,
    tau: s / pairs,
    varS: sum((g) => g.varS),
    varSCorrected,
    z,
    pIncreasing: normalCdf(-z),
    pTwoSided: Math.min(1, 2 * normalCdf(-Math.abs(z))),
    detrendSlope,
    groups,
  };
}
