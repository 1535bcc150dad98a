/**
 * Release comparison statistics: the change of a workload's heap slope and bytes per operation from a
 * baseline run to a candidate run, with a 95 % interval, judged against a 10 % tolerance. Pure: no I/O.
 *
 * The interval of a difference of two independent estimates, each with its own (possibly asymmetric)
 * 95 % interval, is built by MOVER, the method of variance estimates recovery (Zou & Donner 2008,
 * "Construction of confidence limits about effect measures: a general approach", Stat Med 27:1693;
 * after Newcombe 1998). For d = c − b with intervals [lc, uc] and [lb, ub]:
 *
 *   L = d − √((c − lc)² + (ub − b)²)        U = d + √((uc − c)² + (b − lb)²)
 *
 * The lower limit of the difference takes the candidate's lower half-width and the baseline's upper
 * one (the two ways the difference could be smaller), and the other way round for the upper limit.
 * With symmetric intervals it is d ± √(hc² + hb²), the usual interval of a difference.
 */
import { formatBytes, formatRatePerHour } from '../units.js';
import type { Verdict } from './types.js';

/** A change over this share of the reference, beyond noise, is a regression. */
export const TOLERANCE_SHARE = 0.1;

/** Heap shapes whose slope is a steady rate that two runs can be compared on. */
export const COMPARABLE_SHAPES: readonly string[] = ['flat', 'growing', 'step'];

/** Run length that usually gets past V8's warm-up on 2 cores, said in the advice. */
const LONGER_RUNS = 'compare longer runs (5 minutes or more)';

/** A 95 % interval as summary.json holds it: a side may be null when unbounded. */
export type Bounds = readonly [number | null, number | null];

export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface Difference {
  /** candidate − baseline */
  readonly difference: number;
  readonly low: number;
  readonly high: number;
}

/** MOVER interval of candidate − baseline (see the module comment). */
export function moverDifference(baseline: Estimate, candidate: Estimate): Difference {
  const d = candidate.value - baseline.value;
  return {
    difference: d,
    low: d - Math.hypot(candidate.value - candidate.low, baseline.high - baseline.value),
    high: d + Math.hypot(candidate.high - candidate.value, baseline.value - baseline.low),
  };
}

export type ChangeStatus = 'regression' | 'improvement' | 'unchanged' | 'inconclusive';

/**
 * regression: the whole interval is above +tolerance; improvement: below −tolerance; unchanged: inside
 * [−tolerance, +tolerance]; inconclusive: the interval is too wide to say.
 */
export function changeStatus(change: Difference, tolerance: number): ChangeStatus {
  if (change.low > tolerance) return 'regression';
  if (change.high < -tolerance) return 'improvement';
  if (change.low >= -tolerance && change.high <= tolerance) return 'unchanged';
  return 'inconclusive';
}

/** The slope's reference: the baseline's |slope|, but at least the slope limit (a clean slope is noise around zero). */
export function slopeReference(baselineSlope: number, maxSlopeBytesPerHour: number): number {
  return Math.max(Math.abs(baselineSlope), maxSlopeBytesPerHour);
}

/** The bytes/op reference: the baseline's |bytes/op|, but at least the slope limit expressed per operation. */
export function bytesPerOpReference(baselineBytesPerOp: number, maxSlopeBytesPerHour: number, opsPerSecond: number | null | undefined): number {
  const limitPerOp = opsPerSecond !== null && opsPerSecond !== undefined && opsPerSecond > 0 ? maxSlopeBytesPerHour / 3600 / opsPerSecond : 0;
  return Math.max(Math.abs(baselineBytesPerOp), limitPerOp);
}

// ---------------------------------------------------------------------------------------------------
// One measure (slope or bytes/op) of one workload

export interface MeasureInput {
  readonly value: number | null | undefined;
  readonly ci95: Bounds | null | undefined;
}

export interface MeasureComparison {
  readonly baseline: number | null;
  readonly baselineCi95: Bounds | null;
  readonly candidate: number | null;
  readonly candidateCi95: Bounds | null;
  /** candidate − baseline */
  readonly difference: number | null;
  readonly differenceCi95: readonly [number, number] | null;
  /** The difference relative to the baseline's value, in %; null when the baseline is 0 or missing. */
  readonly changePercent: number | null;
  /** What the tolerance is 10 % of. */
  readonly reference: number | null;
  readonly tolerance: number | null;
  readonly status: ChangeStatus;
  readonly reason: string;
}

export type Measure = 'slope' | 'bytesPerOp';

const measureNoun: Record<Measure, string> = { slope: 'heap slope', bytesPerOp: 'bytes/op' };

function formatMeasure(measure: Measure, value: number): string {
  return measure === 'slope' ? formatRatePerHour(value) : formatBytes(value);
}

export function formatSigned(measure: Measure, value: number): string {
  return `${value > 0 ? '+' : ''}${formatMeasure(measure, value)}`;
}

function estimateOf(input: MeasureInput): Estimate | string {
  const { value, ci95 } = input;
  if (value === null || value === undefined || !Number.isFinite(value)) return 'has no figure';
  if (ci95 === null || ci95 === undefined) return 'has no interval';
  const [low, high] = ci95;
  if (low === null || high === null || !Number.isFinite(low) || !Number.isFinite(high)) return 'has an unbounded interval';
  return { value, low, high };
}

/**
 * Compares one measure. `reference` is what the 10 % tolerance is taken of (see slopeReference and
 * bytesPerOpReference); `notComparable` makes the result inconclusive with that reason.
 */
export function compareMeasure(
  measure: Measure,
  baseline: MeasureInput,
  candidate: MeasureInput,
  reference: number | null,
  notComparable?: string,
): MeasureComparison {
  const noun = measureNoun[measure];
  const b = estimateOf(baseline);
  const c = estimateOf(candidate);
  const tolerance = reference === null ? null : TOLERANCE_SHARE * reference;
  const base = {
    baseline: baseline.value ?? null,
    baselineCi95: baseline.ci95 ?? null,
    candidate: candidate.value ?? null,
    candidateCi95: candidate.ci95 ?? null,
  };
  const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);
  const plainDifference = finite(base.baseline) && finite(base.candidate) ? base.candidate - base.baseline : null;
  const percent = (d: number | null): number | null =>
    d === null || base.baseline === null || base.baseline === 0 ? null : (d / Math.abs(base.baseline)) * 100;
  if (typeof b === 'string' || typeof c === 'string' || tolerance === null) {
    const problem =
      typeof b === 'string' ? `the baseline ${b}` : typeof c === 'string' ? `the candidate ${c}` : 'there is no reference to take the tolerance of';
    return {
      ...base,
      difference: plainDifference,
      differenceCi95: null,
      changePercent: percent(plainDifference),
      reference,
      tolerance,
      status: 'inconclusive',
      reason: `${noun} not comparable: ${problem}`,
    };
  }
  const change = moverDifference(b, c);
  const common = {
    ...base,
    difference: change.difference,
    differenceCi95: [change.low, change.high] as const,
    changePercent: percent(change.difference),
    reference,
    tolerance,
  };
  if (notComparable !== undefined) return { ...common, status: 'inconclusive', reason: `${noun} not comparable: ${notComparable}` };
  const status = changeStatus(change, tolerance);
  const f = (v: number): string => formatSigned(measure, v);
  const said = `${noun} changed ${f(change.difference)} (95% CI ${f(change.low)} to ${f(change.high)})`;
  const tol = `the ±${formatMeasure(measure, tolerance)} tolerance (10% of ${formatMeasure(measure, reference ?? 0)})`;
  const reason = {
    regression: `${said}: an increase beyond noise and beyond ${tol}`,
    improvement: `${said}: a decrease beyond noise and beyond ${tol}`,
    unchanged: `${said}: within ${tol}`,
    inconclusive: `${said}: too uncertain to tell against ${tol}; longer runs narrow the intervals`,
  }[status];
  return { ...common, status, reason };
}

// ---------------------------------------------------------------------------------------------------
// One workload, and a whole run

export interface HeapFigures {
  readonly slopeBytesPerHour: number | null;
  readonly ci95: Bounds | null;
  readonly bytesPerOp: number | null;
  /** Missing in summaries written before soak recorded it (soak analyze adds it). */
  readonly bytesPerOpCi95?: Bounds | null;
  readonly opsPerSecond?: number | null;
  readonly shape: string | null;
}

export interface WorkloadFigures {
  readonly name: string;
  readonly verdict: Verdict;
  readonly heap: HeapFigures;
  /** Its own slope limit, when it had one; else the run's. */
  readonly thresholds?: { readonly maxSlopeBytesPerHour: number };
}

export interface RunFigures {
  readonly thresholds: { readonly maxSlopeBytesPerHour: number };
  readonly workloads: readonly WorkloadFigures[];
}

export type WorkloadStatus = ChangeStatus | 'only-in-baseline' | 'only-in-candidate';

export interface WorkloadSide {
  readonly verdict: Verdict;
  readonly shape: string | null;
}

export interface WorkloadComparison {
  readonly name: string;
  readonly status: WorkloadStatus;
  /** One sentence: why this status. */
  readonly reason: string;
  /** The verdict went from pass or inconclusive to leak: a regression whatever the numbers. */
  readonly verdictWorsened: boolean;
  readonly baseline: WorkloadSide | null;
  readonly candidate: WorkloadSide | null;
  readonly slope: MeasureComparison | null;
  readonly bytesPerOp: MeasureComparison | null;
}

export type OverallStatus = 'regression' | 'inconclusive' | 'improvement' | 'unchanged';

export interface RunComparison {
  readonly result: OverallStatus;
  readonly regressions: readonly string[];
  /** Workloads that could not be compared or whose change is inconclusive (including those in one run only). */
  readonly inconclusive: readonly string[];
  readonly workloads: readonly WorkloadComparison[];
}

const shapeProblem: Record<string, string> = {
  warming: "V8 was still compiling during its window (JIT warm-up grows a short run's heap by 1–3 MB/h, differently run to run)",
  settling: 'its growth was still slowing (warm-up not over)',
  unresolved: 'its run could not tell its growth from noise or warm-up at the limit',
  bounded: 'it swings widely and was judged by its lows, so its slope over the window is mostly where the swings fell',
  climbing: 'it swings widely and was judged by its climbing lows, so its slope over the window is mostly where the swings fell',
};

/** Why two heap shapes do not give comparable slopes, or undefined when they do. */
export function shapeMismatch(baseline: string | null, candidate: string | null): string | undefined {
  const problems: string[] = [];
  for (const [side, shape] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (shape === null || COMPARABLE_SHAPES.includes(shape)) continue;
    problems.push(`the ${side}'s heap shape is '${shape}': ${shapeProblem[shape] ?? 'not a steady rate'}`);
  }
  if (problems.length === 0) return undefined;
  return `${problems.join('; ')}; slopes are compared only when both shapes are flat, step or growing: ${LONGER_RUNS}`;
}

export function compareWorkload(
  name: string,
  baseline: WorkloadFigures | undefined,
  candidate: WorkloadFigures | undefined,
  maxSlopeBytesPerHour: number,
): WorkloadComparison {
  const side = (w: WorkloadFigures | undefined): WorkloadSide | null => (w === undefined ? null : { verdict: w.verdict, shape: w.heap.shape });
  if (baseline === undefined || candidate === undefined) {
    const only = baseline === undefined ? 'candidate' : 'baseline';
    return {
      name,
      status: `only-in-${only}`,
      reason: `only the ${only} run has this workload, so there is nothing to compare it with`,
      verdictWorsened: false,
      baseline: side(baseline),
      candidate: side(candidate),
      slope: null,
      bytesPerOp: null,
    };
  }
  const errored = [baseline.verdict === 'error' ? 'baseline' : '', candidate.verdict === 'error' ? 'candidate' : ''].filter((s) => s !== '');
  if (errored.length > 0) {
    return {
      name,
      status: 'inconclusive',
      reason: `not comparable: its verdict is 'error' in the ${errored.join(' and the ')} run, so its figures do not describe a soak`,
      verdictWorsened: false,
      baseline: side(baseline),
      candidate: side(candidate),
      slope: null,
      bytesPerOp: null,
    };
  }
  const bh = baseline.heap;
  const ch = candidate.heap;
  const notComparable = shapeMismatch(bh.shape, ch.shape);
  const slope = compareMeasure(
    'slope',
    { value: bh.slopeBytesPerHour, ci95: bh.ci95 },
    { value: ch.slopeBytesPerHour, ci95: ch.ci95 },
    bh.slopeBytesPerHour === null ? null : slopeReference(bh.slopeBytesPerHour, maxSlopeBytesPerHour),
    notComparable,
  );
  // Bytes/op is the slope over the operation rate: a slope that is not a steady rate gives none per operation either.
  const bytesPerOp = compareMeasure(
    'bytesPerOp',
    { value: bh.bytesPerOp, ci95: bh.bytesPerOpCi95 },
    { value: ch.bytesPerOp, ci95: ch.bytesPerOpCi95 },
    bh.bytesPerOp === null ? null : bytesPerOpReference(bh.bytesPerOp, maxSlopeBytesPerHour, bh.opsPerSecond),
    notComparable === undefined ? undefined : 'it is the heap slope per operation, and the slopes are not comparable (see the slope)',
  );
  const verdictWorsened = (baseline.verdict === 'pass' || baseline.verdict === 'inconclusive') && candidate.verdict === 'leak';
  const measures = [slope, bytesPerOp];
  const status: ChangeStatus =
    verdictWorsened || measures.some((m) => m.status === 'regression')
      ? 'regression'
      : measures.some((m) => m.status === 'inconclusive')
        ? 'inconclusive'
        : measures.some((m) => m.status === 'improvement')
          ? 'improvement'
          : 'unchanged';
  return {
    name,
    status,
    reason: workloadReason(status, verdictWorsened, baseline.verdict, candidate.verdict, slope, bytesPerOp, notComparable),
    verdictWorsened,
    baseline: side(baseline),
    candidate: side(candidate),
    slope,
    bytesPerOp,
  };
}

function workloadReason(
  status: ChangeStatus,
  verdictWorsened: boolean,
  from: Verdict,
  to: Verdict,
  slope: MeasureComparison,
  bytesPerOp: MeasureComparison,
  notComparable: string | undefined,
): string {
  const parts: string[] = [];
  if (verdictWorsened) parts.push(`its verdict went from ${from} to leak, a regression whatever the numbers`);
  if (notComparable !== undefined) {
    parts.push(`heap slope and bytes/op not comparable: ${notComparable}`);
  } else {
    // The measures that decided the status first, then the others.
    const decisive = (m: MeasureComparison): boolean => m.status === status;
    for (const m of [slope, bytesPerOp].sort((x, y) => Number(decisive(y)) - Number(decisive(x)))) parts.push(m.reason);
  }
  if (!verdictWorsened && from !== to) parts.push(`verdict ${from} in the baseline, ${to} in the candidate`);
  return parts.join('; ');
}

/** Every workload of either run (baseline order, then the candidate's new ones), and the overall result. */
export function compareRuns(baseline: RunFigures, candidate: RunFigures): RunComparison {
  const byName = (run: RunFigures): Map<string, WorkloadFigures> => new Map(run.workloads.map((w) => [w.name, w]));
  const b = byName(baseline);
  const c = byName(candidate);
  const names = [...new Set([...b.keys(), ...c.keys()])];
  const limitOf = (name: string): number => b.get(name)?.thresholds?.maxSlopeBytesPerHour ?? baseline.thresholds.maxSlopeBytesPerHour;
  const workloads = names.map((name) => compareWorkload(name, b.get(name), c.get(name), limitOf(name)));
  const regressions = workloads.filter((w) => w.status === 'regression').map((w) => w.name);
  const inconclusive = workloads.filter((w) => w.status !== 'regression' && w.status !== 'improvement' && w.status !== 'unchanged').map((w) => w.name);
  const result: OverallStatus =
    regressions.length > 0
      ? 'regression'
      : inconclusive.length > 0
        ? 'inconclusive'
        : workloads.some((w) => w.status === 'improvement')
          ? 'improvement'
          : 'unchanged';
  return { result, regressions, inconclusive, workloads };
}
