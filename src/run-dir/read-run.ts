/**
 * Reads a run's samples.csv (and events.csv) back into per-worker series for the analysis,
 * streaming with the fast reader of csv-lines.ts: a day of 1 s samples from 10 workers (~950K
 * rows) reads in about a second, in memory bounded by the series' typed arrays.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { RunSeries, type Phase } from '../analysis/series.js';
import { OUT_OF_MEMORY_DETAIL, SNAPSHOT_EVENT, type eventColumns, type sampleColumns } from './columns.js';

type SampleColumn = (typeof sampleColumns)[number];
import { columnIndexes, readCsv, readCsvText } from './csv-lines.js';

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

/** Which rows to read when threads share the file, each its workloads: by default, all. */
export type ReadRunOptions = { readonly only: readonly string[] } | { readonly except: readonly string[] } | Record<string, never>;

export async function readRun(samplesPath: string, eventsPath: string, options: ReadRunOptions = {}): Promise<RecordedRun> {
  const only = 'only' in options ? options.only : undefined;
  const except = 'except' in options ? options.except : undefined;
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
  const series = new RunSeries();
  // An empty field reads as 0, like the controller's operations; so does a column the file lacks (an older
  // version's), but for time, segment and heap, which the analysis cannot do without: those read as NaN.
  await readCsv(samplesPath, sampleFields, (r) => {
    const phase = r.choice(sample.phase, phases);
    if (phase === undefined) return;
    // Compared in place: a row left to another thread costs no string.
    if (only !== undefined && r.choice(sample.workload, only) === undefined) return;
    if (except !== undefined && r.choice(sample.workload, except) !== undefined) return;
    const elapsedS = r.number(sample.elapsed_s);
    const worker = r.text(sample.worker);
    // The sample after a heap snapshot: the worker was stopped for seconds and V8 had walked its
    // heap; whatever that cost is not the program's growth.
    const snapshotAt = snapshots.get(worker);
    if (phase !== 'cooldown' && snapshotAt !== undefined && snapshotAt.length > 0 && elapsedS >= (snapshotAt[0] as number)) {
      snapshotAt.shift();
      return;
    }
    const codeBytes = r.number(sample.code_bytes, 0);
    series.add({
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
    });
  });
  return { series, outOfMemory, respawns, events, eventsLeftOut };
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
