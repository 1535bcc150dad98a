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
  /**
   * With snapshots: Int32Array view, per slot the snapshot asked of it (snapshotCode of its
   * phase, 0 for none); the worker takes it at its next slice and stores 0 back. Absent: no snapshots.
   */
  readonly snapshotRequests?: SharedArrayBuffer;
  /** Where snapshot files go (the run directory's snapshots/). */
  readonly snapshotDir?: string;
}

export const SNAPSHOT_PHASES = ['baseline', 'target', 'final'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];

/** A snapshot request's code: its phase's index plus one (0 is "none"). */
export function snapshotCode(phase: SnapshotPhase): number {
  return SNAPSHOT_PHASES.indexOf(phase) + 1;
}

/** A snapshot's file name in the snapshots directory: the slot, the worker's life and the phase (a plugin's name made safe for a file name). */
export function snapshotFileName(workload: string, slot: number, segment: number, phase: SnapshotPhase): string {
  return `${workload.replace(/[^A-Za-z0-9._-]/g, '_')}-${slot}.life${segment}.${phase}.heapsnapshot`;
}

export type SnapshotTaken =
  | { readonly phase: SnapshotPhase; readonly file: string; readonly bytes: number; readonly seconds: number; readonly heapBytes: number }
  | { readonly phase: SnapshotPhase; readonly file: string; readonly error: string };

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
      /** A heap snapshot the controller asked for, taken after the sample and before the slice. */
      readonly snapshot?: SnapshotTaken;
      /** Set on the answer to a teardown task; its sample is taken after teardown. */
      readonly tornDown?: boolean;
      readonly teardownError?: string;
    };
