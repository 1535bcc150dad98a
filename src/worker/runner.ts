/**
 * Runs one workload inside one worker: keeps its state for the life of the worker and runs
 * operations in time slices with `concurrency` in flight, so the controller regains control
 * between slices without paying a dispatch per operation.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { seededRandom } from '../random.js';
import type { NamedEmitters, Workload, WorkloadContext } from '../workload.js';
import { InjectedLeak } from './injected-leak.js';
import { countListeners, listenerCounts, type EmitterEntries } from '../sampling/listeners.js';
import { Meter } from '../sampling/meter.js';
import type { WorkerConfig, WorkerSample } from './protocol.js';

/** Continuous synchronous work a lane may do before it lets timers and I/O run. */
const MAX_BUSY_MS = 5;

export class WorkloadRunner {
  readonly #workload: Workload;
  readonly #config: WorkerConfig;
  readonly #ctx: WorkloadContext;
  readonly #abort = new AbortController();
  readonly #meter: Meter;
  readonly #injectedLeak: InjectedLeak;
  #state: unknown;
  #opsTotal = 0;
  #errorsTotal = 0;
  #lastSampledTick = -1;
  #tornDown = false;

  constructor(workload: Workload, config: WorkerConfig, slot: number, segment: number) {
    this.#workload = workload;
    this.#config = config;
    this.#ctx = {
      workerIndex: slot,
      threadId,
      signal: this.#abort.signal,
      random: seededRandom(config.seed, slot, segment),
    };
    this.#injectedLeak = new InjectedLeak(config.injectLeakBytesPerS);
    // Node's own listeners on a worker's process (exit, warning, ...) are there before any workload: left out.
    const present = listenerCounts([['process', process]]);
    this.#meter = new Meter(() => countListeners(this.#emitters(), present));
  }

  get opsTotal(): number {
    return this.#opsTotal;
  }

  get errorsTotal(): number {
    return this.#errorsTotal;
  }

  get tornDown(): boolean {
    return this.#tornDown;
  }

  async setup(): Promise<void> {
    this.#state = await this.#workload.setup?.(this.#config.params, this.#ctx);
  }

  /** A sample when the controller has started a tick this worker has not answered yet. */
  sampleIfDue(currentTick: number): WorkerSample | undefined {
    if (currentTick <= this.#lastSampledTick) return undefined;
    this.#lastSampledTick = currentTick;
    return this.#sample(currentTick);
  }

  async runSlice(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < this.#config.concurrency; i++) lanes.push(this.#lane(deadline));
    await Promise.all(lanes);
    this.#injectedLeak.grow();
  }

  /** Aborts the context's signal, runs the workload's teardown, then samples what is left. */
  async teardown(tick: number): Promise<{ sample: WorkerSample; error?: string }> {
    this.#tornDown = true;
    this.#abort.abort();
    let error: string | undefined;
    try {
      await this.#workload.teardown?.(this.#state, this.#ctx);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    this.#state = undefined;
    const sample = this.#sample(tick);
    return error === undefined ? { sample } : { sample, error };
  }

  async #lane(deadline: number): Promise<void> {
    let busySince = performance.now();
    while (true) {
      const start = performance.now();
      if (start >= deadline) return;
      try {
        const result = this.#workload.run(this.#state, this.#ctx);
        if (isThenable(result)) await result;
      } catch {
        this.#errorsTotal++;
      }
      this.#meter.recordLatency(start);
      this.#opsTotal++;
      if (performance.now() - busySince > MAX_BUSY_MS) {
        await yieldToEventLoop();
        busySince = performance.now();
      }
    }
  }

  /** The emitters whose listeners a sample counts: the thread's process, the context's signal, and the workload's own while it runs. */
  *#emitters(): EmitterEntries {
    yield ['process', process];
    yield ['signal', this.#ctx.signal];
    if (this.#tornDown || this.#workload.emitters === undefined) return;
    let own: NamedEmitters | null | undefined;
    try {
      own = this.#workload.emitters(this.#state);
    } catch {
      // A workload's own hook failing costs its listener counts, not the sample.
      return;
    }
    if (typeof own === 'object' && own !== null) yield* Object.entries(own);
  }

  #sample(tick: number): WorkerSample {
    return { tick, opsTotal: this.#opsTotal, errorsTotal: this.#errorsTotal, ...this.#meter.measure() };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
