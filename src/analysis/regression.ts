/**
 * Least-squares trend fitting for heap samples: plain OLS (matches scipy.stats.linregress) and a
 * common-slope fit across segments (worker respawns), with an autocorrelation-aware standard error.
 *
 * All sums are taken over centred values (two passes), so heap sizes around 1e8–1e9 bytes and epoch-based
 * timestamps do not lose precision.
 */
import { studentTCdf, studentTQuantile } from './student-t.js';

export interface LinearFit {
  /** Number of points. */
  n: number;
  slope: number;
  intercept: number;
  /** Classical standard error of the slope (scipy's `stderr`). */
  slopeStdErr: number;
  /** √(SSR / df). */
  residualStdDev: number;
  /** Pearson correlation coefficient (scipy's `rvalue`); 0 when x or y is constant. */
  rValue: number;
  /** Residual degrees of freedom, n − 2. */
  df: number;
}

export interface SegmentedFit {
  /** Number of points. */
  n: number;
  /** Number of distinct segment ids (each gets its own intercept). */
  segments: number;
  /** Common slope (within estimator). */
  slope: number;
  /** Classical OLS standard error of the common slope. */
  slopeStdErr: number;
  /** Residual degrees of freedom, n − segments − 1. */
  df: number;
  /** √(SSR / df). */
  residualStdDev: number;
  /** Lag-1 autocorrelation of the residuals, pairs taken within a segment only. */
  lag1Autocorrelation: number;
  /** n·(1 − r₁)/(1 + r₁) when r₁ > 0 (r₁ capped at 0.95), else n. */
  effectiveN: number;
  /** slopeStdErr inflated for AR(1) autocorrelation (equal to slopeStdErr when r₁ ≤ 0). */
  adjustedStdErr: number;
}

/** The fields of a SegmentedFit that the interval/test helpers use. */
export type TrendFit = Pick<
  SegmentedFit,
  'n' | 'segments' | 'slope' | 'df' | 'lag1Autocorrelation' | 'effectiveN' | 'adjustedStdErr'
>;

/** Largest lag-1 autocorrelation used in the AR(1) correction (keeps the inflation factor finite). */
export const MAX_LAG1_AUTOCORRELATION = 0.95;

function checkInputs(x: ArrayLike<number>, y: ArrayLike<number>, fn: string): number {
  if (x.length !== y.length) throw new RangeError(`${fn}: x and y differ in length (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 3) throw new RangeError(`${fn}: not enough data (need at least 3 points, got ${n})`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new RangeError(`${fn}: non-finite value at index ${i} (x=${x[i]}, y=${y[i]})`);
    }
  }
  return n;
}

/** Ordinary least squares y = intercept + slope·x. Throws RangeError for n < 3 or constant x. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit {
  const n = checkInputs(x, y, 'linearFit');
  // Means accumulated relative to the first point: exact for constant data, and no large partial sums.
  const refX = x[0]!;
  const refY = y[0]!;
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) {
    sumX += x[i]! - refX;
    sumY += y[i]! - refY;
  }
  const meanX = refX + sumX / n;
  const meanY = refY + sumY / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (!(sxx > 0)) throw new RangeError('linearFit: not enough data (all x values are equal)');
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let ssr = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i]! - meanY - slope * (x[i]! - meanX);
    ssr += e * e;
  }
  const df = n - 2;
  const residualVariance = ssr / df;
  let rValue = syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
  rValue = Math.max(-1, Math.min(1, rValue));
  return {
    n,
    slope,
    intercept,
    slopeStdErr: Math.sqrt(residualVariance / sxx),
    residualStdDev: Math.sqrt(residualVariance),
    rValue,
    df,
  };
}

/**
 * One common slope with a separate intercept per segment (fixed-effects / within estimator):
 * slope = Σ_seg S_xy / Σ_seg S_xx with x and y centred within each segment; residual df = n − segments − 1.
 * A respawned worker starts a new segment: its heap restarts from a new baseline but shares the growth rate.
 *
 * `segment` holds one id per point (any numbers or strings; omit it for a single segment). Segments need not be
 * contiguous. Time order is the array order: for the lag-1 autocorrelation each residual is paired with the
 * previous residual of the same segment, so no pair crosses a segment boundary.
 *
 * Throws RangeError ("not enough data") for fewer than 3 points, too few points for the number of segments
 * (df < 1), or x constant within every segment. Constant y gives slope 0 and standard error 0.
 */
export function segmentedSlopeFit(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  segment?: ArrayLike<number | string>,
): SegmentedFit {
  const n = checkInputs(x, y, 'segmentedSlopeFit');
  if (segment !== undefined && segment.length !== n) {
    throw new RangeError(`segmentedSlopeFit: segment ids differ in length from x (${segment.length} vs ${n})`);
  }

  // Map each point to a dense segment index.
  const segIndex = new Int32Array(n);
  const ids = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const id = segment === undefined ? 0 : segment[i]!;
    let k = ids.get(id);
    if (k === undefined) {
      k = ids.size;
      ids.set(id, k);
    }
    segIndex[i] = k;
  }
  const segments = ids.size;
  const df = n - segments - 1;
  if (df < 1) {
    throw new RangeError(
      `segmentedSlopeFit: not enough data (${n} points cannot fit a slope and ${segments} intercepts with residual df ≥ 1)`,
    );
  }

  // Per-segment means, accumulated relative to the segment's first point (exact for constant data).
  const count = new Float64Array(segments);
  const refX = new Float64Array(segments);
  const refY = new Float64Array(segments);
  const meanX = new Float64Array(segments);
  const meanY = new Float64Array(segments);
  for (let i = 0; i < n; i++) {
    const k = segIndex[i]!;
    if (count[k] === 0) {
      refX[k] = x[i]!;
      refY[k] = y[i]!;
    }
    count[k]! += 1;
    meanX[k]! += x[i]! - refX[k]!;
    meanY[k]! += y[i]! - refY[k]!;
  }
  for (let k = 0; k < segments; k++) {
    meanX[k] = refX[k]! + meanX[k]! / count[k]!;
    meanY[k] = refY[k]! + meanY[k]! / count[k]!;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const k = segIndex[i]!;
    const dx = x[i]! - meanX[k]!;
    sxx += dx * dx;
    sxy += dx * (y[i]! - meanY[k]!);
  }
  if (!(sxx > 0)) throw new RangeError('segmentedSlopeFit: not enough data (x does not vary within any segment)');
  const slope = sxy / sxx;

  // Residuals, their sum of squares and lag-1 products within segments.
  const lastResidual = new Float64Array(segments);
  const seen = new Uint8Array(segments);
  let ssr = 0;
  let lagProducts = 0;
  for (let i = 0; i < n; i++) {
    const k = segIndex[i]!;
    const e = y[i]! - meanY[k]! - slope * (x[i]! - meanX[k]!);
    ssr += e * e;
    if (seen[k]) lagProducts += e * lastResidual[k]!;
    seen[k] = 1;
    lastResidual[k] = e;
  }
  const residualVariance = ssr / df;
  const slopeStdErr = Math.sqrt(residualVariance / sxx);
  const lag1Autocorrelation = ssr > 0 ? lagProducts / ssr : 0;

  // AR(1) correction. Heap samples taken a few seconds apart are serially correlated (GC timing, allocation
  // bursts, caches warming), so the OLS standard error — which assumes independent residuals — is too small
  // and the intervals too narrow. The standard remedy for trend standard errors is the effective sample size
  // n_eff = n(1 − r₁)/(1 + r₁) from the lag-1 autocorrelation r₁ of the residuals, which inflates the
  // variance by (1 + r₁)/(1 − r₁) and lowers the degrees of freedom to n_eff − (parameters)
  // (Santer et al. 2000, J. Geophys. Res. 105(D6), 7337–7356). Negative r₁ is not used to shrink the error.
  let effectiveN = n;
  let adjustedStdErr = slopeStdErr;
  if (lag1Autocorrelation > 0) {
    const r1 = Math.min(lag1Autocorrelation, MAX_LAG1_AUTOCORRELATION);
    effectiveN = (n * (1 - r1)) / (1 + r1);
    adjustedStdErr = slopeStdErr * Math.sqrt((1 + r1) / (1 - r1));
  }

  return {
    n,
    segments,
    slope,
    slopeStdErr,
    df,
    residualStdDev: Math.sqrt(residualVariance),
    lag1Autocorrelation,
    effectiveN,
    adjustedStdErr,
  };
}

/**
 * Degrees of freedom for inference on a (possibly AR(1)-adjusted) fit: max(1, effectiveN − segments − 1)
 * when the correction applied (r₁ > 0), else the plain residual df.
 */
export function effectiveDf(fit: TrendFit): number {
  if (fit.lag1Autocorrelation > 0) return Math.max(1, fit.effectiveN - fit.segments - 1);
  return fit.df;
}

function checkProbability(value: number, name: string, fn: string): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${fn}: ${name} must be in (0, 1) (got ${value})`);
}

/** Two-sided confidence interval for the slope: slope ± t_{(1+c)/2, df_eff} · adjustedStdErr. */
export function slopeInterval(fit: TrendFit, confidence = 0.95): [lo: number, hi: number] {
  checkProbability(confidence, 'confidence', 'slopeInterval');
  const half = studentTQuantile((1 + confidence) / 2, effectiveDf(fit)) * fit.adjustedStdErr;
  return [fit.slope - half, fit.slope + half];
}

/**
 * One-sided p-value for a positive trend: P(T ≥ slope / adjustedStdErr) with df_eff degrees of freedom
 * (0.5 at zero slope; small when the heap clearly grows).
 */
export function oneSidedTrendP(fit: TrendFit): number {
  if (fit.adjustedStdErr === 0) return fit.slope > 0 ? 0 : fit.slope < 0 ? 1 : 0.5;
  return studentTCdf(-fit.slope / fit.adjustedStdErr, effectiveDf(fit));
}

/**
 * Smallest true slope that a two-sided test at level alpha would detect with the given power, for the noise
 * level of this fit: (t_{1−alpha/2, df_eff} + t_{power, df_eff}) · adjustedStdErr.
 */
export function minDetectableSlope(fit: TrendFit, alpha = 0.05, power = 0.8): number {
  checkProbability(alpha, 'alpha', 'minDetectableSlope');
  checkProbability(power, 'power', 'minDetectableSlope');
  const df = effectiveDf(fit);
  return (studentTQuantile(1 - alpha / 2, df) + studentTQuantile(power, df)) * fit.adjustedStdErr;
}
