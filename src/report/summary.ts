/** summary.json (schemaVersion 1, the keys in shared/design.md) and summary.md, from the analysis. */
import type { Verdict, WorkloadAnalysis, WorkerAnalysis, Thresholds } from '../analysis/verdict.js';
import { formatBytes, formatDuration, formatRatePerHour } from '../units.js';

export interface RunFacts {
  readonly command: string;
  readonly durationS: number;
  readonly elapsedS: number;
  readonly intervalS: number;
  readonly warmupS: number;
  readonly threads: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly injectLeakBytesPerS: number;
  readonly node: string;
  readonly platform: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** The command line that reproduces this run. */
  readonly argv: readonly string[];
}

export interface Summary {
  readonly schemaVersion: 1;
  readonly verdict: Verdict;
  readonly complete: boolean;
  readonly error?: string;
  readonly run: RunFacts;
  readonly thresholds: Thresholds;
  readonly workloads: readonly WorkloadSummary[];
}

interface WorkloadSummary {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly opsTotal: number;
  readonly errorsTotal: number;
  readonly respawns: number;
  readonly heap: {
    readonly slopeBytesPerHour: number | null;
    readonly ci95: readonly [number, number] | null;
    readonly trendP: number | null;
    readonly bytesPerOp: number | null;
    readonly growthBytes: number | null;
    readonly minDetectableSlopeBytesPerHour: number | null;
    readonly steadyFromS: number;
    readonly steadySamples: number;
  };
  readonly workers: readonly WorkerSummary[];
}

interface WorkerSummary {
  readonly worker: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly slopeBytesPerHour: number | null;
  readonly ci95: readonly [number, number] | null;
  readonly bytesPerOp: number | null;
}

export function buildSummary(input: {
  run: RunFacts;
  thresholds: Thresholds;
  workloads: readonly (WorkloadAnalysis & { params: Readonly<Record<string, string | number | boolean>> })[];
  verdict: Verdict;
  complete: boolean;
  error?: string;
}): Summary {
  return {
    schemaVersion: 1,
    verdict: input.verdict,
    complete: input.complete,
    ...(input.error === undefined ? {} : { error: input.error }),
    run: input.run,
    thresholds: input.thresholds,
    workloads: input.workloads.map((w) => ({
      name: w.name,
      verdict: w.verdict,
      reason: w.reason,
      params: w.params,
      opsTotal: w.opsTotal,
      errorsTotal: w.errorsTotal,
      respawns: w.respawns,
      heap: {
        slopeBytesPerHour: w.heap?.slopeBytesPerHour ?? null,
        ci95: w.heap?.ci95 ?? null,
        trendP: w.heap?.trendP ?? null,
        bytesPerOp: w.heap?.bytesPerOp ?? null,
        growthBytes: w.heap?.growthBytes ?? null,
        minDetectableSlopeBytesPerHour: w.heap?.minDetectableSlopeBytesPerHour ?? null,
        steadyFromS: w.steadyFromS,
        steadySamples: w.heap?.steadySamples ?? 0,
      },
      workers: w.workers.map(workerSummary),
    })),
  };
}

function workerSummary(w: WorkerAnalysis): WorkerSummary {
  const heap = w.state === 'fitted' ? w.heap : undefined;
  return {
    worker: w.worker,
    verdict: w.verdict,
    reason: w.reason,
    slopeBytesPerHour: heap?.slopeBytesPerHour ?? null,
    ci95: heap?.ci95 ?? null,
    bytesPerOp: heap?.bytesPerOp ?? null,
  };
}

const verdictMark: Record<Verdict, string> = { pass: 'PASS', leak: 'LEAK', inconclusive: 'INCONCLUSIVE', error: 'ERROR' };

export function renderMarkdown(summary: Summary): string {
  const { run, thresholds } = summary;
  const rate = (v: number | null): string => (v === null ? 'n/a' : formatRatePerHour(v));
  const interval = (ci: readonly [number, number] | null): string => (ci === null ? 'n/a' : `${rate(ci[0])} to ${rate(ci[1])}`);
  const lines = [
    `# soak ${run.command}: ${verdictMark[summary.verdict]}`,
    '',
    ...(summary.complete ? [] : ['> This run did not complete; figures cover the part that ran.', '']),
    ...(summary.error === undefined ? [] : [`> Error: ${summary.error}`, '']),
    '| workload | verdict | heap slope | 95% CI | bytes/op | ops | errors | respawns |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summary.workloads.map((w) =>
      `| ${w.name} | ${verdictMark[w.verdict]} | ${rate(w.heap.slopeBytesPerHour)} | ${interval(w.heap.ci95)} | ` +
        `${w.heap.bytesPerOp === null ? 'n/a' : formatBytes(w.heap.bytesPerOp)} | ${w.opsTotal} | ${w.errorsTotal} | ${w.respawns} |`,
    ),
    '',
    ...summary.workloads.map((w) => `- **${w.name}**: ${w.reason}`),
    '',
    '## Workers',
    '',
    '| worker | verdict | heap slope | 95% CI |',
    '| --- | --- | --- | --- |',
    ...summary.workloads.flatMap((w) =>
      w.workers.map((k) => `| ${k.worker} | ${verdictMark[k.verdict]} | ${rate(k.slopeBytesPerHour)} | ${interval(k.ci95)} |`),
    ),
    '',
    '## Run',
    '',
    `- Thresholds per worker: slope ${formatRatePerHour(thresholds.maxSlopeBytesPerHour)}, growth ${formatBytes(thresholds.maxGrowthBytes)} over the steady window`,
    `- Duration ${formatDuration(run.elapsedS)} of ${formatDuration(run.durationS)}, sampled every ${formatDuration(run.intervalS)}, warm-up ${formatDuration(run.warmupS)}`,
    `- ${run.threads} worker(s) per workload, ${run.concurrency} operation(s) in flight per worker, seed ${run.seed}` +
      (run.injectLeakBytesPerS > 0 ? `, injected leak ${formatBytes(run.injectLeakBytesPerS)}/s` : ''),
    `- Node ${run.node} on ${run.platform}, from ${run.startedAt} to ${run.endedAt}`,
    `- Reproduce: \`${run.argv.join(' ')}\``,
    '',
  ];
  return lines.join('\n');
}
