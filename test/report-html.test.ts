/**
 * report.html: the display thinning and axes against known inputs, then real runs' reports opened
 * in a real headless Chromium: charts drawn, no script error, no request leaving the file, the
 * hover read-out and legend working, hostile workload text shown as text; and a generated day of
 * 1 s samples from 10 workers, thinned to a page that opens like a short run's.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeDayRun } from '../scripts/gen-day-csv.js';
import { formatTick, timeTicks, valueAxis } from '../src/report/html/axis.js';
import { counterRate, downsampleMinMax } from '../src/report/html/downsample.js';
import { escapeHtml } from '../src/report/html/escape.js';
import { PLOT_BUCKETS, renderChart } from '../src/report/html/svg-chart.js';
import { seededRandom } from '../src/random.js';
import { closeBrowser, openFile } from '../scripts/chromium.js';
import { explain, fixture, readSummary, runCli, tempDir } from './helpers/cli.js';

// biome-ignore lint/suspicious/noExplicitAny: the page's DOM inside page.evaluate; this project compiles without the DOM types
type Dom = any;

after(closeBrowser);

test('downsampling keeps every peak and dip, at most two points per bucket, in time order', () => {
  const random = seededRandom(3);
  const n = 86_400;
  const t = Float64Array.from({ length: n }, (_, i) => i);
  const y = Float64Array.from({ length: n }, () => 10_000_000 + random() * 5000);
  y[12_345] = 30_000_000; // one sample's spike
  y[70_001] = 1_000_000; // one sample's dip
  const [line, ...more] = downsampleMinMax({ t, y }, PLOT_BUCKETS, 0, n - 1);
  assert.equal(more.length, 0, 'one unbroken line');
  assert.ok(line !== undefined && line.t.length <= 2 * PLOT_BUCKETS, `${line?.t.length} points`);
  assert.ok(line.y.includes(30_000_000), 'the spike is drawn');
  assert.ok(line.y.includes(1_000_000), 'the dip is drawn');
  for (let i = 1; i < line.t.length; i++) assert.ok((line.t[i] ?? 0) > (line.t[i - 1] ?? 0), 'time order');
  // Per bucket, the full series' band is the drawn band.
  const width = (n - 1) / PLOT_BUCKETS;
  const bucket = 100;
  const inBucket = (ts: ArrayLike<number>, ys: ArrayLike<number>): number[] =>
    Array.from(ys).filter((_, i) => Math.min(PLOT_BUCKETS - 1, Math.floor((ts[i] ?? 0) / width)) === bucket);
  const full = inBucket(t, y);
  const drawn = inBucket(line.t, line.y);
  assert.equal(Math.max(...drawn), Math.max(...full));
  assert.equal(Math.min(...drawn), Math.min(...full));
});

test('downsampling passes short series through and never joins two lives or a gap', () => {
  const t = [0, 1, 2, 3, 4, 5, 6];
  const y = [5, 6, NaN, 7, 8, 9, 10];
  const segment = [0, 0, 0, 0, 0, 1, 1];
  const lines = downsampleMinMax({ t, y, segment }, PLOT_BUCKETS, 0, 6);
  assert.deepEqual(lines, [
    { t: [0, 1], y: [5, 6] },
    { t: [3, 4], y: [7, 8] },
    { t: [5, 6], y: [9, 10] },
  ]);
  assert.deepEqual(downsampleMinMax({ t, y: t }, 10, 2, 4), [{ t: [2, 3, 4], y: [2, 3, 4] }], 'points outside the window are left out');
});

test('a stretch of one sample is drawn as a dot the hover reads, not as an empty polyline', () => {
  const svg = renderChart({
    id: 'c0',
    title: 'heap',
    unit: 'bytes',
    xMaxS: 10,
    series: [
      {
        index: 0,
        name: 'w#0',
        lines: [
          { t: [1, 2], y: [5, 6] },
          { t: [9], y: [7] },
        ],
      },
    ],
  });
  const lines = [...svg.matchAll(/<polyline class="([^"]+)"[^>]* points="([^"]+)"/g)].map((m) => ({ cls: m[1], points: m[2]?.split(' ') }));
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.cls, 'series');
  assert.equal(lines[1]?.cls, 'series lone');
  assert.equal(lines[1]?.points?.length, 2, 'the lone point doubled: a zero-length line that round caps draw');
  assert.equal(lines[1]?.points?.[0], lines[1]?.points?.[1]);
});

test('operation rates restart with a respawned worker instead of going negative', () => {
  const rate = counterRate([0, 1, 2, 3, 4], [0, 100, 300, 50, 250], [0, 0, 0, 1, 1]);
  assert.deepEqual(Array.from(rate), [NaN, 100, 200, NaN, 200]);
});

test('value axes hold the data with round steps, and neighbouring tick labels always differ', () => {
  const MB = 1024 * 1024;
  const cases: [number, number, 'bytes' | 'count' | 'perSecond'][] = [
    [10 * MB, 17 * MB, 'bytes'],
    [2_822_000, 2_822_008, 'bytes'],
    [5 * MB, 5 * MB, 'bytes'],
    [3, 3, 'count'],
    [0, 123_456, 'perSecond'],
    [1.9 * MB, 2.44 * MB, 'bytes'],
    [0, 950, 'count'],
    [100, 100.5, 'bytes'],
  ];
  for (const [low, high, unit] of cases) {
    const axis = valueAxis(low, high, unit);
    assert.ok(axis.min <= low && axis.max >= high, `${low}..${high} within ${axis.min}..${axis.max}`);
    assert.ok(axis.ticks.length >= 2 && axis.ticks.length <= 12, `${axis.ticks.length} ticks for ${low}..${high}`);
    const labels = axis.ticks.map((v) => formatTick(v, axis, unit));
    assert.equal(new Set(labels).size, labels.length, `distinct labels for ${low}..${high}: ${labels.join(' | ')}`);
  }
  assert.equal(formatTick(3 * MB, valueAxis(2 * MB, 4 * MB, 'bytes'), 'bytes'), '3.0 MB');
  // A count of 0 throughout (no listeners) is drawn from 0 up, never on a negative axis, in whole steps.
  assert.deepEqual(valueAxis(0, 0, 'count', 0).ticks, [0, 1, 2]);
  assert.equal(valueAxis(0, 0, 'count').min < 0, true, 'without a floor the flat line sits mid-axis');
  assert.deepEqual(
    timeTicks(0, 86_400),
    [0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => h * 3600),
  );
  assert.deepEqual(timeTicks(16.2, 58), [20, 30, 40, 50]);
});

test('escapeHtml leaves no markup and no attribute breakout', () => {
  assert.equal(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
});

test("a real run's report.html renders in Chromium: charts, fitted lines, markers, hover, legend, and hostile text kept as text", async (t) => {
  const { HOSTILE } = (await import(fixture('hostile-names.mjs'))) as { HOSTILE: string };
  const dir = tempDir();
  const out = join(dir, 'run');
  const result = await runCli([
    'run',
    '--workload',
    fixture('hostile-names.mjs'),
    '--param',
    `marker=${join(dir, 'crashed')}`,
    '--param',
    `label=${HOSTILE}`,
    '--inject-leak',
    '32KB/s',
    '--duration',
    '20s',
    // A fixed window, so both lives of worker 1 (it dies at 10 s) are in it whatever the warm-up search finds.
    '--warmup',
    '3s',
    '--threads',
    '2',
    '--quiet',
    '--out',
    out,
  ]);
  assert.equal(result.code, 1, explain(result, out));
  const summary = readSummary(out);
  assert.equal(summary.workloads[0]?.respawns, 1, 'worker 1 died once and was respawned');

  const { page, errors, requests, close } = await openFile(join(out, 'report.html'));
  try {
    assert.deepEqual(errors, [], 'no script error');
    assert.deepEqual(requests, [], 'self-contained: nothing fetched');
    assert.equal(await page.getAttribute('html', 'data-ready'), 'true', 'the page script ran');
    const page$ = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: Dom; __xss?: unknown }).document;
      const charts = [...doc.querySelectorAll('svg.chart')] as Dom[];
      return {
        xss: (globalThis as unknown as { __xss?: unknown }).__xss,
        images: doc.querySelectorAll('img').length,
        text: doc.body.textContent as string,
        verdictRows: doc.querySelectorAll('table.verdicts tbody tr:not(.reason-row)').length,
        reasonRows: doc.querySelectorAll('table.verdicts tbody tr.reason-row td.reason').length,
        charts: charts.map((svg) => ({
          title: svg.getAttribute('aria-label') as string,
          lines: [...svg.querySelectorAll('polyline.series')].map((l: Dom) => ({ points: l.points.numberOfItems, width: l.getBBox().width })),
          fits: svg.querySelectorAll('line.fit').length,
          bands: svg.querySelectorAll('polygon.band').length,
          crashes: svg.querySelectorAll('line.marker.crash').length,
          respawns: svg.querySelectorAll('line.marker.respawn').length,
          shaded: svg.querySelectorAll('rect.steady').length,
        })),
      };
    });
    assert.equal(page$.xss, undefined, 'no injected script ran');
    assert.equal(page$.images, 0, 'no injected element');
    assert.ok(page$.text.includes(HOSTILE), 'the crash message is shown as text');
    assert.equal(page$.verdictRows, 1);
    assert.equal(page$.reasonRows, 1, 'its reason in a row of its own');
    assert.equal(page$.charts.length, 1 + 7, 'RSS, then seven charts for the workload');
    for (const chart of page$.charts) {
      assert.ok(chart.lines.length > 0 && chart.lines.every((l) => l.points >= 2), `${chart.title}: lines drawn`);
      assert.ok(Math.max(...chart.lines.map((l) => l.width)) > 100, `${chart.title}: lines span the plot`);
    }
    const heap = page$.charts[1];
    assert.ok(heap !== undefined, 'a heap chart');
    assert.ok(heap.title.startsWith('Judged heap'), heap.title);
    // Three lives: worker 0, worker 1 before and after its respawn; each with its line and band.
    assert.equal(heap.fits, 3, 'a fitted line per worker life');
    assert.equal(heap.bands, 3, 'a 95% band per worker life');
    assert.equal(heap.shaded, 1, 'steady window shaded');
    assert.equal(heap.crashes, 1, 'the crash marked');
    assert.equal(heap.respawns, 1, 'the respawn marked');

    const heapChart = page.locator('svg.chart').nth(1);
    await heapChart.scrollIntoViewIfNeeded();
    const box = await heapChart.boundingBox();
    assert.ok(box !== null);
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
    const tip = await page.locator('.tip').textContent();
    assert.ok(await page.locator('.tip').isVisible(), 'hover shows the read-out');
    assert.match(tip ?? '', /hostile#0: [\d.]+ (KB|MB)/, tip ?? '');

    await page.locator('button.legend-item[data-series="1"]').click();
    assert.equal(await page.getAttribute('button.legend-item[data-series="1"]', 'aria-pressed'), 'false');
    const hidden = await page.locator('section.workload svg [data-series="1"]').evaluateAll((els) => els.map((e) => (e as Dom).style.display));
    assert.ok(hidden.length > 0 && hidden.every((d) => d === 'none'), "legend click hides the worker's lines");
    await page.locator('button.legend-item[data-series="1"]').click();
    const screenshot = join(out, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    assert.deepEqual(errors, [], 'no script error while used');
  } finally {
    await close();
  }
});

test("a day of 1 s samples from 10 workers: the leaking worker found, and a report as light as a short run's", async (t) => {
  const dir = join(tempDir(), 'day');
  const day = writeDayRun(dir);
  assert.ok(day.sampleRows > 900_000, `${day.sampleRows} rows`);
  const result = await runCli(['analyze', dir, '--quiet']);
  assert.equal(result.code, 1, explain(result, dir));
  const summary = readSummary(dir);
  const leaking = summary.workloads.flatMap((w) => w.workers.filter((k) => k.verdict === 'leak').map((k) => k.worker));
  assert.deepEqual(leaking, [day.leakingWorker]);
  const respawned = summary.workloads.flatMap((w) => w.workers).find((k) => k.worker === day.respawnedWorker);
  assert.equal(respawned?.verdict, 'pass', respawned?.reason);
  assert.equal(summary.profile, 'long');

  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const size = statSync(join(dir, 'report.html')).size;
  t.diagnostic(`report.html: ${(size / 1024).toFixed(0)} KB for ${day.sampleRows} rows (${(day.sampleBytes / 1024 / 1024).toFixed(0)} MB of CSV)`);
  assert.ok(size < 3 * 1024 * 1024, `${size} bytes`);
  for (const match of html.matchAll(/<polyline [^>]*points="([^"]*)"/g)) {
    const points = (match[1] ?? '').split(' ').length;
    assert.ok(points <= 2 * PLOT_BUCKETS, `${points} points in one line`);
  }

  const { page, errors, requests, close } = await openFile(join(dir, 'report.html'));
  try {
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
    const charts = await page.locator('svg.chart').count();
    assert.equal(charts, 1 + 2 * 7, 'RSS, then seven charts per workload');
    assert.ok((await page.locator('svg.chart line.marker.respawn').count()) > 0, 'the respawn marked');
  } finally {
    await close();
  }
});
