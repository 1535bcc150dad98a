/**
 * piscina worker entry. The first task a worker gets claims a free slot (a stable name such as
 * `cache#0` that outlives respawns), loads the workload and runs its setup; later tasks run time
 * slices and, when the controller has started a new sample tick, measure first.
 */
import { join } from 'node:path';
import { threadId, workerData } from 'node:worker_threads';
import type { Workload } from '../workload.js';
import { SNAPSHOT_PHASES, snapshotFileName, type SnapshotTaken, type WorkerConfig, type WorkerResult, type WorkerSample, type WorkerTask } from './protocol.js';
import { WorkloadRunner } from './runner.js';
import { takeSnapshot } from './snapshot.js';

// stdout belongs to the controller's machine output (--json); a workload's console.log goes to stderr with the rest of the chatter.
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const config = workerData as WorkerConfig;
const threads = new Int32Array(config.slots).length / 2;
const owners = new Int32Array(config.slots, 0, threads);
const generations = new Int32Array(config.slots, threads * Int32Array.BYTES_PER_ELEMENT, threads);
const tick = new Int32Array(config.tick);
const snapshotRequests = config.snapshotRequests === undefined ? undefined : new Int32Array(config.snapshotRequests);

let started: Promise<{ runner: WorkloadRunner; slot: number; segment: number } | WorkerResult> | undefined;

export default async function handle(task: WorkerTask): Promise<WorkerResult> {
  started ??= start();
  const outcome = await started;
  if ('kind' in outcome) {
    // No free slot yet (the controller frees a dead worker's slot when it sees it exit): try again later.
    if (outcome.kind === 'no-slot') started = undefined;
    return outcome;
  }
  const { runner, slot, segment } = outcome;
  const answer = (extra: { sample?: WorkerSample; snapshot?: SnapshotTaken; tornDown?: boolean; teardownError?: string } = {}): WorkerResult => ({
    kind: 'ok',
    slot,
    segment,
    threadId,
    opsTotal: runner.opsTotal,
    errorsTotal: runner.errorsTotal,
    ...extra,
  });
  if (task.kind === 'teardown') {
    if (runner.tornDown) return answer({ tornDown: true });
    const { sample, error } = await runner.teardown(Atomics.load(tick, 0));
    return answer(error === undefined ? { sample, tornDown: true } : { sample, tornDown: true, teardownError: error });
  }
  if (runner.tornDown) return answer();
  const sample = runner.sampleIfDue(Atomics.load(tick, 0));
  const snapshot = snapshotIfAsked(slot, segment);
  await runner.runSlice(task.ms);
  return answer({ ...(sample === undefined ? {} : { sample }), ...(snapshot === undefined ? {} : { snapshot }) });
}

async function start(): Promise<{ runner: WorkloadRunner; slot: number; segment: number } | WorkerResult> {
  const slot = claimSlot();
  if (slot < 0) return { kind: 'no-slot', threadId };
  const segment = Atomics.add(generations, slot, 1);
  const workload = ((await import(config.workloadUrl)) as { default: Workload }).default;
  const runner = new WorkloadRunner(workload, config, slot, segment);
  try {
    await runner.setup();
  } catch (err) {
    return { kind: 'setup-failed', slot, threadId, message: err instanceof Error ? err.message : String(err) };
  }
  return { runner, slot, segment };
}

/** The snapshot the controller asked of this slot, if any: taken now, synchronously, streamed by V8 to its file. */
function snapshotIfAsked(slot: number, segment: number): SnapshotTaken | undefined {
  if (snapshotRequests === undefined || config.snapshotDir === undefined) return undefined;
  const code = Atomics.exchange(snapshotRequests, slot, 0);
  const phase = SNAPSHOT_PHASES[code - 1];
  if (phase === undefined) return undefined;
  return takeSnapshot(join(config.snapshotDir, snapshotFileName(config.workloadName, slot, segment, phase)), phase);
}

function claimSlot(): number {
  for (let slot = 0; slot < threads; slot++) {
    if (Atomics.compareExchange(owners, slot, 0, threadId) === 0) return slot;
  }
  return -1;
}
