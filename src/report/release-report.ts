/** release.md and the human lines of `soak report`, from what release.json holds; release.html shares the wording. */
import type { Verdict } from '../analysis/types.js';
import type { ReleaseReport, ReleaseRun, ReleaseWorkload } from '../run-dir/release-file.js';
import { formatBytes, formatConfidence, formatDuration } from '../units.js';
import { bytesText, intervalText, markdownCell, rateText, verdictLabel } from './format.js';

const order: readonly Verdict[] = ['pass', 'leak', 'inconclusive', 'error'];

/** The workloads table's columns, in release.md and release.html alike. */
export const WORKLOAD_COLUMNS = [
  'run',
  'workload',
  'verdict',
  'decided',
  'heap slope (pooled)',
  'CI (level)',
  'limit',
  'shape',
  'bytes/op',
  'ops',
  'errors',
  'respawns',
] as const;

/** `3 runs, 6 workloads: 5 pass, 1 leak` */
export function countsText(report: ReleaseReport): string {
  const total = order.reduce((sum, v) => sum + report.counts[v], 0);
  const parts = order.filter((v) => report.counts[v] > 0).map((v) => `${report.counts[v]} ${v}`);
  const runs = `${report.runs.length} run${report.runs.length === 1 ? '' : 's'}`;
  return `${runs}, ${total} workload${total === 1 ? '' : 's'}${parts.length === 0 ? '' : `: ${parts.join(', ')}`}`;
}

/** `2m20s of 5m` */
export function durationText(run: ReleaseRun): string {
  return `${formatDuration(Math.round(run.elapsedS))} of ${formatDuration(run.durationS)}`;
}

/** `ci-runner-3 (2 cores, 24 GB), linux-x64, Node v20.20.2` */
export function machineText(run: ReleaseRun): string {
  const host = run.host === null ? '' : `${run.host.name} (${run.host.cpus} cores, ${formatBytes(run.host.memoryBytes)}), `;
  return `${host}${run.platform}, Node ${run.node}`;
}

/** `unchanged against /releases/1.4/run` */
export function comparisonText(run: ReleaseRun): string {
  const c = run.comparison;
  if (c === null) return 'not compared';
  const which = c.regressions.length === 0 ? '' : ` (${c.regressions.join(', ')})`;
  return `${c.result}${which} against ${c.baseline}`;
}

/** `2026-12-02 15:50 UTC` */
export function startedText(run: ReleaseRun): string {
  return run.startedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

export function decidedText(w: ReleaseWorkload): string {
  return w.decidedAtS === null ? 'at the end' : `${w.verdict} at ${formatDuration(Math.round(w.decidedAtS))}`;
}

export function ciText(w: ReleaseWorkload): string {
  return `${intervalText(w.ci95)} (${formatConfidence(w.confidence)})`;
}

export function limitText(w: ReleaseWorkload): string {
  return rateText(w.maxSlopeBytesPerHour);
}

function link(text: string, href: string | null): string {
  return href === null ? markdownCell(text) : `[${markdownCell(text).replaceAll(']', '\\]')}](${encodeURI(href)})`;
}

export function renderReleaseMarkdown(report: ReleaseReport): string {
  const lines = [
    `# soak release report: ${verdictLabel[report.verdict]}`,
    '',
    `${countsText(report)}.${report.leaks.length === 0 ? '' : ` Leaks: ${report.leaks.join(', ')}.`}` +
      `${report.undecided.length === 0 ? '' : ` Undecided: ${report.undecided.join(', ')}.`}`,
    '',
    ...report.warnings.map((w) => `> Warning: ${w}`),
    ...(report.warnings.length === 0 ? [] : ['']),
    '## Runs',
    '',
    '| run | verdict | command | duration | machine | started | against the baseline |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.runs.map(
      (r) =>
        `| ${link(r.label, r.reportHtml)} | ${verdictLabel[r.verdict]}${r.complete ? '' : ' (incomplete)'} | soak ${markdownCell(r.command)} | ${durationText(r)} | ` +
        `${markdownCell(machineText(r))} | ${startedText(r)} | ${markdownCell(comparisonText(r))} |`,
    ),
    '',
    '## Workloads',
    '',
    `| ${WORKLOAD_COLUMNS.join(' | ')} |`,
    `|${' --- |'.repeat(WORKLOAD_COLUMNS.length)}`,
    ...report.runs.flatMap((r) =>
      r.workloads.map(
        (w) =>
          `| ${markdownCell(r.label)} | ${link(w.name, w.reportHtml)} | ${verdictLabel[w.verdict]} | ${decidedText(w)} | ${rateText(w.slopeBytesPerHour)} | ` +
          `${ciText(w)} | ${limitText(w)} | ${w.shape ?? 'n/a'} | ${bytesText(w.bytesPerOp)} | ${w.opsTotal} | ${w.errorsTotal} | ${w.respawns} |`,
      ),
    ),
    '',
    ...report.runs.flatMap((r) => r.workloads.map((w) => `- **${markdownCell(r.label)}/${markdownCell(w.name)}**: ${markdownCell(w.reason)}`)),
    '',
    `Each row is the workload's verdict from its own run's summary.json, unchanged; the release's verdict is the worst of them. ` +
      `Written ${report.createdAt}.`,
    '',
  ];
  return lines.join('\n');
}

/** What `soak report` prints on stderr. */
export function releaseLines(report: ReleaseReport, outDir: string, strict: boolean): string[] {
  const rows = report.runs.flatMap((r) =>
    r.workloads.map((w) => `  ${verdictLabel[w.verdict].padEnd(12)} ${r.label}/${w.name}  ${rateText(w.slopeBytesPerHour)} (${ciText(w)})`),
  );
  const inconclusive = report.verdict === 'inconclusive' && !strict ? ' (exit 0 without --strict)' : '';
  return [
    ...rows,
    ...report.warnings.map((w) => `soak report: warning: ${w}`),
    `soak report: ${verdictLabel[report.verdict]}${inconclusive}: ${countsText(report)}`,
    `soak report: release.md, release.html and release.json in ${outDir}`,
  ];
}
