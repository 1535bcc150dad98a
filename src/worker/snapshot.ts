/** A heap snapshot of this worker's isolate, written by V8 straight to its file (Node's own builtin: no package). */
import { rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import type { SnapshotPhase, SnapshotTaken } from './protocol.js';

export function takeSnapshot(path: string, phase: SnapshotPhase): SnapshotTaken {
  const file = basename(path);
  const start = performance.now();
  try {
    // V8 collects garbage before it walks the heap: what it writes is what is retained.
    const written = writeHeapSnapshot(path);
    const seconds = (performance.now() - start) / 1000;
    return { phase, file, bytes: statSync(written).size, seconds, heapBytes: getHeapStatistics().used_heap_size };
  } catch (err) {
    // A full disk leaves a partial file: it is no snapshot, and it holds the space the run needs.
    rmSync(path, { force: true });
    return { phase, file, error: err instanceof Error ? err.message : String(err) };
  }
}
