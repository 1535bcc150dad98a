/**
 * The end of every command that judges a run (`run`, `short`, `analyze`, `calibrate`): analyse the
 * recorded samples, build summary.json, write the derived files, and choose the exit code.
 */
import { worstVerdict, type AnalysisSettings, type Verdict } from '../analysis/types.js';
import { exitCodeFor, type ExitCode } from '../errors.js';
import { buildSummary, type RunFacts, type Summary, type SummaryParams } from '../run-dir/summary.js';
import { dirname, resolve } from 'node:path';
import { analyzeRecordedRun } from './analyze-run.js';
import { writeReports } from './write-reports.js';

export interface FinishInput {
  readonly outDir: string;
  readonly samplesPath: string;
  readonly eventsPath: string;
  readonly settings: AnalysisSettings;
  /** The run's facts, or, for samples without them, how to recover them from the last sample's time. */
  readonly run: RunFacts | ((lastElapsedS: number) => RunFacts);
  /** Workload order (workloads without samples get an 'error' verdict); default: as found in the samples. */
  readonly workloads?: readonly string[];
  readonly params: ReadonlyMap<string, SummaryParams>;
  /** The run failed (a pool could not go on, recording failed): its verdict is 'error' whatever the workloads say. */
  readonly failed: boolean;
  /** Why the run failed or stopped early. */
  readonly error?: string;
  readonly complete: boolean;
  /** An interim report of a run still going: what was recorded so far. */
  readonly interim?: boolean;
  readonly strict: boolean;
  /** Set by `soak analyze`. */
  readonly analyzedAt?: string;
  /** Threads of the analysis (analyze-run.ts); default: one per core for a large file. */
  readonly analysisThreads?: number;
}

export interface Finished {
  readonly summary: Summary;
  readonly exitCode: ExitCode;
}

export async function finishRun(input: FinishInput): Promise<Finished> {
  const { settings } = input;
  const known = typeof input.run === 'function' ? undefined : input.run;
  // A run that decided as it went is replayed look by look, so it reaches the same decisions from the same samples.
  const sequential = known?.looks === undefined ? undefined : { plan: { ...known.looks, maxS: known.durationS }, endS: known.elapsedS };
  const analysis = await analyzeRecordedRun(input.samplesPath, input.eventsPath, settings, {
    workloads: input.workloads,
    sequential,
    threads: input.analysisThreads,
    writeSeriesCache: resolve(input.outDir) === resolve(dirname(input.samplesPath)),
  });
  const run = typeof input.run === 'function' ? input.run(analysis.lastElapsedS) : input.run;
  const workloads = analysis.workloads.map((w) => ({ ...w, params: input.params.get(w.name) ?? {} }));
  const verdict: Verdict = input.failed ? 'error' : worstVerdict(workloads.map((w) => w.verdict));
  const summary = buildSummary({
    run,
    profile: settings.profile,
    thresholds: settings.thresholds,
    workloads,
    rss: analysis.rss,
    controllerHeap: analysis.controllerHeap,
    sequential: analysis.sequential,
    verdict,
    complete: input.complete,
    ...(input.interim === true ? { interim: true } : {}),
    ...(input.error === undefined ? {} : { error: input.error }),
    ...(input.analyzedAt === undefined ? {} : { analyzedAt: input.analyzedAt }),
  });
  writeReports(input.outDir, { summary, recorded: analysis.recorded, lastElapsedS: analysis.lastElapsedS, strict: input.strict });
  // Written meanwhile by the thread pool: done before the command is.
  await analysis.seriesCached;
  return { summary, exitCode: exitCodeFor(summary.verdict, input.strict) };
}
