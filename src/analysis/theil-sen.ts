/**
 * Theil–Sen slope of heap growth: the median of the pairwise slopes, robust to GC noise, outliers and steps
 * that would drag a least-squares slope. Confidence interval of Sen (1968, "Estimates of the regression
 * coefficient based on Kendall's tau", JASA 63:1379–1389), eq. 2.6, reproduced operation for operation from
 * scipy.stats.theilslopes(y, x, alpha, method='separate') (scipy 1.17):
 *
 *   σ² = 1/18·[n(n−1)(2n+5) − Σ_x k(k−1)(2k+5) − Σ_y k(k−1)(2k+5)]   (k: sizes of groups of tied values)
 *   z  = Φ⁻¹(α/2) (negative), N = number of pairs with distinct x
 *   high = slope at rank min(round((N − zσ)/2), N − 1), low = slope at rank max(round((N + zσ)/2) − 1, 0)
 *
 * with round() half to even (numpy.round) and 0-based ranks in the ascending slopes. Note that this tie
 * correction is Sen's, not the full one of Kendall's S (no joint-ties terms, unlike scipy.stats.kendalltau),
 * and that σ² can be negative when both x and y are heavily tied; scipy then returns NaN bounds, and so does
 * this. The intercept is scipy's 'separate' one, median(y) − slope·median(x), given per group.
 *
 * Several groups (a worker's lifetimes, or several workers of one workload) share one slope: only pairs
 * within a group count, and the variance of S is the sum of the groups' variances — the seasonal Kendall
 * pooling of Hirsch, Slack & Smith (1982, "Techniques of trend analysis for monthly water quality data",
 * Water Resources Research 18:107–121), each group with its own tie correction. `varianceInflation`
 * multiplies each group's variance before the ranks are computed: the Hamed–Rao autocorrelation factor of
 * mann-kendall.ts widens the interval that way.
 */

import { checkGroups, PairwiseSlopes, selectPositions, type SlopeGroup } from './pairwise-slopes.js';
import { seededRandom } from '../random.js';
import { normalQuantile } from './normal.js';

export interface TheilSenOptions {
  /** Two-sided confidence level of [low, high], in (0.5, 1). Default 0.95. */
  readonly confidence?: number;
  /** Factor (> 0) on each group's variance of S: one number for all groups, or one per group. Default 1. */
  readonly varianceInflation?: number | ArrayLike<number>;
}

export interface TheilSenResult {
  /** Median of the within-group pairwise slopes (mean of the two middle ones for an even count). */
  readonly slope: number;
  /** Confidence bounds on the slope: order statistics of the pairwise slopes. NaN when varianceS < 0. */
  readonly low: number;
  readonly high: number;
  /** 0-based ranks of low and high among the ascending pairwise slopes. */
  readonly lowRank: number;
  readonly highRank: number;
  /** Number of pairwise slopes (pairs of points of one group with distinct t). */
  readonly pairs: number;
  /** Sum over groups of Sen's variance of S times the group's inflation factor. */
  readonly varianceS: number;
  /** Per group, median(y) − slope·median(t) (NaN for an empty group). */
  readonly intercepts: number[];
}

/** Statistics of the groups of tied values of a sample (k = size of a group, over groups with k ≥ 2). */
export interface TieSums {
  /** Σ k(k−1)/2: pairs tied. */
  readonly pairs: number;
  /** Σ k(k−1)(k−2). */
  readonly cubic: number;
  /** Σ k(k−1)(2k+5): the tie term of the variance of Kendall's S. */
  readonly kendall: number;
}

/** The values in ascending order: as given when they already are (times usually are), else a sorted copy. */
function ascending(values: ArrayLike<number>): ArrayLike<number> {
  for (let i = 1; i < values.length; i++) if (!(values[i - 1]! <= values[i]!)) return Float64Array.from(values).sort();
  return values;
}

export function tieSums(values: ArrayLike<number>): TieSums {
  const sorted = ascending(values);
  let pairs = 0;
  let cubic = 0;
  let kendall = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const k = j - i;
    pairs += (k * (k - 1)) / 2;
    cubic += k * (k - 1) * (k - 2);
    kendall += k * (k - 1) * (2 * k + 5);
    i = j;
  }
  return { pairs, cubic, kendall };
}

/** Sen's (1968) variance of S for one group, eq. 2.6, exactly as scipy.stats.theilslopes evaluates it. */
export function senVarianceS(t: ArrayLike<number>, y: ArrayLike<number>): number {
  return senVarianceFromTies(y.length, tieSums(t), tieSums(y));
}

/** senVarianceS of n points from the tie sums of their t and y, for a caller that has them already. */
export function senVarianceFromTies(n: number, tiesT: TieSums, tiesY: TieSums): number {
  return (1 / 18) * (n * (n - 1) * (2 * n + 5) - tiesT.kendall - tiesY.kendall);
}

/** The median of a sample, as numpy.median: the mean of the two middle values for an even count. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const copy = Float64Array.from(values);
  // NaN has no place in an order: sorted last, as numpy's sort puts it, the middle is read as before.
  if (copy.some(Number.isNaN)) {
    copy.sort();
    return n % 2 === 1 ? copy[(n - 1) / 2]! : (copy[n / 2 - 1]! + copy[n / 2]!) / 2;
  }
  // Selection, not a sort: a day's series has 86K points and the analysis takes many medians.
  const middle = selectPositions(copy, 0, n, n % 2 === 1 ? [n >> 1] : [(n >> 1) - 1, n >> 1], medianRandom);
  return n % 2 === 1 ? middle.get(n >> 1)! : (middle.get((n >> 1) - 1)! + middle.get(n >> 1)!) / 2;
}

/** Pivots for median's selection: any sequence gives the same median; a fixed seed keeps its cost the same run to run. */
const medianRandom = seededRandom(0x6d656469);

/** numpy.round: to the nearest integer, halves to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Groups as given, or already prepared; checks there are ≥ 3 points with at least one usable pair. */
export function slopesOf(data: readonly SlopeGroup[] | PairwiseSlopes, fn: string): PairwiseSlopes {
  let slopes: PairwiseSlopes;
  if (data instanceof PairwiseSlopes) slopes = data;
  else {
    checkGroups(data, fn, 3);
    slopes = new PairwiseSlopes(data);
  }
  if (slopes.points < 3) throw new RangeError(`${fn}: need at least 3 points, got ${slopes.points}`);
  if (slopes.pairs === 0) throw new RangeError(`${fn}: no two points of a group have distinct t`);
  return slopes;
}

/**
 * Only the Theil–Sen slope (the median pairwise slope). Pass a PairwiseSlopes to share the work with
 * theilSen and mannKendall on the same data: it remembers the slopes it has selected.
 */
export function theilSenSlope(data: readonly SlopeGroup[] | PairwiseSlopes): number {
  const slopes = slopesOf(data, 'theilSenSlope');
  const middle = slopes.select(medianRanks(slopes.pairs));
  return middle.length === 1 ? middle[0]! : (middle[0]! + middle[1]!) / 2;
}

export function theilSen(data: readonly SlopeGroup[] | PairwiseSlopes, options: TheilSenOptions = {}): TheilSenResult {
  const slopes = slopesOf(data, 'theilSen');
  const { groups, pairs } = slopes;
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0.5 && confidence < 1)) throw new RangeError(`theilSen: confidence must be in (0.5, 1), got ${confidence}`);
  const inflation = inflationFactors(options.varianceInflation ?? 1, groups.length);

  let varianceS = 0;
  groups.forEach(({ t, y }, g) => {
    varianceS += senVarianceS(t, y) * inflation[g]!;
  });
  const { lowRank, highRank } = intervalRanks(pairs, varianceS, confidence);
  const slope = theilSenSlope(slopes);
  const [low, high] = Number.isNaN(lowRank) ? [NaN, NaN] : slopes.select([lowRank, highRank]);
  return {
    slope,
    low: low!,
    high: high!,
    lowRank,
    highRank,
    pairs,
    varianceS,
    intercepts: groups.map(({ t, y }) => median(y) - slope * median(t)),
  };
}

/**
 * 0-based ranks of the interval's bounds among `pairs` ascending slopes, from the variance of S (already
 * inflated); NaN for a negative variance (scipy then returns NaN bounds).
 */
export function intervalRanks(pairs: number, varianceS: number, confidence: number): { lowRank: number; highRank: number } {
  const z = normalQuantile((1 - confidence) / 2);
  const sigma = Math.sqrt(varianceS); // NaN for a negative variance, as in scipy
  return {
    lowRank: Math.max(roundHalfEven((pairs + z * sigma) / 2) - 1, 0),
    highRank: Math.min(roundHalfEven((pairs - z * sigma) / 2), pairs - 1),
  };
}

/** 0-based ranks of the median slope: one, or the two middle ones for an even count. */
export function medianRanks(pairs: number): number[] {
  return pairs % 2 === 1 ? [(pairs - 1) / 2] : [pairs / 2 - 1, pairs / 2];
}

function inflationFactors(inflation: number | ArrayLike<number>, groups: number): Float64Array {
  const factors = typeof inflation === 'number' ? new Float64Array(groups).fill(inflation) : Float64Array.from(inflation);
  if (factors.length !== groups) {
    throw new RangeError(`theilSen: varianceInflation has ${factors.length} factors for ${groups} groups`);
  }
  for (const f of factors) {
    if (!(f > 0 && Number.isFinite(f))) throw new RangeError(`theilSen: varianceInflation factors must be finite and > 0, got ${f}`);
  }
  return factors;
}
