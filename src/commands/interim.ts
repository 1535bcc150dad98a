/**
 * Interim reports of a run still going: the analysis of what has been recorded so far, in a worker
 * thread, so that reading back a day of samples never stalls the controller's sample ticks or keeps
 * its memory after.
 */
import { Worker } from 'node:worker_threads';
import type { Summary } from '../run-dir/summary.js';
import type { FinishInput } from './finish.js';

const entry = new URL('./interim-worker.js', import.meta.url);

/** Resolves with the summary written (summary.json `complete: false`, summary.md, report.html, junit.xml). */
export function writeInterimReport(input: FinishInput): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: input });
    let summary: Summary | undefined;
    worker.once('message', (message: Summary) => (summary = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (summary === undefined ? reject(new Error(`the report's thread exited with code ${code}`)) : resolve(summary)));
  });
}
