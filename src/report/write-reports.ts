/** Every derived file of a run directory, written from one analysis: by a run at its end and by `soak analyze`. */
import { renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { renderReportHtml } from './html/report-html.js';
import { renderJunit } from './junit.js';
import type { RecordedRun } from './read-run.js';
import { renderMarkdown, type Summary } from './summary.js';

export interface ReportInput {
  readonly summary: Summary;
  readonly recorded: RecordedRun;
  readonly lastElapsedS: number;
  /** As the exit code has it: with --strict an inconclusive workload is a failed testcase in junit.xml. */
  readonly strict: boolean;
}

export function writeReports(outDir: string, input: ReportInput): void {
  const { summary } = input;
  writeAtomically(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomically(join(outDir, 'summary.md'), renderMarkdown(summary));
  writeAtomically(join(outDir, 'report.html'), renderReportHtml(input));
  writeAtomically(join(outDir, 'junit.xml'), renderJunit(summary, { strict: input.strict, hostname: hostname() }));
}

/** Whole or not at all: a reader (or a crash) never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
