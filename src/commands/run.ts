/**
 * `soak run` and `soak short` as a library class: one pool per workload, kept busy for the
 * duration (or until every workload is decided), a sample tick every interval streamed to the run
 * directory's CSV, then teardown, the analysis and the reports. Progress reaches its listeners as
 * typed events; the CLI's progress output is one such listener.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, hostname, totalmem } from 'node:os';
import type { Decision } from '../analysis/decide.js';
import type { LookPlan } from '../analysis/sequential.js';
import type { AnalysisSettings } from '../analysis/types.js';
import { RunFailedError, errors, type ExitCode } from '../errors.js';
import { profileFor, resolveOptions, validateOptions, warmupSeconds, type SoakInput, type SoakOptions } from '../options.js';
import { LookScheduler } from '../controller/looks.js';
import { SampleTicker, type RunPhase } from '../controller/ticker.js';
import { applyWorkerV8Flags } from '../controller/v8-flags.js';
import { loadWorkloads, type LoadedWorkload } from '../controller/workload-loader.js';
import { WorkloadPool, type PoolEvent, type PoolListener, type PoolSample } from '../controller/workload-pool.js';
import { makeOutDir } from '../run-dir/out-dir.js';
import { RunFiles, round } from '../run-dir/run-files.js';
import type { RunFacts, Summary } from '../run-dir/summary.js';
import { clearProcessSampler, sampleProcess } from '../sampling/process-sampler.js';
import { formatDuration } from '../units.js';
import { finishRun } from './finish.js';

export interface RunResult {
  readonly summary: Summary;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

export interface ProgressTick {
  readonly elapsedS: number;
  readonly durationS: number;
  readonly phase: RunPhase;
}

export interface DecidedEvent {
  readonly workload: string;
  readonly decision: Decision;
}

/** What a Soak emits, in order: start, then ticks, samples, events and phase changes as they come, decisions at looks. */
export interface SoakEvents {
  /** The run directory was created; nothing is recorded yet. */
  start: [outDir: string];
  /** A sample tick was started and the controller's own sample written. */
  tick: [tick: ProgressTick];
  /** One worker's sample, as written to samples.csv. */
  sample: [sample: PoolSample];
  /** A worker started, was respawned, exited, crashed, or its teardown failed. */
  event: [event: PoolEvent];
  phase: [phase: RunPhase | 'cooldown'];
  /** A workload of a run that decides as it goes was decided at a look; its pool stops. */
  decided: [decided: DecidedEvent];
}

export type { SoakInput } from '../options.js';

export class Soak extends EventEmitter<SoakEvents> {
  readonly options: SoakOptions;
  #stopRequested: (() => void) | undefined;
  #stopReason: string | undefined;
  #failure: RunFailedError | undefined;

  constructor(input: SoakInput) {
    super();
    this.options = resolveOptions(input);
    validateOptions(this.options);
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
    const workloads = await loadWorkloads(this.options.workloads, this.options.params);
    const names = workloads.map((w) => w.name);
    for (const name of Object.keys(this.options.workloadThresholds)) if (!names.includes(name)) throw errors.thresholdsWorkload(name, names);
    const { outDir } = this.options;
    if (existsSync(join(outDir, 'samples.csv'))) throw errors.outExists(outDir);
    makeOutDir(outDir);
    this.emit('start', outDir);
    const startedAt = new Date();
    const files = new RunFiles(outDir, startedAt.getTime());
    const { elapsedS, v8Flags } = await this.#record(workloads, files, startedAt.getTime());
    const facts = this.#facts(startedAt, elapsedS, v8Flags);
    const failure = this.#failure;
    const { summary, exitCode } = await finishRun({
      outDir,
      samplesPath: join(outDir, 'samples.csv'),
      eventsPath: join(outDir, 'events.csv'),
      settings: this.#settings(),
      run: facts,
      workloads: workloads.map((w) => w.name),
      params: new Map(workloads.map((w) => [w.name, w.params])),
      failed: failure !== undefined,
      ...(failure !== undefined ? { error: failure.message } : this.#stopReason !== undefined ? { error: `stopped early: ${this.#stopReason}` } : {}),
      complete: failure === undefined && this.#stopReason === undefined,
      strict: this.options.strict,
    });
    return { summary, outDir, exitCode };
  }

  /** Runs the pools until the duration ends, every workload is decided, or stop(); then tears them down. */
  async #record(workloads: readonly LoadedWorkload[], files: RunFiles, startMs: number): Promise<{ elapsedS: number; v8Flags: readonly string[] }> {
    const options = this.options;
    const fail = (error: RunFailedError): void => {
      this.#failure ??= error;
      this.stop(error.message);
    };
    const ticker = new SampleTicker(files, startMs, options.intervalS, warmupSeconds(options), await sampleProcess(), {
      onTick: (elapsedS, phase) => this.emit('tick', { elapsedS, durationS: options.durationS, phase }),
      onPhase: (phase) => {
        files.event('', 'controller', 0, 'phase', phase);
        this.emit('phase', phase);
      },
      onError: (err) => fail(new RunFailedError(`sampling failed: ${err.message}`)),
    });
    const listener: PoolListener = {
      onSample: (s) => {
        const phase = s.cooldown ? 'cooldown' : files.elapsedAt(s.sample.timeMs) < warmupSeconds(options) ? 'warmup' : 'steady';
        files.workerSample(s, phase, ticker.processSample);
        this.emit('sample', s);
      },
      onEvent: (e) => {
        files.event(e.workload, e.worker, e.threadId, e.event, e.detail);
        this.emit('event', e);
      },
      onFailure: fail,
    };
    files.event('', 'controller', 0, 'phase', ticker.phase);
    const v8Flags = applyWorkerV8Flags();
    const pools = workloads.map(
      (w) =>
        new WorkloadPool(
          w,
          {
            concurrency: options.concurrency,
            seed: options.seed,
            injectLeakBytesPerS: options.injectLeakBytesPerS,
            tick: ticker.counter.buffer as SharedArrayBuffer,
          },
          options.threads,
          options.sliceMs,
          listener,
          options.maxHeapPerWorkerBytes,
        ),
    );
    for (const pool of pools) pool.start();
    const looks = this.#looks(workloads, files, startMs, pools, fail);
    ticker.start();
    looks?.start();

    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.durationS * 1000);
      this.#stopRequested = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.#stopReason !== undefined) this.#stopRequested();
    });
    looks?.stop();
    const elapsedS = files.elapsedAt(Date.now());
    files.event('', 'controller', 0, 'phase', 'cooldown');
    this.emit('phase', 'cooldown');
    // The last tick: each worker answers it with its sample after teardown.
    ticker.stop();
    await Promise.all(pools.map((p) => p.stop()));
    clearProcessSampler();
    files.close();
    return { elapsedS, v8Flags };
  }

  /** In a run that decides as it goes, the looks: a decided workload's pool stops, and the run once all are decided. */
  #looks(
    workloads: readonly LoadedWorkload[],
    files: RunFiles,
    startMs: number,
    pools: readonly WorkloadPool[],
    fail: (e: RunFailedError) => void,
  ): LookScheduler | undefined {
    const plan = this.lookPlan;
    if (plan === undefined) return undefined;
    const paths = { samples: join(this.options.outDir, 'samples.csv'), events: join(this.options.outDir, 'events.csv') };
    const looks: LookScheduler = new LookScheduler(
      plan,
      workloads.map((w) => w.name),
      this.#settings(),
      paths,
      startMs,
      {
        onDecided: (workload, decision) => {
          files.event(workload, '', 0, 'decided', `${decision.verdict} at ${formatDuration(decision.atS)} (look ${decision.look})`);
          this.emit('decided', { workload, decision });
          // Its cores go to the workloads still undecided.
          void pools.find((p) => p.name === workload)?.stop();
          if (looks.decisions.size === pools.length) this.#stopRequested?.();
        },
        onError: (err) => fail(new RunFailedError(`a look at the samples failed: ${err.message}`)),
      },
    );
    return looks;
  }

  #settings(): AnalysisSettings {
    const thresholds = { maxSlopeBytesPerHour: this.options.maxSlopeBytesPerHour, maxGrowthBytes: this.options.maxGrowthBytes };
    const own = Object.entries(this.options.workloadThresholds).map(([name, t]) => [name, { ...thresholds, ...t }] as const);
    return { thresholds, workloadThresholds: new Map(own), warmup: this.options.warmup, profile: profileFor(this.options.durationS) };
  }

  #facts(startedAt: Date, elapsedS: number, v8Flags: readonly string[]): RunFacts {
    const o = this.options;
    return {
      command: o.command,
      durationS: o.durationS,
      elapsedS: round(elapsedS, 3),
      intervalS: o.intervalS,
      warmupS: warmupSeconds(o),
      warmup: o.warmup,
      threads: o.threads,
      concurrency: o.concurrency,
      seed: o.seed,
      injectLeakBytesPerS: o.injectLeakBytesPerS,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      argv: o.commandLine,
      v8Flags,
      ...(o.looks === undefined ? {} : { looks: o.looks }),
      ...(o.maxHeapPerWorkerBytes === undefined ? {} : { maxHeapPerWorkerBytes: o.maxHeapPerWorkerBytes }),
      host: { name: hostname(), cpus: availableParallelism(), memoryBytes: totalmem() },
    };
  }
}
