/** The steady window of a worker's series: where judging starts, and its points grouped by worker life. */
import type { SlopeGroup } from './pairwise-slopes.js';
import { PointPhase, type WorkerColumns } from './series.js';
import { detectSteadyStart } from './steady-window.js';
import { MIN_STEADY_SAMPLES } from './types.js';

/** Auto warm-up may cut at most this share of the samples after the recorded warm-up (MSER's rule). */
const MAX_WARMUP_CUT_SHARE = 0.5;

/** A worker's steady window: where it starts and its points split into segments (a respawn starts a new one). */
export interface SteadyWindow {
  readonly from: number;
  readonly fromS: number;
  readonly columns: WorkerColumns;
}

export function steadyWindow(columns: WorkerColumns, warmup: number | 'auto'): SteadyWindow | undefined {
  const { t, heap, phase, segment } = columns;
  let from: number;
  if (warmup === 'auto') {
    const recorded = phase.indexOf(PointPhase.Steady);
    if (recorded < 0) return undefined;
    // Warm-up is searched within the first life only: a respawn's drop is not a curve to cut.
    let end = recorded;
    while (end < t.length && segment[end] === segment[recorded]) end++;
    from = detectSteadyStart(t.subarray(0, end), heap.subarray(0, end), {
      earliest: recorded,
      maxCutShare: MAX_WARMUP_CUT_SHARE,
      minPoints: MIN_STEADY_SAMPLES,
    });
  } else {
    from = t.findIndex((s) => s >= warmup);
    if (from < 0) return undefined;
  }
  return { from, fromS: t[from] ?? 0, columns };
}

/**
 * The window's values of one column, one group per segment. A later segment's leading points
 * marked warm-up (the new workers of a resumed run warm up again) are left out of its group; the
 * first starts where the window does (`--warmup` given to analyze may be shorter than recorded).
 */
export function groupsOf(window: SteadyWindow, values: Float64Array): SlopeGroup[] {
  const { t, segment, phase } = window.columns;
  const groups: SlopeGroup[] = [];
  let start = window.from;
  for (let i = window.from + 1; i <= t.length; i++) {
    if (i === t.length || segment[i] !== segment[start]) {
      let first = start;
      while (start !== window.from && first < i && phase[first] === PointPhase.Warmup) first++;
      if (first < i) groups.push({ t: t.subarray(first, i), y: values.subarray(first, i) });
      start = i;
    }
  }
  return groups;
}

/** Operations per second over the window, summed over segments (counters restart at a respawn). */
export function opsPerSecond(window: SteadyWindow): number {
  let ops = 0;
  let seconds = 0;
  for (const g of groupsOf(window, window.columns.ops)) {
    const n = g.t.length;
    if (n < 2) continue;
    ops += (g.y[n - 1] ?? 0) - (g.y[0] ?? 0);
    seconds += (g.t[n - 1] ?? 0) - (g.t[0] ?? 0);
  }
  return seconds > 0 ? ops / seconds : 0;
}

/** Time covered by groups, summed (the gaps between a worker's lives left out). */
export function spanOf(groups: readonly SlopeGroup[]): number {
  return groups.reduce((sum, g) => sum + ((g.t[g.t.length - 1] ?? 0) - (g.t[0] ?? 0)), 0);
}
