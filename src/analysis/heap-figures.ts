/** Robust figures of a heap window besides its trend: growth between its ends and halves, and its sample-to-sample noise. */
import type { SlopeGroup } from './pairwise-slopes.js';
import { median } from './theil-sen.js';
import { MIN_STEADY_SAMPLES } from './types.js';

/**
 * Growth from the start of the recorded steady phase to its end, per life (median of the last
 * samples less median of the first), the largest: what the auto warm-up cut or a fading shape must
 * not hide from the --max-growth limit.
 */
export function sinceWarmupGrowth(groups: readonly SlopeGroup[]): number {
  let largest = -Infinity;
  for (const g of groups) {
    const n = g.y.length;
    if (n < 2) continue;
    const k = Math.max(1, Math.min(MIN_STEADY_SAMPLES, n >> 2));
    largest = Math.max(largest, median(part(g.y, n - k, n)) - median(part(g.y, 0, k)));
  }
  return Number.isFinite(largest) ? largest : 0;
}

/** Median of each group's second half (by time) less that of its first half, averaged over the groups. */
export function halvesGrowth(groups: readonly SlopeGroup[]): number {
  let total = 0;
  let counted = 0;
  for (const g of groups) {
    const n = g.t.length;
    if (n < 2) continue;
    const middle = ((g.t[0] ?? 0) + (g.t[n - 1] ?? 0)) / 2;
    let firstCount = 0;
    for (let i = 0; i < n; i++) if ((g.t[i] ?? 0) < middle) firstCount++;
    if (firstCount === 0 || firstCount === n) continue;
    const first = new Float64Array(firstCount);
    const second = new Float64Array(n - firstCount);
    for (let i = 0, f = 0, l = 0; i < n; i++) {
      if ((g.t[i] ?? 0) < middle) first[f++] = g.y[i] ?? 0;
      else second[l++] = g.y[i] ?? 0;
    }
    total += median(second) - median(first);
    counted++;
  }
  return counted > 0 ? total / counted : 0;
}

export function noiseSd(groups: readonly SlopeGroup[]): number {
  const diffs = new Float64Array(groups.reduce((sum, g) => sum + Math.max(0, g.y.length - 1), 0));
  let length = 0;
  for (const g of groups) for (let i = 1; i < g.y.length; i++) diffs[length++] = (g.y[i] ?? 0) - (g.y[i - 1] ?? 0);
  if (length === 0) return 0;
  const center = median(diffs);
  for (let i = 0; i < length; i++) diffs[i] = Math.abs((diffs[i] ?? 0) - center);
  return (1.4826 * median(diffs)) / Math.SQRT2;
}

/** values[from..to), a view when they are a Float64Array (median sorts a copy of what it is given). */
function part(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return values instanceof Float64Array ? values.subarray(from, to) : Array.prototype.slice.call(values, from, to);
}
