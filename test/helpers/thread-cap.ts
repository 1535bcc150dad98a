/**
 * A child Node that can start no thread: it moves itself into a pids cgroup of its own and caps it
 * below the threads it already has, so that `new Worker` fails for real (ERR_WORKER_INIT_FAILED,
 * EAGAIN), as under a container's cap on processes. Needs root and the cgroup v1 pids controller
 * (the CI machine has both); THREAD_CAP_MISSING says why not otherwise.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PIDS_CGROUP = '/sys/fs/cgroup/pids';

export const THREAD_CAP_MISSING: string | undefined =
  process.getuid?.() === 0 && existsSync(join(PIDS_CGROUP, 'cgroup.procs')) ? undefined : `needs root and the pids cgroup at ${PIDS_CGROUP}`;

let made = 0;

/** A new pids cgroup of this test process, empty. */
function newCgroup(): string {
  const cgroup = join(PIDS_CGROUP, `soak-test-${process.pid}-${made++}`);
  mkdirSync(cgroup);
  return cgroup;
}

/**
 * Runs `body` (module code; it may await and import) in such a child; the body ends with
 * `await answer(value)`, which prints `value` as JSON with the child's Node warnings (`warnings`:
 * code and message). `spare` threads may still be started (the body's `threads()` counts them).
 */
export function runWithoutThreads(body: string, spare = 0): SpawnSyncReturns<string> {
  const cgroup = newCgroup();
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { readFile } from 'node:fs/promises';
    const warnings = [];
    process.on('warning', (w) => warnings.push([w.code, w.message]));
    // Node emits a warning on a later tick: one emitted by what the body awaited is in by the next turn.
    const answer = async (value) => {
      await new Promise((resolve) => setImmediate(resolve));
      process.stdout.write(JSON.stringify({ ...value, warnings }));
    };
    writeFileSync(${JSON.stringify(join(cgroup, 'cgroup.procs'))}, String(process.pid));
    // libuv's thread pool started first (it starts with the first asynchronous file operation): a pool
    // that could not start would abort the process, where the cap is meant for worker threads alone.
    await readFile('/proc/self/status');
    // Below the threads it has: those go on, and none can be added (a count that a thread ending
    // could lower would leave room for one). With spare threads: its count now and those.
    const threads = () => Number(/Threads:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
    writeFileSync(${JSON.stringify(join(cgroup, 'pids.max'))}, String(${spare} > 0 ? threads() + ${spare} : 1));
    ${body}`;
  try {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (child.status === null) throw new Error(`the child without threads ended by ${child.signal ?? child.error}: ${child.stderr}`);
    return child;
  } finally {
    // Empty once the child has ended.
    rmdirSync(cgroup);
  }
}

/** Caps process `pid` (one already running: its threads go on) so that it can start no thread, until the function returned is called. */
export function capThreads(pid: number): () => void {
  const cgroup = newCgroup();
  writeFileSync(join(cgroup, 'cgroup.procs'), String(pid));
  writeFileSync(join(cgroup, 'pids.max'), '1');
  return () => {
    // The process may have ended (its cgroup is then empty) or still run: back to the root group.
    try {
      writeFileSync(join(PIDS_CGROUP, 'cgroup.procs'), String(pid));
    } catch {}
    rmdirSync(cgroup);
  };
}
