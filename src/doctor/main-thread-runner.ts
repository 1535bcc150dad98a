/**
 * The process `soak doctor` starts under Clinic Doctor: one workload on the main thread (doctor
 * samples this thread's event loop and this process; it cannot see into worker threads), with
 * `concurrency` operations in flight as a worker of `soak run` keeps them (src/worker/runner.ts),
 * for the duration; then the workload's teardown, doctor.json, and a natural exit: doctor's
 * sampler writes its last samples on `beforeExit`, so this script never calls process.exit().
 *
 * Its one argument is a DoctorRunnerConfig as JSON. Its outcome is doctor.json, which the command
 * reads; a workload whose setup throws is recorded there and the exit code stays 0, so doctor
 * adds no line of its own.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { loadWorkloads } from '../controller/workload-loader.js';
import { seededRandom } from '../random.js';
import type { Params, Workload, WorkloadContext } from '../workload.js';
import type { DoctorOutcome, DoctorRecord, DoctorRunnerConfig } from './protocol.js';

/** Continuous synchronous work a lane may do before it lets timers, I/O and doctor's sampler run (as in a worker). */
const MAX_BUSY_MS = 5;
/** After teardown, how long handles the workload left open may keep the process alive before doctor is told to finish. */
const LINGER_MS = 5000;

const config = JSON.parse(process.argv[2] ?? 'null') as DoctorRunnerConfig | null;
if (config === null) throw new Error('main-thread-runner: give a DoctorRunnerConfig as JSON (soak doctor starts this script)');

const [loaded] = await loadWorkloads([config.load], config.params);
if (loaded === undefined) throw new Error(`main-thread-runner: no workload loaded from '${config.load}'`);
const workload = ((await import(loaded.url)) as { default: Workload }).default;
const abort = new AbortController();
const ctx: WorkloadContext = { workerIndex: 0, threadId, signal: abort.signal, random: seededRandom(config.seed, 0, 0) };
const startedAt = new Date().toISOString();

// Ctrl-C reaches this process too (and doctor relays it): stop early, tear down, and let doctor write what it has.
// While this listener is there, doctor's sampler does not end the process on SIGINT itself.
let stoppedBy: string | undefined;
const stop = (signal: NodeJS.Signals): void => {
  stoppedBy ??= signal;
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const outcome = await run(loaded.params, config);
const record: DoctorRecord = {
  schemaVersion: 1,
  workload: loaded.name,
  spec: config.spec,
  params: loaded.params,
  durationS: config.durationS,
  concurrency: config.concurrency,
  seed: config.seed,
  commandLine: config.commandLine,
  startedAt,
  pid: process.pid,
  outcome,
};
writeFileSync(config.recordPath, `${JSON.stringify(record, null, 2)}\n`);
process.off('SIGINT', stop);
process.off('SIGTERM', stop);

// A workload that leaves a server or an interval behind would keep this process, and so doctor, waiting forever.
setTimeout(() => {
  const open = process.getActiveResourcesInfo().join(' ');
  process.stderr.write(`soak doctor: workload '${loaded.name}' left handles open after its teardown (${open}); finishing without them\n`);
  process.emit('beforeExit', 0);
}, LINGER_MS).unref();

async function run(params: Params, settings: DoctorRunnerConfig): Promise<DoctorOutcome> {
  let state: unknown;
  try {
    state = await workload.setup?.(params, ctx);
  } catch (err) {
    return { kind: 'setup-failed', message: err instanceof Error ? err.message : String(err) };
  }
  const counts = { ops: 0, errors: 0 };
  const start = performance.now();
  const deadline = start + settings.durationS * 1000;
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < settings.concurrency; i++) lanes.push(lane(state, deadline, counts));
  await Promise.all(lanes);
  const elapsedS = (performance.now() - start) / 1000;
  abort.abort();
  let teardownError: string | undefined;
  try {
    await workload.teardown?.(state, ctx);
  } catch (err) {
    teardownError = err instanceof Error ? err.message : String(err);
  }
  return {
    kind: 'ran',
    elapsedS,
    opsTotal: counts.ops,
    errorsTotal: counts.errors,
    ...(stoppedBy === undefined ? {} : { stoppedBy }),
    ...(teardownError === undefined ? {} : { teardownError }),
  };
}

async function lane(state: unknown, deadline: number, counts: { ops: number; errors: number }): Promise<void> {
  let busySince = performance.now();
  while (stoppedBy === undefined && performance.now() < deadline) {
    try {
      const result = workload.run(state, ctx);
      if (isThenable(result)) await result;
    } catch {
      counts.errors++;
    }
    counts.ops++;
    if (performance.now() - busySince > MAX_BUSY_MS) {
      await yieldToEventLoop();
      busySince = performance.now();
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
