/**
 * The run's clock: every interval it starts a sample tick (workers answer it at the start of their
 * next slice), samples the process and the controller itself, and moves the run from warm-up to
 * steady. Self-rescheduling against the start time, so ticks do not drift; unref'd, so it never
 * holds the process open.
 */
import type { RunFiles } from '../run-dir/run-files.js';
import { Meter } from '../sampling/meter.js';
import { sampleProcess, type ProcessSample } from '../sampling/process-sampler.js';
import { WallTimer } from './wall-timer.js';

export type RunPhase = 'warmup' | 'steady';

export interface TickListener {
  onTick(elapsedS: number, phase: RunPhase): void;
  onPhase(phase: RunPhase): void;
  /** A tick that cannot write (disk full) ends the run like a failed pool. */
  onError(error: Error): void;
}

export class SampleTicker {
  /** The tick counter the workers read (a SharedArrayBuffer, so no message is needed). */
  readonly counter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  readonly #files: RunFiles;
  readonly #startMs: number;
  readonly #intervalS: number;
  readonly #warmupS: number;
  readonly #listener: TickListener;
  readonly #meter = new Meter();
  #ticks = 0;
  #timer: WallTimer | undefined;
  #phase: RunPhase;
  #process: ProcessSample;

  /**
   * `first` is the process sample taken before the pools start: worker samples of the first tick are
   * written with it. `fromS`: where a resumed run starts again, so ticks stay aligned to the run's start.
   */
  constructor(files: RunFiles, startMs: number, intervalS: number, warmupS: number, first: ProcessSample, listener: TickListener, fromS = 0) {
    this.#files = files;
    this.#startMs = startMs;
    this.#intervalS = intervalS;
    this.#warmupS = warmupS;
    this.#listener = listener;
    this.#process = first;
    this.#ticks = Math.floor(fromS / intervalS);
    Atomics.store(this.counter, 0, this.#ticks);
    this.#phase = warmupS > fromS ? 'warmup' : 'steady';
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  /** The latest process-wide sample, written beside every worker sample. */
  get processSample(): ProcessSample {
    return this.#process;
  }

  start(): void {
    this.#schedule();
  }

  /** Stops ticking and starts one last tick, which the workers answer with their teardown samples. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    Atomics.store(this.counter, 0, ++this.#ticks);
  }

  #schedule(): void {
    const due = this.#startMs + (this.#ticks + 1) * this.#intervalS * 1000;
    this.#timer = new WallTimer(
      due,
      () => {
        this.#tick().catch((err: unknown) => this.#listener.onError(err instanceof Error ? err : new Error(String(err))));
      },
      { unref: true },
    );
  }

  async #tick(): Promise<void> {
    this.#ticks++;
    Atomics.store(this.counter, 0, this.#ticks);
    this.#process = await sampleProcess();
    if (this.#timer === undefined) return;
    const now = Date.now();
    const elapsedS = this.#files.elapsedAt(now);
    if (this.#phase === 'warmup' && elapsedS >= this.#warmupS) {
      this.#phase = 'steady';
      this.#listener.onPhase('steady');
    }
    this.#files.controllerSample(now, this.#phase, this.#meter.measure(), this.#process);
    this.#files.sync();
    this.#listener.onTick(elapsedS, this.#phase);
    this.#schedule();
  }
}
