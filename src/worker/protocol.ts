/** Messages between the controller and the worker entry. Plain data: they cross threads by structured clone. */
import type { Measurement } from '../sampling/meter.js';
import type { Params } from '../workload.js';

/** Shared by every worker of one pool (piscina's workerData). */
export interface WorkerConfig {
  readonly workloadUrl: string;
  readonly workloadName: string;
  readonly params: Params;
  readonly concurrency: number;
  readonly seed: number;
  readonly injectLeakBytesPerS: number;
  /** Int32Array view: [threads] slot owner threadIds (0 = free), then [threads] slot generations. */
  readonly slots: SharedArrayBuffer;
  /** Int32Array view: [0] the sample tick the controller last started. */
  readonly tick: SharedArrayBuffer;
}

export type WorkerTask = { readonly kind: 'slice'; readonly ms: number } | { readonly kind: 'teardown' };

/** Figures a worker measures about itself right after a forced full GC. */
export interface WorkerSample extends Measurement {
  /** The controller's tick this sample answers. */
  readonly tick: number;
  readonly opsTotal: number;
  readonly errorsTotal: number;
}

export type WorkerResult =
  | { readonly kind: 'no-slot'; readonly threadId: number }
  | { readonly kind: 'setup-failed'; readonly slot: number; readonly threadId: number; readonly message: string }
  | {
      readonly kind: 'ok';
      readonly slot: number;
      readonly segment: number;
      readonly threadId: number;
      /** Operations and errors since this worker started; on every answer, for progress and benchmarks. */
      readonly opsTotal: number;
      readonly errorsTotal: number;
      readonly sample?: WorkerSample;
      /** Set on the answer to a teardown task; its sample is taken after teardown. */
      readonly tornDown?: boolean;
      readonly teardownError?: string;
    };
