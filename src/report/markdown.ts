/** summary.md: the run's verdict, per workload and per worker, and how it was reached, as Markdown. */
import { CONFIDENCE } from '../analysis/trend.js';
import type { SequentialSummary, Summary } from '../run-dir/summary.js';
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../units.js';
import { bytesText, controllerHeapText, decisionText, intervalText, rateText, shellLine, verdictLabel, incompleteNote } from './format.js';

export function renderMarkdown(summary: Summary): string {
  const { run, thresholds } = summary;
  const lines = [
    `# soak ${run.command}: ${verdictLabel[summary.verdict]}`,
    '',
    ...(summary.complete ? [] : [`> ${incompleteNote(summary)}`, '']),
    ...(summary.error === undefined ? [] : [`> Error: ${summary.error}`, '']),
    '| workload | verdict | decided | heap slope (pooled) | CI (level) | shape | bytes/op | steady from | ops | errors | respawns |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summary.workloads.map(
      (w) =>
        `| ${w.name} | ${verdictLabel[w.verdict]} | ${decisionText(w, summary.sequential)} | ${rateText(w.heap.slopeBytesPerHour)} | ` +
        `${intervalText(w.heap.ci95)} (${formatConfidence(w.confidence ?? CONFIDENCE)}) | ${w.heap.shape ?? 'n/a'} | ` +
        `${bytesText(w.heap.bytesPerOp)} | ${formatDuration(Math.round(w.heap.steadyFromS))} | ${w.opsTotal} | ${w.errorsTotal} | ${w.respawns} |`,
    ),
    '',
    ...summary.workloads.map((w) => `- **${w.name}**: ${w.reason}`),
    '',
    '## Workers',
    '',
    '| worker | verdict | heap slope | CI | off-heap slope | handles/h | after teardown |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...summary.workloads.flatMap((w) =>
      w.workers.map(
        (k) =>
          `| ${k.worker} | ${verdictLabel[k.verdict]} | ${rateText(k.slopeBytesPerHour)} | ${intervalText(k.ci95)} | ` +
          `${k.external === null ? 'n/a' : rateText(k.external.slopePerHour)} | ${k.handles === null ? 'n/a' : k.handles.slopePerHour.toFixed(1)} | ` +
          `${k.cleanup === null ? 'n/a' : `${k.cleanup.retainedBytes >= 0 ? '+' : ''}${formatBytes(k.cleanup.retainedBytes)} ${k.cleanup.ok ? 'ok' : 'RETAINED'}`} |`,
      ),
    ),
    '',
    '## Run',
    '',
    `- Profile ${summary.profile}; thresholds per worker: slope ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)}, growth ${formatBytes(thresholds.maxGrowthBytes)} over the steady window` +
      ownThresholdsText(summary),
    `- Method: ${summary.method.slope}; ${summary.method.interval}; ${summary.method.trendTest} at alpha ${summary.method.alpha}`,
    ...(summary.sequential === null || summary.sequential === undefined ? [] : [sequentialLine(summary.sequential, run.elapsedS)]),
    `- Duration ${formatDuration(run.elapsedS)} of ${formatDuration(run.durationS)}, sampled every ${formatDuration(run.intervalS)}, ` +
      `warm-up ${run.warmup === 'auto' ? `auto (at least ${formatDuration(run.warmupS)})` : formatDuration(run.warmupS)}`,
    `- ${run.threads} worker(s) per workload, ${run.concurrency} operation(s) in flight per worker, seed ${run.seed}` +
      (run.injectLeakBytesPerS > 0 ? `, injected leak ${formatBytes(run.injectLeakBytesPerS)}/s` : ''),
    ...(summary.rss === null
      ? []
      : [
          `- Process RSS ${formatBytes(summary.rss.firstBytes)} to ${formatBytes(summary.rss.lastBytes)} ` +
            `(peak ${formatBytes(summary.rss.peakBytes)}), ${rateText(summary.rss.slopeBytesPerHour)} over the steady window: reported, not judged`,
        ]),
    ...(summary.controllerHeap === null || summary.controllerHeap === undefined
      ? []
      : [`- Controller heap (soak itself) ${controllerHeapText(summary.controllerHeap)}`]),
    ...(run.resumes === undefined || run.resumes.length === 0
      ? []
      : [
          `- Resumed ${run.resumes.length} time(s): ${run.resumes.map((r) => `at ${formatDuration(r.atS)} after ${formatDuration(r.gapS)} unrecorded`).join('; ')}`,
        ]),
    `- Node ${run.node} on ${run.platform}, from ${run.startedAt} to ${run.endedAt}`,
    `- Reproduce: \`${shellLine(run.argv)}\``,
    ...(summary.analyzedAt === undefined ? [] : [`- Re-analysed with soak analyze at ${summary.analyzedAt}`]),
    '',
  ];
  return lines.join('\n');
}

function sequentialLine(s: SequentialSummary, elapsedS: number): string {
  return (
    `- Decided as the data allowed: looks from ${formatDuration(s.firstLookS)} every ${formatDuration(s.lookEveryS)} up to the ` +
    `${formatDuration(s.maxDurationS)} budget (${s.plannedLooks} planned, ${s.looksTaken} taken), O'Brien-Fleming-type alpha spending; ` +
    (s.stoppedEarly ? `every workload was decided, so the run stopped at ${formatDuration(Math.round(elapsedS))}` : 'the run went to its end')
  );
}

/** `; cache's own: slope 2 MB/h, growth 80 MB`: the workloads judged by thresholds of their own. */
export function ownThresholdsText(summary: Summary): string {
  const own = summary.workloads.filter(
    (w) =>
      w.thresholds !== undefined &&
      (w.thresholds.maxSlopeBytesPerHour !== summary.thresholds.maxSlopeBytesPerHour || w.thresholds.maxGrowthBytes !== summary.thresholds.maxGrowthBytes),
  );
  return own
    .map(
      (w) => `; ${w.name}'s own: slope ${formatRatePerHour(w.thresholds?.maxSlopeBytesPerHour ?? 0)}, growth ${formatBytes(w.thresholds?.maxGrowthBytes ?? 0)}`,
    )
    .join('');
}
