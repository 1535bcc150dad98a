/** Human output on stderr: what is running, a plain line a minute, and the verdicts at the end. */
import type { PoolEvent } from '../controller/workload-pool.js';
import type { ProgressTick, Soak } from '../controller/soak.js';
import type { Summary } from '../report/summary.js';
import { formatDuration } from '../units.js';

const PROGRESS_EVERY_S = 60;

export function attachProgress(soak: Soak): void {
  const out = (line: string): boolean => process.stderr.write(`${line}\n`);
  const { options } = soak;
  soak.on('start', (outDir: string) => {
    out(`soak: ${options.workloads.join(', ')} for ${formatDuration(options.durationS)}, ` +
      `${options.threads} worker(s) each, sampling every ${formatDuration(options.intervalS)}; writing ${outDir}`);
  });
  let nextReportS = PROGRESS_EVERY_S;
  soak.on('tick', (tick: ProgressTick) => {
    if (tick.elapsedS < nextReportS) return;
    nextReportS += PROGRESS_EVERY_S;
    out(`soak: ${formatDuration(Math.round(tick.elapsedS))} of ${formatDuration(tick.durationS)} (${tick.phase})`);
  });
  soak.on('phase', (phase: string) => out(`soak: ${phase === 'steady' ? 'warm-up over, steady window starts' : 'load stopped, tearing down'}`));
  soak.on('event', (e: PoolEvent) => {
    if (e.event !== 'start') out(`soak: ${e.worker} ${e.event}: ${e.detail}`);
  });
}

export function printResult(result: { readonly summary: Summary; readonly outDir: string }): void {
  const { summary } = result;
  const lines = summary.workloads.map((w) => `  ${w.verdict.toUpperCase().padEnd(12)} ${w.name.padEnd(18)} ${w.reason}`);
  const warning = summary.verdict === 'inconclusive'
    ? ['soak: warning: inconclusive: the data cannot tell a leak from none at these thresholds; see the reasons above (--strict makes this fail)']
    : [];
  process.stderr.write([`soak: verdict ${summary.verdict.toUpperCase()}`, ...lines, ...warning, `soak: reports in ${result.outDir}`, ''].join('\n'));
}
