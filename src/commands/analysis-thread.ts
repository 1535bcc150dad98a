/**
 * A thread of the analysis (analyze-run.ts, analysis-share.ts): it reads and judges the workloads it
 * owns, takes over what it can of the others', and posts back its judgements and its workloads'
 * series (their arrays transferred) for the report's charts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from '../analysis/series.js';
import { readAndJudge, type Share } from './analysis-share.js';
import type { ThreadReply } from './analyze-run.js';

const { recorded, judged } = await readAndJudge(workerData as Share);
const series = recorded === undefined ? [] : [...recorded.series.workers()].map((s) => s.data());
const reply: ThreadReply = { judged, series, reading: recorded?.reading };
parentPort?.postMessage(reply, series.flatMap(transferList));
