/**
 * How the threads of an analysis (analyze-run.ts) share the judging of a run's workloads. Each thread
 * owns some workloads: it reads their rows and judges them, the pooled fit first (it finds the
 * figures of every worker's groups, which the workers' own fits then reuse), then each worker. When a
 * series cache lets any thread load any worker's series in milliseconds, the items of that judging
 * (a workload's pooled fit, each of its workers) are listed in a plan the threads share, and a thread
 * done with its own takes over the others' items from the end of their lists: with two workloads
 * of unequal cost, or one workload of ten workers, no thread idles while an item nobody has started
 * remains. An item is taken by exactly one thread (an atomic claim), and its result is the same
 * whoever judges it.
 */
import type { WorkerSeries } from '../analysis/series.js';
import type { AnalysisSettings, WorkerAnalysis } from '../analysis/types.js';
import { judgeWorker, pooledJudgement, type HeapJudgement } from '../analysis/verdict.js';
import { withGroupFigures } from '../analysis/trend.js';
import { readRun, type RecordedRun, type RowFilter } from '../run-dir/read-run.js';

/** One item of the judging: a workload's pooled fit, or one of its workers. */
export interface WorkItem {
  readonly workload: string;
  /** Undefined for the pooled fit. */
  readonly worker?: string;
}

/**
 * The items listed before any thread reads (from the series cache's workers), and what the threads
 * share about them: `claims[i]` is 0 while item i is free, else 1 + the thread that took it;
 * `takeable[j]` for workload j of `workloads` is 0 until its owner has read it, then its number of
 * workers when the owner read exactly the listed ones from the cache (others may take its items
 * over), or -1 when they may not (the cache did not match, a worker the cache lacks).
 */
export interface SharedPlan {
  readonly items: readonly WorkItem[];
  readonly workloads: readonly string[];
  readonly claims: Int32Array;
  readonly takeable: Int32Array;
}

export function sharedPlan(byWorkload: ReadonlyMap<string, readonly string[]>): SharedPlan {
  const items = [...byWorkload].flatMap(([workload, workers]): WorkItem[] => [{ workload }, ...workers.map((worker) => ({ workload, worker }))]);
  const shared = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(Math.max(1, length) * Int32Array.BYTES_PER_ELEMENT));
  return { items, workloads: [...byWorkload.keys()], claims: shared(items.length), takeable: shared(byWorkload.size) };
}

/** What one thread is given: the files, where to stop reading, and its part of the plan. */
export interface Share {
  readonly samplesPath: string;
  readonly eventsPath: string;
  readonly settings: AnalysisSettings;
  /** The workloads this thread owns (may be none: it then only takes items over). */
  readonly workloads: readonly string[];
  /** The series cache to start from, and where to stop reading: as the calling thread's reading does. */
  readonly seriesCache: string;
  readonly toByte: number;
  /** 0 for the calling thread. */
  readonly thread: number;
  readonly plan: SharedPlan | undefined;
}

/** The judged items of a thread: workers by name, pooled fits by workload. */
export interface Judgements {
  readonly workers: Map<string, WorkerAnalysis>;
  readonly pooled: Map<string, HeapJudgement | undefined>;
}

/**
 * How long a thread waits for an owner to say whether its items may be taken over: an owner says it
 * right after its read from the cache (a tenth of a second or two for a day), the calling thread for
 * an owner that failed and for a workload no thread owns. Past it, the items are left to their owner.
 */
const TAKEABLE_WAIT_MS = 5_000;

/**
 * Judges the items of `share`: its own workloads' (all of them, or those no other thread took),
 * then, with a plan, what it can take over from the others. `recorded` is its reading of its own
 * workloads. The calling thread (which must not block) only takes over items an owner has already
 * said may be; another thread waits for the owner to say it.
 */
export async function judgeShare(share: Share, recorded: RecordedRun | undefined): Promise<Judgements> {
  const { plan, settings } = share;
  const judged: Judgements = { workers: new Map(), pooled: new Map() };
  const byWorkload = recorded?.series.byWorkload() ?? new Map<string, WorkerSeries[]>();
  const listed = new Map(plan?.items.map((item, i) => [itemKey(item), i]));
  if (plan !== undefined && recorded !== undefined) {
    for (const workload of share.workloads) publishTakeable(plan, recorded, workload, byWorkload.get(workload) ?? []);
  }
  // An item the plan does not list (no cache, a worker the cache lacks) is its owner's alone.
  const take = (item: WorkItem): boolean => {
    const i = listed.get(itemKey(item));
    return plan === undefined || i === undefined || claim(plan, i, share.thread);
  };
  withGroupFigures(() => {
    for (const workload of share.workloads) {
      const workers = byWorkload.get(workload) ?? [];
      if (take({ workload })) judged.pooled.set(workload, pooledJudgement(workload, workers, settings));
      for (const w of workers) {
        if (take({ workload, worker: w.worker })) judged.workers.set(w.worker, judgeOne(workload, w, settings, recorded?.outOfMemory, workers.length));
      }
    }
  });
  if (plan === undefined) return judged;
  // Others' items from the end of their lists, where their owners come last.
  for (let i = plan.items.length - 1; i >= 0; i--) {
    const item = plan.items[i] as WorkItem;
    if (share.workloads.includes(item.workload)) continue;
    const count = takeableCount(plan, item.workload, share.thread !== 0);
    if (count <= 0 || !claim(plan, i, share.thread)) continue;
    const rows: RowFilter = { only: [item.workload], ...(item.worker === undefined ? {} : { workers: [item.worker] }) };
    const theirs = await readRun(share.samplesPath, share.eventsPath, { rows, seriesCache: share.seriesCache, toByte: share.toByte });
    const workers = theirs.series.byWorkload().get(item.workload) ?? [];
    withGroupFigures(() => {
      if (item.worker === undefined) judged.pooled.set(item.workload, pooledJudgement(item.workload, workers, settings));
      else for (const w of workers) judged.workers.set(w.worker, judgeOne(item.workload, w, settings, theirs.outOfMemory, count));
    });
  }
  return judged;
}

function judgeOne(
  workload: string,
  w: WorkerSeries,
  settings: AnalysisSettings,
  outOfMemory: ReadonlyMap<string, number> | undefined,
  workerCount: number,
): WorkerAnalysis {
  return judgeWorker(workload, w, settings, outOfMemory?.has(w.worker) === true, workerCount);
}

const itemKey = (item: WorkItem): string => `${item.workload}\u0000${item.worker ?? ''}`;

/** Item i for `thread`, unless another thread has it. */
function claim(plan: SharedPlan, i: number, thread: number): boolean {
  return Atomics.compareExchange(plan.claims, i, 0, thread + 1) === 0;
}

/** Says whether `workload`'s items may be taken over: they may when its workers as read are the plan's, from the cache. */
function publishTakeable(plan: SharedPlan, recorded: RecordedRun, workload: string, workers: readonly WorkerSeries[]): void {
  const at = plan.workloads.indexOf(workload);
  if (at < 0) return;
  const read = workers.map((w) => w.worker);
  const planned = plan.items.flatMap((item) => (item.workload === workload && item.worker !== undefined ? [item.worker] : []));
  const same = recorded.reading.cachedEndByte > 0 && read.length === planned.length && read.every((w) => planned.includes(w));
  refuseOrAllow(plan, at, same ? read.length : -1);
}

/** Tells every thread waiting to take over these workloads' items that it cannot (those already allowed stay so). */
export function refuseAll(plan: SharedPlan | undefined, workloads: readonly string[]): void {
  if (plan === undefined) return;
  for (const workload of workloads) {
    const at = plan.workloads.indexOf(workload);
    if (at >= 0) refuseOrAllow(plan, at, -1);
  }
}

/** Sets workload `at`'s takeable value once (a later call leaves it) and wakes the threads waiting for it. */
export function refuseOrAllow(plan: SharedPlan, at: number, value: number): void {
  Atomics.compareExchange(plan.takeable, at, 0, value);
  Atomics.notify(plan.takeable, at);
}

function takeableCount(plan: SharedPlan, workload: string, wait: boolean): number {
  const at = plan.workloads.indexOf(workload);
  if (wait && Atomics.wait(plan.takeable, at, 0, TAKEABLE_WAIT_MS) === 'timed-out') refuseOrAllow(plan, at, -1);
  return Atomics.load(plan.takeable, at);
}

/** One thread's share read and judged: what an analysis thread does. A thread that owns no workload reads nothing of its own. */
export async function readAndJudge(share: Share): Promise<{ recorded: RecordedRun | undefined; judged: Judgements }> {
  const recorded =
    share.workloads.length === 0
      ? undefined
      : await readRun(share.samplesPath, share.eventsPath, { rows: { only: share.workloads }, seriesCache: share.seriesCache, toByte: share.toByte });
  return { recorded, judged: await judgeShare(share, recorded) };
}
