/**
 * The thread that reads and judges some of a run's workloads while the calling thread does the
 * others (analyze-run.ts): their analyses and series posted back, the series' arrays transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from '../analysis/series.js';
import { analyzeWorkload } from '../analysis/verdict.js';
import { readRun } from '../run-dir/read-run.js';
import type { ThreadReply, ThreadTask } from './analyze-run.js';

const task = workerData as ThreadTask;
const recorded = await readRun(task.samplesPath, task.eventsPath, { only: task.workloads });
const byWorkload = recorded.series.byWorkload();
const reply: ThreadReply = {
  workloads: task.workloads.map((name) => analyzeWorkload(name, byWorkload.get(name) ?? [], task.settings, recorded.outOfMemory, recorded.respawns)),
  series: [...byWorkload.values()].flat().map((s) => s.data()),
};
parentPort?.postMessage(reply, reply.series.flatMap(transferList));
