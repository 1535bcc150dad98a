import { formatBytes } from '../units.js';

/** Column orders and words of the files a run writes: the contract in shared/design.md; more columns only at the end. */

export const sampleColumns = [
  'time',
  'elapsed_s',
  'segment',
  'phase',
  'workload',
  'worker',
  'thread_id',
  'ops_total',
  'errors_total',
  'heap_used_bytes',
  'heap_total_bytes',
  'external_bytes',
  'array_buffers_bytes',
  'active_handles',
  'elu',
  'latency_p50_us',
  'latency_p99_us',
  'rss_bytes',
  'cpu_percent',
  // Appended after the contract's columns: what the sample cost the worker (forced GC and code statistics), so it is visible.
  'gc_ms',
  // Of heap_used_bytes, V8's compiled code and bytecode with their metadata: they come and go with the JIT, so the verdict leaves them out.
  'code_bytes',
  // The active handles and requests by type (`Timeout:12 TCPSocketWrap:3`), so a handle leak can be named.
  'resource_types',
  // Event listeners on the worker's process, its context's signal and the workload's named emitters (`lifecycle.shutdown:40`).
  'listener_counts',
] as const;

export const eventColumns = ['time', 'elapsed_s', 'workload', 'worker', 'thread_id', 'event', 'detail'] as const;

/** events.csv's detail of a crash where the worker ran out of heap (its verdict is then a leak). */
export const OUT_OF_MEMORY_DETAIL = 'out of memory';

/** How events.csv's detail of a crash starts where the watchdog terminated a stuck worker. */
export const STUCK_DETAIL = 'stuck';

/** The run directory's folder of heap snapshots (`--snapshots`). */
export const SNAPSHOT_DIR = 'snapshots';

/** events.csv's words for a heap snapshot taken, and one skipped (no room, the worker gone). */
export const SNAPSHOT_EVENT = 'snapshot';
export const SNAPSHOT_SKIPPED_EVENT = 'snapshot-skipped';

export interface SnapshotTaken {
  readonly phase: 'baseline' | 'target' | 'final';
  /** The worker's life (segment) it was taken in. */
  readonly life: number;
  /** Relative to the run directory. */
  readonly file: string;
}

/** A `snapshot` event's detail: `baseline of life 0: 8.84 MB heap, 12.3 MB in 2.0s: snapshots/cache-0.life0.baseline.heapsnapshot`. */
export function snapshotTakenDetail(taken: SnapshotTaken, heapBytes: number, bytes: number, seconds: number): string {
  return `${taken.phase} of life ${taken.life}: ${formatBytes(heapBytes)} heap, ${formatBytes(bytes)} in ${seconds.toFixed(1)}s: ${taken.file}`;
}

const TAKEN = /^(baseline|target|final) of life (\d+): .*: (.+)$/;

/** What snapshotTakenDetail wrote, or undefined for another text. */
export function parseSnapshotTaken(detail: string): SnapshotTaken | undefined {
  const m = TAKEN.exec(detail);
  if (m === null) return undefined;
  const [, phase, life = '0', file = ''] = m;
  return { phase: phase as SnapshotTaken['phase'], life: Number(life), file };
}
