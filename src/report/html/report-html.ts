/**
 * report.html: one self-contained page (no network, no external file) for a release asset or a
 * mail: the verdict table, then per workload the post-GC heap of every worker with its fitted line,
 * slope band (at the level of the look that decided) and the steady window shaded, beside compiled code, off-heap memory, operations per
 * second and active handles, with respawns, crashes and phase changes marked. Series are thinned
 * to about a point pair per pixel (downsample.ts), so a day of 1 s samples opens as fast as a
 * two-minute run.
 */
import { PointPhase, type WorkerColumns, type WorkerSeries } from '../../analysis/series.js';
import { median } from '../../analysis/theil-sen.js';
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../../units.js';
import type { RecordedEvent, RecordedRun } from '../../run-dir/read-run.js';
import { bytesText, controllerHeapText, decisionText, intervalText, rateText, shellLine, verdictLabel, incompleteNote } from '../format.js';
import type { Summary } from '../../run-dir/summary.js';
import { badge, cell, num } from './cells.js';
import { clientScript } from './client-script.js';
import { counterRate, downsampleMinMax, type Points } from './downsample.js';
import { escapeHtml } from './escape.js';
import { PLOT_BUCKETS, colorOf, renderChart, type ChartFit, type ChartMarker, type ChartSeries } from './svg-chart.js';
import { snapshotSection } from './snapshot-section.js';
import { pageHead } from './style.js';
import type { RunSnapshotDiffs } from '../../run-dir/snapshot-diffs.js';

type WorkloadSummary = Summary['workloads'][number];
type WorkerSummary = WorkloadSummary['workers'][number];

/** Events listed in the page's table; all kept events are drawn as markers. */
const LISTED_EVENTS = 200;

export interface ReportData {
  readonly summary: Summary;
  readonly recorded: RecordedRun;
  /** The end of the time axis: the last sample, teardown included. */
  readonly lastElapsedS: number;
  /** The run's heap snapshot diffs (`--snapshots`), shown in each workload's section. */
  readonly snapshotDiffs?: RunSnapshotDiffs;
}

export function renderReportHtml(data: ReportData): string {
  const { summary } = data;
  const byWorkload = data.recorded.series.byWorkload();
  let chartCount = 0;
  const nextId = (): string => `c${chartCount++}`;
  const title = `soak ${summary.run.command}: ${verdictLabel[summary.verdict]}`;
  const sections = summary.workloads.map((w, i) => workloadSection(w, i, byWorkload.get(w.name) ?? [], data, nextId));
  return [
    pageHead(title),
    `<header><h1>soak ${escapeHtml(summary.run.command)} ${badge(summary.verdict)}</h1>`,
    `<p class="facts">${escapeHtml(runLine(summary))}</p>`,
    ...(summary.complete ? [] : [`<p class="warning">${escapeHtml(incompleteNote(summary))}</p>`]),
    ...(summary.error === undefined ? [] : [`<p class="warning">Error: ${escapeHtml(summary.error)}</p>`]),
    '</header><main>',
    verdictTable(summary),
    processSection(data, nextId()),
    ...sections,
    eventsSection(data.recorded),
    runSection(summary),
    '</main>',
    `<script>${clientScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function runLine(summary: Summary): string {
  const { run, thresholds } = summary;
  return (
    `${formatDuration(run.elapsedS)} of ${formatDuration(run.durationS)}, ${run.threads} worker(s) per workload, ` +
    `sampled every ${formatDuration(run.intervalS)}; limits per worker ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)} and ` +
    `${formatBytes(thresholds.maxGrowthBytes)}; Node ${run.node}, ${run.startedAt}`
  );
}

const VERDICT_COLUMNS = ['workload', 'verdict', 'decided', 'heap slope (pooled)', 'CI (level)', 'shape', 'bytes/op', 'ops', 'errors', 'respawns'] as const;

function verdictTable(summary: Summary): string {
  const rows = summary.workloads.map(
    (w, i) =>
      `<tr><td><a href="#w${i}">${escapeHtml(w.name)}</a></td><td>${badge(w.verdict)}</td>` +
      cell(decisionText(w, summary.sequential)) +
      num(rateText(w.heap.slopeBytesPerHour)) +
      num(`${intervalText(w.heap.ci95)} (${formatConfidence(w.confidence)})`) +
      cell(w.heap.shape ?? 'n/a') +
      num(bytesText(w.heap.bytesPerOp)) +
      num(String(w.opsTotal)) +
      num(String(w.errorsTotal)) +
      num(String(w.respawns)) +
      '</tr>' +
      // The reason gets the table's width, as in release.html: beside ten figures it made the table scroll.
      `<tr class="reason-row"><td></td><td colspan="${VERDICT_COLUMNS.length - 1}" class="reason">${escapeHtml(w.reason)}</td></tr>`,
  );
  return (
    '<section id="verdicts"><h2>Verdicts</h2><div class="table-wrap"><table class="verdicts"><thead><tr>' +
    VERDICT_COLUMNS.map((c) => `<th>${c}</th>`).join('') +
    `</tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`
  );
}

function processSection(data: ReportData, id: string): string {
  const recorded = data.recorded.series.controller;
  const chart = renderChart({
    id,
    title: 'Process resident memory (RSS, all workers and the controller)',
    unit: 'bytes',
    xMaxS: data.lastElapsedS,
    series: [{ index: 0, name: 'RSS', lines: downsampleMinMax({ t: recorded.t, y: recorded.rss }, PLOT_BUCKETS, 0, data.lastElapsedS) }],
    markers: markersFor(data.recorded.events, ''),
  });
  const note =
    data.summary.rss === null
      ? ''
      : `<p class="note">RSS ${escapeHtml(bytesText(data.summary.rss.firstBytes))} to ` +
        `${escapeHtml(bytesText(data.summary.rss.lastBytes))}, peak ${escapeHtml(bytesText(data.summary.rss.peakBytes))}, ` +
        `${escapeHtml(rateText(data.summary.rss.slopeBytesPerHour))} over the steady window. It is process-wide and shared by every worker: reported, not judged.</p>`;
  const controller = data.summary.controllerHeap;
  const controllerNote =
    controller === null || controller === undefined ? '' : `<p class="note">Controller heap (soak itself): ${escapeHtml(controllerHeapText(controller))}.</p>`;
  return `<section id="process"><h2>Process</h2>${note}${controllerNote}<div class="charts">${chart}</div></section>`;
}

function workloadSection(w: WorkloadSummary, i: number, series: readonly WorkerSeries[], data: ReportData, nextId: () => string): string {
  const index = new Map(w.workers.map((k, n) => [k.worker, n]));
  for (const s of series) if (!index.has(s.worker)) index.set(s.worker, index.size);
  const xMaxS = data.lastElapsedS;
  const markers = [...markersFor(data.recorded.events, ''), ...markersFor(data.recorded.events, w.name)];
  const shade = steadyShade(series, w.heap.steadyFromS);
  const chartOf = (
    title: string,
    unit: 'bytes' | 'count' | 'perSecond',
    pick: (c: WorkerColumns) => ArrayLike<number>,
    extra: { fits?: ChartFit[]; dots?: boolean; fromZero?: boolean; zoom?: { fromS: number; toS: number } } = {},
  ): string => {
    const [fromS, toS] = extra.zoom === undefined ? [0, xMaxS] : [extra.zoom.fromS, extra.zoom.toS];
    return renderChart({
      id: nextId(),
      title,
      unit,
      xMinS: fromS,
      xMaxS: toS,
      markers,
      ...(shade === undefined ? {} : { shade }),
      ...(extra.fits === undefined ? {} : { fits: extra.fits }),
      ...(extra.fromZero === undefined ? {} : { fromZero: extra.fromZero }),
      series: series.map((s): ChartSeries => {
        const c = s.columns;
        const points: Points = { t: c.t, y: pick(c), segment: c.segment };
        const cooldown = s.cooldown;
        return {
          index: index.get(s.worker) ?? 0,
          name: s.worker,
          lines: downsampleMinMax(points, PLOT_BUCKETS, fromS, toS),
          ...(extra.dots === true && cooldown !== undefined
            ? { dot: { t: cooldown.elapsedS, y: cooldown.heapBytes, label: `${s.worker} after teardown: ${formatBytes(cooldown.heapBytes)}` } }
            : {}),
        };
      }),
    });
  };
  const fits = series.flatMap((s) => {
    const k = w.workers.find((x) => x.worker === s.worker);
    return k === undefined ? [] : fitsFor(s.columns, k, index.get(s.worker) ?? 0);
  });
  const charts = [
    chartOf('Judged heap (post-GC, less compiled code), whole run', 'bytes', (c) => c.heap, { fits, dots: true }),
    ...(shade === undefined ? [] : [chartOf('Judged heap, steady window: fitted lines and interval bands', 'bytes', (c) => c.heap, { fits, zoom: shade })]),
    chartOf('Compiled code and bytecode (JIT warm-up)', 'bytes', (c) => c.code),
    chartOf('Off-heap memory (external, Buffers)', 'bytes', (c) => c.external),
    chartOf('Operations per second', 'perSecond', (c) => counterRate(c.t, c.ops, c.segment), { fromZero: true }),
    chartOf('Active handles (timers, sockets)', 'count', (c) => c.handles, { fromZero: true }),
    chartOf("Event listeners (process, signal, the workload's emitters)", 'count', (c) => c.listeners, { fromZero: true }),
  ];
  const legend = [...index.entries()]
    .map(
      ([name, n]) =>
        `<button type="button" class="legend-item" data-series="${n}" aria-pressed="true"><span class="swatch" style="background:${colorOf(n)}"></span>` +
        `${escapeHtml(name)}</button>`,
    )
    .join('');
  const params = Object.entries(w.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return (
    `<section class="workload" id="w${i}"><h2>${escapeHtml(w.name)} ${badge(w.verdict)}</h2>` +
    `<p class="reason">${escapeHtml(w.reason)}</p>` +
    '<p class="note">The judged heap is what the verdict reads: each worker\'s heap right after a forced full GC, less V8\'s compiled code ' +
    'and bytecode. Dashed: the fitted Theil–Sen line per worker life over its steady window (shaded); the bow tie around it spans the ' +
    "worker's interval of the slope at the level its reason gives (the level of the look that decided it; a leaking worker's at its share of that error, " +
    `the pooled fit's at ${formatConfidence(w.confidence)}); a dot marks the heap after teardown. ` +
    'Vertical lines: phase changes and decisions (grey), respawns (amber), crashes (red).</p>' +
    (params === '' ? '' : `<p class="note">Parameters: <code>${escapeHtml(params)}</code></p>`) +
    `<div class="legend">${legend}<span class="hint">click a worker to hide or show its lines; hover a chart to read values</span></div>` +
    `<div class="charts">${charts.join('')}</div>${workerTable(w.workers, w.verdict !== 'pass')}${snapshotSection(w.name, data.snapshotDiffs)}</section>`
  );
}

/** From the workload's steady start to its last steady sample. */
function steadyShade(series: readonly WorkerSeries[], fromS: number): { fromS: number; toS: number } | undefined {
  let toS = -Infinity;
  for (const s of series) {
    const { t, phase } = s.columns;
    for (let i = t.length - 1; i >= 0; i--) {
      if (phase[i] === PointPhase.Steady) {
        toS = Math.max(toS, t[i] ?? 0);
        break;
      }
    }
  }
  return Number.isFinite(toS) && toS > fromS ? { fromS, toS } : undefined;
}

/**
 * The worker's fitted heap line over its steady window, one per life (a respawn starts at its own
 * level; the slope is common): each life's line passes through the median of its points less the
 * slope, pivoting at its median time, where the band of the interval's slopes is narrowest.
 */
function fitsFor(columns: WorkerColumns, worker: WorkerSummary, index: number): ChartFit[] {
  const slopePerS = worker.slopeBytesPerHour === null ? null : worker.slopeBytesPerHour / 3600;
  const fromS = worker.steadyFromS;
  if (slopePerS === null || fromS === null) return [];
  const { t, heap, segment, phase } = columns;
  const fits: ChartFit[] = [];
  let start = -1;
  for (let i = 0; i <= t.length; i++) {
    const inWindow = i < t.length && (t[i] ?? 0) >= fromS && phase[i] === PointPhase.Steady;
    if (start >= 0 && (!inWindow || segment[i] !== segment[start])) {
      const ts = t.subarray(start, i);
      if (ts.length >= 2) {
        const residuals = new Float64Array(ts.length);
        for (let n = 0; n < ts.length; n++) residuals[n] = (heap[start + n] ?? 0) - slopePerS * (ts[n] ?? 0);
        // A segment's times ascend: their median is the middle one (or two).
        const pivotS = ((ts[(ts.length - 1) >> 1] ?? 0) + (ts[ts.length >> 1] ?? 0)) / 2;
        const ci = worker.ci95;
        fits.push({
          index,
          fromS: ts[0] ?? 0,
          toS: ts[ts.length - 1] ?? 0,
          pivotS,
          pivotY: median(residuals) + slopePerS * pivotS,
          slope: slopePerS,
          low: ci === null ? null : ci[0] / 3600,
          high: ci === null ? null : ci[1] / 3600,
        });
      }
      start = -1;
    }
    if (start < 0 && inWindow) start = i;
  }
  return fits;
}

function markersFor(events: readonly RecordedEvent[], workload: string): ChartMarker[] {
  return events
    .filter((e) => e.workload === workload && e.elapsedS > 0)
    .map((e): ChartMarker => {
      if (e.event === 'phase') {
        const label = e.detail === 'steady' ? 'warm-up over (recorded)' : e.detail === 'cooldown' ? 'load stopped, teardown' : `phase ${e.detail}`;
        return { atS: e.elapsedS, kind: 'phase', label: `${formatDuration(Math.round(e.elapsedS))}: ${label}` };
      }
      if (e.event === 'decided')
        return { atS: e.elapsedS, kind: 'phase', label: `${formatDuration(Math.round(e.elapsedS))}: decided ${e.detail}; its workers stop` };
      const kind = e.event === 'respawn' ? 'respawn' : e.event === 'crash' ? 'crash' : 'other';
      return { atS: e.elapsedS, kind, label: `${formatDuration(Math.round(e.elapsedS))}: ${e.worker} ${e.event}${e.detail === '' ? '' : `: ${e.detail}`}` };
    });
}

/** Open when the workload did not pass: the reader wants to see which worker decided. */
function workerTable(workers: readonly WorkerSummary[], open: boolean): string {
  const rows = workers.map(
    (k) =>
      `<tr>${cell(k.worker)}<td>${badge(k.verdict)}</td>${num(rateText(k.slopeBytesPerHour))}${num(intervalText(k.ci95))}` +
      num(bytesText(k.bytesPerOp)) +
      num(k.steadyFromS === null ? 'n/a' : formatDuration(Math.round(k.steadyFromS))) +
      num(k.external === null ? 'n/a' : rateText(k.external.slopePerHour)) +
      num(k.handles === null ? 'n/a' : `${k.handles.slopePerHour.toFixed(1)}/h`) +
      num(
        k.cleanup === null ? 'n/a' : `${k.cleanup.retainedBytes >= 0 ? '+' : ''}${formatBytes(k.cleanup.retainedBytes)} ${k.cleanup.ok ? 'ok' : 'RETAINED'}`,
      ) +
      `<td class="reason">${escapeHtml(k.reason)}</td></tr>`,
  );
  return (
    `<details${open ? ' open' : ''}><summary>Workers</summary><div class="table-wrap"><table><thead>` +
    '<tr><th>worker</th><th>verdict</th><th>heap slope</th><th>CI</th>' +
    '<th>bytes/op</th><th>steady from</th><th>off-heap slope</th><th>handles</th><th>after teardown</th><th>reason</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table></div></details>`
  );
}

function eventsSection(recorded: RecordedRun): string {
  const listed = recorded.events.filter((e) => e.event !== 'phase');
  if (listed.length === 0) return '<section id="events"><h2>Events</h2><p class="note">No worker exited, crashed or was respawned.</p></section>';
  const rows = listed
    .slice(0, LISTED_EVENTS)
    .map((e) => `<tr>${cell(formatDuration(Math.round(e.elapsedS)))}${cell(e.worker)}${cell(e.event)}${cell(e.detail)}</tr>`);
  const more = listed.length - LISTED_EVENTS + recorded.eventsLeftOut;
  return (
    `<section id="events"><h2>Events</h2><div class="table-wrap"><table><thead><tr><th>at</th><th>worker</th><th>event</th><th>detail</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>${more > 0 ? `<p class="note">${more} more in events.csv.</p>` : ''}</section>`
  );
}

function runSection(summary: Summary): string {
  const { run, thresholds, method } = summary;
  const facts: [string, string][] = [
    ['Reproduce', shellLine(run.argv)],
    ['Profile', summary.profile],
    [
      'Thresholds per worker',
      `slope ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)}, growth ${formatBytes(thresholds.maxGrowthBytes)} over the steady window`,
    ],
    ['Duration', `${formatDuration(run.elapsedS)} of ${formatDuration(run.durationS)}, sampled every ${formatDuration(run.intervalS)}`],
    ['Warm-up', run.warmup === 'auto' ? `auto (at least ${formatDuration(run.warmupS)}, then found from the data)` : formatDuration(run.warmupS)],
    [
      'Load',
      `${run.threads} worker(s) per workload, ${run.concurrency} operation(s) in flight each, seed ${run.seed}` +
        (run.injectLeakBytesPerS > 0 ? `, injected leak ${formatBytes(run.injectLeakBytesPerS)}/s` : ''),
    ],
    ['Method', `${method.slope}; ${method.interval}; ${method.trendTest}, alpha ${method.alpha}`],
    ['Node', `${run.node} on ${run.platform}`],
    ['Started / ended', `${run.startedAt} / ${run.endedAt}`],
    ...(summary.analyzedAt === undefined ? [] : [['Re-analysed', summary.analyzedAt] as [string, string]]),
  ];
  return `<section id="run"><h2>Run</h2><dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>`;
}
