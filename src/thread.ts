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

/** `what` names the thread in the error of an exit before it answered. */
export function askThread<T>(entry: URL, workerData: unknown, what: string, options: AskOptions = {}): ThreadAnswer<T> {
  const worker = new Worker(entry, { workerData, ...(options.hostExecArgv === true ? {} : { execArgv: [] }) });
  const answer = new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${what} exited (code ${code}) before it answered`)));
  });
  answer.catch(() => undefined);
  return { answer, stop: () => void worker.terminate() };
}
