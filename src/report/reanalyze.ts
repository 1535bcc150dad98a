/**
 * `soak analyze`: the analysis again over a recorded run (any samples.csv that follows the contract),
 * with the same verdicts and exit codes. It rewrites the derived files (summary.json, summary.md,
 * report.html, junit.xml) in the run directory or in --out, never samples.csv or events.csv.
 */
import { existsSync, mkdirSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { worstVerdict, type Thresholds } from '../analysis/verdict.js';
import { errors, exitCodeFor, type ExitCode } from '../errors.js';
import { defaultMaxGrowthBytes, defaults, profileFor } from '../options.js';
import { analyzeRecordedRun } from './analyze-run.js';
import { buildSummary, parseSummary, type RunFacts, type Summary } from './summary.js';
import { writeReports } from './write-reports.js';

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
}

export interface ReanalyzeResult {
  readonly summary: Summary;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

/** The columns the analysis reads; others may be missing or appended. */
const REQUIRED_COLUMNS = ['elapsed_s', 'segment', 'phase', 'workload', 'worker', 'ops_total', 'heap_used_bytes'] as const;

export async function reanalyze(options: ReanalyzeOptions): Promise<ReanalyzeResult> {
  const { samplesPath, runDir } = locate(options.run);
  checkColumns(samplesPath);
  const previous = readPrevious(join(runDir, 'summary.json'), basename(samplesPath) === 'samples.csv');
  const outDir = options.outDir ?? runDir;
  if (options.outDir !== undefined && outDir !== runDir) {
    if (existsSync(join(outDir, 'summary.json'))) throw errors.analyzeOutExists(outDir);
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw errors.outUnusable(outDir, err instanceof Error ? err.message : String(err));
    }
  }
  const durationS = previous?.run.durationS ?? lastElapsedS(samplesPath);
  const thresholds: Thresholds = {
    maxSlopeBytesPerHour: options.maxSlopeBytesPerHour ?? previous?.thresholds.maxSlopeBytesPerHour ?? defaults.maxSlopeBytesPerHour,
    maxGrowthBytes: options.maxGrowthBytes ?? previous?.thresholds.maxGrowthBytes ?? defaultMaxGrowthBytes(durationS),
  };
  const warmup = options.warmup ?? previous?.run.warmup ?? 'auto';
  const names = previous?.workloads.map((w) => w.name);
  const profile = profileFor(durationS);
  const looks = previous?.run.looks;
  // A run that decided as it went is replayed look by look, so it reaches the same decisions from the same samples.
  const sequential = looks === undefined || previous === undefined ? undefined : { plan: { ...looks, maxS: durationS }, endS: previous.run.elapsedS };
  const final = await analyzeRecordedRun(samplesPath, join(runDir, 'events.csv'), { thresholds, warmup, profile }, names, sequential);
  const params = new Map(previous?.workloads.map((w) => [w.name, w.params]));
  const workloads = final.workloads.map((w) => ({ ...w, params: params.get(w.name) ?? {} }));
  const run: RunFacts = previous?.run ?? recoveredFacts(samplesPath, final.lastElapsedS, warmup, options.argv ?? []);
  const failed = previous?.verdict === 'error' && previous.error !== undefined;
  const verdict = failed ? 'error' : worstVerdict(workloads.map((w) => w.verdict));
  const summary = buildSummary({
    run,
    profile,
    thresholds,
    workloads,
    rss: final.rss,
    sequential: final.sequential,
    verdict,
    complete: previous?.complete ?? false,
    ...(previous?.error === undefined ? {} : { error: previous.error }),
    analyzedAt: new Date().toISOString(),
  });
  writeReports(outDir, { summary, recorded: final.recorded, lastElapsedS: final.lastElapsedS, strict: options.strict ?? false });
  return { summary, outDir, exitCode: exitCodeFor(summary.verdict, options.strict ?? false) };
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
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) throw errors.samplesColumnsMissing(samplesPath, missing);
}

function headerOf(samplesPath: string): string[] {
  const header = readText(samplesPath, 0).split(/\r?\n/, 1)[0] ?? '';
  return header.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
}

/** The elapsed time on the file's last complete row, from its tail alone: the run's length, to pick the profile. */
function lastElapsedS(samplesPath: string): number {
  const column = headerOf(samplesPath).indexOf('elapsed_s');
  const lines = readText(samplesPath, Math.max(0, statSync(samplesPath).size - 4096))
    .split(/\r?\n/)
    .filter((l) => l !== '');
  for (const line of lines.reverse()) {
    const value = Number(line.split(',')[column]);
    if (Number.isFinite(value)) return value;
  }
  return 0;
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
