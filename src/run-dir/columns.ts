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
] as const;

export const eventColumns = ['time', 'elapsed_s', 'workload', 'worker', 'thread_id', 'event', 'detail'] as const;

/** events.csv's detail of a crash where the worker ran out of heap (its verdict is then a leak). */
export const OUT_OF_MEMORY_DETAIL = 'out of memory';

/** How events.csv's detail of a crash starts where the watchdog terminated a stuck worker. */
export const STUCK_DETAIL = 'stuck';
