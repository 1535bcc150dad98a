/** summary.json (schemaVersion 1, the keys in shared/design.md, more added): its types, built from the analysis, and read back. */
import type { Cleanup, HandleTypeGrowth, HeapTrend, MeasureTrend, Profile, Thresholds, Verdict, WorkerAnalysis, WorkloadAnalysis } from '../analysis/types.js';
import type { SequentialOutcome } from '../analysis/decide.js';
import { lookTimes, SEQUENTIAL_ALPHA } from '../analysis/sequential.js';
import { CONFIDENCE, TREND_ALPHA } from '../analysis/trend.js';
import type { Looks } from '../options.js';
import type { Resume } from './run-settings.js';

export interface RunFacts {
  readonly command: string;
  readonly durationS: number;
  readonly elapsedS: number;
  readonly intervalS: number;
  /** The warm-up recorded in samples.csv's phase column (with 'auto', the minimum left out). */
  readonly warmupS: number;
  readonly warmup: number | 'auto';
  readonly threads: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly injectLeakBytesPerS: number;
  readonly node: string;
  readonly platform: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** The command line that reproduces this run. */
  readonly argv: readonly string[];
  /** V8 flags the controller set for every worker (absent in runs of older versions). */
  readonly v8Flags?: readonly string[];
  /** A run that decided as it went: its looks (durationS is the budget, the last look). */
  readonly looks?: Looks;
  /** --max-heap-per-worker: each worker's heap limit, when the run set one. */
  readonly maxHeapPerWorkerBytes?: number;
  /** The machine it ran on (absent in runs of older versions and in samples analysed without their summary). */
  readonly host?: HostFacts;
  /** A run killed and continued with --resume: each continuation and the gap before it. */
  readonly resumes?: readonly Resume[];
}

export interface HostFacts {
  readonly name: string;
  /** os.availableParallelism(): the cores the run could use. */
  readonly cpus: number;
  readonly memoryBytes: number;
}

export type SummaryParams = Readonly<Record<string, string | number | boolean>>;

export interface Summary {
  readonly schemaVersion: 1;
  readonly verdict: Verdict;
  readonly complete: boolean;
  /** An interim report of a run still going (`complete` is false): the figures cover what was recorded by run.elapsedS. */
  readonly interim?: true;
  readonly error?: string;
  readonly profile: Profile;
  readonly run: RunFacts;
  readonly thresholds: Thresholds;
  readonly method: typeof method;
  /** Process-wide resident memory over the steady window: reported, not judged (it is shared by every worker). */
  readonly rss: MemoryTrend | null;
  /** The controller's own post-GC heap less V8's compiled code, over the steady window: reported, so the tool can be seen not to leak (absent in older runs). */
  readonly controllerHeap?: MemoryTrend | null;
  /** A run that decided as it went: its looks and whether it stopped before its budget; null for a fixed-length run. */
  readonly sequential: SequentialSummary | null;
  readonly workloads: readonly WorkloadSummary[];
  /** Set when the figures come from `soak analyze`. */
  readonly analyzedAt?: string;
}

export const method = {
  slope: 'Theil-Sen (median of pairwise slopes within each worker life)',
  interval: `Sen's ${CONFIDENCE * 100}% interval, Kendall variance widened by the Hamed-Rao autocorrelation factor`,
  trendTest: 'Mann-Kendall, Hamed-Rao variance correction',
  alpha: TREND_ALPHA,
  confidence: CONFIDENCE,
  warmup: 'auto: MSER-style truncation minimising the slope standard error, at most half the samples',
  bounded: 'lower envelope: Theil-Sen fit of block minima (block = 5x the decorrelation lag), a second route at the same level',
  sequential:
    "looks planned from the first look to the budget; Lan-DeMets O'Brien-Fleming-type alpha spending, each look's increment spent by Bonferroni; " +
    "each look's intervals at confidence 1 - 2*alpha_k",
  sequentialAlphaPerSide: SEQUENTIAL_ALPHA,
  sequentialRoutes: 2,
  workers: "a workload leaks if its pooled fit or any worker does: each level's error split half to the pooled fit, half over the workers (Bonferroni)",
  warmupCut: 'a leak in the window after an auto warm-up cut must show in the window from the end of the recorded warm-up too',
} as const;

export interface SequentialSummary {
  readonly firstLookS: number;
  readonly lookEveryS: number;
  /** The budget: the last planned look. */
  readonly maxDurationS: number;
  readonly plannedLooks: number;
  readonly looksTaken: number;
  /** The run ended before its budget because every workload was decided. */
  readonly stoppedEarly: boolean;
  /** Per look: its time and the one-sided error it spent (per side and route). */
  readonly levels: readonly { readonly look: number; readonly atS: number; readonly alpha: number }[];
}

/** Process-wide resident memory over the steady window. */
/** A process-wide figure over the steady window (RSS, the controller's heap): reported, not judged. */
export interface MemoryTrend {
  readonly slopeBytesPerHour: number;
  readonly ci95: readonly [number, number];
  readonly firstBytes: number;
  readonly lastBytes: number;
  readonly peakBytes: number;
}

export interface TrendSummary {
  readonly verdict: Verdict;
  readonly shape: string;
  readonly slopePerHour: number;
  readonly ci95: readonly [number, number];
  readonly trendP: number;
  readonly growth: number;
}

export interface HeapSummary {
  readonly slopeBytesPerHour: number | null;
  readonly ci95: readonly [number, number] | null;
  readonly trendP: number | null;
  readonly bytesPerOp: number | null;
  readonly bytesPerOpCi95: readonly [number, number] | null;
  /** Operations per second per worker over the steady window. */
  readonly opsPerSecond: number | null;
  readonly growthBytes: number | null;
  readonly minDetectableSlopeBytesPerHour: number | null;
  readonly noiseSdBytes: number | null;
  readonly steadyFromS: number;
  readonly steadySamples: number;
  readonly shape: string | null;
  readonly halvesGrowthBytes: number | null;
  readonly sinceWarmupGrowthBytes: number | null;
  readonly autocorrelationInflation: number | null;
  /** Shape 'warming': how fast V8's compiled code and bytecode grew over the window. */
  readonly codeSlopeBytesPerHour: number | null;
  readonly laterHalf: { readonly slopeBytesPerHour: number; readonly ci95: readonly [number, number] } | null;
  readonly step: { readonly atS: number; readonly sizeBytes: number } | null;
}

export interface WorkloadSummary {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly params: SummaryParams;
  /** The thresholds it was judged by: the run's, or its own from a config's `thresholds` (absent in older summaries). */
  readonly thresholds?: Thresholds;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  /** When a look decided this workload (its pool then stopped); null if it was judged at the last look or the run was fixed-length. */
  readonly decidedAtS: number | null;
  readonly decidedAtLook: number | null;
  /** Looks this workload was judged at (1 for a fixed-length run). */
  readonly looks: number;
  /**
   * Two-sided confidence of its pooled intervals (the heap figures here): the deciding look's level,
   * or the last look's, with half its error (a workload of one worker: all of it).
   */
  readonly confidence: number;
  readonly heap: HeapSummary;
  readonly workers: readonly WorkerSummary[];
}

export interface WorkerSummary {
  readonly worker: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** Two-sided confidence of this worker's intervals: the look's level, or where it leaks its share of the look's error. */
  readonly confidence: number;
  readonly slopeBytesPerHour: number | null;
  readonly ci95: readonly [number, number] | null;
  readonly bytesPerOp: number | null;
  readonly steadyFromS: number | null;
  readonly heap: HeapSummary | null;
  readonly external: TrendSummary | null;
  readonly handles: TrendSummary | null;
  /** When the handles grow (a leak, or their interval over the limit): the types whose counts grow (`Timeout`, `TCPSocketWrap`, ...), per hour, fastest first (absent in older runs). */
  readonly handleTypes?: readonly HandleTypeGrowth[];
  /** Event listeners on the worker's process, signal and the workload's named emitters (absent in older runs). */
  readonly listeners?: TrendSummary | null;
  /** When the listeners grow (a leak, or their interval over the limit): the emitters' events whose counts grow (`lifecycle.shutdown`), per hour, fastest first. */
  readonly listenerTypes?: readonly HandleTypeGrowth[];
  readonly cleanup: Cleanup | null;
}

export interface SummaryInput {
  readonly run: RunFacts;
  readonly profile: Profile;
  readonly thresholds: Thresholds;
  readonly workloads: readonly (WorkloadAnalysis & { readonly params: SummaryParams })[];
  readonly rss: MemoryTrend | undefined;
  readonly controllerHeap?: MemoryTrend | undefined;
  readonly verdict: Verdict;
  readonly complete: boolean;
  readonly interim?: boolean;
  readonly error?: string;
  readonly analyzedAt?: string;
  readonly sequential?: SequentialOutcome | undefined;
}

export function buildSummary(input: SummaryInput): Summary {
  const sequential = input.sequential;
  const decisionOf = (name: string): { atS: number | null; look: number | null; looks: number } => {
    const decision = sequential?.decisions.get(name);
    if (decision !== undefined) return { atS: decision.atS, look: decision.look, looks: decision.look };
    return { atS: null, look: null, looks: sequential?.looks.length ?? 1 };
  };
  return {
    schemaVersion: 1,
    verdict: input.verdict,
    complete: input.complete,
    ...(input.interim === true ? { interim: true } : {}),
    ...(input.error === undefined ? {} : { error: input.error }),
    profile: input.profile,
    run: input.run,
    thresholds: input.thresholds,
    method,
    rss: input.rss ?? null,
    controllerHeap: input.controllerHeap ?? null,
    sequential:
      sequential === undefined
        ? null
        : {
            firstLookS: sequential.plan.firstS,
            lookEveryS: sequential.plan.everyS,
            maxDurationS: sequential.plan.maxS,
            plannedLooks: lookTimes(sequential.plan).length,
            looksTaken: sequential.looks.length,
            stoppedEarly: input.run.elapsedS < sequential.plan.maxS && sequential.decisions.size === input.workloads.length,
            levels: sequential.looks.map((l) => ({ look: l.look, atS: l.atS, alpha: l.alpha })),
          },
    workloads: input.workloads.map((w) => {
      const decision = decisionOf(w.name);
      return {
        name: w.name,
        verdict: w.verdict,
        reason: w.reason,
        params: w.params,
        thresholds: w.thresholds,
        opsTotal: w.opsTotal,
        errorsTotal: w.errorsTotal,
        respawns: w.respawns,
        decidedAtS: decision.atS,
        decidedAtLook: decision.look,
        looks: decision.looks,
        confidence: w.confidence,
        heap: heapSummary(w.heap, w.steadyFromS),
        workers: w.workers.map((k) => workerSummary(k, w.confidence)),
      };
    }),
    ...(input.analyzedAt === undefined ? {} : { analyzedAt: input.analyzedAt }),
  };
}

function heapSummary(heap: HeapTrend | undefined, steadyFromS: number): HeapSummary {
  return {
    slopeBytesPerHour: heap?.slopePerHour ?? null,
    ci95: heap?.ci95 ?? null,
    trendP: heap?.trendP ?? null,
    bytesPerOp: heap?.bytesPerOp ?? null,
    bytesPerOpCi95: heap?.bytesPerOpCi95 ?? null,
    opsPerSecond: heap?.opsPerSecond ?? null,
    growthBytes: heap?.growth ?? null,
    minDetectableSlopeBytesPerHour: heap?.minDetectableSlopePerHour ?? null,
    noiseSdBytes: heap?.noiseSdBytes ?? null,
    steadyFromS,
    steadySamples: heap?.steadySamples ?? 0,
    shape: heap?.shape ?? null,
    halvesGrowthBytes: heap?.halvesGrowthBytes ?? null,
    sinceWarmupGrowthBytes: heap?.sinceWarmupGrowthBytes ?? null,
    autocorrelationInflation: heap?.autocorrelationInflation ?? null,
    codeSlopeBytesPerHour: heap?.codeSlopePerHour ?? null,
    laterHalf: heap?.laterHalf === undefined ? null : { slopeBytesPerHour: heap.laterHalf.slopePerHour, ci95: heap.laterHalf.ci95 },
    step: heap?.step === undefined ? null : { atS: heap.step.atS, sizeBytes: heap.step.size },
  };
}

function trendSummary(trend: MeasureTrend): TrendSummary {
  return { verdict: trend.verdict, shape: trend.shape, slopePerHour: trend.slopePerHour, ci95: trend.ci95, trendP: trend.trendP, growth: trend.growth };
}

function workerSummary(w: WorkerAnalysis, workloadConfidence: number): WorkerSummary {
  const fitted = w.state === 'fitted' ? w : undefined;
  return {
    worker: w.worker,
    verdict: w.verdict,
    reason: w.reason,
    confidence: fitted?.confidence ?? workloadConfidence,
    slopeBytesPerHour: fitted?.heap.slopePerHour ?? null,
    ci95: fitted?.heap.ci95 ?? null,
    bytesPerOp: fitted?.heap.bytesPerOp ?? null,
    steadyFromS: fitted?.steadyFromS ?? null,
    heap: fitted === undefined ? null : heapSummary(fitted.heap, fitted.steadyFromS),
    external: fitted === undefined ? null : trendSummary(fitted.external),
    handles: fitted === undefined ? null : trendSummary(fitted.handles),
    handleTypes: fitted?.handleTypes ?? [],
    listeners: fitted === undefined ? null : trendSummary(fitted.listeners),
    listenerTypes: fitted?.listenerTypes ?? [],
    cleanup: fitted?.cleanup ?? null,
  };
}

/** summary.json read back (by `soak analyze` and `soak compare`); throws with what makes the text unusable as a summary. */
export function parseSummary(text: string): Summary {
  const parsed: unknown = JSON.parse(text);
  const problem = summaryProblem(parsed);
  if (problem !== undefined) throw new Error(problem);
  return parsed as Summary;
}

const verdicts: readonly unknown[] = ['pass', 'leak', 'inconclusive', 'error'];

/** What makes a parsed file unusable as a summary, or undefined. Figures may be null (a worker with too few samples). */
function summaryProblem(summary: unknown): string | undefined {
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return 'not a JSON object';
  const s = summary as Record<string, unknown>;
  if (s['schemaVersion'] !== 1) return `schemaVersion is ${JSON.stringify(s['schemaVersion'])}, this soak reads version 1`;
  if (!verdicts.includes(s['verdict'])) return 'it has no valid verdict';
  if (typeof s['run'] !== 'object' || s['run'] === null) return 'it has no run facts';
  const run = s['run'] as Record<string, unknown>;
  for (const key of ['command', 'node', 'platform', 'startedAt'] as const) if (typeof run[key] !== 'string') return `it has no run.${key}`;
  for (const key of ['durationS', 'elapsedS', 'intervalS', 'threads'] as const) if (typeof run[key] !== 'number') return `it has no run.${key}`;
  const thresholds = s['thresholds'] as Record<string, unknown> | null | undefined;
  if (typeof thresholds !== 'object' || thresholds === null || typeof thresholds['maxSlopeBytesPerHour'] !== 'number') {
    return 'it has no thresholds.maxSlopeBytesPerHour';
  }
  if (!Array.isArray(s['workloads'])) return 'it has no workloads list';
  for (const [i, w] of (s['workloads'] as unknown[]).entries()) {
    const workload = w as Record<string, unknown> | null;
    if (typeof workload !== 'object' || workload === null || typeof workload['name'] !== 'string') return `workloads[${i}] has no name`;
    if (!verdicts.includes(workload['verdict'])) return `workload '${workload['name']}' has no valid verdict`;
    if (typeof workload['heap'] !== 'object' || workload['heap'] === null) return `workload '${workload['name']}' has no heap figures`;
  }
  return undefined;
}
