/** Every derived file of a run directory, written from one analysis: by a run at its end and by `soak analyze`. */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { renderReportHtml } from '../report/html/report-html.js';
import { renderJunit } from '../report/junit.js';
import type { RecordedRun } from '../run-dir/read-run.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSnapshotSummary } from '../report/snapshot-diff.js';
import { writeAtomically, writeJsonAtomically } from '../run-dir/atomic-write.js';
import { loadSnapshotDiffs } from '../run-dir/snapshot-diffs.js';
import type { Summary } from '../run-dir/summary.js';

export interface ReportInput {
  readonly summary: Summary;
  readonly recorded: RecordedRun;
  readonly lastElapsedS: number;
  /** As the exit code has it: with --strict an inconclusive workload is a failed testcase in junit.xml. */
  readonly strict: boolean;
}

export function writeReports(outDir: string, input: ReportInput): void {
  const { summary } = input;
  const snapshotDiffs = loadSnapshotDiffs(outDir);
  const snapshotLines = snapshotDiffs === undefined ? '' : `\n${renderSnapshotSummary(snapshotDiffs)}`;
  writeAtomically(join(outDir, 'summary.md'), renderMarkdown(summary) + snapshotLines);
  writeAtomically(join(outDir, 'report.html'), renderReportHtml(snapshotDiffs === undefined ? input : { ...input, snapshotDiffs }));
  writeAtomically(join(outDir, 'junit.xml'), renderJunit(summary, { strict: input.strict, hostname: hostname() }));
  // Last: a new summary.json says the other files of the same analysis are there (a script, or the
  // reader of an interim report, can wait for it).
  writeJsonAtomically(join(outDir, 'summary.json'), summary);
}
