/**
 * When the workers' heap snapshots are taken, and one at a time: a snapshot stops its worker for
 * about a second per 10 MB of heap and needs room on the disk (the file is about twice the heap)
 * and in memory (measured here: an 18 MB heap's snapshot added about 300 MB to the process's RSS,
 * V8's graph of the heap while it is written). Before each, both are checked; a snapshot that would
 * not fit is skipped and recorded, not risked.
 */
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_DIR, SNAPSHOT_EVENT, SNAPSHOT_SKIPPED_EVENT, snapshotTakenDetail } from '../run-dir/columns.js';
import { makeDirs } from '../run-dir/out-dir.js';
import type { SnapshotPhase } from '../worker/protocol.js';
import { formatBytes } from '../units.js';
import type { WorkloadPool } from './workload-pool.js';

/** Disk a snapshot needs: its file is about twice the heap; with a margin for the rest of the run's files. */
const DISK_PER_HEAP_BYTE = 3;
const DISK_MARGIN_BYTES = 64 * 2 ** 20;
/** Memory a snapshot needs while V8 builds and writes it, per byte of heap (measured ~17x), with a margin. */
const MEMORY_PER_HEAP_BYTE = 20;
const MEMORY_MARGIN_BYTES = 256 * 2 ** 20;

export interface SnapshotTimes {
  /** The start of the steady window. */
  readonly baselineS: number;
  /** Halfway from the baseline to the earliest the run can end. */
  readonly targetS: number;
}

export interface SnapshotRecorder {
  event(workload: string, worker: string, threadId: number, event: typeof SNAPSHOT_EVENT | typeof SNAPSHOT_SKIPPED_EVENT, detail: string): void;
}

export interface Room {
  readonly diskBytes: number;
  readonly memoryBytes: number;
}

/** Free disk under `dir` and memory this process may still take (the cgroup's limit included). */
export function roomFor(dir: string): Room {
  const fs = statfsSync(dir);
  return { diskBytes: fs.bavail * fs.bsize, memoryBytes: process.availableMemory() };
}

/** Why a snapshot of a heap this big would not fit, or undefined when it would. */
export function lackOfRoom(heapBytes: number, room: Room, dir: string): string | undefined {
  const disk = heapBytes * DISK_PER_HEAP_BYTE + DISK_MARGIN_BYTES;
  if (room.diskBytes < disk)
    return `${formatBytes(room.diskBytes)} free on the disk of ${dir}, ${formatBytes(disk)} needed for a ${formatBytes(heapBytes)} heap`;
  const memory = heapBytes * MEMORY_PER_HEAP_BYTE + MEMORY_MARGIN_BYTES;
  if (room.memoryBytes < memory)
    return `${formatBytes(room.memoryBytes)} of memory available, ${formatBytes(memory)} needed for a ${formatBytes(heapBytes)} heap`;
  return undefined;
}

export class SnapshotScheduler {
  readonly #pools: readonly WorkloadPool[];
  readonly #dir: string;
  readonly #recorder: SnapshotRecorder;
  readonly #room: (dir: string) => Room;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Snapshots are taken one after another across every pool. */
  #queue: Promise<void> = Promise.resolve();
  /** Pools whose final snapshots were asked: nothing more is asked of them. */
  readonly #finished = new Set<WorkloadPool>();

  /** The snapshots go to `runDir`'s snapshots/ (SNAPSHOT_DIR), which the pools were given. */
  constructor(pools: readonly WorkloadPool[], runDir: string, recorder: SnapshotRecorder, room: (dir: string) => Room = roomFor) {
    this.#pools = pools;
    this.#dir = join(runDir, SNAPSHOT_DIR);
    this.#recorder = recorder;
    this.#room = room;
    makeDirs(this.#dir);
  }

  /** Schedules the baseline and target snapshots of every pool; `nowS` is the run's elapsed time now. */
  start(times: SnapshotTimes, nowS: number): void {
    for (const [phase, atS] of [
      ['baseline', times.baselineS],
      ['target', times.targetS],
    ] as const) {
      if (atS < nowS) continue;
      const timer = setTimeout(() => void this.#all(this.#pools, phase), (atS - nowS) * 1000);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** The final snapshots of these pools' workers, before they stop; resolves once they are taken or skipped. */
  final(pools: readonly WorkloadPool[]): Promise<void> {
    return this.#all(pools, 'final');
  }

  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  /** Every live worker of the pools, in turn, after whatever is already queued. */
  #all(pools: readonly WorkloadPool[], phase: SnapshotPhase): Promise<void> {
    const open = pools.filter((p) => !this.#finished.has(p));
    if (phase === 'final') for (const p of open) this.#finished.add(p);
    const run = this.#queue.then(async () => {
      for (const pool of open) for (const { slot, worker, heapBytes } of pool.liveSlots()) await this.#one(pool, slot, worker, heapBytes, phase);
    });
    this.#queue = run.catch(() => {});
    return this.#queue;
  }

  async #one(pool: WorkloadPool, slot: number, worker: string, heapBytes: number, phase: SnapshotPhase): Promise<void> {
    const lack = lackOfRoom(heapBytes, this.#room(this.#dir), this.#dir);
    if (lack !== undefined) {
      this.#recorder.event(pool.name, worker, 0, SNAPSHOT_SKIPPED_EVENT, `${phase}: ${lack}`);
      return;
    }
    const outcome = await pool.requestSnapshot(slot, phase);
    if ('error' in outcome) {
      this.#recorder.event(pool.name, worker, 0, SNAPSHOT_SKIPPED_EVENT, `${phase}: ${outcome.error}`);
      return;
    }
    const { taken } = outcome;
    if ('error' in taken) {
      this.#recorder.event(pool.name, worker, outcome.threadId, SNAPSHOT_SKIPPED_EVENT, `${phase}: ${taken.error}`);
      return;
    }
    const detail = snapshotTakenDetail({ phase, life: outcome.segment, file: join(SNAPSHOT_DIR, taken.file) }, taken.heapBytes, taken.bytes, taken.seconds);
    this.#recorder.event(pool.name, worker, outcome.threadId, SNAPSHOT_EVENT, detail);
  }
}
