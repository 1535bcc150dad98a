/**
 * `--inject-leak RATE`: retains RATE bytes of JS heap per second for as long as the worker lives,
 * a positive control that any workload can be run with.
 */
import { performance } from 'node:perf_hooks';

/** Each chunk is a packed array of doubles: 8 bytes an element, plus V8's array headers. */
const CHUNK_DOUBLES = 128;
/** FixedDoubleArray (16) and JSArray (32) headers, and the chunk's slot in the retaining list (8): measured on Node 20. */
const CHUNK_BYTES = CHUNK_DOUBLES * 8 + 56;

export class InjectedLeak {
  readonly #bytesPerS: number;
  readonly #startedAt = performance.now();
  readonly #retained: number[][] = [];

  constructor(bytesPerS: number) {
    this.#bytesPerS = bytesPerS;
  }

  /** Tops the retained set up to the rate times the time since the worker started. */
  grow(): void {
    if (this.#bytesPerS <= 0) return;
    const target = (this.#bytesPerS * (performance.now() - this.#startedAt)) / 1000;
    while (this.#retained.length * CHUNK_BYTES < target) {
      const n = this.#retained.length;
      this.#retained.push(Array.from({ length: CHUNK_DOUBLES }, (_, i) => n + i + 0.5));
    }
  }
}
