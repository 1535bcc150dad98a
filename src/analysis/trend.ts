/**
 * One trend estimate over groups of points (a worker's respawn segments, or several workers pooled):
 * the Theil–Sen slope with a 95 % interval widened for autocorrelation, and the Mann–Kendall test
 * with the same widening. Both rest on one set of pairwise slopes, built once.
 *
 * The widening per group is the larger of two factors on Var(S): Hamed & Rao's (1998), from the
 * significant lags of the residual ranks' autocorrelation, and the AR(1) factor (1 + r₁)/(1 − r₁)
 * from the lag-1 autocorrelation of the residuals (the effective-sample-size correction of Bayley &
 * Hammersley 1946, as Santer et al. 2000 use it for trends). Hamed–Rao alone falls well short for
 * strongly persistent noise (for AR(1) with φ = 0.9 it averaged 6 against a true 19 in our tests,
 * because many small, noisy far lags pull its sum down); the AR(1) floor keeps that case honest.
 */
import { kendallS, kendallVarianceFromTies, mannKendall, thinnedHamedRaoFactor } from './mann-kendall.js';
import { nextDown, type PairwiseSlopes, type SlopeGroup, type SortedSlopeGroup } from './pairwise-slopes.js';
import { normalCdf } from './normal.js';
import { intervalRanks, medianRanks, senVarianceFromTies, slopesOf, theilSen, theilSenSlope, tieSums } from './theil-sen.js';

/** One-sided significance level of the trend test. */
export const TREND_ALPHA = 0.05;
export const CONFIDENCE = 0.95;
/** Lag-1 autocorrelation used in the AR(1) factor is capped here, so the factor stays finite (at most 39). */
const MAX_LAG1 = 0.95;
/**
 * Fits of more points than this report estimates (see estimatedTrend); up to it, every figure is exact.
 * 4.5 h of one worker's 1 s samples: the exact fit of that many costs ~20 sorting passes, ~0.1 s.
 */
export const EXACT_POINTS = 16_384;
/** The Hamed–Rao factor of a larger fit is estimated from about this many residuals per group. */
const AUTOCORRELATION_POINTS = 16_384;

export interface Trend {
  readonly points: number;
  /** Time covered, summed over groups (the gaps between a worker's lives left out). */
  readonly spanS: number;
  /** Units per second. */
  readonly slope: number;
  readonly low: number;
  readonly high: number;
  /** Mann–Kendall one-sided p-value for an increasing trend, autocorrelation-corrected. */
  readonly p: number;
  /** How much autocorrelation widened the variance of Kendall's S (1 = independent samples). */
  readonly inflation: number;
  /** The comparisons a verdict makes, answered from the exact order statistics whatever the figures above are. */
  readonly bounds: TrendBounds;
}

export interface TrendBounds {
  /** high < x. */
  highBelow(x: number): boolean;
  /** low > x. */
  lowAbove(x: number): boolean;
  /** The exact slope, low and high (they become the trend's figures): for comparing two fits. */
  exact(): { readonly slope: number; readonly low: number; readonly high: number };
}

/** Groups of fewer points than this are left out of a fit: they carry no slope worth the name. */
export const MIN_GROUP_POINTS = 3;

/** `confidence`: two-sided level of [low, high] (a sequential look uses its own, see sequential.ts). */
export function fitTrend(groups: readonly SlopeGroup[], confidence: number = CONFIDENCE): Trend | undefined {
  const usable = groups.filter((g) => g.t.length >= MIN_GROUP_POINTS);
  if (usable.length === 0) return undefined;
  const points = usable.reduce((sum, g) => sum + g.t.length, 0);
  const spanS = usable.reduce((sum, g) => sum + ((g.t[g.t.length - 1] ?? 0) - (g.t[0] ?? 0)), 0);
  // A count that never changes within a life (handles, listeners, for most of a day): every pairwise
  // slope is 0 and every pair a tie, so the fit is known without building them (S = 0, p = 1).
  if (usable.every(isConstant)) return { points, spanS, slope: 0, low: 0, high: 0, p: 1, inflation: 1, bounds: FLAT_BOUNDS };
  if (points <= EXACT_POINTS) return exactTrend(slopesOf(usable, 'fitTrend'), points, spanS, confidence);
  const keys = groupFigures === undefined ? undefined : usable.map(groupKey);
  const key = fitCache !== undefined && keys !== undefined && !keys.includes(undefined) ? keys.join(' ') : undefined;
  let basis = key === undefined ? undefined : fitCache?.get(key);
  if (basis === undefined) {
    basis = fitBasis(slopesOf(usable, 'fitTrend'), keys);
    if (key !== undefined) fitCache?.set(key, basis);
  }
  return estimatedTrend(basis, points, spanS, confidence);
}

/**
 * What a fit of many points finds in one of its groups whatever the other groups are: Kendall's S,
 * its variances before the autocorrelation factor (which depends on the fit's slope), and the
 * counts of its pairs at or below the limits compared with. A workload's pooled fit is made of its
 * workers' groups, so with these kept it costs its own sample of pairs and factors alone.
 */
interface GroupFigures {
  readonly s: number;
  readonly varS: number;
  readonly senVarS: number;
  readonly counts: Map<number, number>;
}

/**
 * What a fit of many points computes whatever its confidence: the pairs (and their sample for the
 * estimates), Kendall's S, the variances widened for autocorrelation, and the counts of pairs at or
 * below the limits it was compared with.
 */
interface FitBasis {
  readonly slopes: PairwiseSlopes;
  readonly detrend: number;
  readonly s: number;
  readonly varS: number;
  readonly inflatedVarS: number;
  readonly senVarS: number;
  /** Per group, in the order of slopes.groups. */
  readonly groups: readonly GroupFigures[];
  /** Pairs at or below a limit, over all groups. */
  readonly counts: Map<number, number>;
}

/** Fit bases by their groups, while withFitCache runs. */
let fitCache: Map<string, FitBasis> | undefined;
/** Group figures by group, while withFitCache or withGroupFigures runs. */
let groupFigures: Map<string, GroupFigures> | undefined;

/**
 * Runs `judge` with the fits of many points kept by their groups, so that the same series judged
 * again at another level (a leaking worker at its share of the family's error) costs the interval's
 * ranks alone: the figures are the same as without it. Bounded by the one judgement it spans: each
 * fit kept holds its sorted copy of the points and its sample of pairs.
 */
export function withFitCache<T>(judge: () => T): T {
  if (fitCache !== undefined) return judge();
  fitCache = new Map();
  try {
    return withGroupFigures(judge);
  } finally {
    fitCache = undefined;
  }
}

/**
 * Runs `judge` with each group's figures (GroupFigures, a few numbers) kept by the group, so that
 * fits sharing groups (a workload's pooled fit and its workers' own) find each group's S, variances
 * and counts once: the figures are the same as without it.
 */
export function withGroupFigures<T>(judge: () => T): T {
  if (groupFigures !== undefined) return judge();
  groupFigures = new Map();
  try {
    return judge();
  } finally {
    groupFigures = undefined;
  }
}

const bufferIds = new WeakMap<ArrayBufferLike, number>();
let nextBufferId = 0;

/** A group's identity as views of the series' arrays (never written once read); undefined for other arrays. */
function groupKey({ t, y }: SlopeGroup): string | undefined {
  if (!(t instanceof Float64Array && y instanceof Float64Array)) return undefined;
  const id = (buffer: ArrayBufferLike): number => {
    let found = bufferIds.get(buffer);
    if (found === undefined) bufferIds.set(buffer, (found = nextBufferId++));
    return found;
  };
  return `${id(t.buffer)}:${t.byteOffset}:${t.length}:${id(y.buffer)}:${y.byteOffset}`;
}

const FLAT_BOUNDS: TrendBounds = { highBelow: (x) => 0 < x, lowAbove: (x) => 0 > x, exact: () => ({ slope: 0, low: 0, high: 0 }) };

function isConstant(g: SlopeGroup): boolean {
  const first = g.y[0];
  for (let i = 1; i < g.y.length; i++) if (g.y[i] !== first) return false;
  return true;
}

function exactTrend(slopes: PairwiseSlopes, points: number, spanS: number, confidence: number): Trend {
  const test = mannKendall(slopes);
  const factors = test.groups.map((g, i) => Math.max(g.factor, ar1Factor(slopes.groups[i], test.detrendSlope)));
  const fit = theilSen(slopes, { confidence, varianceInflation: factors });
  const varS = test.groups.reduce((sum, g, i) => sum + g.varS * (factors[i] ?? 1), 0);
  // NaN bounds (heavily tied data) say nothing: treat them as unbounded.
  const low = Number.isNaN(fit.low) ? -Infinity : fit.low;
  const high = Number.isNaN(fit.high) ? Infinity : fit.high;
  const figures = { slope: fit.slope, low, high };
  return {
    points,
    spanS,
    ...figures,
    p: trendP(test.s, varS),
    inflation: test.varS > 0 ? varS / test.varS : 1,
    bounds: { highBelow: (x) => high < x, lowAbove: (x) => low > x, exact: () => figures },
  };
}

/**
 * A fit of many points (a day of 1 s samples is ~86K, ~3.7e9 pairs) at the cost of a few sorting
 * passes, where the exact one takes ~20 for the slope and its bounds. Kendall's S, the variances and
 * the interval's ranks are exact; the Hamed–Rao factor is estimated from thinned residuals
 * (thinnedHamedRaoFactor) detrended by the estimated slope; slope, low and high are estimates from a
 * sample of pairs (PairwiseSlopes.estimate, ~0.1 % of the pairs off in rank). What decides a verdict
 * is exact all the same: `bounds` counts the pairs at or below a limit (one pass, exact) to say on
 * which side of it the bound at its rank lies, and when that contradicts the estimate the exact bound
 * replaces it, so a figure never shows on the wrong side of a limit it was judged against.
 */
function fitBasis(slopes: PairwiseSlopes, keys: readonly (string | undefined)[] | undefined): FitBasis {
  const [m0 = NaN, m1 = m0] = slopes.estimate(medianRanks(slopes.pairs));
  const detrend = (m0 + m1) / 2;
  let s = 0;
  let varS = 0;
  let inflatedVarS = 0;
  let senVarS = 0;
  const groups = slopes.groups.map((g, i) => {
    const key = keys?.[i];
    let figures = key === undefined ? undefined : groupFigures?.get(key);
    if (figures === undefined) {
      figures = figuresOf(g);
      if (key !== undefined) groupFigures?.set(key, figures);
    }
    const stride = Math.max(1, Math.ceil(g.t.length / AUTOCORRELATION_POINTS));
    const factor = Math.max(1, thinnedHamedRaoFactor(g.t, g.y, detrend, stride), ar1Factor(g, detrend));
    s += figures.s;
    varS += figures.varS;
    inflatedVarS += figures.varS * factor;
    senVarS += figures.senVarS * factor;
    return figures;
  });
  return { slopes, detrend, s, varS, inflatedVarS, senVarS, groups, counts: new Map() };
}

/** A sorted group's figures (the sort by t keeps what they depend on: the pairs and their signs). */
function figuresOf(g: SortedSlopeGroup): GroupFigures {
  const n = g.t.length;
  const sortedY = Float64Array.from(g.y).sort();
  const tiesT = tieSums(g.t);
  const tiesY = tieSums(sortedY);
  return {
    s: kendallS(g.t, g.y, sortedY),
    varS: n < 2 ? 0 : kendallVarianceFromTies(n, tiesT, tiesY),
    senVarS: senVarianceFromTies(n, tiesT, tiesY),
    counts: new Map(),
  };
}

function estimatedTrend(basis: FitBasis, points: number, spanS: number, confidence: number): Trend {
  const { slopes, counts } = basis;
  const { lowRank, highRank } = intervalRanks(slopes.pairs, basis.senVarS, confidence);
  const bounded = !Number.isNaN(lowRank);
  const [low = -Infinity, high = Infinity] = bounded ? slopes.estimate([lowRank, highRank]) : [];
  const atMost = (x: number): number => {
    let count = counts.get(x);
    if (count === undefined) {
      count = 0;
      for (const [g, figures] of basis.groups.entries()) {
        let inGroup = figures.counts.get(x);
        if (inGroup === undefined) figures.counts.set(x, (inGroup = slopes.countAtMostIn(g, x)));
        count += inGroup;
      }
      counts.set(x, count);
    }
    return count;
  };
  const trend = {
    points,
    spanS,
    slope: basis.detrend,
    low,
    high,
    p: trendP(basis.s, basis.inflatedVarS),
    inflation: basis.varS > 0 ? basis.inflatedVarS / basis.varS : 1,
    bounds: {
      highBelow(x: number): boolean {
        if (!bounded) return false;
        const below = atMost(nextDown(x)) > highRank;
        if (below !== trend.high < x) trend.high = slopes.select([highRank])[0]!;
        return below;
      },
      lowAbove(x: number): boolean {
        if (!bounded) return false;
        const above = atMost(x) <= lowRank;
        if (above !== trend.low > x) trend.low = slopes.select([lowRank])[0]!;
        return above;
      },
      exact(): { slope: number; low: number; high: number } {
        trend.slope = theilSenSlope(slopes);
        if (bounded) [trend.low = -Infinity, trend.high = Infinity] = slopes.select([lowRank, highRank]);
        return { slope: trend.slope, low: trend.low, high: trend.high };
      },
    },
  };
  return trend;
}

/** The trend test's one-sided p from S and its (inflated) variance, with continuity correction. */
/**
 * The smallest p the trend test can give `n` samples, every one above the last (S = all pairs), with
 * Var(S) widened `inflation` times: when it is not under a level, no run of that length can be.
 */
export function bestTrendP(n: number, inflation: number): number {
  return trendP((n * (n - 1)) / 2, ((n * (n - 1) * (2 * n + 5)) / 18) * inflation);
}

function trendP(s: number, varS: number): number {
  const z = s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0;
  return varS > 0 ? normalCdf(-z) : s > 0 ? 0 : 1;
}

/** (1 + r₁)/(1 − r₁) for the lag-1 autocorrelation r₁ of the detrended values, 1 when r₁ ≤ 0. */
function ar1Factor(group: { readonly t: ArrayLike<number>; readonly y: ArrayLike<number> } | undefined, slope: number): number {
  if (group === undefined || group.t.length < 3) return 1;
  const n = group.t.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += ((group.y[i] ?? 0) - slope * (group.t[i] ?? 0) - mean) / (i + 1);
  let lagged = 0;
  let total = 0;
  let previous = (group.y[0] ?? 0) - slope * (group.t[0] ?? 0) - mean;
  total += previous * previous;
  for (let i = 1; i < n; i++) {
    const current = (group.y[i] ?? 0) - slope * (group.t[i] ?? 0) - mean;
    lagged += current * previous;
    total += current * current;
    previous = current;
  }
  const r1 = total > 0 ? Math.min(MAX_LAG1, lagged / total) : 0;
  return r1 > 0 ? (1 + r1) / (1 - r1) : 1;
}

/**
 * The window over which an interval whose half-width is `halfWidth` over `spanS` would narrow to
 * `target`: at a fixed sampling interval the half-width shrinks about as T^-1.5.
 */
export function windowForHalfWidth(spanS: number, halfWidth: number, target: number): number {
  return target > 0 ? spanS * (halfWidth / target) ** (2 / 3) : Infinity;
}
