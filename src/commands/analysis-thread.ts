/**
 * The thread that reads and judges some of a run's workloads while the calling thread does the
 * others (analyze-run.ts): their analyses and series posted back, the series' arrays transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from '../analysis/series.js';
import { analyzeShare, type Share } from './analysis-share.js';
import type { ThreadReply } from './analyze-run.js';

const { workloads, series, reading } = await analyzeShare(workerData as Share);
const reply: ThreadReply = { workloads, series: series.map((s) => s.data()), reading };
parentPort?.postMessage(reply, reply.series.flatMap(transferList));
