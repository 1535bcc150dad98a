/** Reads a recorded run back (samples.csv, events.csv) and analyses it: shared by `soak run` and `soak analyze`. */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { replayLooks, type SequentialOutcome } from '../analysis/decide.js';
import type { LookPlan } from '../analysis/sequential.js';
import { EXACT_POINTS, fitTrend, withGroupFigures } from '../analysis/trend.js';
import { combineWorkload, judgeWorker, pooledJudgement } from '../analysis/verdict.js';
import type { AnalysisSettings, WorkloadAnalysis } from '../analysis/types.js';
import { readRun, workloadsAtStart, type RecordedRun, type SamplesReading } from '../run-dir/read-run.js';
import { cachedWorkers, SERIES_CACHE_FILE, SERIES_CACHE_MIN_BYTES, writeSeriesCache } from '../run-dir/series-cache.js';
import { type RunSeries, WorkerSeries, type ControllerColumns, type WorkerSeriesData } from '../analysis/series.js';
import type { MemoryTrend } from '../run-dir/summary.js';
import { askThread, warnThreadFailed } from '../thread.js';
import { judgeShare, refuseAll, sharedPlan, type Judgements, type Share } from './analysis-share.js';

export interface RunAnalysis {
  readonly workloads: readonly WorkloadAnalysis[];
  readonly rss: MemoryTrend | undefined;
  /** The controller's own heap over the steady window: the tool must not leak either. */
  readonly controllerHeap: MemoryTrend | undefined;
  /** Last elapsed time seen in the samples. */
  readonly lastElapsedS: number;
  /** The samples and events read back, for the charts of report.html. */
  readonly recorded: RecordedRun;
  /**
   * Settles once the series cache of what was read is written (true) or not (false: a small file,
   * nothing new since the cache, a directory that cannot take it). It never rejects.
   */
  readonly seriesCached: Promise<boolean>;
  /** A run that decided as it went: its looks and decisions, replayed from the samples. */
  readonly sequential?: SequentialOutcome;
}

/** A run that decided as it went: its plan of looks and when it ended (a Ctrl-C between looks adds one there). */
export interface SequentialRun {
  readonly plan: LookPlan;
  readonly endS: number;
}

export interface AnalysisOptions {
  /**
   * Orders the result and includes workloads with no samples at all (they get an 'error' verdict);
   * without it, the workloads are those found in the samples, in order of appearance.
   */
  readonly workloads?: readonly string[] | undefined;
  readonly sequential?: SequentialRun | undefined;
  /**
   * Threads that read and fit the workloads, each its share (at most one per workload). Default: one
   * per core, up to MAX_ANALYSIS_THREADS, for a file of ANALYSIS_THREAD_BYTES or more; else one. A run
   * that decided as it went is replayed on one thread whatever this says (its looks cut short series).
   */
  readonly threads?: number | undefined;
  /**
   * Write the series cache of what was read beside samples.csv (series-cache.ts), for the next
   * analysis of the file: the run's own analyses and `soak analyze` into the run's directory do; an
   * analysis written elsewhere (`--out`) leaves the run's directory as it was. A cache there is read
   * either way. Default false.
   */
  readonly writeSeriesCache?: boolean | undefined;
}

/** Below this many bytes of samples one thread reads and fits them: a thread takes ~50 ms to start. */
export const ANALYSIS_THREAD_BYTES = 16 * 1024 * 1024;
/** Each thread holds its own copy of the analysis' code and working buffers: ~70 MB more peak RSS for a day of samples here. */
const MAX_ANALYSIS_THREADS = 4;

/** What a thread of the analysis answers (analysis-thread.ts): its judgements, and its own workloads' series for the report's charts. */
export interface ThreadReply {
  readonly judged: Judgements;
  readonly series: readonly WorkerSeriesData[];
  /** Undefined for a thread that owned no workload (it only took items over). */
  readonly reading: SamplesReading | undefined;
}

export async function analyzeRecordedRun(
  samplesPath: string,
  eventsPath: string,
  settings: AnalysisSettings,
  options: AnalysisOptions = {},
): Promise<RunAnalysis> {
  const { workloads: workloadNames, sequential: sequentialRun } = options;
  const wanted = sequentialRun === undefined ? (options.threads ?? defaultThreads(samplesPath)) : 1;
  const seriesCache = join(dirname(samplesPath), SERIES_CACHE_FILE);
  // The split needs the workloads before the file is read: the run's, or those its first rows show;
  // with a series cache, its workers too, so that threads can take over each other's items.
  const known = wanted > 1 ? (workloadNames ?? workloadsAtStart(samplesPath)) : [];
  const cached = wanted > 1 ? cachedWorkers(seriesCache) : undefined;
  const plan = cached === undefined ? undefined : sharedPlan(cached);
  const owners = Math.max(1, Math.min(wanted, known.length));
  // More threads than workloads only help when they can take items over.
  const threads = plan === undefined ? owners : Math.max(owners, wanted);
  // Workload i is owned by thread owners - 1 - (i mod owners): this one (0) reads all rows but the
  // others' (the controller's, and those of any workload the first rows did not show, included) and
  // writes the reports after, so it takes the last share, the smallest when uneven. Threads past the
  // owners own nothing and take items over from the start.
  const shares = Array.from({ length: threads }, (_, k) => known.filter((_, i) => i % owners === owners - 1 - k));
  const elsewhere = shares.slice(1).flat();
  // Every thread reads the file up to its size now (a run still going appends to it): they all read
  // the same rows, and a cache of what they read can say where those end.
  const toByte = statSync(samplesPath, { throwIfNoEntry: false })?.size ?? 0;
  const shareOf = (workloads: readonly string[], thread: number): Share => ({
    samplesPath,
    eventsPath,
    settings,
    workloads,
    seriesCache,
    toByte,
    thread,
    plan,
  });
  const helpers = shares.slice(1).map((workloads, i) => {
    const share = shareOf(workloads, i + 1);
    const thread = askThread<ThreadReply>(threadEntry, share, threadName(share));
    // Threads waiting to take over this one's items are told they cannot, once it has failed.
    thread.answer.catch(() => refuseAll(plan, workloads));
    return { share, thread };
  });
  let recorded: RecordedRun;
  const judged: Judgements = { workers: new Map(), pooled: new Map() };
  const readings: SamplesReading[] = [];
  let replayed: ReturnType<typeof replayLooks> | undefined;
  let names: readonly string[];
  try {
    recorded = await readRun(samplesPath, eventsPath, { rows: threads > 1 ? { except: elsewhere } : {}, seriesCache, toByte });
    readings.push(recorded.reading);
    const byWorkload = recorded.series.byWorkload();
    // Its share first (those without samples get an 'error' verdict), then what else it read.
    names = threads > 1 ? [...new Set([...(shares[0] ?? []), ...byWorkload.keys()])] : (workloadNames ?? [...byWorkload.keys()]);
    // A workload of a cache that no thread owns (the cache is not this file's) has no items to take.
    refuseAll(plan, plan?.workloads.filter((w) => !names.includes(w) && !elsewhere.includes(w)) ?? []);
    if (sequentialRun !== undefined) {
      replayed = replayLooks(
        { byWorkload, outOfMemory: recorded.outOfMemory, respawns: recorded.respawns },
        names,
        sequentialRun.plan,
        sequentialRun.endS,
        settings,
      );
    } else {
      merge(judged, await judgeShare(shareOf(names, 0), recorded));
    }
    for (const helper of helpers) {
      try {
        const reply = await helper.thread.answer;
        merge(judged, reply.judged);
        for (const data of reply.series) recorded.series.adopt(WorkerSeries.fromData(data));
        if (reply.reading !== undefined) readings.push(reply.reading);
      } catch (error) {
        // A day's analysis must not be lost to a thread: its workloads are read here, and what it took is judged here.
        const { workloads } = helper.share;
        warnThreadFailed(workloads.length > 0 ? `the analysis of ${workloads.join(', ')}` : `what analysis thread ${helper.share.thread} took over`, error);
        if (workloads.length === 0) continue;
        const theirs = await readRun(samplesPath, eventsPath, { rows: { only: workloads }, seriesCache, toByte });
        for (const w of theirs.series.workers()) recorded.series.adopt(w);
        readings.push(theirs.reading);
      }
    }
  } finally {
    refuseAll(plan, plan?.workloads ?? []);
    for (const h of helpers) h.thread.stop();
  }
  const analysed = new Map<string, WorkloadAnalysis>();
  for (const w of replayed?.workloads ?? judgedWorkloads([...names, ...elsewhere], recorded, judged, settings)) analysed.set(w.name, w);
  const seriesCached = options.writeSeriesCache === true ? cacheSeries(seriesCache, samplesPath, recorded.series, readings) : Promise.resolve(false);
  // Without names given, in order of appearance: those of the first rows, then any that came later (all read here).
  const order = workloadNames ?? [...new Set([...known, ...analysed.keys()])];
  const workloads = order.map((name) => analysed.get(name) as WorkloadAnalysis);
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
    seriesCached,
    ...(replayed === undefined ? {} : { sequential: replayed.outcome }),
  };
}

const threadName = ({ workloads, thread }: Share): string =>
  workloads.length > 0 ? `the analysis thread of ${workloads.join(', ')}` : `analysis thread ${thread} (no workload of its own)`;

function merge(into: Judgements, from: Judgements): void {
  for (const [worker, analysis] of from.workers) into.workers.set(worker, analysis);
  for (const [workload, pooled] of from.pooled) into.pooled.set(workload, pooled);
}

/**
 * Each workload's analysis from its workers' series (all read by now) and the items the threads
 * judged; an item no thread judged (its thread failed) is judged here.
 */
function judgedWorkloads(names: readonly string[], recorded: RecordedRun, judged: Judgements, settings: AnalysisSettings): WorkloadAnalysis[] {
  const byWorkload = recorded.series.byWorkload();
  return withGroupFigures(() =>
    names.map((name) => {
      const workers = byWorkload.get(name) ?? [];
      const pooled = judged.pooled.has(name) ? judged.pooled.get(name) : pooledJudgement(name, workers, settings);
      const analyses = workers.map((w) => judged.workers.get(w.worker) ?? judgeWorker(name, w, settings, recorded.outOfMemory.has(w.worker), workers.length));
      return combineWorkload({ name, workers, analyses, pooled, settings, respawnsByWorker: recorded.respawns });
    }),
  );
}

/**
 * Writes the series cache of what was read, for the next analysis of the file to read only the rows
 * appended after it: for a file of SERIES_CACHE_MIN_BYTES or more that has rows the cache lacks.
 * Every thread must have read to the same byte (they do, from the same file up to the same size).
 */
function cacheSeries(path: string, samplesPath: string, series: RunSeries, readings: readonly SamplesReading[]): Promise<boolean> {
  const [first] = readings;
  if (first === undefined || first.endByte < SERIES_CACHE_MIN_BYTES || first.endByte === first.cachedEndByte) return Promise.resolve(false);
  if (readings.some((r) => r.endByte !== first.endByte)) return Promise.resolve(false);
  const workers = new Map(readings.flatMap((r) => [...r.workers]));
  // In the order of their first rows, as one thread reading the whole file meets them.
  const inFileOrder = [...series.workers()].sort((a, b) => (workers.get(a.worker)?.firstRow ?? 0) - (workers.get(b.worker)?.firstRow ?? 0));
  return writeSeriesCache(
    path,
    samplesPath,
    first,
    inFileOrder.map((w) => w.data(false)),
    workers,
    series.controller,
  );
}

function defaultThreads(samplesPath: string): number {
  const bytes = statSync(samplesPath, { throwIfNoEntry: false })?.size ?? 0;
  return bytes < ANALYSIS_THREAD_BYTES ? 1 : Math.min(availableParallelism(), MAX_ANALYSIS_THREADS);
}

const threadEntry = new URL('./analysis-thread.js', import.meta.url);

/**
 * Points a controller figure's fit takes at most: every k-th sample beyond. These trends are
 * reported, not judged, so their precision is not worth the fit of a day of 1 s samples (~60 ms each
 * on the calling thread, after every other fit); a fit of this many is an estimate of ~15 ms.
 */
const CONTROLLER_FIT_POINTS = 2 * EXACT_POINTS;

/**
 * A controller figure's trend from `fromS`, fitted within each process that recorded the run (a
 * resume starts a new one) and pooled; over at most CONTROLLER_FIT_POINTS samples, evenly spaced.
 */
function memoryTrend(controller: ControllerColumns, bytes: Float64Array, fromS: number): MemoryTrend | undefined {
  const { t, segment } = controller;
  const from = t.findIndex((s) => s >= fromS);
  if (from < 0) return undefined;
  const every = Math.ceil((t.length - from) / CONTROLLER_FIT_POINTS);
  const groups = [];
  for (let start = from, i = from + 1; i <= t.length; i++) {
    if (i === t.length || segment[i] !== segment[start]) {
      groups.push(every === 1 ? { t: t.subarray(start, i), y: bytes.subarray(start, i) } : thinned(t, bytes, start, i, every));
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

function thinned(t: Float64Array, y: Float64Array, from: number, to: number, every: number): { t: Float64Array; y: Float64Array } {
  const length = Math.ceil((to - from) / every);
  const kept = { t: new Float64Array(length), y: new Float64Array(length) };
  for (let k = 0, i = from; i < to; k++, i += every) {
    kept.t[k] = t[i] as number;
    kept.y[k] = y[i] as number;
  }
  return kept;
}
