/**
 * The analysis's vocabulary: verdicts, thresholds and profiles (which the options, errors and reports
 * use too) and the tagged results of judging a worker and a workload.
 */
import type { Growth } from './growth.js';

export type Verdict = 'pass' | 'leak' | 'inconclusive' | 'error';

export const severity: Readonly<Record<Verdict, number>> = { pass: 0, inconclusive: 1, leak: 2, error: 3 };

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'pass';
  for (const v of verdicts) if (severity[v] > severity[worst]) worst = v;
  return worst;
}

export interface Thresholds {
  readonly maxSlopeBytesPerHour: number;
  readonly maxGrowthBytes: number;
}

/**
 * The policy-cache seed's criteria. short: growth under 50 MB, with the median of the steady window's
 * second half against its first half as a cross-check; long: under 1 MB/h and 100 MB total. Both:
 * after teardown, heap back within 10 MB of its post-warm-up baseline. The profiles differ in their
 * default thresholds (options.ts); every check runs in both.
 */
export type Profile = 'short' | 'long';

export const CLEANUP_TOLERANCE_BYTES = 10 * 1024 * 1024;
/** Active handles may grow by this many over the steady window before it counts as a leak. */
export const HANDLE_GROWTH_LIMIT = 10;
/** Fewer steady samples than this per worker give "not enough data". */
export const MIN_STEADY_SAMPLES = 10;
export interface AnalysisSettings {
  readonly thresholds: Thresholds;
  /** Workloads judged by thresholds of their own (a config's `thresholds`); the others by `thresholds`. */
  readonly workloadThresholds?: ReadonlyMap<string, Thresholds>;
  /** Seconds of warm-up to leave out, or 'auto': found from the data after the recorded warm-up. */
  readonly warmup: number | 'auto';
  /** short: growth that comes with the JIT still compiling is read as warm-up (long runs are past it). */
  readonly profile: Profile;
  /** Two-sided confidence of every interval (a sequential look's own level); default 0.95. */
  readonly confidence?: number;
  /** A look before the budget's last, which stops a workload only on growth that clearly persists (growth.ts). */
  readonly early?: boolean;
}

export type Shape = Growth['shape'];

/**
 * One type of active handle (`Timeout`, `TCPSocketWrap`, ...), or one emitter's event (`lifecycle.shutdown`)
 * for listeners, and how fast its count grows over the steady window.
 */
export interface HandleTypeGrowth {
  readonly type: string;
  readonly perHour: number;
}

/** A judged measure in the units summary.json uses (bytes or handles, per hour). */
export interface MeasureTrend {
  readonly verdict: Verdict;
  readonly shape: Shape;
  readonly slopePerHour: number;
  readonly ci95: readonly [number, number];
  /** Mann–Kendall one-sided p-value for growth, autocorrelation-corrected. */
  readonly trendP: number;
  /** Fitted growth over the steady window. */
  readonly growth: number;
  /** Half the 95 % interval: slopes this far over the limit are found by a run like this one. */
  readonly minDetectableSlopePerHour: number;
  /** Variance inflation of the trend test for autocorrelation (1 = independent samples). */
  readonly autocorrelationInflation: number;
  readonly laterHalf?: { readonly slopePerHour: number; readonly ci95: readonly [number, number] };
  readonly step?: { readonly atS: number; readonly size: number };
  /** Shape 'warming': the growth of compiled code over the window, which the heap growth kept pace with. */
  readonly codeSlopePerHour?: number;
  /** Shapes 'bounded' and 'climbing': the trend of the block minima (and maxima), and the block length in samples. */
  readonly envelope?: {
    readonly blockPoints: number;
    readonly lowsSlopePerHour: number;
    readonly lowsCi95: readonly [number, number];
  };
}

export interface HeapTrend extends MeasureTrend {
  readonly bytesPerOp: number;
  /** The slope's interval over the operation rate (the rate, counted over the whole window, is taken as exact). */
  readonly bytesPerOpCi95: readonly [number, number];
  /** Operations per second per worker over the steady window. */
  readonly opsPerSecond: number;
  /** Sample-to-sample noise of the heap (robust: 1.4826·MAD of successive differences / √2): the floor a leak must rise above. */
  readonly noiseSdBytes: number;
  readonly steadySamples: number;
  readonly steadySpanS: number;
  /** Median heap of the steady window's second half less that of its first half (the short profile's cross-check). */
  readonly halvesGrowthBytes: number;
  /** Growth from the end of the recorded warm-up to the end of the run, before any auto warm-up cut. */
  readonly sinceWarmupGrowthBytes: number;
  /**
   * Set when the window the auto warm-up search chose showed a leak that the whole window from the end
   * of the recorded warm-up did not: that window's trend. The verdict is then inconclusive.
   */
  readonly unconfirmedSinceWarmup?: { readonly fromS: number; readonly slopePerHour: number; readonly ci95: readonly [number, number] };
}

export interface Cleanup {
  readonly baselineBytes: number;
  readonly afterTeardownBytes: number;
  readonly retainedBytes: number;
  readonly ok: boolean;
}

/** A worker's analysis, tagged by what could be computed. */
export type WorkerAnalysis =
  | {
      readonly state: 'fitted';
      readonly worker: string;
      readonly verdict: Verdict;
      readonly reason: string;
      /** Two-sided confidence of its intervals: the look's, or its share of it where it leaks (familyLevels). */
      readonly confidence: number;
      readonly steadyFromS: number;
      readonly heap: HeapTrend;
      readonly external: MeasureTrend;
      readonly handles: MeasureTrend;
      /** When the handles grow (a leak, or their interval over the limit): the types whose counts grow, fastest first (from samples.csv's resource_types). */
      readonly handleTypes: readonly HandleTypeGrowth[];
      /** Event listeners on the named emitters (samples.csv's listener_counts); they make a leak, never an inconclusive. */
      readonly listeners: MeasureTrend;
      /** When the listeners grow (a leak, or their interval over the limit): the emitters' events whose counts grow, fastest first. */
      readonly listenerTypes: readonly HandleTypeGrowth[];
      readonly cleanup: Cleanup | undefined;
    }
  | { readonly state: 'insufficient'; readonly worker: string; readonly verdict: 'inconclusive'; readonly reason: string; readonly steadySamples: number }
  | { readonly state: 'out-of-memory'; readonly worker: string; readonly verdict: 'leak'; readonly reason: string };

export interface WorkloadAnalysis {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  /** The pooled heap trend over all workers, when one could be fitted. */
  readonly heap: HeapTrend | undefined;
  readonly steadyFromS: number;
  /** Two-sided confidence of the pooled fit's intervals (familyLevels). */
  readonly confidence: number;
  /** The thresholds it was judged by (per worker). */
  readonly thresholds: Thresholds;
  readonly workers: readonly WorkerAnalysis[];
}

/** The settings one workload is judged by: its own thresholds where it has them. */
export function settingsFor(settings: AnalysisSettings, workload: string): AnalysisSettings {
  const own = settings.workloadThresholds?.get(workload);
  return own === undefined ? settings : { ...settings, thresholds: own };
}
