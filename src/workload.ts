/**
 * The workload module API: what a built-in workload or a user plugin exports as its default.
 * This module is loaded inside every worker, so it must stay free of controller dependencies.
 */

/** A parameter value as it can be given on the command line with `--param key=value`. */
export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

/** An emitter as far as counting its listeners goes: node:events' EventEmitter is one. */
export interface ListenerCountable {
  eventNames(): (string | symbol)[];
  listenerCount(eventName: string | symbol): number;
}

/**
 * What a sample counts listeners on: an EventEmitter (every event), or an AbortSignal ('abort').
 * Typed by shape, so that this module's types need no @types/node.
 */
export type ListenedEmitter = ListenerCountable | { readonly aborted: boolean };

/** Emitters by name; a name may stand for a family of them (one per downstream), counted together. */
export type NamedEmitters = Record<string, ListenedEmitter | readonly ListenedEmitter[]>;

export interface WorkloadContext {
  /** Stable slot index of this worker within its pool (0..threads-1); survives respawns. */
  readonly workerIndex: number;
  /** `worker_threads.threadId` of the thread running this worker. */
  readonly threadId: number;
  /** Aborted when the run shuts down; long operations should give up when it fires. */
  readonly signal: AbortSignal;
  /** Seeded uniform random number in [0, 1): same `--seed` and slot give the same sequence. */
  random(): number;
}

export interface Workload<P extends Params = Params, S = unknown> {
  /** Lower-case letters, digits and dashes. */
  name: string;
  /** One line for `soak list`. */
  description?: string;
  /** Parameter defaults; `--param key=value` overrides them, keeping each default's type. */
  params?: P;
  /** One line per parameter for `soak list`. */
  paramDocs?: { [K in keyof P]?: string };
  /** Allowed values for parameters that take one of a fixed set (for example a leak switch). */
  paramChoices?: { [K in keyof P]?: readonly ParamValue[] };
  /** Called once per worker before the first operation; its result is passed to `run`. */
  setup?(params: P, ctx: WorkloadContext): S | Promise<S>;
  /**
   * One operation. Called again and again, with up to `--concurrency` calls in flight at once on
   * the same state. A throw or rejection counts as an error and the run goes on.
   */
  run(state: S, ctx: WorkloadContext): unknown;
  /**
   * The long-lived emitters of the state, by name, whose event listeners every sample counts
   * (`{ lifecycle: state.lifecycle, breakers: [...] }`), so a listener added per operation and never
   * removed is named. The worker's `process` and the context's `signal` are always counted.
   */
  emitters?(state: S): NamedEmitters;
  /** Called once per worker after the last operation, before the worker is stopped. */
  teardown?(state: S, ctx: WorkloadContext): unknown;
}

/** Typed identity helper: `export default defineWorkload({ ... })` gets the module checked. */
export function defineWorkload<P extends Params, S>(workload: Workload<P, S>): Workload<P, S> {
  return workload;
}
