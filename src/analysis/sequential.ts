/**
 * Deciding while the run goes on, without the false alarms that looking again and again brings.
 *
 * A test repeated at every look and stopped at the first significant one rejects far more often
 * than its level: with 13 looks at 2.5 % each, a clean series would be called a leak in up to a
 * third of runs. soak plans its looks (the first at `firstS`, then every `everyS`, the last at
 * `maxS`, the budget) and spends the run's error rate over them with the Lan–DeMets
 * O'Brien–Fleming-type spending function (Lan & DeMets 1983, "Discrete sequential boundaries for
 * clinical trials", Biometrika 70:659–663):
 *
 *   f(τ) = 2 − 2·Φ(z_{1−α/2} / √τ),   τ = elapsed / budget,   f(1) = α,
 *
 * and gives look k the increment α_k = f(τ_k) − f(τ_{k−1}). Early looks get almost nothing (z ≈ 4.9
 * at a fifth of the budget), so only overwhelming evidence decides early, and most of α is kept for
 * the late looks, when warm-up is over. The increments are used as they are (a Bonferroni bound over
 * the looks) instead of boundaries computed from the joint normal law of the look statistics: that
 * law assumes independent increments in information time, which an autocorrelated heap series with
 * a data-driven warm-up cut does not promise. The union bound holds whatever the dependence between
 * looks, so the error over the whole run is at most α for each side, given that each look's own
 * test holds its level; the per-look test is the autocorrelation-widened Theil–Sen/Mann–Kendall fit,
 * at confidence 1 − 2·α_k (each side α_k). It is conservative; the simulation in
 * scripts/sim-sequential.ts measures by how much.
 *
 * Each side (a false leak, a false pass) has α = SEQUENTIAL_ALPHA per route, and a look tests two
 * routes (the series itself and its block-minimum envelope, growth.ts), so the run's false-leak
 * rate is at most 2·SEQUENTIAL_ALPHA = 5 %, the level of the fixed-length test.
 */
import { normalCdf, normalQuantile } from './normal.js';

/** One-sided error per route and per side, spent over the looks. */
export const SEQUENTIAL_ALPHA = 0.025;

export interface LookPlan {
  /** Elapsed seconds of the first look. */
  readonly firstS: number;
  /** Seconds between looks. */
  readonly everyS: number;
  /** The budget: the last look, where an undecided workload is inconclusive. */
  readonly maxS: number;
}

/** The elapsed times of the planned looks: firstS, firstS + everyS, ..., and maxS last. */
export function lookTimes(plan: LookPlan): number[] {
  const times: number[] = [];
  for (let s = plan.firstS; s < plan.maxS - 1e-9; s += plan.everyS) times.push(s);
  times.push(plan.maxS);
  return times;
}

/** Lan–DeMets O'Brien–Fleming-type spending: the error spent by information fraction τ ∈ [0, 1]. */
export function obrienFlemingSpent(fraction: number, alpha: number = SEQUENTIAL_ALPHA): number {
  if (fraction <= 0) return 0;
  const tau = Math.min(1, fraction);
  // 2·Φ(−x) rather than 2 − 2·Φ(x): the early looks' tiny levels keep their digits.
  return 2 * normalCdf(-normalQuantile(1 - alpha / 2) / Math.sqrt(tau));
}

export interface LookLevel {
  /** 1-based look number. */
  readonly look: number;
  readonly atS: number;
  /** One-sided error this look may spend, per side and route. */
  readonly alpha: number;
  /** Two-sided confidence of the look's intervals: 1 − 2·alpha. */
  readonly confidence: number;
  /** The run's last look (at the budget, or where it was stopped): an undecided workload is judged there for good. */
  readonly last: boolean;
}

/** The level of a look at `atS` that follows one at `previousS` (0 for the first). */
export function levelBetween(plan: LookPlan, previousS: number, atS: number, look: number, last = atS >= plan.maxS): LookLevel {
  const alpha = obrienFlemingSpent(atS / plan.maxS) - obrienFlemingSpent(previousS / plan.maxS);
  // A stop a moment after a look spends next to nothing; keep the interval finite.
  const spent = Math.max(alpha, 1e-12);
  return { look, atS, alpha: spent, confidence: 1 - 2 * spent, last };
}

/** Every planned look with its level. */
export function lookLevels(plan: LookPlan): LookLevel[] {
  const times = lookTimes(plan);
  return times.map((atS, i) => levelBetween(plan, i === 0 ? 0 : (times[i - 1] ?? 0), atS, i + 1));
}

/**
 * The looks a run that ended at `endS` took: the planned ones up to it and, when it stopped between
 * two (Ctrl-C), one more at `endS` with the error left between the last look and `endS`.
 */
export function looksUntil(plan: LookPlan, endS: number): LookLevel[] {
  const taken = lookLevels(plan).filter((l) => l.atS <= endS + 1e-9);
  const last = taken[taken.length - 1];
  if (last?.atS === plan.maxS) return taken;
  if (last !== undefined && endS - last.atS < 1e-9) return [...taken.slice(0, -1), { ...last, last: true }];
  return [...taken, levelBetween(plan, last?.atS ?? 0, endS, taken.length + 1, true)];
}
