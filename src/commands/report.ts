/**
 * `soak report <run-dir>...`: one release report over several run directories (several machines or
 * CI jobs, one per workload or service). Reads each run's summary.json (and the compare.json that
 * `soak compare` left in it), never their samples; writes release.json, release.md and a
 * self-contained release.html that links to each run's own report.html.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { worstVerdict, type Verdict } from '../analysis/types.js';
import { errors, exitCodeFor, type ExitCode } from '../errors.js';
import { renderReleaseHtml } from '../report/html/release-html.js';
import { renderReleaseMarkdown } from '../report/release-report.js';
import { writeAtomically, writeJsonAtomically } from '../run-dir/atomic-write.js';
import { loadSummary, type LoadedSummary } from '../run-dir/load-summary.js';
import { makeOutDir } from '../run-dir/out-dir.js';
import type { ReleaseComparison, ReleaseReport, ReleaseRun, ReleaseWorkload } from '../run-dir/release-file.js';

export interface ReleaseReportOptions {
  /** Run directories (or their summary.json), one or more. */
  readonly runs: readonly string[];
  /** Where to write release.json, release.md and release.html; created, must not hold a release.json. */
  readonly outDir: string;
  /** An inconclusive workload fails with exit code 4 (when nothing leaked or errored). */
  readonly strict?: boolean;
}

export interface ReleaseReportResult {
  /** What release.json holds. */
  readonly report: ReleaseReport;
  readonly outDir: string;
  readonly exitCode: ExitCode;
}

export async function releaseReport(options: ReleaseReportOptions): Promise<ReleaseReportResult> {
  if (options.runs.length === 0) throw errors.releaseNoRuns();
  const loaded = options.runs.map((path) => loadSummary(path, 'report'));
  const seen = new Map<string, string>();
  for (const [i, run] of loaded.entries()) {
    const given = options.runs[i] ?? run.dir;
    const first = seen.get(run.dir);
    if (first !== undefined) throw errors.releaseRunTwice(first, given);
    seen.set(run.dir, given);
  }
  const outDir = resolve(options.outDir);
  if (existsSync(join(outDir, 'release.json'))) throw errors.releaseOutExists(options.outDir);
  makeOutDir(outDir, options.outDir);

  const warnings: string[] = [];
  const labels = labelsOf(loaded.map((r) => r.dir));
  const runs = loaded.map((r, i) => releaseRun(r, labels[i] ?? r.dir, outDir, warnings));
  warnings.unshift(...settingWarnings(runs));
  const all = runs.flatMap((run) => run.workloads.map((w) => ({ run, w })));
  const counts: Record<Verdict, number> = { pass: 0, leak: 0, inconclusive: 0, error: 0 };
  for (const { w } of all) counts[w.verdict]++;
  const report: ReleaseReport = {
    schemaVersion: 1,
    verdict: worstVerdict(runs.map((r) => r.verdict)),
    complete: runs.every((r) => r.complete),
    counts,
    leaks: all.filter(({ w }) => w.verdict === 'leak').map(({ run, w }) => `${run.label}/${w.name}`),
    undecided: all.filter(({ w }) => w.verdict === 'inconclusive' || w.verdict === 'error').map(({ run, w }) => `${run.label}/${w.name}`),
    runs,
    warnings,
    createdAt: new Date().toISOString(),
  };
  try {
    writeAtomically(join(outDir, 'release.md'), renderReleaseMarkdown(report));
    writeAtomically(join(outDir, 'release.html'), renderReleaseHtml(report));
    // Last: a release.json marks a finished report (and makes the directory refuse another).
    writeJsonAtomically(join(outDir, 'release.json'), report);
  } catch (err) {
    throw errors.releaseUnwritable(options.outDir, err instanceof Error ? err.message : String(err));
  }
  return { report, outDir, exitCode: exitCodeFor(report.verdict, options.strict ?? false) };
}

/** Each run's directory name, or where two share one, the shortest tails of their paths that differ. */
function labelsOf(dirs: readonly string[]): string[] {
  const parts = dirs.map((d) => d.split(sep).filter((p) => p !== ''));
  const depth = (i: number): number => {
    for (let n = 1; ; n++) {
      const tail = (p: readonly string[]): string => p.slice(-n).join('/');
      const mine = tail(parts[i] ?? []);
      const clash = parts.some((p, j) => j !== i && tail(p) === mine);
      if (!clash || n >= (parts[i]?.length ?? 0)) return n;
    }
  };
  return parts.map((p, i) => p.slice(-depth(i)).join('/') || basename(dirs[i] ?? ''));
}

/** A link from the report's directory to a file of the run, if the run has it. */
function linkTo(outDir: string, runDir: string, file: string): string | null {
  const path = join(runDir, file);
  return existsSync(path) ? relative(outDir, path).split(sep).join('/') : null;
}

function releaseRun(loaded: LoadedSummary, label: string, outDir: string, warnings: string[]): ReleaseRun {
  const { summary, dir } = loaded;
  const r = summary.run;
  const reportHtml = linkTo(outDir, dir, 'report.html');
  if (!summary.complete)
    warnings.push(`${label} did not complete${summary.error === undefined ? '' : ` (${summary.error})`}: its figures cover the part that ran`);
  const workloads = summary.workloads.map(
    (w, i): ReleaseWorkload => ({
      name: w.name,
      verdict: w.verdict,
      reason: w.reason,
      decidedAtS: w.decidedAtS ?? null,
      slopeBytesPerHour: w.heap.slopeBytesPerHour,
      ci95: w.heap.ci95,
      confidence: w.confidence ?? summary.method.confidence,
      shape: w.heap.shape,
      bytesPerOp: w.heap.bytesPerOp,
      maxSlopeBytesPerHour: w.thresholds?.maxSlopeBytesPerHour ?? summary.thresholds.maxSlopeBytesPerHour,
      opsTotal: w.opsTotal,
      errorsTotal: w.errorsTotal,
      respawns: w.respawns,
      // report.html names each workload's section by its place in the summary.
      reportHtml: reportHtml === null ? null : `${reportHtml}#w${i}`,
    }),
  );
  return {
    label,
    path: dir,
    reportHtml,
    summaryMd: linkTo(outDir, dir, 'summary.md'),
    verdict: summary.verdict,
    complete: summary.complete,
    error: summary.error ?? null,
    command: r.command,
    elapsedS: r.elapsedS,
    durationS: r.durationS,
    intervalS: r.intervalS,
    threads: r.threads,
    node: r.node,
    platform: r.platform,
    host: r.host ?? null,
    startedAt: r.startedAt,
    comparison: comparisonIn(dir, label, warnings),
    workloads,
  };
}

const statuses: readonly unknown[] = ['regression', 'inconclusive', 'improvement', 'unchanged'];

/** The compare.json `soak compare` wrote into this run's directory, with this run as its candidate. */
function comparisonIn(dir: string, label: string, warnings: string[]): ReleaseComparison | null {
  const path = join(dir, 'compare.json');
  if (!existsSync(path)) return null;
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const candidate = c['candidate'] as { path?: unknown } | undefined;
    const baseline = c['baseline'] as { path?: unknown } | undefined;
    const regressions = c['regressions'];
    if (c['schemaVersion'] !== 1 || !statuses.includes(c['result']) || !Array.isArray(regressions) || typeof baseline?.path !== 'string') {
      throw new Error('not a compare.json of schemaVersion 1');
    }
    // A comparison written here with --out is about some other candidate.
    if (candidate?.path !== dir) return null;
    return { result: c['result'] as ReleaseComparison['result'], regressions: regressions.map(String), baseline: baseline.path };
  } catch (err) {
    warnings.push(`${label}: its compare.json is left out (${err instanceof Error ? err.message : String(err)})`);
    return null;
  }
}

/** Runs that differ in what their figures rest on: the reader should know before reading one table. */
function settingWarnings(runs: readonly ReleaseRun[]): string[] {
  const warnings: string[] = [];
  const differing = (what: string, of: (r: ReleaseRun) => string): void => {
    const groups = new Map<string, string[]>();
    for (const r of runs) groups.set(of(r), [...(groups.get(of(r)) ?? []), r.label]);
    if (groups.size > 1)
      warnings.push(`the runs are on different ${what}: ${[...groups].map(([value, labels]) => `${value} (${labels.join(', ')})`).join('; ')}`);
  };
  differing('Node versions', (r) => r.node);
  differing('platforms', (r) => r.platform);
  const byWorkload = new Map<string, { label: string; verdict: Verdict }[]>();
  for (const r of runs) for (const w of r.workloads) byWorkload.set(w.name, [...(byWorkload.get(w.name) ?? []), { label: r.label, verdict: w.verdict }]);
  for (const [name, seen] of byWorkload) {
    if (new Set(seen.map((s) => s.verdict)).size > 1) {
      warnings.push(`${name} has different verdicts in different runs: ${seen.map((s) => `${s.verdict} in ${s.label}`).join(', ')}`);
    }
  }
  return warnings;
}
