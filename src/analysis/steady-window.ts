/**
 * Where warm-up ends, found from the data. Warm-up (caches filling, the JIT compiling, pools
 * growing) shows as a curve at the start of the heap series; the rest of a healthy or leaking run is
 * a line plus noise. Following MSER (the Marginal Standard Error Rule used to truncate simulation
 * warm-up: White 1997; Hoad, Robinson & Davies 2010), the start is the truncation point that makes
 * the estimate we care about most precise. MSER minimises the standard error of the mean; our
 * estimate is a slope, so we minimise the standard error of the least-squares slope of what is
 * left, SSR / ((m − 2)·Sxx): cutting a curved start lowers the residuals more than it costs in
 * points, cutting a straight series only costs. O(n) with suffix sums.
 */

export interface SteadyStartOptions {
  /** First index that may start the window (the recorded warm-up, if any, ends before it). */
  readonly earliest: number;
  /** At most this share of the candidate points may be cut (MSER's rule of thumb is one half). */
  readonly maxCutShare: number;
  /** Points that must remain after the start. */
  readonly minPoints: number;
}

/**
 * Index of the first steady point in `t`/`y` (sorted by t). Candidates are every index from
 * `earliest` up to the cut limit; ties go to the earliest candidate.
 */
export function detectSteadyStart(t: ArrayLike<number>, y: ArrayLike<number>, options: SteadyStartOptions): number {
  const n = t.length;
  const earliest = Math.max(0, options.earliest);
  const available = n - earliest;
  const latest = Math.min(earliest + Math.floor(available * options.maxCutShare), n - options.minPoints);
  if (latest <= earliest) return Math.min(earliest, n);
  // Centre on the last point so suffix sums stay small and exact enough for byte-sized heaps.
  const t0 = t[n - 1] ?? 0;
  const y0 = y[n - 1] ?? 0;
  let m = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let best = earliest;
  let bestScore = Infinity;
  const scores = new Float64Array(latest - earliest + 1);
  for (let i = n - 1; i >= earliest; i--) {
    const x = (t[i] ?? 0) - t0;
    const v = (y[i] ?? 0) - y0;
    m++;
    sx += x;
    sy += v;
    sxx += x * x;
    syy += v * v;
    sxy += x * v;
    if (i > latest) continue;
    const cxx = sxx - (sx * sx) / m;
    const cyy = syy - (sy * sy) / m;
    const cxy = sxy - (sx * sy) / m;
    // Rounding leaves up to ~1e-15·cyy of an exact line's zero residual: count that as a perfect fit.
    const raw = cyy - (cxx > 0 ? (cxy * cxy) / cxx : 0);
    const ssr = raw <= 1e-12 * cyy ? 0 : raw;
    scores[i - earliest] = m > 2 && cxx > 0 ? ssr / ((m - 2) * cxx) : Infinity;
  }
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] ?? Infinity;
    if (score < bestScore) {
      bestScore = score;
      best = earliest + i;
    }
  }
  return best;
}
