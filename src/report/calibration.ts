/**
 * `soak calibrate`'s figures: from a clean run of the workloads on this machine, each workload's noise
 * floor, the slope it shows with nothing leaking, the smallest slope a run of this length resolves,
 * and how long a run would resolve the configured threshold.
 */
import { median } from '../analysis/theil-sen.js';
import { windowForHalfWidth } from '../analysis/trend.js';
import { formatBytes, formatDuration } from '../units.js';
import { intervalText, rateText } from './format.js';
import type { Summary } from '../run-dir/summary.js';

export interface WorkloadCalibration {
  readonly name: string;
  /** The clean run's verdict: anything but pass means this duration is too short on this machine. */
  readonly verdict: Summary['verdict'];
  /** Median over workers of the sample-to-sample heap noise. */
  readonly noiseSdBytes: number | null;
  /** Pooled slope of the clean run, and its interval. */
  readonly cleanSlopeBytesPerHour: number | null;
  readonly ci95: readonly [number, number] | null;
  /** Median over workers: slopes this far over the threshold are found by a run this long. */
  readonly minDetectableSlopeBytesPerHour: number | null;
  readonly steadyFromS: number;
  /** Run length at which the minimum detectable slope reaches the slope threshold (the interval shrinks about as T^-1.5). */
  readonly durationForThresholdS: number | null;
}

export interface Calibration {
  readonly durationS: number;
  readonly intervalS: number;
  readonly maxSlopeBytesPerHour: number;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly workloads: readonly WorkloadCalibration[];
}

export function buildCalibration(summary: Summary, cpus: number): Calibration {
  const limit = summary.thresholds.maxSlopeBytesPerHour;
  return {
    durationS: summary.run.durationS,
    intervalS: summary.run.intervalS,
    maxSlopeBytesPerHour: limit,
    node: summary.run.node,
    platform: summary.run.platform,
    cpus,
    workloads: summary.workloads.map((w) => {
      const mds = medianOf(w.workers.map((k) => k.heap?.minDetectableSlopeBytesPerHour ?? null));
      const spans = medianOf(w.workers.map((k) => (k.heap === null ? null : summary.run.elapsedS - k.heap.steadyFromS)));
      return {
        name: w.name,
        verdict: w.verdict,
        noiseSdBytes: medianOf(w.workers.map((k) => k.heap?.noiseSdBytes ?? null)),
        cleanSlopeBytesPerHour: w.heap.slopeBytesPerHour,
        ci95: w.heap.ci95,
        minDetectableSlopeBytesPerHour: mds,
        steadyFromS: w.heap.steadyFromS,
        durationForThresholdS: mds === null || spans === null || mds <= 0 ? null : Math.ceil(w.heap.steadyFromS + windowForHalfWidth(spans, mds, limit)),
      };
    }),
  };
}

/** The median of the figures a worker could give (null: too few samples). */
function medianOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length === 0 ? null : median(present);
}

export function renderCalibration(c: Calibration): string {
  return [
    `# soak calibrate: ${formatDuration(c.durationS)} at ${formatDuration(c.intervalS)} on ${c.platform} (${c.cpus} CPUs), Node ${c.node}`,
    '',
    '| workload | clean verdict | heap noise (sd) | clean slope | 95% CI | min detectable slope | run length to resolve ' +
      `${rateText(c.maxSlopeBytesPerHour)} |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...c.workloads.map(
      (w) =>
        `| ${w.name} | ${w.verdict.toUpperCase()} | ${w.noiseSdBytes === null ? 'n/a' : formatBytes(w.noiseSdBytes)} | ${rateText(w.cleanSlopeBytesPerHour)} | ` +
        `${intervalText(w.ci95)} | ±${rateText(w.minDetectableSlopeBytesPerHour)} | ` +
        `${w.durationForThresholdS === null ? 'n/a' : formatDuration(w.durationForThresholdS)} |`,
    ),
    '',
    'A leak is called when its slope is clearly over the threshold: a run of this length finds leaks faster than the threshold ' +
      'plus the minimum detectable slope. A clean verdict other than PASS means clean code still looks like growth at this ' +
      'length on this machine (JIT and caches warming up): run longer than the last column.',
    '',
  ].join('\n');
}
