/** Thread entry: the born set of two snapshots, computed beside the main thread's read of the third. */
import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import { bornBetween } from './born.js';

const { earlier, later } = workerData as { earlier: string; later: string };
try {
  const born = bornBetween(earlier, later);
  parentPort?.postMessage({ born }, [born.ids.buffer as ArrayBuffer, born.types.buffer as ArrayBuffer, born.sizes.buffer as ArrayBuffer]);
} catch (err) {
  parentPort?.postMessage({ error: err instanceof Error ? err.message : String(err), usage: err instanceof UsageError });
}
