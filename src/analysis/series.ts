/**
 * Per-worker time series gathered row by row from samples (live or read back from samples.csv).
 * Only what the analysis needs is kept, in growable typed arrays: a day of 1 s samples is ~86K
 * points per worker, a few MB, bounded by the run's length.
 */
export type Phase = 'warmup' | 'steady' | 'cooldown';

export interface SampleRow {
  readonly elapsedS: number;
  readonly segment: number;
  readonly phase: Phase;
  readonly workload: string;
  readonly worker: string;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  /** The judged heap: post-GC heap used less V8's code space. */
  readonly heapBytes: number;
}

class GrowableArray {
  #data = new Float64Array(256);
  length = 0;

  push(value: number): void {
    if (this.length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length++] = value;
  }

  view(): Float64Array {
    return this.#data.subarray(0, this.length);
  }
}

/** Operations and errors per segment: counters restart at zero when a worker is respawned. */
interface SegmentCounters {
  firstSteadyOps?: number;
  firstSteadyS?: number;
  lastSteadyOps?: number;
  lastSteadyS?: number;
  lastOps: number;
  lastErrors: number;
}

export class WorkerSeries {
  readonly workload: string;
  readonly worker: string;
  readonly #steadyT = new GrowableArray();
  readonly #steadyHeap = new GrowableArray();
  readonly #steadySegment = new GrowableArray();
  readonly #segments = new Map<number, SegmentCounters>();

  constructor(workload: string, worker: string) {
    this.workload = workload;
    this.worker = worker;
  }

  add(row: SampleRow): void {
    const counters = this.#segments.get(row.segment) ?? { lastOps: 0, lastErrors: 0 };
    this.#segments.set(row.segment, counters);
    counters.lastOps = Math.max(counters.lastOps, row.opsTotal);
    counters.lastErrors = Math.max(counters.lastErrors, row.errorsTotal);
    if (row.phase !== 'steady') return;
    this.#steadyT.push(row.elapsedS);
    this.#steadyHeap.push(row.heapBytes);
    this.#steadySegment.push(row.segment);
    counters.firstSteadyOps ??= row.opsTotal;
    counters.firstSteadyS ??= row.elapsedS;
    counters.lastSteadyOps = row.opsTotal;
    counters.lastSteadyS = row.elapsedS;
  }

  get steady(): { t: Float64Array; heap: Float64Array; segment: Float64Array } {
    return { t: this.#steadyT.view(), heap: this.#steadyHeap.view(), segment: this.#steadySegment.view() };
  }

  get opsTotal(): number {
    let total = 0;
    for (const c of this.#segments.values()) total += c.lastOps;
    return total;
  }

  get errorsTotal(): number {
    let total = 0;
    for (const c of this.#segments.values()) total += c.lastErrors;
    return total;
  }

  /** Operations per second over the steady window, summed over segments. */
  get steadyOpsPerS(): number {
    let ops = 0;
    let seconds = 0;
    for (const c of this.#segments.values()) {
      if (c.firstSteadyS === undefined || c.lastSteadyS === undefined) continue;
      ops += (c.lastSteadyOps ?? 0) - (c.firstSteadyOps ?? 0);
      seconds += c.lastSteadyS - c.firstSteadyS;
    }
    return seconds > 0 ? ops / seconds : 0;
  }

}

/** All workers' series of a run, grouped by workload in order of first appearance. */
export class RunSeries {
  readonly #byWorker = new Map<string, WorkerSeries>();

  add(row: SampleRow): void {
    if (row.worker === 'controller') return;
    let series = this.#byWorker.get(row.worker);
    if (series === undefined) {
      series = new WorkerSeries(row.workload, row.worker);
      this.#byWorker.set(row.worker, series);
    }
    series.add(row);
  }

  byWorkload(): Map<string, WorkerSeries[]> {
    const grouped = new Map<string, WorkerSeries[]>();
    for (const series of this.#byWorker.values()) {
      const list = grouped.get(series.workload) ?? [];
      list.push(series);
      grouped.set(series.workload, list);
    }
    for (const list of grouped.values()) list.sort((a, b) => a.worker.localeCompare(b.worker, 'en', { numeric: true }));
    return grouped;
  }
}
