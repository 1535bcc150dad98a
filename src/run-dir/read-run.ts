/**
 * Reads a run's samples.csv (and events.csv) back into per-worker series for the analysis,
 * streaming with the fast reader of csv-lines.ts: a day of 1 s samples from 10 workers (~950K
 * rows) reads in about a second, in memory bounded by the series' typed arrays.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { RunSeries, type Phase } from '../analysis/series.js';
import { OUT_OF_MEMORY_DETAIL, SNAPSHOT_EVENT, type eventColumns, type sampleColumns } from './columns.js';

type SampleColumn = (typeof sampleColumns)[number];
import { columnIndexes, readCsv, readCsvRange, readCsvText } from './csv-lines.js';
import { type CachedSeries, readSeriesCache, type WorkerReading } from './series-cache.js';

/** Most common first: a row's phase is compared with them in turn. */
const phases: readonly Phase[] = ['steady', 'warmup', 'cooldown'];

export interface RecordedRun {
  readonly series: RunSeries;
  /** Workers that ran out of memory at least once, by slot name, with the elapsed time of the first. */
  readonly outOfMemory: ReadonlyMap<string, number>;
  /** Replacements per worker slot, from the events (a worker may die before its first sample). */
  readonly respawns: ReadonlyMap<string, number>;
  /** The run's events in order, for the report's markers: the first MAX_KEPT_EVENTS of them. */
  readonly events: readonly RecordedEvent[];
  /** Events past MAX_KEPT_EVENTS, counted, not kept: a run's memory must not grow with a worker that dies all day. */
  readonly eventsLeftOut: number;
  readonly reading: SamplesReading;
}

export interface RecordedEvent {
  readonly elapsedS: number;
  readonly workload: string;
  readonly worker: string;
  readonly event: string;
  readonly detail: string;
}

export const MAX_KEPT_EVENTS = 1000;

/** The sample columns the analysis cannot do without; others may be missing (an older version's file) or appended. */
export const REQUIRED_SAMPLE_COLUMNS = [
  'elapsed_s',
  'segment',
  'phase',
  'workload',
  'worker',
  'ops_total',
  'heap_used_bytes',
] as const satisfies readonly SampleColumn[];

const sampleFields = [
  'elapsed_s',
  'segment',
  'phase',
  'workload',
  'worker',
  'ops_total',
  'errors_total',
  'heap_used_bytes',
  'code_bytes',
  'external_bytes',
  'active_handles',
  'rss_bytes',
  'resource_types',
  'listener_counts',
] as const satisfies readonly SampleColumn[];
const sample = columnIndexes(sampleFields);
const eventFields = ['elapsed_s', 'workload', 'worker', 'event', 'detail'] as const satisfies readonly (typeof eventColumns)[number][];
const event = columnIndexes(eventFields);

/**
 * Which rows to read when threads share the file, each its workloads (of those, only some workers
 * when `workers` is given: a thread taking over one worker of another's workload): by default, all.
 */
export type RowFilter =
  | { readonly only: readonly string[]; readonly workers?: readonly string[] }
  | { readonly except: readonly string[] }
  | Record<string, never>;

export interface ReadRunOptions {
  readonly rows?: RowFilter;
  /** A series cache (series-cache.ts) to start from, used when it matches samples.csv. */
  readonly seriesCache?: string;
  /** Bytes of samples.csv past this one are not read (threads reading a file still growing read the same rows); default all. */
  readonly toByte?: number;
}

/** How far the samples were read: what a series cache of them records. */
export interface SamplesReading {
  /** Where the rows read end in samples.csv, and how many records they are. */
  readonly endByte: number;
  readonly records: number;
  /** Where the rows taken from the series cache ended; 0 when none were. */
  readonly cachedEndByte: number;
  /** Per worker read. */
  readonly workers: ReadonlyMap<string, WorkerReading>;
}

export async function readRun(samplesPath: string, eventsPath: string, options: ReadRunOptions = {}): Promise<RecordedRun> {
  const rows = options.rows ?? {};
  const only = 'only' in rows ? rows.only : undefined;
  const except = 'except' in rows ? rows.except : undefined;
  const onlyWorkers = 'only' in rows ? rows.workers : undefined;
  const outOfMemory = new Map<string, number>();
  const respawns = new Map<string, number>();
  const events: RecordedEvent[] = [];
  /** Per worker, when its heap snapshots were recorded: its first sample after each is left out. */
  const snapshots = new Map<string, number[]>();
  let eventsLeftOut = 0;
  if (existsSync(eventsPath)) {
    await readCsv(eventsPath, eventFields, (r) => {
      const worker = r.text(event.worker);
      const kind = r.text(event.event);
      const detail = r.text(event.detail);
      const atS = r.number(event.elapsed_s);
      if (kind === 'crash' && detail === OUT_OF_MEMORY_DETAIL && !outOfMemory.has(worker)) outOfMemory.set(worker, atS);
      if (kind === 'respawn') respawns.set(worker, (respawns.get(worker) ?? 0) + 1);
      if (kind === SNAPSHOT_EVENT) {
        const times = snapshots.get(worker) ?? [];
        times.push(atS);
        snapshots.set(worker, times);
      }
      if (kind === 'start') return;
      if (events.length < MAX_KEPT_EVENTS) {
        events.push({ elapsedS: atS, workload: r.text(event.workload), worker, event: kind, detail });
      } else {
        eventsLeftOut++;
      }
    });
  }
  const toByte = options.toByte ?? Infinity;
  const wanted = (workload: string, worker: string): boolean =>
    (only === undefined || only.includes(workload)) && !except?.includes(workload) && onlyWorkers?.includes(worker) !== false;
  const cached = options.seriesCache === undefined ? undefined : readSeriesCache(options.seriesCache, samplesPath, toByte, wanted, only === undefined);
  const usable = cached !== undefined && continuesFrom(cached, snapshots) ? cached : undefined;
  /** Per worker: snapshots whose next sample was left out, and the time of the last sample left out. */
  const skipped = new Map<string, { count: number; lastS: number }>();
  for (const [worker, reading] of usable?.readings ?? []) skipped.set(worker, { count: reading.snapshotsSkipped, lastS: reading.lastRowS });
  const series = new RunSeries();
  let records = usable?.records ?? 0;
  // An empty field reads as 0, like the controller's operations; so does a column the file lacks (an older
  // version's), but for time, segment and heap, which the analysis cannot do without: those read as NaN.
  const read = await readCsvRange(
    samplesPath,
    sampleFields,
    (r) => {
      const at = records++;
      const phase = r.choice(sample.phase, phases);
      if (phase === undefined) return;
      // Compared in place: a row left to another thread costs no string.
      if (only !== undefined && r.choice(sample.workload, only) === undefined) return;
      if (except !== undefined && r.choice(sample.workload, except) !== undefined) return;
      if (onlyWorkers !== undefined && r.choice(sample.worker, onlyWorkers) === undefined) return;
      const elapsedS = r.number(sample.elapsed_s);
      const worker = r.text(sample.worker);
      // The sample after a heap snapshot: the worker was stopped for seconds and V8 had walked its
      // heap; whatever that cost is not the program's growth.
      const snapshotAt = snapshots.get(worker);
      if (phase !== 'cooldown' && snapshotAt !== undefined) {
        const left = skipped.get(worker) ?? { count: 0, lastS: -Infinity };
        if (left.count < snapshotAt.length && elapsedS >= (snapshotAt[left.count] as number)) {
          skipped.set(worker, { count: left.count + 1, lastS: elapsedS });
          return;
        }
      }
      const codeBytes = r.number(sample.code_bytes, 0);
      series.add(
        {
          elapsedS,
          segment: r.number(sample.segment),
          phase,
          workload: r.text(sample.workload),
          worker,
          opsTotal: r.number(sample.ops_total, 0),
          errorsTotal: r.number(sample.errors_total, 0),
          heapBytes: r.number(sample.heap_used_bytes) - codeBytes,
          codeBytes,
          externalBytes: r.number(sample.external_bytes, 0),
          activeHandles: r.number(sample.active_handles, 0),
          rssBytes: r.number(sample.rss_bytes, 0),
          resourceTypes: r.text(sample.resource_types),
          listenerCounts: r.text(sample.listener_counts),
        },
        at,
      );
    },
    { fromByte: usable?.endByte ?? 0, toByte },
  );
  const joined =
    usable === undefined
      ? series
      : RunSeries.joined({ ...usable, firstRows: new Map([...usable.readings].map(([worker, r]) => [worker, r.firstRow])) }, series);
  const workers = new Map<string, WorkerReading>();
  for (const w of joined.workers()) {
    const left = skipped.get(w.worker);
    workers.set(w.worker, {
      firstRow: joined.firstRowOf(w.worker) ?? 0,
      lastRowS: Math.max(w.columns.t.at(-1) ?? -Infinity, left?.lastS ?? -Infinity),
      snapshotsSkipped: left?.count ?? 0,
      snapshotTimes: snapshots.get(w.worker) ?? [],
    });
  }
  const reading = { endByte: read.endByte, records, cachedEndByte: usable?.endByte ?? 0, workers };
  return { series: joined, outOfMemory, respawns, events, eventsLeftOut, reading };
}

/**
 * Whether reading on from the cache leaves out the same samples after heap snapshots as reading the
 * whole file would: each worker's snapshots then are those of the cache's time and, after them, only
 * snapshots later than every row the cache holds (a snapshot recorded late would have left out a row
 * that the cache kept).
 */
function continuesFrom(cached: CachedSeries, snapshots: ReadonlyMap<string, readonly number[]>): boolean {
  for (const [worker, reading] of cached.readings) {
    const now = snapshots.get(worker) ?? [];
    const before = reading.snapshotTimes;
    if (now.length < before.length || before.some((atS, i) => now[i] !== atS)) return false;
    if (now.slice(before.length).some((atS) => atS <= reading.lastRowS)) return false;
  }
  return true;
}

/** Bytes read from the start of samples.csv to find the workloads: the first ticks of a run hold a row of each. */
const HEAD_BYTES = 1 << 18;

/** The workloads of the samples that start the file, in order of appearance (the controller's rows have none). */
export function workloadsAtStart(samplesPath: string): string[] {
  const fd = openSync(samplesPath, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
  const found = new Set<string>();
  readCsvText(head, ['workload'], (r) => {
    const workload = r.text(0);
    if (workload !== '') found.add(workload);
  });
  return [...found];
}
