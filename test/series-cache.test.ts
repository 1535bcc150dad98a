/**
 * The series cache (series-cache.ts): an analysis that starts from the cache an earlier one left and
 * reads only the rows appended since finds what a reading of the whole file finds, to the last
 * figure; a cache that does not match the file is not used.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeDayRun } from '../scripts/gen-day-csv.js';
import { RunSeries, WorkerSeries, type SampleRow } from '../src/analysis/series.js';
import type { AnalysisSettings } from '../src/analysis/types.js';
import { reanalyze } from '../src/commands/analyze.js';
import { analyzeRecordedRun } from '../src/commands/analyze-run.js';
import { readRun, type RecordedRun } from '../src/run-dir/read-run.js';
import { SERIES_CACHE_FILE, SERIES_CACHE_MIN_BYTES } from '../src/run-dir/series-cache.js';
import { columnsOf, figures, seriesFigures } from './helpers/analysis.js';
import { tempDir } from './helpers/cli.js';

const MB = 1024 * 1024;
const settings: AnalysisSettings = { thresholds: { maxSlopeBytesPerHour: MB, maxGrowthBytes: 100 * MB }, warmup: 'auto', profile: 'long' };

const dir = tempDir();
// Three hours of 1 s samples of 10 workers: ~21 MB, over the size that gets a cache.
const run = writeDayRun(join(dir, 'whole'), { durationS: 10_800, warmupS: 600 });
const whole = readFileSync(run.samplesPath);
/** The file as an interim report 2.5 hours in saw it (~18 MB): its rows up to the first at 9000 s. */
const prefix = whole.subarray(0, firstRowAt(whole, 9000));

/** Where the first row at or after `elapsedS` starts. */
function firstRowAt(csv: Buffer, elapsedS: number): number {
  const column = csv.subarray(0, csv.indexOf(0x0a)).toString().split(',').indexOf('elapsed_s');
  for (let start = csv.indexOf(0x0a) + 1; start < csv.length; start = csv.indexOf(0x0a, start) + 1) {
    if (Number(csv.subarray(start, csv.indexOf(0x0a, start)).toString().split(',')[column]) >= elapsedS) return start;
  }
  return csv.length;
}

/** A run directory holding `samples` (and the run's events, or `events`), with no cache yet. */
function runDir(name: string, samples: Buffer, events: string = readFileSync(run.eventsPath, 'utf8')): { samples: string; events: string; cache: string } {
  const at = join(dir, name);
  mkdirSync(at);
  writeFileSync(join(at, 'samples.csv'), samples);
  writeFileSync(join(at, 'events.csv'), events);
  return { samples: join(at, 'samples.csv'), events: join(at, 'events.csv'), cache: join(at, SERIES_CACHE_FILE) };
}

/** The analysis of the whole file, read without a cache: what every analysis of it from a cache must find. */
let expected: Promise<unknown> | undefined;
const whole3h = (): Promise<unknown> => (expected ??= analyzeRecordedRun(run.samplesPath, run.eventsPath, settings, { threads: 1 }).then(figures));

/** The reading from the cache, and a reading of the whole file without it. */
async function readBoth(paths: { samples: string; events: string; cache: string }): Promise<[RecordedRun, RecordedRun]> {
  const cached = await readRun(paths.samples, paths.events, { seriesCache: paths.cache });
  const plain = await readRun(paths.samples, paths.events);
  return [cached, plain];
}

// Independent runs of their own, one thread each mostly: side by side on two cores.
describe('the series cache', { concurrency: true }, () => {
  test('an analysis from the cache of an earlier one, reading only the rows appended since, finds what reading the whole file finds', async () => {
    assert.ok(prefix.length >= SERIES_CACHE_MIN_BYTES, `${prefix.length} bytes at 2.5 hours`);
    const expected = await whole3h();
    const at = runDir('growing', prefix);
    const interim = await analyzeRecordedRun(at.samples, at.events, settings, { threads: 2, writeSeriesCache: true });
    assert.equal(await interim.seriesCached, true);
    assert.equal(interim.recorded.reading.cachedEndByte, 0, 'no cache to start from');
    // The rest of the run is recorded; the final analysis, on either path of the threads, starts from the cache.
    writeFileSync(at.samples, whole);
    for (const threads of [1, 2]) {
      copyFileSync(`${at.cache}`, `${at.cache}.kept`);
      const final = await analyzeRecordedRun(at.samples, at.events, settings, { threads, writeSeriesCache: true });
      assert.equal(final.recorded.reading.cachedEndByte, prefix.length, `${threads} threads start where the cache ends`);
      assert.equal(final.recorded.reading.endByte, whole.length);
      assert.deepEqual(figures(final), expected, `${threads} threads`);
      // It leaves a cache of the whole file, which the next analysis reads all of: nothing is written again.
      assert.equal(await final.seriesCached, true);
      const again = await analyzeRecordedRun(at.samples, at.events, settings, { threads, writeSeriesCache: true });
      assert.equal(again.recorded.reading.cachedEndByte, whole.length);
      assert.equal(await again.seriesCached, false);
      assert.deepEqual(figures(again), expected);
      copyFileSync(`${at.cache}.kept`, at.cache);
    }
  });

  test('a cache that does not match the file is not used: bytes changed before its end, the file cut shorter, the cache cut short or of another version', async () => {
    const at = runDir('mismatch', prefix);
    assert.equal(await (await analyzeRecordedRun(at.samples, at.events, settings, { threads: 1, writeSeriesCache: true })).seriesCached, true);
    const made = readFileSync(at.cache);
    const unused = async (what: string): Promise<void> => {
      const [cached, plain] = await readBoth(at);
      assert.equal(cached.reading.cachedEndByte, 0, `${what}: the cache is not used`);
      assert.deepEqual(seriesFigures(cached), seriesFigures(plain), what);
    };
    // A figure of the last row the cache holds, changed (same length): the file is not the one the cache was made from.
    const changed = Buffer.from(whole);
    const digit = changed.lastIndexOf(0x31, prefix.length - 2);
    changed[digit] = 0x32;
    writeFileSync(at.samples, changed);
    await unused('a byte changed before the end of the cache');
    writeFileSync(at.samples, prefix.subarray(0, prefix.length - 1000));
    await unused('the file cut shorter than the cache');
    writeFileSync(at.samples, whole);
    writeFileSync(at.cache, made.subarray(0, made.length / 2));
    await unused('the cache cut short');
    const other = Buffer.from(made);
    other[7] = 0x7f;
    writeFileSync(at.cache, other);
    await unused("another version's cache");
    writeFileSync(at.cache, 'not a cache');
    await unused('not a cache at all');
    // The same cache, whole, is used.
    writeFileSync(at.cache, made);
    const [cached, plain] = await readBoth(at);
    assert.equal(cached.reading.cachedEndByte, prefix.length);
    assert.deepEqual(seriesFigures(cached), seriesFigures(plain));
  });

  test('a heap snapshot recorded after the cache leaves out the same sample as a whole reading; one recorded late makes the cache unused', async () => {
    const events = readFileSync(run.eventsPath, 'utf8');
    const snapshotAt = (s: number): string => `2025-01-06T08:00:00.000Z,${s},cache,cache#1,2,snapshot,baseline\n`;
    // One snapshot before the cache's end: the sample after it is left out, in the cache and in a whole reading alike.
    const at = runDir('snapshots', prefix, events + snapshotAt(3000));
    assert.equal(await (await analyzeRecordedRun(at.samples, at.events, settings, { threads: 1, writeSeriesCache: true })).seriesCached, true);
    writeFileSync(at.samples, whole);
    // A second one after the rows the cache holds: the cache goes on.
    appendFileSync(at.events, snapshotAt(10_000));
    const [cached, plain] = await readBoth(at);
    assert.equal(cached.reading.cachedEndByte, prefix.length);
    assert.deepEqual(seriesFigures(cached), seriesFigures(plain));
    const cache1 = (r: RecordedRun): WorkerSeries | undefined =>
      r.series
        .byWorkload()
        .get('cache')
        ?.find((w) => w.worker === 'cache#1');
    const cache0 = (r: RecordedRun): WorkerSeries | undefined =>
      r.series
        .byWorkload()
        .get('cache')
        ?.find((w) => w.worker === 'cache#0');
    assert.equal(cache1(plain)?.columns.t.length, (cache0(plain)?.columns.t.length ?? 0) - 2, 'one sample left out after each snapshot');
    // One recorded within the cache's rows (its event written late): the cache kept the sample it leaves out.
    writeFileSync(at.events, events + snapshotAt(3000) + snapshotAt(8000));
    const [late, lateWhole] = await readBoth(at);
    assert.equal(late.reading.cachedEndByte, 0);
    assert.deepEqual(seriesFigures(late), seriesFigures(lateWhole));
  });

  test('no cache for a small file, nor in the run directory of an analysis written elsewhere; `soak analyze` into the run leaves one', async () => {
    const small = runDir('small', whole.subarray(0, firstRowAt(whole, 1800)));
    assert.ok(statSync(small.samples).size < SERIES_CACHE_MIN_BYTES);
    assert.equal(await (await analyzeRecordedRun(small.samples, small.events, settings, { threads: 1, writeSeriesCache: true })).seriesCached, false);
    assert.equal(existsSync(small.cache), false);
    const at = runDir('analyzed', whole);
    await reanalyze({ run: join(dir, 'analyzed'), outDir: join(dir, 'elsewhere') });
    assert.equal(existsSync(at.cache), false, 'an analysis written elsewhere leaves the run directory as it was');
    await reanalyze({ run: join(dir, 'analyzed') });
    assert.equal(existsSync(at.cache), true);
    // A cache that cannot be written (its path a directory) costs the analysis nothing.
    const blocked = runDir('blocked', whole);
    mkdirSync(blocked.cache);
    const analysis = await analyzeRecordedRun(blocked.samples, blocked.events, settings, { threads: 1, writeSeriesCache: true });
    assert.equal(await analysis.seriesCached, false);
    assert.deepEqual(figures(analysis), await whole3h());
  });
});

test('a series joined from its earlier rows and its later ones is the series of all of them', () => {
  const row = (i: number, over: Partial<SampleRow> = {}): SampleRow => ({
    elapsedS: i,
    segment: i < 6 ? 0 : 1,
    phase: i < 2 ? 'warmup' : 'steady',
    workload: 'w',
    worker: 'w#0',
    opsTotal: i < 6 ? 10 * i : 10 * (i - 6),
    errorsTotal: i % 3,
    heapBytes: 1000 + i,
    codeBytes: 10,
    externalBytes: -0,
    activeHandles: 2,
    // A type only in the earlier rows, one only in the later, one in both.
    resourceTypes: i < 4 ? 'Timeout:1 TCPSocketWrap:1' : 'TCPSocketWrap:1 FSReqCallback:1',
    listenerCounts: i === 5 ? 'process.exit:1' : '',
    rssBytes: 0,
    ...over,
  });
  const rows = [...Array.from({ length: 10 }, (_, i) => row(i)), row(10, { phase: 'cooldown', heapBytes: 7 })];
  const all = new WorkerSeries('w', 'w#0');
  for (const r of rows) all.add(r);
  for (const cut of [0, 3, 5, 7, 10, 11]) {
    const head = new WorkerSeries('w', 'w#0');
    const tail = new RunSeries();
    for (const [i, r] of rows.entries()) {
      if (i < cut) head.add(r);
      else tail.add(r, i);
    }
    const joined = RunSeries.joined({ workers: [head.data()], firstRows: new Map([['w#0', 0]]), controller: undefined }, tail);
    const series = [...joined.workers()][0];
    assert.ok(series !== undefined);
    assert.deepEqual(columnsOf(series.columns), columnsOf(all.columns), `cut at ${cut}`);
    assert.deepEqual([series.opsTotal, series.errorsTotal, series.cooldown], [all.opsTotal, all.errorsTotal, all.cooldown], `cut at ${cut}`);
    assert.ok(Object.is(series.columns.external[0], -0), '-0 kept');
  }
});
