/** Memory measurement inside one thread (a worker or the controller): a forced full GC, then the isolate's own figures. */
import { getHeapCodeStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHistogram, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { formatCounts } from './counts.js';
import { countListeners } from './listeners.js';

setFlagsFromString('--expose-gc');
// A fresh context sees the flag; the function collects this isolate's whole heap.
const gc = runInNewContext('gc') as () => void;

export interface Measurement {
  readonly timeMs: number;
  readonly heapUsed: number;
  /**
   * Of heapUsed, V8's compiled code and bytecode with their metadata (deoptimisation data, source
   * positions, constant pools): it grows and shrinks with the JIT for minutes, not with the program's objects.
   */
  readonly codeBytes: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly activeHandles: number;
  /** The active handles and requests by type, most first: `Timeout:12 TCPSocketWrap:3` (process.getActiveResourcesInfo()). */
  readonly resourceTypes: string;
  /** Event listeners on the thread's named emitters, `lifecycle.shutdown:40 process.exit:1` (countListeners). */
  readonly listenerCounts: string;
  readonly elu: number;
  readonly latencyP50Us: number;
  readonly latencyP99Us: number;
  /** Time the forced GC and the code statistics took: what sampling costs the worker. */
  readonly gcMs: number;
}

/** Operation latencies and event-loop utilisation, reset at every measurement. */
export class Meter {
  readonly #latency = createHistogram();
  readonly #listenerCounts: () => string;
  #elu: EventLoopUtilization = performance.eventLoopUtilization();

  /** `listenerCounts`: the thread's listener counts (countListeners); by default those on its `process`. */
  constructor(listenerCounts: () => string = () => countListeners([['process', process]])) {
    this.#listenerCounts = listenerCounts;
  }

  recordLatency(startMs: number): void {
    this.#latency.record(Math.max(1, Math.round((performance.now() - startMs) * 1000)));
  }

  measure(): Measurement {
    const gcStart = performance.now();
    gc();
    const codeBytes = codeAndBytecodeBytes();
    // The cost of the sample to the worker: the collection and the walk over code objects.
    const gcMs = performance.now() - gcStart;
    const memory = process.memoryUsage();
    const resources = process.getActiveResourcesInfo();
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    const latencyP50Us = this.#latency.count > 0 ? this.#latency.percentile(50) : 0;
    const latencyP99Us = this.#latency.count > 0 ? this.#latency.percentile(99) : 0;
    this.#latency.reset();
    return {
      timeMs: Date.now(),
      heapUsed: memory.heapUsed,
      codeBytes,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      activeHandles: resources.length,
      resourceTypes: countByType(resources),
      listenerCounts: this.#listenerCounts(),
      elu: elu.utilization,
      latencyP50Us,
      latencyP99Us,
      gcMs,
    };
  }
}

/** `Timeout:12 TCPSocketWrap:3`: counts by type, most first (type names hold no blanks or colons). */
export function countByType(types: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return formatCounts(counts);
}

function codeAndBytecodeBytes(): number {
  const code = getHeapCodeStatistics();
  return code.code_and_metadata_size + code.bytecode_and_metadata_size;
}
