/**
 * The one-time step that best explains a series: a level shift at one point on top of a common
 * slope (each group, a worker's respawn segment, with its own baseline). A worker that allocates a
 * buffer once, or a cache that fills in one burst, looks like a step; the verdict then asks whether
 * the series is flat on both sides of it, which a staircase or a steady leak is not.
 *
 * Least squares over every candidate point in O(n): with t and y centred within each group, the
 * model y = b·t + c·[after the step] has 2×2 normal equations whose step terms are suffix sums.
 */
import type { SlopeGroup } from './pairwise-slopes.js';

export interface Step {
  /** Index of the group the step is in. */
  readonly group: number;
  /** Index, within that group, of the first point after the step. */
  readonly index: number;
  /** Time of the first point after the step. */
  readonly atS: number;
  /** Size of the level shift, in the series' unit. */
  readonly size: number;
}

/**
 * The least-squares single step with at least `minSide` points on each side in its group, or
 * undefined when no group is long enough. Groups must be sorted by t.
 */
export function findStep(groups: readonly SlopeGroup[], minSide: number): Step | undefined {
  const centred = groups.map(centre);
  let stt = 0;
  let sty = 0;
  let syy = 0;
  for (const g of centred) {
    for (let i = 0; i < g.t.length; i++) {
      const t = g.t[i] ?? 0;
      const y = g.y[i] ?? 0;
      stt += t * t;
      sty += t * y;
      syy += y * y;
    }
  }
  let best: (Step & { ssr: number }) | undefined;
  centred.forEach((g, group) => {
    const n = g.t.length;
    let suffixT = 0;
    let suffixY = 0;
    for (let k = n - 1; k >= minSide; k--) {
      suffixT += g.t[k] ?? 0;
      suffixY += g.y[k] ?? 0;
      const after = n - k;
      if (after < minSide) continue;
      // The step regressor centred within its group: 1 − after/n after the step, −after/n before.
      const sdd = after - (after * after) / n;
      const std = suffixT;
      const sdy = suffixY;
      const det = stt * sdd - std * std;
      if (!(det > 0)) continue;
      const b = (sty * sdd - sdy * std) / det;
      const c = (stt * sdy - std * sty) / det;
      const ssr = syy - b * sty - c * sdy;
      if (best === undefined || ssr < best.ssr) best = { group, index: k, atS: groups[group]?.t[k] ?? 0, size: c, ssr };
    }
  });
  if (best === undefined) return undefined;
  const { ssr: _ssr, ...step } = best;
  return step;
}

/** The groups with the stepped group cut in two at the step: what "flat on both sides" is fitted on. */
export function splitAtStep(groups: readonly SlopeGroup[], step: Step): SlopeGroup[] {
  return groups.flatMap((g, i) => {
    if (i !== step.group) return [g];
    const t = Float64Array.from(g.t);
    const y = Float64Array.from(g.y);
    return [
      { t: t.subarray(0, step.index), y: y.subarray(0, step.index) },
      { t: t.subarray(step.index), y: y.subarray(step.index) },
    ];
  });
}

function centre(g: SlopeGroup): { t: Float64Array; y: Float64Array } {
  const n = g.t.length;
  const t = new Float64Array(n);
  const y = new Float64Array(n);
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += ((g.t[i] ?? 0) - mt) / (i + 1);
    my += ((g.y[i] ?? 0) - my) / (i + 1);
  }
  for (let i = 0; i < n; i++) {
    t[i] = (g.t[i] ?? 0) - mt;
    y[i] = (g.y[i] ?? 0) - my;
  }
  return { t, y };
}
