/**
 * The controller: starts one pool per workload, keeps them busy for the duration, starts a sample
 * tick every interval, streams samples and events to CSV, then tears down and writes the verdict.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Decision } from '../analysis/decide.js';
import type { LookPlan } from '../analysis/sequential.js';
import { worstVerdict, type AnalysisSettings, type Verdict } from '../analysis/verdict.js';
import { type ExitCode, RunFailedError, errors, exitCodeFor } from '../errors.js';
import { defaultMaxGrowthBytes, defaults, profileFor, validateOptions, warmupSeconds, type OptionNames, type SoakOptions } from '../options.js';
import { analyzeRecordedRun, type RunAnalysis } from '../report/analyze-run.js';
import { RunFiles, round } from '../report/run-files.js';
import { buildSummary, type RunFacts, type Summary } from '../report/summary.js';
import { writeReports } from '../report/write-reports.js';
import { Meter } from '../sampling/meter.js';
import { clearProcessSampler, sampleProcess, type ProcessSample } from '../sampling/process-sampler.js';
import { formatDuration } from '../units.js';
import { LookScheduler } from './looks.js';
import { applyWorkerV8Flags } from './v8-flags.js';
import { loadWorkloads, type LoadedWorkload } from './workload-loader.js';
import { WorkloadPool, type PoolEvent, type PoolSample } from './workload-pool.js';

export type SoakInput = Partial<SoakOptions> & Pick<SoakOptions, 'workloads' | 'outDir'>;

export interface RunResult {
  readonly summary: Summary;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

export interface ProgressTick {
  readonly elapsedS: number;
  readonly durationS: number;
  readonly phase: 'warmup' | 'steady';
}

export interface DecidedEvent {
  readonly workload: string;
  readonly decision: Decision;
}

/**
 * Events: 'start' (outDir), 'tick' (ProgressTick), 'sample' (PoolSample), 'event' (PoolEvent), 'phase' (phase),
 * 'decided' (DecidedEvent: a workload of a run that decides as it goes was decided at a look, and its pool stops).
 */
export class Soak extends EventEmitter {
  readonly options: SoakOptions;
  readonly #argv: readonly string[];
  #stopRequested: (() => void) | undefined;
  #stopReason: string | undefined;
  #failure: RunFailedError | undefined;

  constructor(input: SoakInput, names: OptionNames = {}, argv: readonly string[] = []) {
    super();
    const durationS = input.durationS ?? defaults.durationS;
    this.options = { ...defaults, maxGrowthBytes: defaultMaxGrowthBytes(durationS), seed: randomInt(2 ** 31), ...input };
    validateOptions(this.options, names);
    this.#argv = argv;
  }

  /** The looks of a run that decides as it goes, or undefined for a fixed-length run. */
  get lookPlan(): LookPlan | undefined {
    const { looks, durationS } = this.options;
    return looks === undefined ? undefined : { ...looks, maxS: durationS };
  }

  /** Ends the run early (for example on SIGINT): teardown and reports still happen. */
  stop(reason: string): void {
    this.#stopReason ??= reason;
    this.#stopRequested?.();
  }

  async run(): Promise<RunResult> {
    const options = this.options;
    const workloads = await loadWorkloads(options.workloads, options.params);
    const outDir = options.outDir;
    if (existsSync(join(outDir, 'samples.csv'))) throw errors.outExists(outDir);
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw errors.outUnusable(outDir, err instanceof Error ? err.message : String(err));
    }
    this.emit('start', outDir);

    const startedAt = new Date();
    const files = new RunFiles(outDir, startedAt.getTime());
    const warmupS = warmupSeconds(options);
    const tick = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    let processSample: ProcessSample = await sampleProcess();
    let phase: 'warmup' | 'steady' = warmupS > 0 ? 'warmup' : 'steady';

    const listener = {
      onSample: (s: PoolSample): void => {
        files.workerSample(s, s.cooldown ? 'cooldown' : files.elapsedAt(s.sample.timeMs) < warmupS ? 'warmup' : 'steady', processSample);
        this.emit('sample', s);
      },
      onEvent: (e: PoolEvent): void => {
        files.event(e.workload, e.worker, e.threadId, e.event, e.detail);
        this.emit('event', e);
      },
      onFailure: (error: RunFailedError): void => {
        this.#failure ??= error;
        this.stop(error.message);
      },
    };

    files.event('', 'controller', 0, 'phase', phase);
    const v8Flags = applyWorkerV8Flags();
    const pools = workloads.map(
      (w) =>
        new WorkloadPool(
          w,
          {
            concurrency: options.concurrency,
            seed: options.seed,
            injectLeakBytesPerS: options.injectLeakBytesPerS,
            tick: tick.buffer as SharedArrayBuffer,
          },
          options.threads,
          options.sliceMs,
          listener,
        ),
    );
    for (const pool of pools) pool.start();
    let allDecided: (() => void) | undefined;
    const plan = this.lookPlan;
    const looks =
      plan === undefined
        ? undefined
        : new LookScheduler(
            plan,
            workloads.map((w) => w.name),
            this.#settings(),
            { samples: join(outDir, 'samples.csv'), events: join(outDir, 'events.csv') },
            startedAt.getTime(),
            {
              onDecided: (workload, decision) => {
                files.event(workload, '', 0, 'decided', `${decision.verdict} at ${formatDuration(decision.atS)} (look ${decision.look})`);
                this.emit('decided', { workload, decision } satisfies DecidedEvent);
                // Its cores go to the workloads still undecided.
                void pools.find((p) => p.name === workload)?.stop();
                if (looks !== undefined && looks.decisions.size === pools.length) allDecided?.();
              },
              onError: (err) => listener.onFailure(new RunFailedError(`a look at the samples failed: ${err.message}`)),
            },
          );
    looks?.start();

    const controllerMeter = new Meter();
    let ticks = 0;
    let tickTimer: NodeJS.Timeout | undefined;
    const onTick = async (): Promise<void> => {
      ticks++;
      Atomics.store(tick, 0, ticks);
      processSample = await sampleProcess();
      const now = Date.now();
      const elapsedS = files.elapsedAt(now);
      if (phase === 'warmup' && elapsedS >= warmupS) {
        phase = 'steady';
        files.event('', 'controller', 0, 'phase', phase);
        this.emit('phase', phase);
      }
      files.controllerSample(now, phase, controllerMeter.measure(), processSample);
      files.sync();
      this.emit('tick', { elapsedS, durationS: options.durationS, phase } satisfies ProgressTick);
      scheduleTick();
    };
    // Self-rescheduling against the start time, so ticks do not drift; unref'd so it never holds the process.
    const scheduleTick = (): void => {
      const due = startedAt.getTime() + (ticks + 1) * options.intervalS * 1000;
      tickTimer = setTimeout(
        () => {
          // A tick that cannot write (disk full) ends the run like a failed pool: teardown, then exit code 3.
          onTick().catch((err: unknown) => listener.onFailure(new RunFailedError(`sampling failed: ${err instanceof Error ? err.message : String(err)}`)));
        },
        Math.max(0, due - Date.now()),
      );
      tickTimer.unref();
    };
    scheduleTick();

    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.durationS * 1000);
      this.#stopRequested = () => {
        clearTimeout(timer);
        resolve();
      };
      allDecided = this.#stopRequested;
      if (this.#stopReason !== undefined) this.#stopRequested();
    });
    looks?.stop();
    clearTimeout(tickTimer);
    const elapsedS = files.elapsedAt(Date.now());
    files.event('', 'controller', 0, 'phase', 'cooldown');
    this.emit('phase', 'cooldown');
    Atomics.store(tick, 0, ++ticks);
    await Promise.all(pools.map((p) => p.stop()));
    clearProcessSampler();
    files.close();

    const { summary, analysis } = await this.#analyze(workloads, outDir, {
      command: options.command,
      durationS: options.durationS,
      elapsedS: round(elapsedS, 3),
      intervalS: options.intervalS,
      warmupS,
      warmup: options.warmup,
      threads: options.threads,
      concurrency: options.concurrency,
      seed: options.seed,
      injectLeakBytesPerS: options.injectLeakBytesPerS,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      argv: this.#argv,
      v8Flags,
      ...(options.looks === undefined ? {} : { looks: options.looks }),
    });
    writeReports(outDir, { summary, recorded: analysis.recorded, lastElapsedS: analysis.lastElapsedS, strict: options.strict });
    return { summary, outDir, exitCode: exitCodeFor(summary.verdict, options.strict) };
  }

  #settings(): AnalysisSettings {
    const thresholds = { maxSlopeBytesPerHour: this.options.maxSlopeBytesPerHour, maxGrowthBytes: this.options.maxGrowthBytes };
    return { thresholds, warmup: this.options.warmup, profile: profileFor(this.options.durationS) };
  }

  async #analyze(workloads: readonly LoadedWorkload[], outDir: string, run: RunFacts): Promise<{ summary: Summary; analysis: RunAnalysis }> {
    const settings = this.#settings();
    const { thresholds, profile } = settings;
    const plan = this.lookPlan;
    const analysis = await analyzeRecordedRun(
      join(outDir, 'samples.csv'),
      join(outDir, 'events.csv'),
      settings,
      workloads.map((w) => w.name),
      plan === undefined ? undefined : { plan, endS: run.elapsedS },
    );
    const analyses = analysis.workloads.map((a, i) => ({ ...a, params: workloads[i]?.params ?? {} }));
    const failure = this.#failure;
    const verdict: Verdict = failure !== undefined ? 'error' : worstVerdict(analyses.map((a) => a.verdict));
    const complete = failure === undefined && this.#stopReason === undefined;
    const summary = buildSummary({
      run,
      profile,
      thresholds,
      workloads: analyses,
      rss: analysis.rss,
      sequential: analysis.sequential,
      verdict,
      complete,
      ...(failure !== undefined ? { error: failure.message } : this.#stopReason !== undefined ? { error: `stopped early: ${this.#stopReason}` } : {}),
    });
    return { summary, analysis };
  }
}
