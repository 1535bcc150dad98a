/**
 * Interim reports of a run still going: the analysis of what has been recorded so far, in a worker
 * thread, so that reading back a day of samples never stalls the controller's sample ticks or keeps
 * its memory after.
 */
import type { Summary } from '../run-dir/summary.js';
import { askThread } from '../thread.js';
import type { FinishInput } from './finish.js';

const entry = new URL('./interim-worker.js', import.meta.url);

/** Resolves with the summary written (summary.json `complete: false`, summary.md, report.html, junit.xml). */
export function writeInterimReport(input: FinishInput): Promise<Summary> {
  return askThread<Summary>(entry, input, "the report's thread", { hostExecArgv: true }).answer;
}
