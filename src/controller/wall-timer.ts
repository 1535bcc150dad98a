/**
 * A timer due at a wall-clock time. Node runs timers on libuv's loop clock, cached in whole
 * milliseconds, so a timeout can run up to a millisecond before Date.now() reaches its due time (a
 * 12 s run measured 11.999 s). This one re-arms for what is left, so its callback never runs early.
 */
export class WallTimer {
  #timer: NodeJS.Timeout | undefined;
  readonly #unref: boolean;

  constructor(dueMs: number, callback: () => void, options: { readonly unref?: boolean } = {}) {
    this.#unref = options.unref ?? false;
    this.#arm(dueMs, callback);
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(dueMs: number, callback: () => void): void {
    this.#timer = setTimeout(
      () => {
        if (Date.now() < dueMs) this.#arm(dueMs, callback);
        else {
          this.#timer = undefined;
          callback();
        }
      },
      Math.max(0, dueMs - Date.now()),
    );
    if (this.#unref) this.#timer.unref();
  }
}
