/** What tests of the analysis compare: an analysis, or a reading of the samples, as plain values. */
import type { WorkerColumns } from '../../src/analysis/series.js';
import type { RunAnalysis } from '../../src/commands/analyze-run.js';
import type { RecordedRun } from '../../src/run-dir/read-run.js';

/** Everything an analysis gives the summary and the report, as comparable values. */
export function figures(a: RunAnalysis): unknown {
  return {
    workloads: a.workloads,
    rss: a.rss,
    controllerHeap: a.controllerHeap,
    lastElapsedS: a.lastElapsedS,
    ...seriesFigures(a.recorded),
  };
}

/** The series read: every worker's columns, totals and cooldown, by workload, and the controller's. */
export function seriesFigures(recorded: RecordedRun): { controller: unknown; series: unknown } {
  const series = [...recorded.series.byWorkload()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, workers]) => [name, workers.map((w) => [w.worker, w.opsTotal, w.errorsTotal, w.cooldown, columnsOf(w.columns)])]);
  return { controller: recorded.series.controller, series };
}

export function columnsOf(c: WorkerColumns): unknown {
  const plain = (byKey: ReadonlyMap<string, Float64Array>): unknown => [...byKey].map(([key, values]) => [key, [...values]]);
  return { ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v instanceof Map ? plain(v) : Array.from(v as ArrayLike<number>)])) };
}
