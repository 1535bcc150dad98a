/**
 * The looks of a run that decides as it goes: at each planned look (but the last, where the final
 * analysis judges what is left) the recorded samples are read back and every undecided workload is
 * analysed as `soak analyze` will replay it (analysis/decide.ts). Looks run one at a time on an
 * unref'd timer; a look that is late (a slow read) only delays the next.
 */
import { takeLook, type Decision } from '../analysis/decide.js';
import { lookLevels, type LookLevel, type LookPlan } from '../analysis/sequential.js';
import type { AnalysisSettings } from '../analysis/types.js';
import { readRun } from '../run-dir/read-run.js';
import { WallTimer } from './wall-timer.js';

/**
 * A look reads the samples stamped at or before its time this long after it, so that every worker's
 * sample of that tick (taken at the start of its next slice) is on disk: the replay sees the same rows.
 */
export const LOOK_GRACE_S = 2;

export interface LookListener {
  onDecided(workload: string, decision: Decision): void;
  onError(error: Error): void;
}

export class LookScheduler {
  readonly #levels: readonly LookLevel[];
  readonly #names: readonly string[];
  readonly #settings: AnalysisSettings;
  readonly #paths: { readonly samples: string; readonly events: string };
  readonly #startMs: number;
  readonly #listener: LookListener;
  readonly #decisions = new Map<string, Decision>();
  #next = 0;
  #timer: WallTimer | undefined;
  #stopped = false;

  constructor(
    plan: LookPlan,
    names: readonly string[],
    settings: AnalysisSettings,
    paths: { readonly samples: string; readonly events: string },
    startMs: number,
    listener: LookListener,
  ) {
    // The last planned look is the budget: the final analysis takes it.
    this.#levels = lookLevels(plan).slice(0, -1);
    this.#names = names;
    this.#settings = settings;
    this.#paths = paths;
    this.#startMs = startMs;
    this.#listener = listener;
  }

  get decisions(): ReadonlyMap<string, Decision> {
    return this.#decisions;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  #schedule(): void {
    const level = this.#levels[this.#next];
    if (this.#stopped || level === undefined || this.#decisions.size === this.#names.length) return;
    const due = this.#startMs + (level.atS + LOOK_GRACE_S) * 1000;
    this.#timer = new WallTimer(
      due,
      () => {
        this.#look(level).then(
          () => {
            this.#next++;
            this.#schedule();
          },
          (err: unknown) => this.#listener.onError(err instanceof Error ? err : new Error(String(err))),
        );
      },
      { unref: true },
    );
  }

  async #look(level: LookLevel): Promise<void> {
    const recorded = await readRun(this.#paths.samples, this.#paths.events);
    if (this.#stopped) return;
    const input = { byWorkload: recorded.series.byWorkload(), outOfMemory: recorded.outOfMemory, respawns: recorded.respawns };
    for (const [name, decision] of takeLook(input, this.#names, level, this.#settings, this.#decisions)) {
      this.#decisions.set(name, decision);
      this.#listener.onDecided(name, decision);
    }
  }
}
