/**
 * Per-worker time series gathered row by row from samples (read back from samples.csv). Only what
 * the analysis needs is kept, column by column in growable typed arrays: a day of 1 s samples is
 * ~86K points per worker, about 4 MB, so memory is bounded by the run's length, never by the
 * file's text.
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
  /** The judged heap: post-GC heap used less V8's compiled code and bytecode (code_bytes). */
  readonly heapBytes: number;
  /** V8's compiled code and bytecode with their metadata: how busy the JIT still is. */
  readonly codeBytes: number;
  /** Memory outside the JS heap held by JS objects (Buffers, ArrayBuffers included). */
  readonly externalBytes: number;
  readonly activeHandles: number;
  /** The active handles by type, `Timeout:12 TCPSocketWrap:3` (absent or '' in files of older versions). */
  readonly resourceTypes?: string;
  /** Event listeners by emitter and event, `lifecycle.shutdown:40 process.exit:1` (absent or '' in files of older versions). */
  readonly listenerCounts?: string;
  /** Process-wide resident set size. */
  readonly rssBytes: number;
}

type TypedArray = Float64Array | Int32Array | Uint8Array;

function concat<T extends TypedArray>(a: T, b: T): T {
  if (b.length === 0) return a;
  const joined = new (a.constructor as new (length: number) => T)(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

class Column<T extends TypedArray> {
  #data: T;
  readonly #create: (length: number) => T;
  length = 0;

  constructor(create: (length: number) => T) {
    this.#create = create;
    this.#data = create(256);
  }

  push(value: number): void {
    if (this.length === this.#data.length) {
      const grown = this.#create(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.length++] = value;
  }

  view(): T {
    return this.#data.subarray(0, this.length) as T;
  }
}

const float64 = (n: number): Float64Array => new Float64Array(n);

/** A count-by-key column's text (`Timeout:12 TCPSocketWrap:3`) as its keys and counts (a count that is not a number reads as 0). */
export function parseCounts(text: string): (readonly [string, number])[] {
  if (text === '') return [];
  return text.split(' ').map((entry) => {
    const colon = entry.lastIndexOf(':');
    const count = Number(entry.slice(colon + 1));
    return [entry.slice(0, colon), Number.isFinite(count) ? count : 0] as const;
  });
}

/** Parsed texts a count-by-key column keeps for reuse. */
const RECENT_TEXTS = 64;

/**
 * A count-by-key column's text (`Timeout:12 TCPSocketWrap:3`) as one column per key seen, 0 where a
 * row lacks the key (before it first appeared, or after it went), and the row's total. Most rows
 * repeat the one before, so only the rows where the text changes are kept, with the counts from
 * there on (a key's id and its count per entry); the columns are built when they are asked for.
 */
class CountsByKey {
  /** Key ids in the order the keys were first seen: the columns' order. */
  readonly #keyIds = new Map<string, number>();
  /** Per change: the row where it starts and where its entries start. */
  readonly #changedAt = new Column((n) => new Int32Array(n));
  readonly #entriesFrom = new Column((n) => new Int32Array(n));
  readonly #entryKey = new Column((n) => new Int32Array(n));
  readonly #entryCount = new Column(float64);
  /** Texts parsed lately, as key ids and counts: a count that flips between two values flips its text too. */
  readonly #recent = new Map<string, readonly (readonly [number, number])[]>();
  #lastText: string | undefined;
  #rows = 0;
  #built: { readonly total: Float64Array; readonly byKey: ReadonlyMap<string, Float64Array> } | undefined;

  add(text: string): void {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#changedAt.push(this.#rows);
      this.#entriesFrom.push(this.#entryKey.length);
      for (const [id, count] of this.#entries(text)) {
        this.#entryKey.push(id);
        this.#entryCount.push(count);
      }
    }
    this.#rows++;
    this.#built = undefined;
  }

  #entries(text: string): readonly (readonly [number, number])[] {
    let entries = this.#recent.get(text);
    if (entries === undefined) {
      entries = parseCounts(text).map(([key, count]) => {
        let id = this.#keyIds.get(key);
        if (id === undefined) this.#keyIds.set(key, (id = this.#keyIds.size));
        return [id, count] as const;
      });
      // Bounded: a count that climbs all day gives a new text at every change.
      if (this.#recent.size >= RECENT_TEXTS) this.#recent.clear();
      this.#recent.set(text, entries);
    }
    return entries;
  }

  #build(): { readonly total: Float64Array; readonly byKey: ReadonlyMap<string, Float64Array> } {
    const rows = this.#rows;
    const total = new Float64Array(rows);
    const columns = [...this.#keyIds.keys()].map(() => new Float64Array(rows));
    const at = this.#changedAt.view();
    const entriesFrom = this.#entriesFrom.view();
    const keys = this.#entryKey.view();
    const counts = this.#entryCount.view();
    for (let c = 0; c < at.length; c++) {
      const from = at[c] as number;
      const until = at[c + 1] ?? rows;
      let sum = 0;
      for (let e = entriesFrom[c] as number, end = entriesFrom[c + 1] ?? keys.length; e < end; e++) {
        const count = counts[e] as number;
        columns[keys[e] as number]?.fill(count, from, until);
        sum += count;
      }
      total.fill(sum, from, until);
    }
    return { total, byKey: new Map([...this.#keyIds.keys()].map((key, id) => [key, columns[id] as Float64Array])) };
  }

  get total(): Float64Array {
    this.#built ??= this.#build();
    return this.#built.total;
  }

  get byKey(): ReadonlyMap<string, Float64Array> {
    this.#built ??= this.#build();
    return this.#built.byKey;
  }
}

/** Row `i` of count-by-key columns as their text again. */
function countsText(byKey: ReadonlyMap<string, Float64Array>, i: number): string {
  return [...byKey].flatMap(([key, counts]) => ((counts[i] ?? 0) > 0 ? [`${key}:${counts[i]}`] : [])).join(' ');
}

/** The recorded phase of a point: warm-up as the controller marked it, or steady. */
export enum PointPhase {
  Warmup = 0,
  Steady = 1,
}

/** A worker's measurements after teardown: what cleanup left behind. */
export interface CooldownPoint {
  readonly elapsedS: number;
  readonly segment: number;
  readonly heapBytes: number;
  readonly externalBytes: number;
  readonly activeHandles: number;
}

/** Columns of a worker's warm-up and steady samples, in time order. */
export interface WorkerColumns {
  readonly t: Float64Array;
  readonly heap: Float64Array;
  readonly code: Float64Array;
  readonly external: Float64Array;
  readonly handles: Float64Array;
  readonly ops: Float64Array;
  readonly errors: Float64Array;
  readonly segment: Int32Array;
  readonly phase: Uint8Array;
  /** Active handles by type, one column per type seen (0 before it first appeared), aligned with `t`. */
  readonly handleTypes: ReadonlyMap<string, Float64Array>;
  /** Event listeners on the named emitters, all of them. */
  readonly listeners: Float64Array;
  /** Event listeners per emitter and event (`lifecycle.shutdown`), one column per key seen, aligned with `t`. */
  readonly listenerTypes: ReadonlyMap<string, Float64Array>;
}

export class WorkerSeries {
  readonly workload: string;
  readonly worker: string;
  readonly #t = new Column(float64);
  readonly #heap = new Column(float64);
  readonly #code = new Column(float64);
  readonly #external = new Column(float64);
  readonly #handles = new Column(float64);
  readonly #ops = new Column(float64);
  readonly #errors = new Column(float64);
  readonly #segment = new Column((n) => new Int32Array(n));
  readonly #phase = new Column((n) => new Uint8Array(n));
  readonly #handleTypes = new CountsByKey();
  readonly #listeners = new CountsByKey();
  /** Last operation and error counts per segment: counters restart at zero when a worker is respawned. */
  readonly #counters = new Map<number, { ops: number; errors: number }>();
  #cooldown: CooldownPoint | undefined;
  /** The columns of a series read by another thread (fromData): complete, nothing is added to it. */
  #complete: WorkerColumns | undefined;

  constructor(workload: string, worker: string) {
    this.workload = workload;
    this.worker = worker;
  }

  /** A series as another thread read it (`data()` there), its arrays taken over, not copied. */
  static fromData(data: WorkerSeriesData): WorkerSeries {
    const series = new WorkerSeries(data.workload, data.worker);
    series.#complete = data.columns;
    series.#cooldown = data.cooldown;
    for (const [segment, ops, errors] of data.counters) series.#counters.set(segment, { ops, errors });
    return series;
  }

  /**
   * A series of the rows read before (`head`, from the series cache, series-cache.ts) and of those
   * appended to the file since (`tail`): the same columns, counts and cooldown as one read of both.
   */
  static joined(head: WorkerSeriesData, tail: WorkerSeries | undefined): WorkerSeries {
    if (tail === undefined) return WorkerSeries.fromData(head);
    const a = head.columns;
    const b = tail.columns;
    const byKey = (x: ReadonlyMap<string, Float64Array>, y: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> => {
      // A key missing from one part counted 0 there, as a row without the key reads.
      const keys = new Set([...x.keys(), ...y.keys()]);
      return new Map([...keys].map((key) => [key, concat(x.get(key) ?? new Float64Array(a.t.length), y.get(key) ?? new Float64Array(b.t.length))]));
    };
    const counters = new Map(head.counters.map(([segment, ops, errors]) => [segment, { ops, errors }]));
    for (const [segment, { ops, errors }] of tail.#counters) {
      const before = counters.get(segment);
      counters.set(segment, { ops: Math.max(ops, before?.ops ?? 0), errors: Math.max(errors, before?.errors ?? 0) });
    }
    return WorkerSeries.fromData({
      workload: head.workload,
      worker: head.worker,
      columns: {
        t: concat(a.t, b.t),
        heap: concat(a.heap, b.heap),
        code: concat(a.code, b.code),
        external: concat(a.external, b.external),
        handles: concat(a.handles, b.handles),
        ops: concat(a.ops, b.ops),
        errors: concat(a.errors, b.errors),
        segment: concat(a.segment, b.segment),
        phase: concat(a.phase, b.phase),
        handleTypes: byKey(a.handleTypes, b.handleTypes),
        listeners: concat(a.listeners, b.listeners),
        listenerTypes: byKey(a.listenerTypes, b.listenerTypes),
      },
      cooldown: tail.#cooldown ?? head.cooldown,
      counters: [...counters].map(([segment, { ops, errors }]) => [segment, ops, errors] as const),
    });
  }

  /**
   * The series as plain data: with arrays of their own (`copy`, the default), for another thread
   * (their buffers: `transferList`); else views of this series' arrays, to be written out at once.
   */
  data(copy = true): WorkerSeriesData {
    const c = this.columns;
    const own = <T extends TypedArray>(values: T): T => (copy ? (values.slice() as T) : values);
    const ownByKey = (byKey: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> => new Map([...byKey].map(([key, values]) => [key, own(values)]));
    return {
      workload: this.workload,
      worker: this.worker,
      columns: {
        t: own(c.t),
        heap: own(c.heap),
        code: own(c.code),
        external: own(c.external),
        handles: own(c.handles),
        ops: own(c.ops),
        errors: own(c.errors),
        segment: own(c.segment),
        phase: own(c.phase),
        handleTypes: ownByKey(c.handleTypes),
        listeners: own(c.listeners),
        listenerTypes: ownByKey(c.listenerTypes),
      },
      cooldown: this.#cooldown,
      counters: [...this.#counters].map(([segment, { ops, errors }]) => [segment, ops, errors] as const),
    };
  }

  add(row: SampleRow): void {
    if (this.#complete !== undefined) throw new Error(`${this.worker}: a series read by another thread is complete; nothing can be added to it`);
    let counters = this.#counters.get(row.segment);
    if (counters === undefined) this.#counters.set(row.segment, (counters = { ops: 0, errors: 0 }));
    counters.ops = Math.max(counters.ops, row.opsTotal);
    counters.errors = Math.max(counters.errors, row.errorsTotal);
    if (row.phase === 'cooldown') {
      this.#cooldown = {
        elapsedS: row.elapsedS,
        segment: row.segment,
        heapBytes: row.heapBytes,
        externalBytes: row.externalBytes,
        activeHandles: row.activeHandles,
      };
      return;
    }
    this.#t.push(row.elapsedS);
    this.#heap.push(row.heapBytes);
    this.#code.push(row.codeBytes);
    this.#external.push(row.externalBytes);
    this.#handles.push(row.activeHandles);
    this.#ops.push(row.opsTotal);
    this.#errors.push(row.errorsTotal);
    this.#segment.push(row.segment);
    this.#phase.push(row.phase === 'steady' ? PointPhase.Steady : PointPhase.Warmup);
    this.#handleTypes.add(row.resourceTypes ?? '');
    this.#listeners.add(row.listenerCounts ?? '');
  }

  get columns(): WorkerColumns {
    if (this.#complete !== undefined) return this.#complete;
    return {
      t: this.#t.view(),
      heap: this.#heap.view(),
      code: this.#code.view(),
      external: this.#external.view(),
      handles: this.#handles.view(),
      ops: this.#ops.view(),
      errors: this.#errors.view(),
      segment: this.#segment.view(),
      phase: this.#phase.view(),
      handleTypes: this.#handleTypes.byKey,
      listeners: this.#listeners.total,
      listenerTypes: this.#listeners.byKey,
    };
  }

  /**
   * The same worker as it stood at `untilS`: its samples up to then, and its cooldown sample only when
   * `withCooldown` (a sequential look sees what was recorded by its time; the final analysis of a
   * workload decided at that look also judges its teardown).
   */
  until(untilS: number, withCooldown: boolean): WorkerSeries {
    const cut = new WorkerSeries(this.workload, this.worker);
    const c = this.columns;
    const phases: readonly Phase[] = ['warmup', 'steady'];
    for (let i = 0; i < c.t.length && (c.t[i] ?? 0) <= untilS; i++) {
      cut.add({
        elapsedS: c.t[i] ?? 0,
        segment: c.segment[i] ?? 0,
        phase: phases[c.phase[i] ?? 0] ?? 'steady',
        workload: this.workload,
        worker: this.worker,
        opsTotal: c.ops[i] ?? 0,
        errorsTotal: c.errors[i] ?? 0,
        heapBytes: c.heap[i] ?? 0,
        codeBytes: c.code[i] ?? 0,
        externalBytes: c.external[i] ?? 0,
        activeHandles: c.handles[i] ?? 0,
        resourceTypes: countsText(c.handleTypes, i),
        listenerCounts: countsText(c.listenerTypes, i),
        rssBytes: 0,
      });
    }
    if (withCooldown && this.#cooldown !== undefined) cut.#cooldown = this.#cooldown;
    return cut;
  }

  /** The worker's sample after teardown, if it got that far. */
  get cooldown(): CooldownPoint | undefined {
    return this.#cooldown;
  }

  get opsTotal(): number {
    let total = 0;
    for (const c of this.#counters.values()) total += c.ops;
    return total;
  }

  get errorsTotal(): number {
    let total = 0;
    for (const c of this.#counters.values()) total += c.errors;
    return total;
  }
}

/** A worker's series as plain data, to pass between threads. */
export interface WorkerSeriesData {
  readonly workload: string;
  readonly worker: string;
  readonly columns: WorkerColumns;
  readonly cooldown: CooldownPoint | undefined;
  /** Per segment: the last operation and error counts. */
  readonly counters: readonly (readonly [segment: number, ops: number, errors: number])[];
}

/** The buffers of a series' data, to transfer rather than copy. */
export function transferList(data: WorkerSeriesData): ArrayBuffer[] {
  const { handleTypes, listenerTypes, ...arrays } = data.columns;
  return [...Object.values(arrays), ...handleTypes.values(), ...listenerTypes.values()].map((a) => a.buffer as ArrayBuffer);
}

/** The controller's rows: the process RSS and the controller's own post-GC heap (less compiled code, as workers' are judged), a segment per process that recorded the run. */
export interface ControllerColumns {
  readonly t: Float64Array;
  readonly rss: Float64Array;
  readonly heap: Float64Array;
  readonly segment: Int32Array;
}

/** All workers' series of a run, grouped by workload in order of first appearance, and the controller's. */
export class RunSeries {
  readonly #byWorker = new Map<string, WorkerSeries>();
  readonly #rssT = new Column(float64);
  readonly #rss = new Column(float64);
  readonly #controllerHeap = new Column(float64);
  readonly #controllerSegment = new Column((n) => new Int32Array(n));
  /** The controller's columns of a joined series (`joined`): complete, nothing is added to them. */
  #controllerComplete: ControllerColumns | undefined;
  readonly #firstRow = new Map<string, number>();

  /**
   * The series of the rows read before (`head`, from the series cache) and of those appended since
   * (`tail`): workers in order of first appearance, each one's parts joined (WorkerSeries.joined).
   */
  static joined(
    head: {
      readonly workers: readonly WorkerSeriesData[];
      readonly firstRows: ReadonlyMap<string, number>;
      readonly controller: ControllerColumns | undefined;
    },
    tail: RunSeries,
  ): RunSeries {
    const run = new RunSeries();
    for (const data of head.workers) {
      run.#byWorker.set(data.worker, WorkerSeries.joined(data, tail.#byWorker.get(data.worker)));
      run.#firstRow.set(data.worker, head.firstRows.get(data.worker) ?? 0);
    }
    for (const [worker, series] of tail.#byWorker) {
      if (run.#byWorker.has(worker)) continue;
      run.#byWorker.set(worker, series);
      run.#firstRow.set(worker, tail.#firstRow.get(worker) ?? 0);
    }
    const a = head.controller;
    const b = tail.controller;
    run.#controllerComplete =
      a === undefined ? b : { t: concat(a.t, b.t), rss: concat(a.rss, b.rss), heap: concat(a.heap, b.heap), segment: concat(a.segment, b.segment) };
    return run;
  }

  /** Every worker's series, in order of first appearance. */
  workers(): IterableIterator<WorkerSeries> {
    return this.#byWorker.values();
  }

  /**
   * `at`: the row's place in the file, for the order of the workers read by threads that each read
   * some of them (firstRowOf).
   */
  add(row: SampleRow, at = 0): void {
    if (this.#controllerComplete !== undefined) throw new Error('a joined series is complete; nothing can be added to it');
    if (row.worker === 'controller') {
      if (row.phase === 'cooldown') return;
      this.#rssT.push(row.elapsedS);
      this.#rss.push(row.rssBytes);
      this.#controllerHeap.push(row.heapBytes);
      this.#controllerSegment.push(row.segment);
      return;
    }
    let series = this.#byWorker.get(row.worker);
    if (series === undefined) {
      series = new WorkerSeries(row.workload, row.worker);
      this.#byWorker.set(row.worker, series);
      this.#firstRow.set(row.worker, at);
    }
    series.add(row);
  }

  /** The place in the file of the worker's first row, as `add` was told it. */
  firstRowOf(worker: string): number | undefined {
    return this.#firstRow.get(worker);
  }

  /** A worker's series read by another thread: its workload's series are all read there. */
  adopt(series: WorkerSeries): void {
    if (this.#byWorker.has(series.worker)) throw new Error(`${series.worker} was read twice`);
    this.#byWorker.set(series.worker, series);
  }

  /** The time of the last thing recorded: a controller row, a worker's sample or its cooldown sample. */
  get lastElapsedS(): number {
    let last = this.controller.t.at(-1) ?? 0;
    for (const series of this.#byWorker.values()) last = Math.max(last, series.columns.t.at(-1) ?? 0, series.cooldown?.elapsedS ?? 0);
    return last;
  }

  get controller(): ControllerColumns {
    if (this.#controllerComplete !== undefined) return this.#controllerComplete;
    return { t: this.#rssT.view(), rss: this.#rss.view(), heap: this.#controllerHeap.view(), segment: this.#controllerSegment.view() };
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
