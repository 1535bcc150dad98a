/** compare.md and the human lines of `soak compare`, from the comparison compare.json holds. */
import { COMPARABLE_SHAPES, formatSigned, type Bounds, type MeasureComparison, type WorkloadComparison, type WorkloadStatus } from '../analysis/compare.js';
import { formatDuration, formatRatePerHour } from '../units.js';
import type { Comparison, RunSide } from '../run-dir/compare-file.js';

const statusMark: Record<WorkloadStatus, string> = {
  regression: '**REGRESSION**',
  improvement: 'improvement',
  unchanged: 'unchanged',
  inconclusive: 'inconclusive',
  'only-in-baseline': 'only in baseline',
  'only-in-candidate': 'only in candidate',
};

const resultMark: Record<Comparison['result'], string> = {
  regression: 'REGRESSION',
  inconclusive: 'no regression found, some workloads inconclusive',
  improvement: 'no regression (improved)',
  unchanged: 'no regression (unchanged)',
};

function side(v: number | null, f: (n: number) => string): string {
  return v === null ? 'unbounded' : f(v);
}

function withInterval(value: number | null, ci: Bounds | null, f: (n: number) => string): string {
  if (value === null) return 'n/a';
  return ci === null ? f(value) : `${f(value)} (${side(ci[0], f)} to ${side(ci[1], f)})`;
}

function change(m: MeasureComparison | null, measure: 'slope' | 'bytesPerOp'): string {
  if (m === null || m.difference === null) return 'n/a';
  const f = (n: number): string => formatSigned(measure, n);
  return withInterval(m.difference, m.differenceCi95, f);
}

const rate = formatRatePerHour;

function runLine(label: string, s: RunSide): string {
  const r = s.run;
  return (
    `- **${label}**: \`${s.path}\`: soak ${r.command}, ${formatDuration(r.durationS)} sampled every ${formatDuration(r.intervalS)}, ` +
    `${r.threads} worker(s) per workload, ${r.concurrency} in flight each, Node ${r.node} on ${r.platform}, ${r.startedAt}; ` +
    `verdict ${s.verdict.toUpperCase()}${s.complete ? '' : ' (incomplete)'}; slope limit ${rate(s.thresholds.maxSlopeBytesPerHour)}`
  );
}

export const RULE_PARAGRAPH =
  "Each figure is the workload's pooled heap estimate from its summary.json: the heap slope (post-GC heap less compiled code, " +
  'Theil–Sen, bytes per hour per worker) and that slope per operation (bytes/op), each with its 95% interval. The change ' +
  "(candidate − baseline) gets a 95% interval by MOVER (Zou & Donner 2008, Stat Med 27:1693), which combines the two runs' " +
  "own, possibly asymmetric, intervals. The tolerance is 10% of a reference: for the slope, the larger of the baseline's |slope| " +
  'and its slope limit (--max-slope), because two clean runs have slopes that are noise around zero and 10% of a near-zero ' +
  "baseline would flag that noise; for bytes/op, the larger of the baseline's |bytes/op| and the slope limit expressed per " +
  'operation (limit / baseline operations per second). A change is a **regression** when its whole interval lies above ' +
  '+tolerance, an **improvement** when it lies below −tolerance, **unchanged** when it lies within ±tolerance, and ' +
  '**inconclusive** otherwise (the runs are too short or too noisy to tell). Slopes, and so bytes/op, are compared only when ' +
  "both runs' heap shapes are flat, step or growing: a warming heap (V8 still compiling, which in 2-minute runs on 2 cores " +
  'grows a clean heap 1–3 MB/h, differently run to run), a settling one (growth still slowing) or an unresolved one is not a ' +
  'steady rate; compare runs of 5 minutes or more. A workload whose verdict goes from pass or inconclusive to leak is a ' +
  'regression whatever the numbers; one whose verdict is error in either run, or that is in one run only, is not compared. ' +
  'Any regression fails the comparison (exit 1); with --strict, a workload that is inconclusive or not compared fails it ' +
  '(exit 4) when nothing regressed.';

export function renderCompareMarkdown(c: Comparison): string {
  const row = (w: WorkloadComparison): string => {
    const s = w.slope;
    return (
      `| ${w.name} | ${s === null ? 'n/a' : withInterval(s.baseline, s.baselineCi95, rate)} | ` +
      `${s === null ? 'n/a' : withInterval(s.candidate, s.candidateCi95, rate)} | ${change(s, 'slope')} | ` +
      `${change(w.bytesPerOp, 'bytesPerOp')} | ${statusMark[w.status]} |`
    );
  };
  const detail = (w: WorkloadComparison): string[] => {
    const verdicts =
      w.baseline !== null && w.candidate !== null
        ? ` (verdict ${w.baseline.verdict} → ${w.candidate.verdict}, heap shape ${w.baseline.shape ?? 'n/a'} → ${w.candidate.shape ?? 'n/a'})`
        : '';
    return [`- **${w.name}**: ${statusMark[w.status]}${verdicts}: ${w.reason}.`];
  };
  const lines = [
    `# soak compare: ${resultMark[c.result]}`,
    '',
    runLine('Baseline', c.baseline),
    runLine('Candidate', c.candidate),
    '',
    ...(c.regressions.length > 0 ? [`Regressed: ${c.regressions.join(', ')}.`, ''] : []),
    ...(c.warnings.length > 0 ? [`> The runs are not like-for-like (${c.warnings.length} warning(s) below): read the changes with that in mind.`, ''] : []),
    '| workload | baseline slope (95% CI) | candidate slope (95% CI) | change (95% CI) | bytes/op change (95% CI) | status |',
    '| --- | --- | --- | --- | --- | --- |',
    ...c.workloads.map(row),
    '',
    '## Reasons',
    '',
    ...c.workloads.flatMap(detail),
    '',
    '## The rule',
    '',
    RULE_PARAGRAPH,
    '',
    '## Warnings',
    '',
    ...(c.warnings.length === 0 ? ["None: the runs' settings, thresholds and workload parameters match."] : c.warnings.map((w) => `- ${w.message}`)),
    '',
    `Compared at ${c.comparedAt}.`,
    '',
  ];
  return lines.join('\n');
}

/** The gist of a workload's reason, short enough for its line on stderr (compare.md has the whole sentence). */
function note(w: WorkloadComparison): string {
  if (w.baseline === null || w.candidate === null) return w.reason;
  const notes: string[] = [];
  if (w.baseline.verdict !== w.candidate.verdict) notes.push(`verdict ${w.baseline.verdict} -> ${w.candidate.verdict}`);
  if (w.slope === null) return w.reason;
  const shapes = [w.baseline.shape, w.candidate.shape];
  if (shapes.some((s) => s !== null && !COMPARABLE_SHAPES.includes(s))) {
    notes.push(`slope and bytes/op not judged (heap shape ${shapes.map((s) => s ?? 'n/a').join(' -> ')}; compare runs of 5 minutes or more)`);
  } else {
    const undecided = [w.slope, w.bytesPerOp].find((m) => m !== null && m.differenceCi95 === null);
    if (undecided !== undefined && undecided !== null) notes.push(undecided.reason);
  }
  return notes.join('; ');
}

/** One line per workload with its status and change, then the overall result: for stderr. */
export function compareLines(c: Comparison, outDir: string, strict: boolean): string[] {
  const measure = (label: string, m: MeasureComparison | null, which: 'slope' | 'bytesPerOp'): string =>
    m === null || m.difference === null ? '' : `${label} ${change(m, which)}`;
  const lines = c.workloads.map((w) => {
    const figures = [measure('slope', w.slope, 'slope'), measure('bytes/op', w.bytesPerOp, 'bytesPerOp')].filter((s) => s !== '');
    return `  ${w.status.toUpperCase().padEnd(17)} ${w.name.padEnd(18)} ${[...figures, note(w)].filter((s) => s !== '').join('; ')}`;
  });
  const overall =
    c.result === 'regression'
      ? `soak compare: REGRESSION in ${c.regressions.join(', ')}`
      : c.result === 'inconclusive'
        ? `soak compare: no regression found; inconclusive or not compared: ${c.inconclusive.join(', ')}${strict ? '' : ' (--strict makes this fail)'}`
        : `soak compare: no regression (${c.result})`;
  const warned = c.warnings.length > 0 ? `; warning: ${c.warnings.length} setting(s) differ between the runs (see compare.md)` : '';
  return [...lines, `${overall}${warned}`, `soak compare: compare.md and compare.json in ${outDir}`];
}
