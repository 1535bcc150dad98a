/** compare.json: what `soak compare` writes (schemaVersion 1). */
import { COMPARABLE_SHAPES, TOLERANCE_SHARE, type OverallStatus, type WorkloadComparison } from '../analysis/compare.js';
import type { Thresholds, Verdict } from '../analysis/types.js';

export interface RunSide {
  /** The run directory, absolute. */
  readonly path: string;
  readonly summaryPath: string;
  readonly verdict: Verdict;
  readonly complete: boolean;
  readonly run: {
    readonly command: string;
    readonly durationS: number;
    readonly elapsedS: number;
    readonly intervalS: number;
    readonly threads: number;
    readonly concurrency: number;
    readonly injectLeakBytesPerS: number;
    readonly node: string;
    readonly platform: string;
    readonly startedAt: string;
    readonly endedAt: string;
  };
  readonly thresholds: Thresholds;
}

export interface SettingWarning {
  /** The setting that differs: a run fact, a threshold, `params.<workload>`, or `complete`. */
  readonly setting: string;
  readonly baseline: unknown;
  readonly candidate: unknown;
  readonly message: string;
}

/** compare.json, schemaVersion 1. */
export interface Comparison {
  readonly schemaVersion: 1;
  /** regression if any workload regressed; else inconclusive if any could not be compared or is inconclusive; else improvement or unchanged. */
  readonly result: OverallStatus;
  readonly regressions: readonly string[];
  readonly inconclusive: readonly string[];
  readonly baseline: RunSide;
  readonly candidate: RunSide;
  readonly rule: typeof compareRule;
  readonly workloads: readonly WorkloadComparison[];
  /** Settings that differ between the runs: the comparison is then not like-for-like. */
  readonly warnings: readonly SettingWarning[];
  readonly comparedAt: string;
}

export const compareRule = {
  tolerancePercent: TOLERANCE_SHARE * 100,
  confidence: 0.95,
  interval: "MOVER (Zou & Donner 2008) difference of the two runs' 95% intervals",
  slopeReference: "max(|baseline slope|, the baseline workload's maxSlopeBytesPerHour)",
  bytesPerOpReference: "max(|baseline bytes/op|, the baseline workload's maxSlopeBytesPerHour / 3600 / baseline opsPerSecond)",
  comparableShapes: COMPARABLE_SHAPES,
} as const;
