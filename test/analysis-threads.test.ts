/**
 * The analysis of a large run on several threads (analyze-run.ts): each thread reads and judges its
 * share of the workloads, and what comes back is what one thread alone finds, to the last figure.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeDayRun } from '../scripts/gen-day-csv.js';
import { WorkerSeries } from '../src/analysis/series.js';
import type { AnalysisSettings } from '../src/analysis/types.js';
import { analyzeRecordedRun, type RunAnalysis } from '../src/commands/analyze-run.js';
import { THREAD_FAILED } from '../src/thread.js';
import { readRun, workloadsAtStart } from '../src/run-dir/read-run.js';
import { cachedWorkers, SERIES_CACHE_FILE } from '../src/run-dir/series-cache.js';
import { judgeShare, refuseOrAllow, sharedPlan, type Share, type SharedPlan } from '../src/commands/analysis-share.js';
import { columnsOf, figures } from './helpers/analysis.js';
import { tempDir } from './helpers/cli.js';
import { runWithoutThreads, THREAD_CAP_MISSING } from './helpers/thread-cap.js';

const MB = 1024 * 1024;
const settings: AnalysisSettings = { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 100 * MB }, warmup: 'auto', profile: 'long' };

const dir = tempDir();
// Two hours of 1 s samples of 10 workers (~79K rows): long enough for the estimated fits (over EXACT_POINTS per pooled fit).
const run = writeDayRun(join(dir, 'run'), { durationS: 7200, warmupS: 600 });

test('two threads find what one finds: verdicts, figures, every series, with or without the names of the workloads', async () => {
  const one = await analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { workloads: ['cache', 'webhook'], threads: 1 });
  assert.deepEqual(
    one.workloads.map((w) => [w.name, w.verdict]),
    [
      ['cache', 'leak'],
      ['webhook', 'pass'],
    ],
  );
  const two = await analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { workloads: ['cache', 'webhook'], threads: 2 });
  assert.deepEqual(figures(two), figures(one));
  // Unnamed, the workloads are taken from the first rows, in order of appearance.
  const unnamed = await analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { threads: 2 });
  assert.deepEqual(figures(unnamed), figures(one));
  // Named in another order, the result follows the names.
  const reversed = await analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { workloads: ['webhook', 'cache'], threads: 2 });
  assert.deepEqual(
    reversed.workloads.map((w) => w.name),
    ['webhook', 'cache'],
  );
});

test("a workload that first appears after the file's first rows is read by the calling thread, in its place", async () => {
  // webhook#4's rows of the second hour become those of a workload 'late', which the first rows cannot show.
  const lines = readFileSync(run.samplesPath, 'utf8').split('\n');
  const renamed = lines.map((line, i) =>
    i > lines.length / 2 && line.includes(',webhook,webhook#4,') ? line.replace(',webhook,webhook#4,', ',late,late#0,') : line,
  );
  const samplesPath = join(dir, 'late.csv');
  writeFileSync(samplesPath, renamed.join('\n'));
  assert.deepEqual(workloadsAtStart(samplesPath), ['cache', 'webhook']);
  const one = await analyzeRecordedRun(samplesPath, run.eventsPath, settings, { threads: 1 });
  assert.deepEqual(
    one.workloads.map((w) => w.name),
    ['cache', 'webhook', 'late'],
  );
  const two = await analyzeRecordedRun(samplesPath, run.eventsPath, settings, { threads: 2 });
  assert.deepEqual(figures(two), figures(one));
});

test('three and four threads find what one finds: the shares uneven on three, one workload each on four', async () => {
  // The path of a 4-core machine (GitHub's runners): one thread per core up to 4, each its share of the workloads.
  const four = writeDayRun(join(dir, 'four'), { durationS: 7200, warmupS: 600, fourWorkloads: true });
  const names = ['cache-a', 'cache-b', 'webhook-a', 'webhook-b'];
  const one = await analyzeRecordedRun(four.samplesPath, four.eventsPath, settings, { workloads: names, threads: 1 });
  assert.deepEqual(
    one.workloads.map((w) => [w.name, w.verdict, w.respawns]),
    [
      ['cache-a', 'pass', 0],
      ['cache-b', 'leak', 0],
      ['webhook-a', 'pass', 0],
      ['webhook-b', 'pass', 1],
    ],
  );
  for (const threads of [3, 4]) {
    const many = await analyzeRecordedRun(four.samplesPath, four.eventsPath, settings, { workloads: names, threads });
    assert.deepEqual(figures(many), figures(one), `${threads} threads`);
  }
});

/** A copy of the run (or of `workload`'s rows and the controller's) in a directory of its own, with the series cache of its analysis. */
async function cachedCopy(name: string, workload?: string): Promise<{ samplesPath: string; eventsPath: string; cache: string }> {
  const at = join(dir, name);
  mkdirSync(at);
  const samplesPath = join(at, 'samples.csv');
  const eventsPath = join(at, 'events.csv');
  const lines = readFileSync(run.samplesPath, 'utf8').split('\n');
  writeFileSync(
    samplesPath,
    workload === undefined
      ? lines.join('\n')
      : lines.filter((line, i) => i === 0 || !/,(cache|webhook),/.test(line) || line.includes(`,${workload},`)).join('\n'),
  );
  copyFileSync(run.eventsPath, eventsPath);
  const first = await analyzeRecordedRun(samplesPath, eventsPath, settings, { threads: 1, writeSeriesCache: true });
  assert.equal(await first.seriesCached, true);
  return { samplesPath, eventsPath, cache: join(at, SERIES_CACHE_FILE) };
}

test('with a series cache, threads take over items of workloads not their own: the same figures on 2 and 3 threads, and for one workload on 2', async () => {
  const two = await cachedCopy('cached-two');
  const one = await analyzeRecordedRun(two.samplesPath, two.eventsPath, settings, { workloads: ['cache', 'webhook'], threads: 1 });
  for (const threads of [2, 3]) {
    const many = await analyzeRecordedRun(two.samplesPath, two.eventsPath, settings, { workloads: ['cache', 'webhook'], threads });
    assert.deepEqual(figures(many), figures(one), `${threads} threads`);
  }
  // One workload, ten workers... five here: the second thread owns nothing and takes workers over.
  const single = await cachedCopy('cached-one', 'cache');
  const alone = await analyzeRecordedRun(single.samplesPath, single.eventsPath, settings, { threads: 1 });
  assert.deepEqual(
    alone.workloads.map((w) => [w.name, w.verdict, w.workers.length]),
    [['cache', 'leak', 5]],
  );
  const shared = await analyzeRecordedRun(single.samplesPath, single.eventsPath, settings, { threads: 2 });
  assert.deepEqual(figures(shared), figures(alone));
});

test("a series cache of another file's workloads lets no item go: the same figures as one thread", async () => {
  const stale = await cachedCopy('stale', 'webhook');
  copyFileSync(join(dir, 'cached-one', SERIES_CACHE_FILE), stale.cache);
  assert.deepEqual([...(cachedWorkers(stale.cache)?.keys() ?? [])], ['cache']);
  const one = await analyzeRecordedRun(stale.samplesPath, stale.eventsPath, settings, { threads: 1 });
  const two = await analyzeRecordedRun(stale.samplesPath, stale.eventsPath, settings, { threads: 2 });
  assert.deepEqual(figures(two), figures(one));
});

test('an item is judged by whichever thread claims it first, with the same result; a reading without the cache lets no item go', async () => {
  const { samplesPath, eventsPath, cache } = await cachedCopy('claims', 'webhook');
  const expected = await analyzeRecordedRun(samplesPath, eventsPath, settings, { threads: 1 });
  const [webhook] = expected.workloads;
  assert.ok(webhook !== undefined && webhook.heap !== undefined);
  const byWorkload = cachedWorkers(cache);
  assert.deepEqual(
    [...(byWorkload ?? [])].map(([w, workers]) => [w, workers.length]),
    [['webhook', 5]],
  );
  const share = (thread: number, workloads: string[], plan: SharedPlan): Share => ({
    samplesPath,
    eventsPath,
    settings,
    workloads,
    seriesCache: cache,
    toByte: statSync(samplesPath).size,
    thread,
    plan,
  });
  // The owner reads from the cache and allows its items to be taken; a thread with none of its own then takes them all (the owner has yet to start).
  const plan = sharedPlan(byWorkload ?? new Map());
  const owned = await readRun(samplesPath, eventsPath, { rows: { only: ['webhook'] }, seriesCache: cache });
  assert.ok(owned.reading.cachedEndByte > 0);
  refuseOrAllow(plan, 0, 5);
  const taken = await judgeShare(share(1, [], plan), undefined);
  assert.deepEqual(
    [...plan.claims],
    Array.from({ length: 6 }, () => 2),
  );
  const left = await judgeShare(share(0, ['webhook'], plan), owned);
  assert.deepEqual([left.workers.size, left.pooled.size], [0, 0]);
  // Taken from the end of the list: by name, they are the workers' analyses of the whole workload's.
  assert.deepEqual([...taken.workers.keys()], webhook.workers.map((w) => w.worker).reverse());
  assert.deepEqual(
    webhook.workers.map((w) => taken.workers.get(w.worker)),
    webhook.workers,
  );
  assert.deepEqual(taken.pooled.get('webhook')?.heap, webhook.heap);
  // Read without the cache, the owner says no item may be taken over: it judges them all, the other thread none.
  const refused = sharedPlan(byWorkload ?? new Map());
  const uncached = await readRun(samplesPath, eventsPath, { rows: { only: ['webhook'] } });
  const all = await judgeShare(share(0, ['webhook'], refused), uncached);
  assert.deepEqual([Atomics.load(refused.takeable, 0), all.workers.size, all.pooled.size], [-1, 5, 1]);
  const none = await judgeShare(share(1, [], refused), undefined);
  assert.deepEqual([none.workers.size, none.pooled.size], [0, 0]);
  assert.deepEqual([...all.workers.values()], webhook.workers);
});

/** Per workload, by name: its workers with their sample counts and totals (written to run in the child too). */
function seriesOf(a: RunAnalysis): unknown {
  return [...a.recorded.series.byWorkload()]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([name, workers]) => [name, workers.map((w) => [w.worker, w.columns.t.length, w.opsTotal, w.errorsTotal, w.cooldown?.heapBytes])]);
}

test('a thread that cannot start (a limit on processes) leaves its share to the calling thread: same figures, and a warning', async (t) => {
  if (THREAD_CAP_MISSING !== undefined) {
    t.skip(THREAD_CAP_MISSING);
    return;
  }
  const child = runWithoutThreads(`
    const { analyzeRecordedRun } = await import(${JSON.stringify(new URL('../src/commands/analyze-run.js', import.meta.url).href)});
    const a = await analyzeRecordedRun(${JSON.stringify(run.samplesPath)}, ${JSON.stringify(run.eventsPath)}, ${JSON.stringify(settings)}, { workloads: ['cache', 'webhook'], threads: 2 });
    await answer({ workloads: a.workloads, rss: a.rss, controllerHeap: a.controllerHeap, series: seriesOf(a) });
    ${seriesOf.toString()}`);
  assert.equal(child.status, 0, String(child.stderr));
  const got = JSON.parse(String(child.stdout)) as { warnings: [string, string][]; workloads: unknown; rss: unknown; controllerHeap: unknown; series: unknown };
  assert.equal(got.warnings.length, 1, JSON.stringify(got.warnings));
  const [code, message] = got.warnings[0] ?? [];
  assert.equal(code, THREAD_FAILED);
  // Thread 1 takes the first workload (analyze-run.ts): its share is the one moved.
  assert.match(message ?? '', /^the analysis of cache goes on in the calling thread: the analysis thread of cache could not start \(.*EAGAIN.*\)$/);
  const one = await analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { workloads: ['cache', 'webhook'], threads: 1 });
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
  assert.deepEqual(
    { workloads: got.workloads, rss: got.rss, controllerHeap: got.controllerHeap, series: got.series },
    plain({ workloads: one.workloads, rss: one.rss, controllerHeap: one.controllerHeap, series: seriesOf(one) }),
  );
});

test('a thread with no workload of its own that cannot start leaves the whole workload to the calling thread: same figures, and a warning', async (t) => {
  if (THREAD_CAP_MISSING !== undefined) {
    t.skip(THREAD_CAP_MISSING);
    return;
  }
  const single = await cachedCopy('cached-capped', 'cache');
  const child = runWithoutThreads(`
    const { analyzeRecordedRun } = await import(${JSON.stringify(new URL('../src/commands/analyze-run.js', import.meta.url).href)});
    const a = await analyzeRecordedRun(${JSON.stringify(single.samplesPath)}, ${JSON.stringify(single.eventsPath)}, ${JSON.stringify(settings)}, { threads: 2 });
    await answer({ workloads: a.workloads });`);
  assert.equal(child.status, 0, String(child.stderr));
  const got = JSON.parse(String(child.stdout)) as { warnings: [string, string][]; workloads: unknown };
  assert.deepEqual(
    got.warnings.map(([code, message]) => [code, message.replace(/could not start \(.*EAGAIN.*\)$/, 'could not start (EAGAIN)')]),
    [[THREAD_FAILED, 'what analysis thread 1 took over goes on in the calling thread: analysis thread 1 (no workload of its own) could not start (EAGAIN)']],
  );
  const one = await analyzeRecordedRun(single.samplesPath, single.eventsPath, settings, { threads: 1 });
  assert.deepEqual(got.workloads, JSON.parse(JSON.stringify(one.workloads)));
});

test('readRun reads only the workloads asked for, or all but those given (the controller with them)', async () => {
  const only = await readRun(run.samplesPath, run.eventsPath, { rows: { only: ['webhook'] } });
  assert.deepEqual([...only.series.byWorkload().keys()], ['webhook']);
  assert.equal(only.series.controller.t.length, 0);
  const except = await readRun(run.samplesPath, run.eventsPath, { rows: { except: ['webhook'] } });
  assert.deepEqual([...except.series.byWorkload().keys()], ['cache']);
  assert.ok(except.series.controller.t.length > 7000, `${except.series.controller.t.length} controller rows`);
  // The events are read whole by each.
  assert.deepEqual([...only.respawns], [[run.respawnedWorker, 1]]);
  assert.deepEqual([...except.respawns], [[run.respawnedWorker, 1]]);
});

test('a series passed between threads keeps its columns and counters, and takes no more samples', async () => {
  const recorded = await readRun(run.samplesPath, run.eventsPath, { rows: { only: ['webhook'] } });
  const original = recorded.series
    .byWorkload()
    .get('webhook')
    ?.find((w) => w.worker === run.respawnedWorker);
  assert.ok(original !== undefined);
  const copy = WorkerSeries.fromData(structuredClone(original.data()));
  assert.deepEqual(columnsOf(copy.columns), columnsOf(original.columns));
  assert.deepEqual([copy.opsTotal, copy.errorsTotal, copy.cooldown], [original.opsTotal, original.errorsTotal, original.cooldown]);
  assert.throws(() => copy.add({ ...sampleRow(), worker: copy.worker }), /complete; nothing can be added/);
});

test('a failure while the threads work rejects, and leaves no thread behind', async () => {
  // events.csv a directory: every thread's read fails. The test file ending at all shows no thread was left running.
  await assert.rejects(analyzeRecordedRun(run.samplesPath, dir, settings, { workloads: ['cache', 'webhook'], threads: 2 }), /EISDIR/);
});

function sampleRow(): Parameters<WorkerSeries['add']>[0] {
  return {
    elapsedS: 1e6,
    segment: 0,
    phase: 'steady',
    workload: 'webhook',
    worker: '',
    opsTotal: 0,
    errorsTotal: 0,
    heapBytes: MB,
    codeBytes: 0,
    externalBytes: 0,
    activeHandles: 0,
    rssBytes: 0,
  };
}
