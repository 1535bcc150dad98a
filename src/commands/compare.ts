/**
 * `soak compare <baseline> <candidate>`: the release comparison. Reads the two runs' summary.json
 * (never their samples), compares every workload's pooled heap slope and bytes per operation
 * (src/analysis/compare.ts), lists the settings that make the runs not like-for-like, and writes
 * compare.json and compare.md into the candidate's run directory or --out.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareRuns, type OverallStatus } from '../analysis/compare.js';
import { errors, ExitCode } from '../errors.js';
import { formatBytes, formatDuration, formatRatePerHour } from '../units.js';
import { renderCompareMarkdown } from '../report/compare-report.js';
import { writeAtomically, writeJsonAtomically } from '../run-dir/atomic-write.js';
import { makeOutDir } from '../run-dir/out-dir.js';
import { compareRule, type Comparison, type RunSide, type SettingWarning } from '../run-dir/compare-file.js';
import { loadSummary, type LoadedSummary } from '../run-dir/load-summary.js';
import type { Summary } from '../run-dir/summary.js';

export interface CompareOptions {
  /** The baseline (previous release): a run directory or its summary.json. */
  readonly baseline: string;
  /** The candidate (this release): a run directory or its summary.json. */
  readonly candidate: string;
  /** Where to write compare.json and compare.md; default: the candidate's run directory. Must not hold a compare.json. */
  readonly outDir?: string;
  /** A workload that cannot be compared, or whose change is inconclusive, fails with exit code 4 (when nothing regressed). */
  readonly strict?: boolean;
}

export interface CompareResult {
  /** What compare.json holds. */
  readonly result: Comparison;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  const baseline = loadSummary(options.baseline, 'compare', 'baseline');
  const candidate = loadSummary(options.candidate, 'compare', 'candidate');
  const outDir = options.outDir === undefined ? candidate.dir : resolve(options.outDir);
  if (options.outDir !== undefined) {
    if (existsSync(join(outDir, 'compare.json'))) throw errors.compareOutExists(options.outDir);
    makeOutDir(outDir, options.outDir);
  }
  const comparison = compareRuns(baseline.summary, candidate.summary);
  const result: Comparison = {
    schemaVersion: 1,
    result: comparison.result,
    regressions: comparison.regressions,
    inconclusive: comparison.inconclusive,
    baseline: side(baseline),
    candidate: side(candidate),
    rule: compareRule,
    workloads: comparison.workloads,
    warnings: settingWarnings(baseline.summary, candidate.summary),
    comparedAt: new Date().toISOString(),
  };
  try {
    writeJsonAtomically(join(outDir, 'compare.json'), result);
    writeAtomically(join(outDir, 'compare.md'), renderCompareMarkdown(result));
  } catch (err) {
    throw errors.compareUnwritable(outDir, err instanceof Error ? err.message : String(err));
  }
  return { result, outDir, exitCode: compareExitCode(result.result, options.strict ?? false) };
}

export function compareExitCode(result: OverallStatus, strict: boolean): ExitCode {
  if (result === 'regression') return ExitCode.leak;
  if (result === 'inconclusive' && strict) return ExitCode.inconclusiveStrict;
  return ExitCode.pass;
}

function side(loaded: LoadedSummary): RunSide {
  const { summary } = loaded;
  const r = summary.run;
  return {
    path: loaded.dir,
    summaryPath: loaded.summaryPath,
    verdict: summary.verdict,
    complete: summary.complete,
    run: {
      command: r.command,
      durationS: r.durationS,
      elapsedS: r.elapsedS,
      intervalS: r.intervalS,
      threads: r.threads,
      concurrency: r.concurrency,
      injectLeakBytesPerS: r.injectLeakBytesPerS,
      node: r.node,
      platform: r.platform,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
    },
    thresholds: summary.thresholds,
  };
}

type Fmt = (value: unknown) => string;

const asNumber =
  (f: (n: number) => string): Fmt =>
  (v) =>
    typeof v === 'number' ? f(v) : String(v);
const plain: Fmt = (v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

/** The run settings that, when they differ, make the comparison not like-for-like. */
const settings: readonly { readonly key: string; readonly label: string; readonly get: (s: Summary) => unknown; readonly fmt: Fmt }[] = [
  { key: 'durationS', label: 'duration', get: (s) => s.run.durationS, fmt: asNumber(formatDuration) },
  { key: 'intervalS', label: 'sample interval', get: (s) => s.run.intervalS, fmt: asNumber(formatDuration) },
  { key: 'warmup', label: 'warm-up', get: (s) => s.run.warmup, fmt: (v) => (typeof v === 'number' ? formatDuration(v) : plain(v)) },
  { key: 'threads', label: 'threads per workload', get: (s) => s.run.threads, fmt: plain },
  { key: 'concurrency', label: 'operations in flight per worker', get: (s) => s.run.concurrency, fmt: plain },
  { key: 'node', label: 'Node version', get: (s) => s.run.node, fmt: plain },
  { key: 'platform', label: 'platform', get: (s) => s.run.platform, fmt: plain },
  { key: 'injectLeakBytesPerS', label: 'injected leak', get: (s) => s.run.injectLeakBytesPerS, fmt: asNumber((n) => `${formatBytes(n)}/s`) },
  { key: 'thresholds.maxSlopeBytesPerHour', label: 'slope limit', get: (s) => s.thresholds.maxSlopeBytesPerHour, fmt: asNumber(formatRatePerHour) },
  { key: 'thresholds.maxGrowthBytes', label: 'growth limit', get: (s) => s.thresholds.maxGrowthBytes, fmt: asNumber(formatBytes) },
];

export function settingWarnings(baseline: Summary, candidate: Summary): SettingWarning[] {
  const warnings: SettingWarning[] = [];
  for (const s of settings) {
    const b = s.get(baseline);
    const c = s.get(candidate);
    if (JSON.stringify(b) === JSON.stringify(c)) continue;
    warnings.push({
      setting: s.key,
      baseline: b ?? null,
      candidate: c ?? null,
      message: `${s.label} differs: ${s.fmt(b)} in the baseline, ${s.fmt(c)} in the candidate`,
    });
  }
  const candidateParams = new Map(candidate.workloads.map((w) => [w.name, w.params ?? {}]));
  for (const w of baseline.workloads) {
    const cp = candidateParams.get(w.name);
    if (cp === undefined) continue;
    const bp = w.params ?? {};
    const keys = [...new Set([...Object.keys(bp), ...Object.keys(cp)])].filter((k) => JSON.stringify(bp[k]) !== JSON.stringify(cp[k]));
    if (keys.length === 0) continue;
    const show = (v: unknown): string => (v === undefined ? '(unset)' : plain(v));
    warnings.push({
      setting: `params.${w.name}`,
      baseline: Object.fromEntries(keys.map((k) => [k, bp[k] ?? null])),
      candidate: Object.fromEntries(keys.map((k) => [k, cp[k] ?? null])),
      message: `${w.name} parameters differ: ${keys.map((k) => `${k} ${show(bp[k])} in the baseline, ${show(cp[k])} in the candidate`).join('; ')}`,
    });
  }
  for (const [which, s] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (s.complete === false) {
      warnings.push({
        setting: 'complete',
        baseline: baseline.complete,
        candidate: candidate.complete,
        message: `the ${which} run did not complete${s.error === undefined ? '' : ` (${s.error})`}; its figures cover the part that ran`,
      });
    }
  }
  return warnings;
}
