/**
 * A module run in a worker thread for the one message it posts back. The thread's error, or its exit
 * before it answered, rejects the answer; a rejection nobody awaits yet is not counted unhandled, so a
 * caller may do its own work first and await the answer after.
 */
import { Worker } from 'node:worker_threads';

export interface ThreadAnswer<T> {
  readonly answer: Promise<T>;
  /** Ends the thread, whether it answered or not. */
  stop(): void;
}

export interface AskOptions {
  /**
   * Whether the thread gets the host's execArgv (Node's default). Not by default: a host started with
   * `--input-type` would make the thread refuse to start.
   */
  readonly hostExecArgv?: boolean;
}

/**
 * `what` names the thread in the errors of a start that failed (no thread to be had: a container's
 * cap on processes gives ERR_WORKER_INIT_FAILED, EAGAIN) and of an exit before it answered.
 */
export function askThread<T>(entry: URL, workerData: unknown, what: string, options: AskOptions = {}): ThreadAnswer<T> {
  let worker: Worker;
  try {
    worker = new Worker(entry, { workerData, ...(options.hostExecArgv === true ? {} : { execArgv: [] }) });
  } catch (error) {
    const answer = Promise.reject(new Error(`${what} could not start (${messageOf(error)})`, { cause: error }));
    answer.catch(() => undefined);
    return { answer, stop: () => undefined };
  }
  const answer = new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${what} exited (code ${code}) before it answered`)));
  });
  answer.catch(() => undefined);
  return { answer, stop: () => void worker.terminate() };
}

/** The code of the warning that the work of a thread that failed goes on in the calling thread. */
export const THREAD_FAILED = 'SOAK_THREAD_FAILED';

/** Warns (a Node warning, on stderr unless a listener takes it) that `work` goes on in the calling thread, its thread having failed with `error`. */
export function warnThreadFailed(work: string, error: unknown): void {
  process.emitWarning(`${work} goes on in the calling thread: ${messageOf(error)}`, { code: THREAD_FAILED });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
