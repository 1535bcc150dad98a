/** release.json: what `soak report` writes over several run directories (schemaVersion 1). */
import type { OverallStatus } from '../analysis/compare.js';
import type { Verdict } from '../analysis/types.js';
import type { HostFacts } from './summary.js';

/** release.json, schemaVersion 1. */
export interface ReleaseReport {
  readonly schemaVersion: 1;
  /** The worst verdict of the runs (a run that failed is an error, whatever its workloads say). */
  readonly verdict: Verdict;
  /** Every run completed. */
  readonly complete: boolean;
  /** Workloads (over all runs) by verdict. */
  readonly counts: Readonly<Record<Verdict, number>>;
  /** `run/workload` of every leak, and of every inconclusive or errored workload. */
  readonly leaks: readonly string[];
  readonly undecided: readonly string[];
  readonly runs: readonly ReleaseRun[];
  /** What a reader should know before trusting the table as one release's verdict. */
  readonly warnings: readonly string[];
  readonly createdAt: string;
}

export interface ReleaseRun {
  /** The run's name in the report: its directory's name, or its path where two names are the same. */
  readonly label: string;
  /** The run directory, absolute. */
  readonly path: string;
  /** Links from the report's directory, `/`-separated; null where the run has no such file. */
  readonly reportHtml: string | null;
  readonly summaryMd: string | null;
  readonly verdict: Verdict;
  readonly complete: boolean;
  readonly error: string | null;
  readonly command: string;
  readonly elapsedS: number;
  readonly durationS: number;
  readonly intervalS: number;
  readonly threads: number;
  readonly node: string;
  readonly platform: string;
  readonly host: HostFacts | null;
  readonly startedAt: string;
  /** The run's compare.json, when `soak compare` wrote one into it: the result against its baseline. */
  readonly comparison: ReleaseComparison | null;
  readonly workloads: readonly ReleaseWorkload[];
}

export interface ReleaseComparison {
  readonly result: OverallStatus;
  readonly regressions: readonly string[];
  /** The baseline run directory, as compare.json names it. */
  readonly baseline: string;
}

export interface ReleaseWorkload {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** When a look decided it; null for a fixed-length run or one undecided at its budget. */
  readonly decidedAtS: number | null;
  readonly slopeBytesPerHour: number | null;
  readonly ci95: readonly [number, number] | null;
  readonly confidence: number;
  readonly shape: string | null;
  readonly bytesPerOp: number | null;
  /** The slope limit it was judged by. */
  readonly maxSlopeBytesPerHour: number;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  /** Its section in the run's report.html (null if the run has none). */
  readonly reportHtml: string | null;
}
