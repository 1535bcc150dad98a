/**
 * `soak analyze`: the analysis again over a recorded run (any samples.csv that follows the contract),
 * with the same verdicts and exit codes. It rewrites the derived files (summary.json, summary.md,
 * report.html, junit.xml) in the run directory or in --out, never samples.csv or events.csv.
 */
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Thresholds } from '../analysis/types.js';
import { errors, type ExitCode } from '../errors.js';
import { defaultMaxGrowthBytes, defaults, profileFor } from '../options.js';
import { readCsvText } from '../run-dir/csv-lines.js';
import { REQUIRED_SAMPLE_COLUMNS } from '../run-dir/read-run.js';
import { makeOutDir } from '../run-dir/out-dir.js';
import { recordingProcess } from '../run-dir/run-lock.js';
import { parseSummary, type RunFacts, type Summary } from '../run-dir/summary.js';
import { finishRun } from './finish.js';

export interface ReanalyzeOptions {
  /** A run directory, or a samples.csv. */
  readonly run: string;
  /** Where to write the derived files; default: the run's directory. */
  readonly outDir?: string;
  readonly warmup?: number | 'auto';
  readonly maxSlopeBytesPerHour?: number;
  readonly maxGrowthBytes?: number;
  readonly strict?: boolean;
  readonly argv?: readonly string[];
  /** Threads of the analysis; default: one per core (up to 4) for a samples.csv of 16 MB or more. */
  readonly threads?: number;
}

export interface ReanalyzeResult {
  readonly summary: Summary;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

export async function reanalyze(options: ReanalyzeOptions): Promise<ReanalyzeResult> {
  const { samplesPath, runDir } = locate(options.run);
  checkColumns(samplesPath);
  const previous = readPrevious(join(runDir, 'summary.json'), basename(samplesPath) === 'samples.csv');
  const outDir = options.outDir ?? runDir;
  const recorder = resolve(outDir) === resolve(runDir) ? recordingProcess(runDir) : undefined;
  if (recorder !== undefined) throw errors.analyzeLiveRun(runDir, recorder);
  if (options.outDir !== undefined && outDir !== runDir) {
    if (existsSync(join(outDir, 'summary.json'))) throw errors.analyzeOutExists(outDir);
    makeOutDir(outDir);
  }
  const durationS = previous?.run.durationS ?? lastElapsedS(samplesPath);
  const thresholds: Thresholds = {
    maxSlopeBytesPerHour: options.maxSlopeBytesPerHour ?? previous?.thresholds.maxSlopeBytesPerHour ?? defaults.maxSlopeBytesPerHour,
    maxGrowthBytes: options.maxGrowthBytes ?? previous?.thresholds.maxGrowthBytes ?? defaultMaxGrowthBytes(durationS),
  };
  const warmup = options.warmup ?? previous?.run.warmup ?? 'auto';
  const names = previous?.workloads.map((w) => w.name);
  const strict = options.strict ?? false;
  const { summary, exitCode } = await finishRun({
    outDir,
    samplesPath,
    eventsPath: join(runDir, 'events.csv'),
    settings: { thresholds, workloadThresholds: ownThresholds(previous, options), warmup, profile: profileFor(durationS) },
    run: previous?.run ?? ((last) => recoveredFacts(samplesPath, last, warmup, options.argv ?? [])),
    ...(names === undefined ? {} : { workloads: names }),
    params: new Map(previous?.workloads.map((w) => [w.name, w.params])),
    failed: previous?.verdict === 'error' && previous.error !== undefined,
    ...(previous?.error === undefined ? {} : { error: previous.error }),
    complete: previous?.complete ?? false,
    strict,
    analyzedAt: new Date().toISOString(),
    ...(options.threads === undefined ? {} : { analysisThreads: options.threads }),
  });
  return { summary, outDir, exitCode };
}

/** The workloads a previous analysis judged by thresholds of their own, unless a threshold is given again now (then it holds for all). */
function ownThresholds(previous: Summary | undefined, options: ReanalyzeOptions): ReadonlyMap<string, Thresholds> {
  if (previous === undefined || options.maxSlopeBytesPerHour !== undefined || options.maxGrowthBytes !== undefined) return new Map();
  return new Map(previous.workloads.flatMap((w) => (w.thresholds === undefined ? [] : [[w.name, w.thresholds] as const])));
}

function locate(run: string): { samplesPath: string; runDir: string } {
  if (!existsSync(run)) throw errors.runMissing(run);
  if (statSync(run).isDirectory()) {
    const samplesPath = join(run, 'samples.csv');
    if (!existsSync(samplesPath)) throw errors.runHasNoSamples(run);
    return { samplesPath, runDir: run };
  }
  return { samplesPath: run, runDir: dirname(run) };
}

function checkColumns(samplesPath: string): void {
  const columns = new Set(headerOf(samplesPath));
  const missing = REQUIRED_SAMPLE_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) throw errors.samplesColumnsMissing(samplesPath, missing);
}

/** The header line, as the reader reads it (quotes and all). */
function headerLineOf(samplesPath: string): string {
  return `${readText(samplesPath, 0).split(/\r?\n/, 1)[0] ?? ''}\n`;
}

function headerOf(samplesPath: string): readonly string[] {
  return readCsvText(headerLineOf(samplesPath), [], () => {});
}

/** The elapsed time on the file's last complete row, from its tail alone: the run's length, to pick the profile. */
function lastElapsedS(samplesPath: string): number {
  const tail = readText(samplesPath, Math.max(0, statSync(samplesPath).size - 4096));
  // The tail's first line may be cut: the rows after its first line break, under the file's own header.
  const rows = tail.slice(tail.indexOf('\n') + 1);
  let last = 0;
  readCsvText(headerLineOf(samplesPath) + rows, ['elapsed_s'], (record) => {
    const value = record.number(0);
    if (Number.isFinite(value)) last = value;
  });
  return last;
}

function readText(path: string, position: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const read = readSync(fd, buffer, 0, buffer.length, position);
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

/** The summary a previous analysis wrote next to the samples: run facts, thresholds, workload order and parameters. */
function readPrevious(path: string, belongsToSamples: boolean): Summary | undefined {
  if (!belongsToSamples || !existsSync(path)) return undefined;
  try {
    return parseSummary(readFileSync(path, 'utf8'));
  } catch (err) {
    throw errors.summaryUnreadable(path, err instanceof Error ? err.message : String(err));
  }
}

/** Run facts for samples without a summary (another tool's CSV, or a run killed before it wrote one). */
function recoveredFacts(samplesPath: string, lastElapsedS: number, warmup: number | 'auto', argv: readonly string[]): RunFacts {
  const written = statSync(samplesPath).mtime;
  return {
    command: 'analyze',
    durationS: lastElapsedS,
    elapsedS: lastElapsedS,
    intervalS: 0,
    warmupS: warmup === 'auto' ? 0 : warmup,
    warmup,
    threads: 0,
    concurrency: 0,
    seed: 0,
    injectLeakBytesPerS: 0,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    startedAt: new Date(written.getTime() - lastElapsedS * 1000).toISOString(),
    endedAt: written.toISOString(),
    argv,
  };
}
