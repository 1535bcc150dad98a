/** Memory measurement inside one thread (a worker or the controller): a forced full GC, then the isolate's own figures. */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createHistogram, performance, type EventLoopUtilization } from 'node:perf_hooks';

setFlagsFromString('--expose-gc');
// A fresh context sees the flag; the function collects this isolate's whole heap.
const gc = runInNewContext('gc') as () => void;

export interface Measurement {
  readonly timeMs: number;
  readonly heapUsed: number;
  /** Of heapUsed, what holds compiled code: it grows and shrinks with the JIT, not with the program's objects. */
  readonly codeBytes: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly activeHandles: number;
  readonly elu: number;
  readonly latencyP50Us: number;
  readonly latencyP99Us: number;
  readonly gcMs: number;
}

/** Operation latencies and event-loop utilisation, reset at every measurement. */
export class Meter {
  readonly #latency = createHistogram();
  #elu: EventLoopUtilization = performance.eventLoopUtilization();

  recordLatency(startMs: number): void {
    this.#latency.record(Math.max(1, Math.round((performance.now() - startMs) * 1000)));
  }

  measure(): Measurement {
    const gcStart = performance.now();
    gc();
    const gcMs = performance.now() - gcStart;
    const memory = process.memoryUsage();
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    const latencyP50Us = this.#latency.count > 0 ? this.#latency.percentile(50) : 0;
    const latencyP99Us = this.#latency.count > 0 ? this.#latency.percentile(99) : 0;
    this.#latency.reset();
    return {
      timeMs: Date.now(),
      heapUsed: memory.heapUsed,
      codeBytes: codeSpaceUsed(),
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
      activeHandles: process.getActiveResourcesInfo().length,
      elu: elu.utilization,
      latencyP50Us,
      latencyP99Us,
      gcMs,
    };
  }
}

function codeSpaceUsed(): number {
  let bytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'code_space' || space.space_name === 'code_large_object_space') bytes += space.space_used_size;
  }
  return bytes;
}
