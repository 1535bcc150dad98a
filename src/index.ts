/** The soak library: run soaks from code, or write workloads with defineWorkload. */
export { Soak, type RunResult, type SoakInput, type SoakEvents, type ProgressTick, type DecidedEvent } from './commands/run.js';
export { calibrate, type CalibrateResult } from './commands/calibrate.js';
export { reanalyze, type ReanalyzeOptions, type ReanalyzeResult } from './commands/analyze.js';
export { compare, type CompareOptions, type CompareResult } from './commands/compare.js';
export type { Comparison, RunSide, SettingWarning } from './run-dir/compare-file.js';
export { serveMetrics, isLoopback, DEFAULT_METRICS_HOST, type MetricsServer } from './metrics/server.js';
export { SoakMetrics } from './metrics/prometheus.js';
export { releaseReport, type ReleaseReportOptions, type ReleaseReportResult } from './commands/report.js';
export type { ReleaseReport, ReleaseRun, ReleaseWorkload, ReleaseComparison } from './run-dir/release-file.js';
export type { Calibration } from './report/calibration.js';
export {
  diffSnapshots,
  type SnapshotPaths,
  type DiffOptions,
  type SnapshotDiff,
  type SurvivorGroup,
  type RetainerStep,
  type Holder,
} from './snapshot/diff.js';
export type { RunSnapshotDiffs, WorkerSnapshotDiff } from './run-dir/snapshot-diffs.js';
export { doctor, type DoctorOptions, type DoctorResult } from './commands/doctor.js';
export { defaults, shortDefaults, validateOptions, type Looks, type SoakOptions, type ParamOverride } from './options.js';
export type { Decision } from './analysis/decide.js';
export { ExitCode, UsageError, RunFailedError, SnapshotFileError, exitCodeFor } from './errors.js';
export {
  defineWorkload,
  type Workload,
  type WorkloadContext,
  type Params,
  type ParamValue,
  type NamedEmitters,
  type ListenedEmitter,
  type ListenerCountable,
} from './workload.js';
export type {
  Summary,
  RunFacts,
  WorkloadSummary,
  WorkerSummary,
  HeapSummary,
  TrendSummary,
  MemoryTrend,
  SequentialSummary,
  SummaryParams,
  HostFacts,
} from './run-dir/summary.js';
export type { Verdict, Thresholds, Profile, WorkloadAnalysis, WorkerAnalysis, HeapTrend, MeasureTrend, Cleanup } from './analysis/types.js';
