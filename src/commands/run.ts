/**
 * `soak run` and `soak short` as a library class: one pool per workload, kept busy for the
 * duration (or until every workload is decided), a sample tick every interval streamed to the run
 * directory's CSV, then teardown, the analysis and the reports. Progress reaches its listeners as
 * typed events; the CLI's progress output is one such listener.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism, hostname, totalmem } from 'node:os';
import type { Decision } from '../analysis/decide.js';
import type { LookPlan } from '../analysis/sequential.js';
import type { AnalysisSettings } from '../analysis/types.js';
import { RunFailedError, errors, type ExitCode } from '../errors.js';
import { profileFor, resolveOptions, validateOptions, warmupSeconds, type SoakInput, type SoakOptions } from '../options.js';
import { LookScheduler } from '../controller/looks.js';
import { SnapshotScheduler } from '../controller/snapshots.js';
import { SampleTicker, type RunPhase } from '../controller/ticker.js';
import { applyWorkerV8Flags } from '../controller/v8-flags.js';
import { isModulePath, loadWorkloads, type LoadedWorkload } from '../controller/workload-loader.js';
import { WallTimer } from '../controller/wall-timer.js';
import { WorkloadPool, type PoolEvent, type PoolListener, type PoolSample } from '../controller/workload-pool.js';
import { SNAPSHOT_DIR } from '../run-dir/columns.js';
import { makeOutDir } from '../run-dir/out-dir.js';
import { RunFiles, round } from '../run-dir/run-files.js';
import { lockRun, unlockRun } from '../run-dir/run-lock.js';
import { writeRunSettings, type RecordedOptions, type Resume } from '../run-dir/run-settings.js';
import type { RunFacts, Summary } from '../run-dir/summary.js';
import { clearProcessSampler, sampleProcess } from '../sampling/process-sampler.js';
import { formatDuration } from '../units.js';
import { finishRun, type FinishInput } from './finish.js';
import { writeInterimReport } from './interim.js';
import { diffRunSnapshots } from './snapshot-diffs.js';
import { resumePoint, type ResumePoint } from './resume.js';

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
  /** A killed run was continued: recording starts again after a gap. */
  resume: [resume: Resume];
  /** An interim report was written (summary.json with `complete: false`, summary.md, report.html), or failed to be. */
  interim: [report: InterimReport];
}

export type InterimReport = { readonly atS: number; readonly summary: Summary } | { readonly atS: number; readonly error: string };

export type { SoakInput } from '../options.js';

/**
 * A write to the run directory failed: the run stops (exit 3) with what was recorded before intact.
 * A full disk or a file-size limit is named, with what to do.
 */
function recordingFailed(what: string, err: Error, outDir: string): RunFailedError {
  const code = (err as NodeJS.ErrnoException).code;
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `: the disk holding ${outDir} is full; free space there, then continue with --resume ${outDir}`
      : code === 'EFBIG'
        ? `: a file in ${outDir} reached the size limit (ulimit -f); raise it, then continue with --resume ${outDir}`
        : code === 'EACCES' || code === 'EROFS' || code === 'EPERM'
          ? `: ${outDir} cannot be written any more; make it writable, then continue with --resume ${outDir}`
          : '';
  return new RunFailedError(`recording ${what} failed (${err.message})${fix}`, { cause: err });
}

export class Soak extends EventEmitter<SoakEvents> {
  readonly options: SoakOptions;
  #stopRequested: (() => void) | undefined;
  #stopReason: string | undefined;
  #failure: RunFailedError | undefined;
  #resumeFrom: ResumePoint | undefined;
  #startMs = 0;
  #resumes: Resume[] = [];
  #v8Flags: readonly string[] = [];
  /** The interim report being written, if one is: the final report waits for it, and a second request is dropped. */
  #interim: Promise<void> | undefined;
  /** The workloads being recorded, once the pools have started: interim reports are possible from then on. */
  #workloads: readonly LoadedWorkload[] | undefined;
  /** The final report is being written: no interim report may overwrite it. */
  #finishing = false;

  constructor(input: SoakInput) {
    super();
    this.options = resolveOptions(input);
    validateOptions(this.options);
  }

  /**
   * Continues a killed run in `dir` with the settings it was started with (its run.json): new worker
   * segments after the gap, to the original deadline. `changes`: what a resume may set anew.
   */
  static async resume(dir: string, changes: Pick<SoakInput, 'strict'> = {}): Promise<Soak> {
    const point = await resumePoint(dir, Date.now());
    const soak = new Soak({ ...point.settings.options, ...changes, outDir: dir });
    soak.#resumeFrom = point;
    return soak;
  }

  /** When the run started (for a resumed run, its first start): its clock's zero. Set once run() has begun. */
  get startedAtMs(): number {
    return this.#startMs;
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
    const resume = this.#resumeFrom;
    if (resume === undefined) {
      if (existsSync(join(outDir, 'samples.csv'))) throw errors.outExists(outDir);
      makeOutDir(outDir);
    }
    const nowMs = Date.now();
    this.#startMs = resume?.startedAtMs ?? nowMs;
    this.#resumes = [...(resume?.settings.resumes ?? [])];
    const nowS = (nowMs - this.#startMs) / 1000;
    const resumed = resume === undefined ? undefined : { atS: round(nowS, 3), gapS: round(nowS - resume.lastElapsedS, 3) };
    if (resumed !== undefined) this.#resumes.push(resumed);
    writeRunSettings(outDir, { schemaVersion: 1, startedAt: new Date(this.#startMs).toISOString(), options: this.#recordedOptions(), resumes: this.#resumes });
    lockRun(outDir);
    try {
      this.emit('start', outDir);
      const files = new RunFiles(outDir, this.#startMs, this.#resumes.length);
      if (resumed !== undefined) {
        files.event(
          '',
          'controller',
          0,
          'resume',
          `after ${formatDuration(resumed.gapS)} with nothing recorded (since ${formatDuration(resumed.atS - resumed.gapS)})`,
        );
        this.emit('resume', resumed);
      }
      const elapsedS = await this.#record(workloads, files, resume?.nextSegments);
      this.#finishing = true;
      await this.#interim;
      const failure = this.#failure;
      // The snapshot diffs first: report.html shows them.
      const diffed = this.options.snapshots ? diffRunSnapshots(outDir) : Promise.resolve();
      const finished = diffed.then(() =>
        finishRun({
          ...this.#finishInput(workloads, elapsedS),
          failed: failure !== undefined,
          ...(failure !== undefined ? { error: failure.message } : this.#stopReason !== undefined ? { error: `stopped early: ${this.#stopReason}` } : {}),
          complete: failure === undefined && this.#stopReason === undefined,
        }),
      );
      const { summary, exitCode } = await finished.catch((err: unknown) => {
        // The disk that stopped the recording cannot take the reports either: say both, exit 3.
        const reason = err instanceof Error ? err.message : String(err);
        throw new RunFailedError(`${failure === undefined ? '' : `${failure.message}; `}writing the reports failed (${reason})`, { cause: err });
      });
      return { summary, outDir, exitCode };
    } finally {
      unlockRun(outDir);
    }
  }

  /**
   * Rewrites summary.json (`complete: false`), summary.md, report.html and junit.xml from what has
   * been recorded so far, in a worker thread (the analysis of a day of samples must not stall the
   * sample ticks). Ignored while one is being written, before the pools have started and once the
   * final report is being written.
   */
  writeInterimReport(): void {
    const workloads = this.#workloads;
    if (this.#interim !== undefined || workloads === undefined || this.#finishing) return;
    const atS = (Date.now() - this.#startMs) / 1000;
    // One thread: the run's workers are using the cores, and their figures are what is being measured.
    const input = { ...this.#finishInput(workloads, atS), failed: false, complete: false, interim: true, analysisThreads: 1 };
    this.#interim = writeInterimReport(input)
      .then((summary) => {
        this.emit('interim', { atS, summary });
      })
      .catch((err: unknown) => {
        this.emit('interim', { atS, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.#interim = undefined;
      });
  }

  #finishInput(workloads: readonly LoadedWorkload[], elapsedS: number): Omit<FinishInput, 'failed' | 'complete'> {
    const { outDir } = this.options;
    return {
      outDir,
      samplesPath: join(outDir, 'samples.csv'),
      eventsPath: join(outDir, 'events.csv'),
      settings: this.#settings(),
      run: this.#facts(elapsedS),
      workloads: workloads.map((w) => w.name),
      params: new Map(workloads.map((w) => [w.name, w.params])),
      strict: this.options.strict,
    };
  }

  /** What run.json keeps: every option, plugin paths made absolute so a resume from another directory (systemd's) finds them. */
  #recordedOptions(): RecordedOptions {
    const { outDir: _, ...options } = this.options;
    return { ...options, workloads: options.workloads.map((w) => (isModulePath(w) ? resolve(w) : w)) };
  }

  /** Runs the pools until the deadline, every workload is decided, or stop(); then tears them down. Returns the elapsed time at the end. */
  async #record(workloads: readonly LoadedWorkload[], files: RunFiles, nextSegments: ReadonlyMap<string, number> | undefined): Promise<number> {
    const options = this.options;
    const startMs = this.#startMs;
    const fail = (error: RunFailedError): void => {
      this.#failure ??= error;
      this.stop(error.message);
    };
    const nowS = files.elapsedAt(Date.now());
    // A resumed run's new workers warm up again: their first minutes are marked warm-up like the run's first.
    const warmupUntilS = nextSegments === undefined ? warmupSeconds(options) : Math.max(warmupSeconds(options), nowS + warmupSeconds(options));
    const ticker = new SampleTicker(
      files,
      startMs,
      options.intervalS,
      warmupSeconds(options),
      await sampleProcess(),
      {
        onTick: (elapsedS, phase) => this.emit('tick', { elapsedS, durationS: options.durationS, phase }),
        onPhase: (phase) => {
          files.event('', 'controller', 0, 'phase', phase);
          this.emit('phase', phase);
        },
        onError: (err) => fail(recordingFailed("the controller's sample", err, options.outDir)),
      },
      nowS,
    );
    const listener: PoolListener = {
      onSample: (s) => {
        const phase = s.cooldown ? 'cooldown' : files.elapsedAt(s.sample.timeMs) < warmupUntilS ? 'warmup' : 'steady';
        files.workerSample(s, phase, ticker.processSample);
        this.emit('sample', s);
      },
      onEvent: (e) => {
        files.event(e.workload, e.worker, e.threadId, e.event, e.detail);
        this.emit('event', e);
      },
      onFailure: fail,
      recordingFailed: (what, err) => recordingFailed(what, err, options.outDir),
    };
    files.event('', 'controller', 0, 'phase', ticker.phase);
    this.#v8Flags = applyWorkerV8Flags(options.snapshots);
    const pools: WorkloadPool[] = [];
    const newPool = (w: LoadedWorkload): WorkloadPool =>
      new WorkloadPool(w, {
        config: {
          concurrency: options.concurrency,
          seed: options.seed,
          injectLeakBytesPerS: options.injectLeakBytesPerS,
          tick: ticker.counter.buffer as SharedArrayBuffer,
        },
        threads: options.threads,
        sliceMs: options.sliceMs,
        stuckAfterMs: options.stuckAfterS * 1000,
        listener,
        ...(options.maxHeapPerWorkerBytes === undefined ? {} : { maxHeapBytes: options.maxHeapPerWorkerBytes }),
        ...(nextSegments === undefined
          ? {}
          : { firstSegments: Array.from({ length: options.threads }, (_, slot) => nextSegments.get(`${w.name}#${slot}`) ?? 0) }),
        ...(options.snapshots ? { snapshotDir: join(options.outDir, SNAPSHOT_DIR) } : {}),
      });
    try {
      for (const w of workloads) pools.push(newPool(w));
    } catch (err) {
      // A pool that could not start its workers (no thread to be had): the pools started before it are
      // ended, or their idle threads would stay in a process that uses the Soak API after the run failed.
      await Promise.all(pools.map((p) => p.stop()));
      throw err;
    }
    for (const pool of pools) pool.start();
    this.#workloads = workloads;
    const snapshots = options.snapshots ? this.#snapshots(pools, files, warmupUntilS, nowS) : undefined;
    const looks = this.#looks(workloads, files, startMs, pools, fail, snapshots);
    ticker.start();
    looks?.start();
    const reports = this.#interimTimer();

    await new Promise<void>((resolve) => {
      const deadline = new WallTimer(startMs + options.durationS * 1000, resolve);
      this.#stopRequested = () => {
        deadline.cancel();
        resolve();
      };
      if (this.#stopReason !== undefined) this.#stopRequested();
    });
    reports.timer?.cancel();
    looks?.stop();
    snapshots?.stop();
    // Not after a failure: a full disk, say, cannot take them, and the run is to stop.
    if (this.#failure === undefined) await snapshots?.final(pools);
    const elapsedS = files.elapsedAt(Date.now());
    try {
      files.event('', 'controller', 0, 'phase', 'cooldown');
    } catch (err) {
      fail(recordingFailed('the cooldown', err instanceof Error ? err : new Error(String(err)), options.outDir));
    }
    this.emit('phase', 'cooldown');
    // The last tick: each worker answers it with its sample after teardown.
    ticker.stop();
    await Promise.all(pools.map((p) => p.stop()));
    clearProcessSampler();
    files.close();
    return elapsedS;
  }

  /**
   * Heap snapshots of every worker: the baseline where the steady window starts, the target halfway
   * to the earliest end (the first look of a run that decides as it goes, else the deadline), the
   * final before each pool stops.
   */
  #snapshots(pools: readonly WorkloadPool[], files: RunFiles, steadyFromS: number, nowS: number): SnapshotScheduler {
    const { outDir, looks, durationS } = this.options;
    const scheduler = new SnapshotScheduler(pools, outDir, {
      event: (workload, worker, threadId, event, detail) => {
        files.event(workload, worker, threadId, event, detail);
        this.emit('event', { workload, worker, threadId, event, detail });
      },
    });
    const earliestEndS = looks?.firstS ?? durationS;
    scheduler.start({ baselineS: steadyFromS, targetS: (steadyFromS + earliestEndS) / 2 }, nowS);
    return scheduler;
  }

  /** Interim reports every reportEveryS, on an unref'd self-rescheduling timer, aligned to the run's start. */
  #interimTimer(): { timer: WallTimer | undefined } {
    const every = this.options.reportEveryS;
    const handle: { timer: WallTimer | undefined } = { timer: undefined };
    if (every === undefined) return handle;
    const schedule = (): void => {
      const elapsedMs = Date.now() - this.#startMs;
      const due = this.#startMs + (Math.floor(elapsedMs / (every * 1000)) + 1) * every * 1000;
      handle.timer = new WallTimer(
        due,
        () => {
          this.writeInterimReport();
          schedule();
        },
        { unref: true },
      );
    };
    schedule();
    return handle;
  }

  /** In a run that decides as it goes, the looks: a decided workload's pool stops, and the run once all are decided. */
  #looks(
    workloads: readonly LoadedWorkload[],
    files: RunFiles,
    startMs: number,
    pools: readonly WorkloadPool[],
    fail: (e: RunFailedError) => void,
    snapshots: SnapshotScheduler | undefined,
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
          // Its cores go to the workloads still undecided, once its final snapshots are taken.
          const pool = pools.find((p) => p.name === workload);
          if (pool !== undefined) void (snapshots?.final([pool]) ?? Promise.resolve()).then(() => pool.stop());
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

  #facts(elapsedS: number): RunFacts {
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
      startedAt: new Date(this.#startMs).toISOString(),
      endedAt: new Date().toISOString(),
      argv: o.commandLine,
      v8Flags: this.#v8Flags,
      ...(o.looks === undefined ? {} : { looks: o.looks }),
      ...(o.maxHeapPerWorkerBytes === undefined ? {} : { maxHeapPerWorkerBytes: o.maxHeapPerWorkerBytes }),
      host: { name: hostname(), cpus: availableParallelism(), memoryBytes: totalmem() },
      ...(this.#resumes.length === 0 ? {} : { resumes: this.#resumes }),
    };
  }
}
