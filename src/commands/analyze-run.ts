/** Reads a recorded run back (samples.csv, events.csv) and analyses it: shared by `soak run` and `soak analyze`. */
import { replayLooks, type SequentialOutcome } from '../analysis/decide.js';
import type { LookPlan } from '../analysis/sequential.js';
import { fitTrend } from '../analysis/trend.js';
import { analyzeWorkload } from '../analysis/verdict.js';
import type { AnalysisSettings, WorkloadAnalysis } from '../analysis/types.js';
import { readRun, type RecordedRun } from '../run-dir/read-run.js';
import type { ControllerColumns } from '../analysis/series.js';
import type { MemoryTrend } from '../run-dir/summary.js';

export interface RunAnalysis {
  readonly workloads: readonly WorkloadAnalysis[];
  readonly rss: MemoryTrend | undefined;
  /** The controller's own heap over the steady window: the tool must not leak either. */
  readonly controllerHeap: MemoryTrend | undefined;
  /** Last elapsed time seen in the samples. */
  readonly lastElapsedS: number;
  /** The samples and events read back, for the charts of report.html. */
  readonly recorded: RecordedRun;
  /** A run that decided as it went: its looks and decisions, replayed from the samples. */
  readonly sequential?: SequentialOutcome;
}

/** A run that decided as it went: its plan of looks and when it ended (a Ctrl-C between looks adds one there). */
export interface SequentialRun {
  readonly plan: LookPlan;
  readonly endS: number;
}

/**
 * `workloadNames` orders the result and includes workloads with no samples at all (they get an
 * 'error' verdict); without it, the workloads are those found in the samples, in order of appearance.
 */
export async function analyzeRecordedRun(
  samplesPath: string,
  eventsPath: string,
  settings: AnalysisSettings,
  workloadNames?: readonly string[],
  sequentialRun?: SequentialRun,
): Promise<RunAnalysis> {
  const recorded = await readRun(samplesPath, eventsPath);
  const byWorkload = recorded.series.byWorkload();
  const names = workloadNames ?? [...byWorkload.keys()];
  const replayed =
    sequentialRun === undefined
      ? undefined
      : replayLooks({ byWorkload, outOfMemory: recorded.outOfMemory, respawns: recorded.respawns }, names, sequentialRun.plan, sequentialRun.endS, settings);
  const workloads =
    replayed?.workloads ?? names.map((name) => analyzeWorkload(name, byWorkload.get(name) ?? [], settings, recorded.outOfMemory, recorded.respawns));
  const fittedFrom = workloads.flatMap((w) => (w.heap === undefined ? [] : [w.steadyFromS]));
  const steadyFromS = fittedFrom.length > 0 ? Math.min(...fittedFrom) : 0;
  const { controller } = recorded.series;
  const rss = memoryTrend(controller, controller.rss, steadyFromS);
  const controllerHeap = memoryTrend(controller, controller.heap, steadyFromS);
  return {
    workloads,
    rss,
    controllerHeap,
    lastElapsedS: recorded.series.lastElapsedS,
    recorded,
    ...(replayed === undefined ? {} : { sequential: replayed.outcome }),
  };
}

/** A controller figure's trend from `fromS`, fitted within each process that recorded the run (a resume starts a new one) and pooled. */
function memoryTrend(controller: ControllerColumns, bytes: Float64Array, fromS: number): MemoryTrend | undefined {
  const { t, segment } = controller;
  const from = t.findIndex((s) => s >= fromS);
  if (from < 0) return undefined;
  const groups = [];
  for (let start = from, i = from + 1; i <= t.length; i++) {
    if (i === t.length || segment[i] !== segment[start]) {
      groups.push({ t: t.subarray(start, i), y: bytes.subarray(start, i) });
      start = i;
    }
  }
  const trend = fitTrend(groups);
  if (trend === undefined) return undefined;
  let peak = 0;
  for (const b of bytes) peak = Math.max(peak, b);
  return {
    slopeBytesPerHour: trend.slope * 3600,
    ci95: [trend.low * 3600, trend.high * 3600],
    firstBytes: bytes[0] ?? 0,
    lastBytes: bytes[bytes.length - 1] ?? 0,
    peakBytes: peak,
  };
}
