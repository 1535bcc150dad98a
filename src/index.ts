/** The soak library: run soaks from code, or write workloads with defineWorkload. */
export { Soak, exitCodeFor, type RunResult, type SoakInput, type ProgressTick } from './controller/soak.js';
export { defaults, validateOptions, type SoakOptions, type ParamOverride } from './options.js';
export { ExitCode, UsageError, RunFailedError } from './errors.js';
export { defineWorkload, type Workload, type WorkloadContext, type Params, type ParamValue } from './workload.js';
export type { Summary } from './report/summary.js';
export type { Verdict } from './analysis/verdict.js';
