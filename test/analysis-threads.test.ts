/**
 * The analysis of a large run on several threads (analyze-run.ts): each thread reads and judges its
 * share of the workloads, and what comes back is what one thread alone finds, to the last figure.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeDayRun } from '../scripts/gen-day-csv.js';
import { WorkerSeries } from '../src/analysis/series.js';
import type { AnalysisSettings } from '../src/analysis/types.js';
import { analyzeRecordedRun, type RunAnalysis } from '../src/commands/analyze-run.js';
import { THREAD_FAILED } from '../src/thread.js';
import { readRun, workloadsAtStart } from '../src/run-dir/read-run.js';
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
