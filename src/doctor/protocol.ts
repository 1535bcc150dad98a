/** What `soak doctor` hands its main-thread runner, and what the runner records in the run directory. Plain JSON both ways. */
import type { ParamOverride } from '../options.js';
import type { Params } from '../workload.js';

/** The runner's one argument, as JSON. */
export interface DoctorRunnerConfig {
  /** `--workload` as the user gave it, for the record. */
  readonly spec: string;
  /** What the runner loads: the built-in name, or the plugin's absolute path (it runs in the run directory). */
  readonly load: string;
  readonly params: readonly ParamOverride[];
  readonly durationS: number;
  /** Operations in flight, as a worker of `soak run` keeps them. */
  readonly concurrency: number;
  readonly seed: number;
  readonly commandLine: readonly string[];
  /** Where the runner writes its DoctorRecord (doctor.json in the run directory). */
  readonly recordPath: string;
}

export type DoctorOutcome =
  | {
      readonly kind: 'ran';
      /** From the first operation to the last one's end (short of `durationS` when stopped by a signal). */
      readonly elapsedS: number;
      readonly opsTotal: number;
      readonly errorsTotal: number;
      /** The signal that ended the run early, if one did. */
      readonly stoppedBy?: string;
      readonly teardownError?: string;
    }
  | { readonly kind: 'setup-failed'; readonly message: string };

/** doctor.json: what ran under Clinic Doctor, and how it ended. */
export interface DoctorRecord {
  readonly schemaVersion: 1;
  /** The workload's own name. */
  readonly workload: string;
  readonly spec: string;
  /** The defaults with `--param` applied. */
  readonly params: Params;
  readonly durationS: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly commandLine: readonly string[];
  readonly startedAt: string;
  readonly pid: number;
  readonly outcome: DoctorOutcome;
}
