/**
 * One thread's share of a run's workloads (analyze-run.ts): its rows read from the files and its
 * workloads judged. Run by an analysis thread, or by the calling thread for the share of a thread
 * that could not run.
 */
import type { WorkerSeries } from '../analysis/series.js';
import type { AnalysisSettings, WorkloadAnalysis } from '../analysis/types.js';
import { analyzeWorkload } from '../analysis/verdict.js';
import { readRun, type SamplesReading } from '../run-dir/read-run.js';

export interface Share {
  readonly samplesPath: string;
  readonly eventsPath: string;
  readonly settings: AnalysisSettings;
  readonly workloads: readonly string[];
  /** The series cache to start from, and where to stop reading: as the calling thread's reading does. */
  readonly seriesCache: string;
  readonly toByte: number;
}

export interface ShareAnalysis {
  readonly workloads: readonly WorkloadAnalysis[];
  readonly series: readonly WorkerSeries[];
  readonly reading: SamplesReading;
}

export async function analyzeShare(share: Share): Promise<ShareAnalysis> {
  const recorded = await readRun(share.samplesPath, share.eventsPath, {
    rows: { only: share.workloads },
    seriesCache: share.seriesCache,
    toByte: share.toByte,
  });
  const byWorkload = recorded.series.byWorkload();
  return {
    workloads: share.workloads.map((name) => analyzeWorkload(name, byWorkload.get(name) ?? [], share.settings, recorded.outOfMemory, recorded.respawns)),
    series: [...byWorkload.values()].flat(),
    reading: recorded.reading,
  };
}
