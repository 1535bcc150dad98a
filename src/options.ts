import type { Profile } from './analysis/types.js';
import { randomInt } from 'node:crypto';
import { errors } from './errors.js';

/** One `--param` override: `key=value` for every workload that has `key`, or `workload.key=value`. */
export interface ParamOverride {
  readonly workload?: string;
  readonly key: string;
  readonly value: string;
  /** As the user wrote it, for error messages. */
  readonly spec: string;
}

export interface SoakOptions {
  /** Built-in workload names or paths to plugin modules. */
  workloads: readonly string[];
  /** How long to run, in seconds. */
  durationS: number;
  /** Time between samples, in seconds. */
  intervalS: number;
  /** Seconds at the start that are warm-up and not judged, or 'auto'. */
  warmup: number | 'auto';
  /** Workers per pool. */
  threads: number;
  /** Operations in flight per worker. */
  concurrency: number;
  params: readonly ParamOverride[];
  /** Per worker; a slope whose lower confidence bound is above this is a leak. */
  maxSlopeBytesPerHour: number;
  /** Per worker, over the steady window. */
  maxGrowthBytes: number;
  /** Workloads (by name) judged by thresholds of their own; what they leave out is the run's. */
  workloadThresholds: Readonly<Record<string, WorkloadThresholds>>;
  /** Run directory; created, must not already hold a run. */
  outDir: string;
  seed: number;
  /** Extra bytes per second retained in every worker: a positive control for calibration. */
  injectLeakBytesPerS: number;
  /**
   * Each worker's old-generation heap limit (worker resourceLimits), or undefined for V8's default:
   * a worker that reaches it is recorded as out of memory, judged a leak, and respawned.
   */
  maxHeapPerWorkerBytes: number | undefined;
  /** How long a worker runs operations per task before it reports back to the controller. */
  sliceMs: number;
  /** Inconclusive fails (exit code 4) instead of passing with a warning. */
  strict: boolean;
  /** Recorded in summary.json as run.command. */
  command: string;
  /**
   * Decide each workload as early as the data allow: looks from `firstS`, every `everyS`, with
   * durationS the budget (the last look). Undefined: a fixed-length run judged once at its end.
   */
  looks: Looks | undefined;
  /** The command line that reproduces the run, recorded in summary.json (the CLI passes its own); empty when there is none. */
  commandLine: readonly string[];
  /**
   * Interim reports: every this many seconds the run directory's summary.json (`complete: false`),
   * summary.md and report.html are rewritten from what has been recorded so far. Undefined: only at the end.
   */
  reportEveryS: number | undefined;
  /** A worker whose slice does not return within this many seconds is stuck: recorded, terminated and respawned. */
  stuckAfterS: number;
  /**
   * Heap snapshots of every worker, one worker at a time, at the start of the steady window
   * (baseline), halfway to the earliest end (target) and at the end (final), diffed at the end of
   * the run into snapshot-diff.md: what was born between baseline and target and is still alive.
   */
  snapshots: boolean;
}

/** The smallest --max-heap-per-worker: below it a worker can run out of memory while it starts, before any sample. */
export const MIN_HEAP_PER_WORKER_BYTES = 16 * 2 ** 20;

/** What a caller gives: the workloads and the run directory, and any other option to change from its default. */
export type SoakInput = Partial<SoakOptions> & Pick<SoakOptions, 'workloads' | 'outDir'>;

export interface WorkloadThresholds {
  readonly maxSlopeBytesPerHour?: number;
  readonly maxGrowthBytes?: number;
}

export interface Looks {
  readonly firstS: number;
  readonly everyS: number;
}

const MB = 1024 * 1024;

export const defaults = {
  durationS: 120,
  intervalS: 1,
  warmup: 'auto',
  threads: 2,
  concurrency: 4,
  params: [],
  maxSlopeBytesPerHour: 1 * MB,
  maxGrowthBytes: 50 * MB,
  injectLeakBytesPerS: 0,
  sliceMs: 100,
  strict: false,
  command: 'run',
  looks: undefined,
  maxHeapPerWorkerBytes: undefined,
  commandLine: [],
  workloadThresholds: {},
  reportEveryS: undefined,
  stuckAfterS: 60,
  snapshots: false,
} as const satisfies Partial<SoakOptions>;

/** Every option: the input's, and the default for the rest (a random seed, the duration's growth limit). */
export function resolveOptions(input: SoakInput): SoakOptions {
  const durationS = input.durationS ?? defaults.durationS;
  return { ...defaults, maxGrowthBytes: defaultMaxGrowthBytes(durationS), seed: randomInt(2 ** 31), ...input };
}

/**
 * `soak short`: decides as early as the data allow, within a budget. The first look comes after the
 * recorded warm-up (a tenth of the budget) and 30 samples more; then one every 20 s.
 */
export const shortDefaults = {
  durationS: 300,
  looks: { firstS: 60, everyS: 20 },
} as const satisfies Partial<SoakOptions>;

/**
 * `soak long`: a day, judged once at its end. Samples every 10 s (a forced full GC per worker each:
 * a tenth of the cost of 1 s samples, 8640 points a worker a day, enough for the trend tests at
 * any hour); the contract's 5-minute interval is the reporting interval: interim reports and
 * progress lines every 5 minutes.
 */
export const longDefaults = {
  durationS: 24 * 3600,
  intervalS: 10,
  reportEveryS: 300,
} as const satisfies Partial<SoakOptions>;

/** Fewest samples after the recorded warm-up before the first look. */
export const MIN_SAMPLES_BEFORE_FIRST_LOOK = 20;

/**
 * Time between looks: 20 s, or a fifteenth of a budget over 5 minutes. Each look reads the samples
 * back and fits every undecided worker, so looks at a fixed 20 s over hours would cost more and
 * more while spending the error over ever more looks.
 */
export function defaultLookEveryS(durationS: number): number {
  return Math.max(shortDefaults.looks.everyS, Math.round(durationS / 15));
}

/** The first look: a minute in, or later when the budget's warm-up leaves fewer than 30 samples by then. */
export function defaultFirstLookS(options: Pick<SoakOptions, 'durationS' | 'intervalS' | 'warmup'>): number {
  const earliest = warmupSeconds(options) + 30 * options.intervalS;
  return Math.min(Math.max(shortDefaults.looks.firstS, earliest), options.durationS / 2);
}

/** Runs this long or longer get the long profile: --max-growth defaults to 100 MB instead of 50 MB. */
export const LONG_PROFILE_FROM_S = 3600;
const LONG_MAX_GROWTH_BYTES = 100 * MB;

export function profileFor(durationS: number): Profile {
  return durationS >= LONG_PROFILE_FROM_S ? 'long' : 'short';
}

export function defaultMaxGrowthBytes(durationS: number): number {
  return profileFor(durationS) === 'long' ? LONG_MAX_GROWTH_BYTES : defaults.maxGrowthBytes;
}

/**
 * With `--warmup auto`: the part of the run always left out (module loading, first compilation):
 * a tenth of the run, at most five minutes. The analysis finds where warm-up really ends after it.
 */
export function autoWarmupS(durationS: number): number {
  return Math.min(durationS / 10, 300);
}

export type OptionNames = Partial<Record<keyof SoakOptions, string>>;

/**
 * Checks every option and throws a UsageError naming the first that is wrong.
 * `names` maps option keys to what the user typed (CLI flags); the default is `options.<key>`.
 */
export function validateOptions(options: SoakOptions, names: OptionNames = {}): void {
  const name = (key: keyof SoakOptions): string => names[key] ?? `options.${key}`;
  const positiveInteger = (key: 'threads' | 'concurrency' | 'seed' | 'sliceMs', min = 1): void => {
    const value = options[key];
    if (!Number.isSafeInteger(value) || value < min) {
      throw errors.option(name(key), min === 0 ? 'a non-negative integer' : 'a positive integer', value);
    }
  };
  const positiveNumber = (key: 'durationS' | 'intervalS' | 'maxSlopeBytesPerHour' | 'maxGrowthBytes'): void => {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw errors.option(name(key), 'a positive number', value);
    }
  };

  if (!Array.isArray(options.workloads) || options.workloads.length === 0) {
    throw errors.option(name('workloads'), 'a non-empty list of workload names or module paths', options.workloads);
  }
  positiveNumber('durationS');
  positiveNumber('intervalS');
  if (options.intervalS < 0.1) throw errors.option(name('intervalS'), 'at least 100ms', options.intervalS);
  if (options.intervalS * 3 > options.durationS) {
    throw errors.option(name('intervalS'), 'at most a third of the duration, so a run has several samples', options.intervalS);
  }
  if (options.warmup !== 'auto') {
    if (!Number.isFinite(options.warmup) || options.warmup < 0 || options.warmup >= options.durationS) {
      throw errors.option(name('warmup'), "'auto' or a duration shorter than --duration", options.warmup);
    }
  }
  positiveInteger('threads');
  positiveInteger('concurrency');
  positiveInteger('seed', 0);
  positiveInteger('sliceMs');
  positiveNumber('maxSlopeBytesPerHour');
  positiveNumber('maxGrowthBytes');
  if (!Number.isFinite(options.injectLeakBytesPerS) || options.injectLeakBytesPerS < 0) {
    throw errors.option(name('injectLeakBytesPerS'), 'a non-negative rate', options.injectLeakBytesPerS);
  }
  const heapLimit = options.maxHeapPerWorkerBytes;
  if (heapLimit !== undefined && (typeof heapLimit !== 'number' || !Number.isFinite(heapLimit) || heapLimit < MIN_HEAP_PER_WORKER_BYTES)) {
    throw errors.option(name('maxHeapPerWorkerBytes'), `a size of at least ${MIN_HEAP_PER_WORKER_BYTES / 2 ** 20}MB`, heapLimit);
  }
  if (typeof options.outDir !== 'string' || options.outDir === '') {
    throw errors.option(name('outDir'), 'a directory path', options.outDir);
  }
  if (typeof options.workloadThresholds !== 'object' || options.workloadThresholds === null || Array.isArray(options.workloadThresholds)) {
    throw errors.option(name('workloadThresholds'), 'an object of workload names and thresholds', options.workloadThresholds);
  }
  for (const [workload, own] of Object.entries(options.workloadThresholds)) {
    for (const key of ['maxSlopeBytesPerHour', 'maxGrowthBytes'] as const) {
      const value = own[key];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
        throw errors.option(`${name('workloadThresholds')}.${workload}.${key}`, 'a positive number', value);
      }
    }
  }
  if (!Array.isArray(options.commandLine) || !options.commandLine.every((word) => typeof word === 'string')) {
    throw errors.option(name('commandLine'), 'a list of strings', options.commandLine);
  }
  const reportEvery = options.reportEveryS;
  if (reportEvery !== undefined && (typeof reportEvery !== 'number' || !Number.isFinite(reportEvery) || reportEvery < options.intervalS)) {
    throw errors.option(name('reportEveryS'), `a duration of at least the sample interval (${options.intervalS}s)`, reportEvery);
  }
  const stuck = options.stuckAfterS;
  // Ten time slices at least, so a slow but live slice is never taken for a stuck one.
  const minStuckS = Math.max(1, options.sliceMs / 100);
  if (typeof stuck !== 'number' || !Number.isFinite(stuck) || stuck < minStuckS) {
    throw errors.option(name('stuckAfterS'), `a duration of at least ${minStuckS}s`, stuck);
  }
  if (options.looks !== undefined) validateLooks(options, options.looks, names);
}

function validateLooks(options: SoakOptions, looks: Looks, names: OptionNames): void {
  const firstName = names.looks === undefined ? 'options.looks.firstS' : '--min-duration';
  const everyName = names.looks === undefined ? 'options.looks.everyS' : '--look-every';
  const earliest = warmupSeconds(options) + MIN_SAMPLES_BEFORE_FIRST_LOOK * options.intervalS;
  const budgetName = names.looks === undefined ? 'options.durationS' : '--max-duration';
  if (options.durationS < 2 * earliest) {
    throw errors.option(
      budgetName,
      `at least twice the warm-up plus ${MIN_SAMPLES_BEFORE_FIRST_LOOK} samples (${2 * earliest}s here) to leave room for looks`,
      options.durationS,
    );
  }
  if (!Number.isFinite(looks.firstS) || looks.firstS < earliest) {
    throw errors.option(firstName, `at least the warm-up plus ${MIN_SAMPLES_BEFORE_FIRST_LOOK} samples (${earliest}s here)`, looks.firstS);
  }
  if (looks.firstS >= options.durationS) {
    throw errors.option(firstName, `shorter than ${budgetName} (${options.durationS}s)`, looks.firstS);
  }
  if (!Number.isFinite(looks.everyS) || looks.everyS < 5 * options.intervalS) {
    throw errors.option(everyName, `at least 5 sample intervals (${5 * options.intervalS}s here)`, looks.everyS);
  }
}

export function warmupSeconds(options: Pick<SoakOptions, 'warmup' | 'durationS'>): number {
  return options.warmup === 'auto' ? autoWarmupS(options.durationS) : options.warmup;
}
