/** The thread of one interim report: finishRun over the run's files, the summary posted back. */
import { parentPort, workerData } from 'node:worker_threads';
import { finishRun, type FinishInput } from './finish.js';

const { summary } = await finishRun(workerData as FinishInput);
parentPort?.postMessage(summary);
