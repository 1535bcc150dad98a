/**
 * One piscina pool per workload. Keeps every worker busy with time-slice tasks, follows each
 * worker's life (start, exit, crash, respawn) by its slot, and tears the workload down at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { errors, RunFailedError } from '../errors.js';
import { defaults } from '../options.js';
import {
  snapshotCode,
  type SnapshotPhase,
  type SnapshotTaken,
  type WorkerConfig,
  type WorkerResult,
  type WorkerSample,
  type WorkerTask,
} from '../worker/protocol.js';
import { OUT_OF_MEMORY_DETAIL, STUCK_DETAIL } from '../run-dir/columns.js';
import type { LoadedWorkload } from './workload-loader.js';

const workerEntry = new URL('../worker/worker.js', import.meta.url);

/** A worker that dies this many times in a row without producing a sample fails the run. */
const MAX_CONSECUTIVE_DEATHS = 5;
/** Rounds of teardown tasks before giving up on slots that never answered. */
const TEARDOWN_ROUNDS = 5;

export interface PoolSample {
  readonly workload: string;
  readonly worker: string;
  readonly slot: number;
  readonly segment: number;
  readonly threadId: number;
  readonly sample: WorkerSample;
  readonly cooldown: boolean;
}

export interface PoolEvent {
  readonly workload: string;
  readonly worker: string;
  readonly threadId: number;
  readonly event: 'start' | 'respawn' | 'exit' | 'crash' | 'teardown-error' | 'snapshot' | 'snapshot-skipped';
  readonly detail: string;
}

export interface PoolListener {
  onSample(sample: PoolSample): void;
  onEvent(event: PoolEvent): void;
  /** The pool cannot go on; the run should stop and fail with this error. */
  onFailure(error: RunFailedError): void;
  /** The error for a sample or event the listener could not record (disk full, say); default: a plain one. */
  recordingFailed?(what: string, err: Error): RunFailedError;
}

export interface PoolOptions {
  readonly config: Omit<WorkerConfig, 'slots' | 'workloadUrl' | 'workloadName' | 'params'>;
  readonly threads: number;
  readonly sliceMs: number;
  readonly listener: PoolListener;
  /** Each worker's old-generation heap limit (worker resourceLimits); default V8's. */
  readonly maxHeapBytes?: number;
  /** A worker that answers no task for this long is stuck in a loop: recorded, terminated, respawned. Default: the options default (60 s). */
  readonly stuckAfterMs?: number;
  /** Per slot, the segment its first worker gets (a resumed run goes on after the last recorded); default 0. */
  readonly firstSegments?: readonly number[];
  /** Heap snapshots may be asked of the workers (requestSnapshot); they are written into this directory. */
  readonly snapshotDir?: string;
}

/** A snapshot asked of a slot: taken (or failed) by its worker, or not taken at all because the worker went away. */
export type SnapshotOutcome =
  | { readonly slot: number; readonly segment: number; readonly threadId: number; readonly taken: SnapshotTaken }
  | { readonly error: string };

interface SlotState {
  /** The segment of the slot's first worker in this pool: its start is a 'start', later ones are respawns. */
  readonly firstSegment: number;
  segment: number;
  /** Operations completed by the slot's earlier segments (workers), so totals survive respawns. */
  opsBefore: number;
  ops: number;
  threadId: number;
  /** Heap used at the slot's last sample: what a snapshot of it will need room for. */
  heapBytes: number;
  consecutiveDeaths: number;
  /** The thread the watchdog follows in this slot, and when it last answered a task (or was first seen). */
  watchedThread: number;
  lastAnswerMs: number;
}

export class WorkloadPool {
  readonly name: string;
  readonly threads: number;
  readonly #pool: Piscina<WorkerTask, WorkerResult>;
  readonly #owners: Int32Array;
  readonly #listener: PoolListener;
  readonly #sliceMs: number;
  readonly #slots: SlotState[];
  readonly #watched = new WeakSet<Worker>();
  readonly #stuckAfterMs: number;
  /** Threads the watchdog terminated, so their exit is recorded as stuck. */
  readonly #terminated = new Set<number>();
  #watchdog: NodeJS.Timeout | undefined;
  #stopping = false;
  #destroying = false;
  #failure: RunFailedError | undefined;
  #lanes: Promise<void>[] = [];
  #stopped: Promise<void> | undefined;
  readonly #snapshotRequests: Int32Array | undefined;
  /** Per slot, the answer awaited to a snapshot asked of it. */
  readonly #snapshotWaiters = new Map<number, (outcome: SnapshotOutcome) => void>();

  constructor(workload: LoadedWorkload, options: PoolOptions) {
    const { threads, listener } = options;
    this.name = workload.name;
    this.threads = threads;
    this.#listener = listener;
    this.#sliceMs = options.sliceMs;
    this.#stuckAfterMs = options.stuckAfterMs ?? defaults.stuckAfterS * 1000;
    const slots = new SharedArrayBuffer(threads * 2 * Int32Array.BYTES_PER_ELEMENT);
    this.#owners = new Int32Array(slots, 0, threads);
    const generations = new Int32Array(slots, threads * Int32Array.BYTES_PER_ELEMENT, threads);
    this.#slots = Array.from({ length: threads }, (_, slot) => {
      const firstSegment = options.firstSegments?.[slot] ?? 0;
      generations[slot] = firstSegment;
      return {
        firstSegment,
        segment: firstSegment - 1,
        opsBefore: 0,
        ops: 0,
        threadId: 0,
        heapBytes: 0,
        consecutiveDeaths: 0,
        watchedThread: 0,
        lastAnswerMs: 0,
      };
    });
    const requests = options.snapshotDir === undefined ? undefined : new SharedArrayBuffer(threads * Int32Array.BYTES_PER_ELEMENT);
    this.#snapshotRequests = requests === undefined ? undefined : new Int32Array(requests);
    const workerData: WorkerConfig = {
      ...options.config,
      workloadUrl: workload.url,
      workloadName: workload.name,
      params: workload.params,
      slots,
      ...(requests === undefined || options.snapshotDir === undefined ? {} : { snapshotRequests: requests, snapshotDir: options.snapshotDir }),
    };
    const maxHeapBytes = options.maxHeapBytes;
    this.#pool = startPool({
      filename: workerEntry.href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      // Sync atomics park idle workers in Atomics.wait, which stalls their timers.
      atomics: 'disabled',
      workerData,
      // Old space only: V8 throws ERR_WORKER_OUT_OF_MEMORY when a worker's retained heap reaches it.
      ...(maxHeapBytes === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: maxHeapBytes / 2 ** 20 } }),
    });
    this.#pool.on('workerCreate', () => this.#watchNewWorkers());
    // A worker that throws outside a task: its exit handler records it; this keeps it from crashing the controller.
    this.#pool.on('error', () => {});
  }

  /** Operations completed by every worker of this pool so far, respawned ones included. */
  get opsTotal(): number {
    return this.#slots.reduce((sum, s) => sum + s.opsBefore + s.ops, 0);
  }

  /** The slots that have a live worker, with the heap used at its last sample. */
  liveSlots(): { slot: number; worker: string; heapBytes: number }[] {
    const live: { slot: number; worker: string; heapBytes: number }[] = [];
    this.#slots.forEach((s, slot) => {
      if (Atomics.load(this.#owners, slot) !== 0 && s.segment >= s.firstSegment) live.push({ slot, worker: this.workerName(slot), heapBytes: s.heapBytes });
    });
    return live;
  }

  /**
   * Asks the slot's worker for a heap snapshot at its next slice; resolves when it answers with
   * it, or with an error when the worker dies or the pool stops first.
   */
  requestSnapshot(slot: number, phase: SnapshotPhase): Promise<SnapshotOutcome> {
    const requests = this.#snapshotRequests;
    if (requests === undefined) return Promise.resolve({ error: 'this pool takes no snapshots' });
    if (this.#stopping || this.#failure !== undefined) return Promise.resolve({ error: 'the workload had stopped' });
    this.#settleSnapshot(slot, { error: 'a newer snapshot was asked' });
    return new Promise((resolve) => {
      this.#snapshotWaiters.set(slot, resolve);
      Atomics.store(requests, slot, snapshotCode(phase));
    });
  }

  #settleSnapshot(slot: number, outcome: SnapshotOutcome): void {
    const waiter = this.#snapshotWaiters.get(slot);
    if (waiter === undefined) return;
    this.#snapshotWaiters.delete(slot);
    if (this.#snapshotRequests !== undefined) Atomics.store(this.#snapshotRequests, slot, 0);
    waiter(outcome);
  }

  /** Starts one dispatch lane per worker; each keeps one slice task in flight until stop(). */
  start(): void {
    this.#lanes = Array.from({ length: this.threads }, () => this.#lane());
    // Until the pool is destroyed: a worker stuck in its teardown would hold stop() forever too.
    this.#watchdog = setInterval(() => this.#terminateStuck(), Math.min(this.#stuckAfterMs / 4, 5000));
    this.#watchdog.unref();
  }

  /** Lets running slices finish, tears every worker's workload down and stops the pool (a pool never started: just its threads); once, however often it is called. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#lanes);
    for (let slot = 0; slot < this.threads; slot++) this.#settleSnapshot(slot, { error: 'the workload stopped first' });
    // A pool never started has no workload set up to tear down.
    if (this.#failure === undefined && this.#lanes.length > 0) await this.#teardown();
    this.#destroying = true;
    clearInterval(this.#watchdog);
    await this.#pool.destroy();
  }

  /**
   * The watchdog: a slot whose worker has answered no task for stuckAfterMs (a synchronous loop, an
   * operation that never settles) gets that worker terminated; its exit is recorded as a crash, and
   * piscina starts a new worker, which takes the slot as a new segment.
   */
  #terminateStuck(): void {
    const now = Date.now();
    for (let slotIndex = 0; slotIndex < this.threads; slotIndex++) {
      const slot = this.#slots[slotIndex];
      const owner = Atomics.load(this.#owners, slotIndex);
      if (slot === undefined || owner === 0 || this.#terminated.has(owner)) continue;
      if (owner !== slot.watchedThread) {
        slot.watchedThread = owner;
        slot.lastAnswerMs = now;
        continue;
      }
      // A heap snapshot stops its worker for seconds per 10 MB of heap: give it ten times the limit.
      const limit = this.#stuckAfterMs * (this.#snapshotWaiters.has(slotIndex) ? 10 : 1);
      if (now - slot.lastAnswerMs < limit) continue;
      const worker = this.#pool.threads.find((w) => w.threadId === owner);
      if (worker === undefined) continue;
      this.#terminated.add(owner);
      void worker.terminate();
    }
  }

  workerName(slot: number): string {
    return `${this.name}#${slot}`;
  }

  async #lane(): Promise<void> {
    while (!this.#stopping && this.#failure === undefined) {
      let result: WorkerResult;
      try {
        result = await this.#pool.run({ kind: 'slice', ms: this.#sliceMs });
      } catch {
        // The worker died under the task; its exit handler records why. Give piscina time to replace it.
        await sleep(50);
        continue;
      }
      this.#accept(result);
    }
  }

  /** Hands something to the listener to record; a failure to (disk full, say) is not the worker's fault, and the run cannot go on. */
  #record(hand: () => void): void {
    try {
      hand();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#fail(this.#listener.recordingFailed?.(this.name, error) ?? new RunFailedError(`recording ${this.name} failed: ${error.message}`));
    }
  }

  #accept(result: WorkerResult, cooldown = false): void {
    switch (result.kind) {
      case 'no-slot':
        this.#freeDeadSlots();
        return;
      case 'setup-failed':
        this.#fail(errors.setupFailed(this.name, this.workerName(result.slot), result.message));
        return;
      case 'ok': {
        const slot = this.#slots[result.slot];
        if (slot === undefined) return;
        if (result.threadId === slot.watchedThread) slot.lastAnswerMs = Date.now();
        if (result.segment > slot.segment) {
          slot.segment = result.segment;
          slot.opsBefore += slot.ops;
          slot.threadId = result.threadId;
          this.#emitEvent(result.slot, result.segment === slot.firstSegment ? 'start' : 'respawn', `segment ${result.segment}`);
        }
        slot.ops = result.opsTotal;
        if (result.snapshot !== undefined) {
          this.#settleSnapshot(result.slot, { slot: result.slot, segment: result.segment, threadId: result.threadId, taken: result.snapshot });
        }
        if (result.teardownError !== undefined) this.#emitEvent(result.slot, 'teardown-error', result.teardownError);
        const sample = result.sample;
        if (sample !== undefined) {
          slot.consecutiveDeaths = 0;
          slot.heapBytes = sample.heapUsed;
          this.#record(() =>
            this.#listener.onSample({
              workload: this.name,
              worker: this.workerName(result.slot),
              slot: result.slot,
              segment: result.segment,
              threadId: result.threadId,
              sample,
              cooldown,
            }),
          );
        }
      }
    }
  }

  async #teardown(): Promise<void> {
    const done = new Set<number>();
    for (let round = 0; round < TEARDOWN_ROUNDS && done.size < this.threads; round++) {
      // Idle workers each take one of these tasks; a worker that already tore down answers at once.
      const results = await Promise.allSettled(Array.from({ length: this.threads - done.size }, () => this.#pool.run({ kind: 'teardown' })));
      for (const settled of results) {
        if (settled.status !== 'fulfilled' || settled.value.kind !== 'ok') continue;
        if (!done.has(settled.value.slot)) this.#accept(settled.value, true);
        done.add(settled.value.slot);
      }
    }
  }

  /** piscina gives no handle on a new Worker's life, so find it among the pool's threads and listen. */
  #watchNewWorkers(): void {
    for (const worker of this.#pool.threads) {
      if (this.#watched.has(worker)) continue;
      this.#watched.add(worker);
      const threadId = worker.threadId;
      let error: (Error & { code?: string }) | undefined;
      // Before piscina's own listeners: replacing the worker may throw (no thread to be had), and the death is recorded first.
      worker.prependOnceListener('error', (err: Error) => (error = err));
      worker.prependOnceListener('exit', (code) => this.#onWorkerExit(threadId, code, error));
    }
  }

  #onWorkerExit(threadId: number, code: number, error: (Error & { code?: string }) | undefined): void {
    const slotIndex = this.#owners.indexOf(threadId);
    if (slotIndex < 0) return;
    Atomics.compareExchange(this.#owners, slotIndex, threadId, 0);
    if (this.#destroying) return;
    const slot = this.#slots[slotIndex];
    if (slot === undefined) return;
    const stuck = this.#terminated.delete(threadId);
    const detail = stuck
      ? `${STUCK_DETAIL}: no time slice returned within ${this.#stuckAfterMs / 1000}s, terminated`
      : error?.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? OUT_OF_MEMORY_DETAIL
        : error !== undefined
          ? `uncaught ${error.name}: ${error.message}`
          : `exit code ${code}`;
    const kind = error === undefined && code === 0 && !stuck ? 'exit' : 'crash';
    this.#emitEvent(slotIndex, kind, detail, threadId);
    this.#settleSnapshot(slotIndex, { error: `the worker ended first (${detail})` });
    slot.consecutiveDeaths++;
    if (slot.consecutiveDeaths >= MAX_CONSECUTIVE_DEATHS && !this.#stopping) {
      this.#fail(
        new RunFailedError(
          `workload '${this.name}': worker ${this.workerName(slotIndex)} died ${slot.consecutiveDeaths} times ` +
            `in a row without completing a sample (last: ${detail})`,
        ),
      );
    }
  }

  /** Frees slots whose owner thread is gone, for a new worker that found none free. */
  #freeDeadSlots(): void {
    const live = new Set(this.#pool.threads.map((w) => w.threadId));
    for (let slot = 0; slot < this.threads; slot++) {
      const owner = Atomics.load(this.#owners, slot);
      if (owner !== 0 && !live.has(owner)) Atomics.compareExchange(this.#owners, slot, owner, 0);
    }
  }

  #emitEvent(slot: number, event: PoolEvent['event'], detail: string, threadId = this.#slots[slot]?.threadId ?? 0): void {
    this.#record(() => this.#listener.onEvent({ workload: this.name, worker: this.workerName(slot), threadId, event, detail }));
  }

  #fail(error: RunFailedError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    // No slice will run again: a snapshot asked would never be answered.
    for (let slot = 0; slot < this.threads; slot++) this.#settleSnapshot(slot, { error: 'the workload failed' });
    this.#listener.onFailure(error);
  }
}

/** A piscina pool, its first workers started: a start with no thread to be had is the run's failure, said plainly. */
function startPool(options: ConstructorParameters<typeof Piscina<WorkerTask, WorkerResult>>[0]): Piscina<WorkerTask, WorkerResult> {
  try {
    return new Piscina<WorkerTask, WorkerResult>(options);
  } catch (err) {
    if (err instanceof Error && (err as { code?: string }).code === 'ERR_WORKER_INIT_FAILED') throw errors.noThread(err.message);
    throw err;
  }
}
