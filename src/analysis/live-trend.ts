/**
 * The live view behind the progress output: per workload, a provisional heap trend and the recent
 * operation rate, fed sample by sample while the run goes on.
 *
 * It runs inside the tool that measures memory, so it must not grow with the run: each worker keeps
 * at most `maxPointsPerWorker` steady-window points in fixed typed arrays. When they are full, every
 * other point is dropped and the stride doubles (a day of 1 s samples ends at a stride of 128, ~675
 * points), so the points stay spread evenly over the whole window. A respawned worker (new segment)
 * starts a new group, as in the analysis; at most `maxGroupsPerWorker` groups are kept, oldest
 * dropped first. The operation rate keeps the last `opsWindowS` of counters per worker, bounded too.
 *
 * The verdict here is provisional: the pooled heap judged by the final analysis' own growth rule
 * (judgeGrowth: Theil–Sen with the autocorrelation-widened interval, steps, persistence into the later
 * half and, in runs under an hour, JIT warm-up read from the compiled code alongside) against the
 * slope limit. The final verdict also finds where warm-up really ends and judges off-heap memory,
 * handles and cleanup, so it can differ.
 */
import { judgeGrowth, type Growth } from './growth.js';
import type { SlopeGroup } from './pairwise-slopes.js';

export const DEFAULT_MAX_POINTS_PER_WORKER = 1024;
export const DEFAULT_MAX_GROUPS_PER_WORKER = 32;
export const DEFAULT_OPS_WINDOW_S = 10;
export const DEFAULT_FIT_EVERY_S = 5;
/** Fewer steady points than this across a workload's workers give no provisional verdict yet. */
export const MIN_FIT_POINTS = 5;
/** A workload's fit uses at most about this many points (16 workers × 1024 points took ~70 ms, 4096 ~20 ms). */
export const MAX_FIT_POINTS = 4096;
/** Counter readings kept per worker for the operation rate, whatever the interval. */
const MAX_OPS_READINGS = 64;

/** What the live view reads from a pool sample. */
export interface LiveSample {
  readonly workload: string;
  readonly worker: string;
  /** The worker's life: a respawn starts a new one. */
  readonly segment: number;
  /** Taken after teardown: not part of the trend. */
  readonly cooldown: boolean;
  readonly sample: { readonly timeMs: number; readonly heapUsed: number; readonly codeBytes: number; readonly opsTotal: number };
}

/** 'warming': growing, but no faster than V8's compiled code still grows (JIT warm-up, as the final verdict reads it). */
export type ProvisionalVerdict = 'leak' | 'pass' | 'warming' | 'undecided';

export interface LiveTrendOptions {
  /** The per-worker slope limit (--max-slope), bytes per hour. */
  readonly maxSlopeBytesPerHour: number;
  /** Read growth that keeps pace with compiled code as JIT warm-up (the short profile: runs under an hour). Default true. */
  readonly judgeWarming?: boolean;
  /** Samples timed before this (ms since the epoch) are warm-up and left out of the trend. Default: none are. */
  readonly steadyFromMs?: number;
  readonly maxPointsPerWorker?: number;
  readonly maxGroupsPerWorker?: number;
  readonly opsWindowS?: number;
  /** fitIfDue() refits at most this often. */
  readonly fitEveryS?: number;
}

export interface ProvisionalTrend {
  readonly slopeBytesPerHour: number;
  /** 95 % interval, autocorrelation-widened; ±Infinity when the data cannot bound it. */
  readonly lowBytesPerHour: number;
  readonly highBytesPerHour: number;
  readonly points: number;
  readonly spanS: number;
  readonly verdict: ProvisionalVerdict;
}

export interface WorkloadStatus {
  readonly name: string;
  /** Operations per second summed over the workload's workers, over the last opsWindowS; undefined before two readings. */
  readonly opsPerS: number | undefined;
  readonly respawns: number;
  /** Steady points held now (after decimation). */
  readonly points: number;
  /** From the last fit; undefined before MIN_FIT_POINTS steady points. */
  readonly trend: ProvisionalTrend | undefined;
}

interface Group {
  readonly segment: number;
  /** First index of the group in the worker's arrays. */
  start: number;
  /** Steady samples the group has seen, kept or not: a sample's index decides whether the stride keeps it. */
  seen: number;
}

/** One worker slot: its steady points (decimated) grouped by life, and its recent counter readings. */
class WorkerState {
  readonly t: Float64Array;
  readonly y: Float64Array;
  /** V8's compiled code and bytecode at the same points: growth that keeps pace with it is JIT warm-up. */
  readonly code: Float64Array;
  /** Index of each point within its group, so halving keeps the points on the doubled stride. */
  readonly index: Float64Array;
  length = 0;
  stride = 1;
  groups: Group[] = [];
  /** Segment of the last sample of any phase, for counting respawns and carrying the operation counter. */
  segment = -1;
  respawns = 0;
  /** Operations of the worker's earlier lives: its counter starts again at 0 on respawn. */
  opsBefore = 0;
  opsLast = 0;
  /** Recent (seconds, cumulative operations) readings, oldest first; at most MAX_OPS_READINGS. */
  readonly opsT: number[] = [];
  readonly opsN: number[] = [];

  constructor(capacity: number) {
    this.t = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.code = new Float64Array(capacity);
    this.index = new Float64Array(capacity);
  }

  /** Counters and respawns, from every sample but cooldown ones. */
  count(segment: number, tS: number, opsTotal: number, windowS: number): void {
    if (segment !== this.segment) {
      if (this.segment >= 0) {
        this.respawns++;
        this.opsBefore += this.opsLast;
      }
      this.segment = segment;
      this.opsLast = 0;
    }
    this.opsLast = opsTotal;
    this.opsT.push(tS);
    this.opsN.push(this.opsBefore + opsTotal);
    // Keep one reading at or before the window's start, so the rate spans the whole window when it can.
    while (this.opsT.length > MAX_OPS_READINGS || (this.opsT.length > 2 && (this.opsT[1] ?? tS) <= tS - windowS)) {
      this.opsT.shift();
      this.opsN.shift();
    }
  }

  opsPerS(): number | undefined {
    const n = this.opsT.length;
    if (n < 2) return undefined;
    const dt = (this.opsT[n - 1] ?? 0) - (this.opsT[0] ?? 0);
    return dt > 0 ? ((this.opsN[n - 1] ?? 0) - (this.opsN[0] ?? 0)) / dt : undefined;
  }

  /** A steady point; false when the stride skips it. */
  addPoint(segment: number, tS: number, heap: number, code: number, maxGroups: number): boolean {
    let group = this.groups[this.groups.length - 1];
    if (group === undefined || group.segment !== segment) {
      group = { segment, start: this.length, seen: 0 };
      this.groups.push(group);
      if (this.groups.length > maxGroups) this.#dropOldestGroup();
    }
    const index = group.seen++;
    if (index % this.stride !== 0) return false;
    if (this.length === this.t.length) {
      this.#halve();
      if (index % this.stride !== 0) return false;
    }
    this.t[this.length] = tS;
    this.y[this.length] = heap;
    this.code[this.length] = code;
    this.index[this.length] = index;
    this.length++;
    return true;
  }

  /** The groups of one column (the heap, or the code) as views on the arrays; with step > 1, every step-th point of each group (copied). */
  slopeGroups(step = 1, column: 'heap' | 'code' = 'heap'): SlopeGroup[] {
    const values = column === 'heap' ? this.y : this.code;
    return this.groups.map((g, i) => {
      const end = this.groups[i + 1]?.start ?? this.length;
      const t = this.t.subarray(g.start, end);
      const y = values.subarray(g.start, end);
      return step <= 1 ? { t, y } : { t: t.filter((_, k) => k % step === 0), y: y.filter((_, k) => k % step === 0) };
    });
  }

  /** Doubles the stride and keeps the points on it. Each group keeps its first point, so none empties. */
  #halve(): void {
    this.stride *= 2;
    let kept = 0;
    for (let g = 0; g < this.groups.length; g++) {
      const group = this.groups[g];
      if (group === undefined) continue;
      const end = this.groups[g + 1]?.start ?? this.length;
      const start = kept;
      for (let i = group.start; i < end; i++) {
        const index = this.index[i] ?? 0;
        if (index % this.stride !== 0) continue;
        this.t[kept] = this.t[i] ?? 0;
        this.y[kept] = this.y[i] ?? 0;
        this.code[kept] = this.code[i] ?? 0;
        this.index[kept] = index;
        kept++;
      }
      group.start = start;
    }
    this.length = kept;
  }

  #dropOldestGroup(): void {
    const dropped = this.groups.shift();
    const next = this.groups[0];
    if (dropped === undefined || next === undefined) return;
    const n = next.start;
    this.t.copyWithin(0, n, this.length);
    this.y.copyWithin(0, n, this.length);
    this.code.copyWithin(0, n, this.length);
    this.index.copyWithin(0, n, this.length);
    this.length -= n;
    for (const group of this.groups) group.start -= n;
  }
}

class WorkloadState {
  readonly workers = new Map<string, WorkerState>();
  dirty = false;
  trend: ProvisionalTrend | undefined;

  constructor(readonly name: string) {}
}

export class LiveTrend {
  readonly #limitBytesPerS: number;
  readonly #capacity: number;
  readonly #maxGroups: number;
  readonly #opsWindowS: number;
  readonly #fitEveryMs: number;
  readonly #judgeWarming: boolean;
  readonly #workloads = new Map<string, WorkloadState>();
  #steadyFromMs: number;
  /** Time origin of the points, so the fits work on seconds since the first sample. */
  #originMs: number | undefined;
  #lastFitMs = -Infinity;

  constructor(options: LiveTrendOptions) {
    this.#limitBytesPerS = options.maxSlopeBytesPerHour / 3600;
    this.#capacity = Math.max(16, Math.floor(options.maxPointsPerWorker ?? DEFAULT_MAX_POINTS_PER_WORKER));
    this.#maxGroups = Math.max(1, Math.floor(options.maxGroupsPerWorker ?? DEFAULT_MAX_GROUPS_PER_WORKER));
    this.#opsWindowS = options.opsWindowS ?? DEFAULT_OPS_WINDOW_S;
    this.#fitEveryMs = (options.fitEveryS ?? DEFAULT_FIT_EVERY_S) * 1000;
    this.#steadyFromMs = options.steadyFromMs ?? -Infinity;
    this.#judgeWarming = options.judgeWarming ?? true;
  }

  /** Where the steady window starts (the controller's warm-up end). */
  set steadyFromMs(ms: number) {
    this.#steadyFromMs = ms;
  }

  /** Lists a workload before its first sample, so the view shows it in this order. */
  addWorkload(name: string): void {
    if (!this.#workloads.has(name)) this.#workloads.set(name, new WorkloadState(name));
  }

  add(s: LiveSample): void {
    if (s.cooldown) return;
    this.addWorkload(s.workload);
    const workload = this.#workloads.get(s.workload);
    if (workload === undefined) return;
    let worker = workload.workers.get(s.worker);
    if (worker === undefined) {
      worker = new WorkerState(this.#capacity);
      workload.workers.set(s.worker, worker);
    }
    const { timeMs, heapUsed, codeBytes, opsTotal } = s.sample;
    this.#originMs ??= timeMs;
    const tS = (timeMs - this.#originMs) / 1000;
    worker.count(s.segment, tS, opsTotal, this.#opsWindowS);
    if (timeMs < this.#steadyFromMs) return;
    const heap = heapUsed - codeBytes;
    if (!Number.isFinite(tS) || !Number.isFinite(heap)) return;
    if (worker.addPoint(s.segment, tS, heap, codeBytes, this.#maxGroups)) workload.dirty = true;
  }

  /** Refits every workload with new points, now. A workload with too few points stays due, so its first fit comes at once. */
  fit(nowMs = Date.now()): void {
    for (const workload of this.#workloads.values()) {
      if (!workload.dirty || heldPoints(workload) < MIN_FIT_POINTS) continue;
      this.#lastFitMs = nowMs;
      workload.dirty = false;
      workload.trend = this.#fitWorkload(workload);
    }
  }

  /** Refits if there are new points and the last fit is at least fitEveryS old; true if it did. */
  fitIfDue(nowMs = Date.now()): boolean {
    if (nowMs - this.#lastFitMs < this.#fitEveryMs) return false;
    if (![...this.#workloads.values()].some((w) => w.dirty)) return false;
    this.fit(nowMs);
    return true;
  }

  /** The workloads in the order first seen, as of the last fit (operation rates as of now). */
  status(): WorkloadStatus[] {
    return [...this.#workloads.values()].map((w) => {
      let ops: number | undefined;
      let respawns = 0;
      let points = 0;
      for (const worker of w.workers.values()) {
        const rate = worker.opsPerS();
        if (rate !== undefined) ops = (ops ?? 0) + rate;
        respawns += worker.respawns;
        points += worker.length;
      }
      return { name: w.name, opsPerS: ops, respawns, points, trend: w.trend };
    });
  }

  /** What is held, for tests of the memory bound: per workload, workers, points, groups, counter readings, largest stride. */
  held(): { workload: string; workers: number; points: number; groups: number; opsReadings: number; stride: number }[] {
    return [...this.#workloads.values()].map((w) => {
      const workers = [...w.workers.values()];
      return {
        workload: w.name,
        workers: workers.length,
        points: workers.reduce((sum, k) => sum + k.length, 0),
        groups: workers.reduce((sum, k) => sum + k.groups.length, 0),
        opsReadings: workers.reduce((sum, k) => sum + k.opsT.length, 0),
        stride: workers.reduce((max, k) => Math.max(max, k.stride), 1),
      };
    });
  }

  #fitWorkload(workload: WorkloadState): ProvisionalTrend | undefined {
    const workers = [...workload.workers.values()];
    const held = heldPoints(workload);
    // Many workers: thin evenly so one fit stays a few tens of milliseconds on the controller's thread.
    const step = Math.ceil(held / MAX_FIT_POINTS);
    const groups = workers.flatMap((k) => k.slopeGroups(step));
    const code = workers.flatMap((k) => k.slopeGroups(step, 'code'));
    let growth: Growth | undefined;
    try {
      growth = judgeGrowth(groups, { rate: this.#limitBytesPerS, total: Infinity }, { code: this.#judgeWarming ? code : undefined });
    } catch {
      return undefined;
    }
    const trend = growth?.trend;
    if (growth === undefined || trend === undefined || !Number.isFinite(trend.slope)) return undefined;
    return {
      slopeBytesPerHour: trend.slope * 3600,
      lowBytesPerHour: trend.low * 3600,
      highBytesPerHour: trend.high * 3600,
      points: trend.points,
      spanS: trend.spanS,
      verdict: provisionalVerdict(growth.shape),
    };
  }
}

function heldPoints(workload: WorkloadState): number {
  let points = 0;
  for (const worker of workload.workers.values()) points += worker.length;
  return points;
}

/** The growth rule's shape as a word for the live line: growing past the limit is a leak, flat or one step a pass. */
export function provisionalVerdict(shape: Growth['shape']): ProvisionalVerdict {
  switch (shape) {
    case 'growing':
    case 'climbing':
      return 'leak';
    case 'flat':
    case 'step':
    case 'bounded':
      return 'pass';
    case 'warming':
      return 'warming';
    case 'settling':
    case 'unresolved':
      return 'undecided';
  }
}
