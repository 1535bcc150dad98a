/** The soak library: run soaks from code, or write workloads with defineWorkload. */
export { Soak, type RunResult, type SoakInput, type ProgressTick, type DecidedEvent } from './controller/soak.js';
export { calibrate, type CalibrateResult } from './controller/calibrate.js';
export { reanalyze, type ReanalyzeOptions, type ReanalyzeResult } from './report/reanalyze.js';
export { compare, type CompareOptions, type CompareResult, type Comparison } from './report/compare.js';
export type { Calibration } from './report/calibration.js';
export { defaults, shortDefaults, validateOptions, type Looks, type SoakOptions, type ParamOverride } from './options.js';
export type { Decision } from './analysis/decide.js';
export { ExitCode, UsageError, RunFailedError, exitCodeFor } from './errors.js';
export { defineWorkload, type Workload, type WorkloadContext, type Params, type ParamValue } from './workload.js';
export type { Summary } from './report/summary.js';
export type { Verdict } from './analysis/verdict.js';
