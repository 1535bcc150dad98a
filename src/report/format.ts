/** Figures as every report writes them (summary.md, report.html, junit.xml, compare.md): one wording, one rounding. */
import type { Verdict } from '../analysis/types.js';
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../units.js';

export const verdictLabel: Readonly<Record<Verdict, string>> = { pass: 'PASS', leak: 'LEAK', inconclusive: 'INCONCLUSIVE', error: 'ERROR' };

export function rateText(bytesPerHour: number | null): string {
  return bytesPerHour === null ? 'n/a' : formatRatePerHour(bytesPerHour);
}

export function bytesText(bytes: number | null): string {
  return bytes === null ? 'n/a' : formatBytes(bytes);
}

/**
 * A 95 % interval; a bound the data could not set (heavily tied samples) is infinite in memory and
 * null in summary.json, and reads as ∞ either way.
 */
export function intervalText(ci: readonly [number | null, number | null] | null, format: (v: number) => string = rateText): string {
  if (ci === null) return 'n/a';
  const bound = (v: number | null, unbounded: string): string => (v !== null && Number.isFinite(v) ? format(v) : unbounded);
  return `${bound(ci[0], '−∞')} to ${bound(ci[1], '∞')}`;
}

/** `95% CI`, `99.7% CI`: a workload's intervals are at the confidence of the look its figures come from. */
export function ciLabel(confidence: number | undefined): string {
  return `${formatConfidence(confidence ?? 0.95)} CI`;
}

/** When a run that decides as it goes decided a workload: `pass at 2m40s (look 6 of 13)`, or at its budget. */
export function decisionText(
  workload: { readonly verdict: Verdict; readonly decidedAtS?: number | null; readonly decidedAtLook?: number | null },
  sequential: { readonly plannedLooks: number; readonly maxDurationS: number } | null | undefined,
): string {
  if (sequential === null || sequential === undefined) return 'at the end (fixed length)';
  const { decidedAtS: atS, decidedAtLook: look } = workload;
  if (atS === null || atS === undefined) return `undecided at the ${formatDuration(sequential.maxDurationS)} budget`;
  return `${workload.verdict} at ${formatDuration(atS)} (look ${look ?? '?'} of ${sequential.plannedLooks})`;
}

/** The reproduce command, quoted for a POSIX shell where a word needs it. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** The warning of a summary that is not complete: an interim report of a run still going, or a run that stopped short. */
export function incompleteNote(summary: {
  readonly interim?: true;
  readonly run: { readonly elapsedS: number; readonly durationS: number; readonly resumes?: readonly { readonly gapS: number }[] };
}): string {
  const { elapsedS, durationS, resumes } = summary.run;
  const gaps =
    resumes === undefined || resumes.length === 0
      ? ''
      : `; resumed ${resumes.length} time(s), ${formatDuration(resumes.reduce((s, r) => s + r.gapS, 0))} not recorded`;
  return summary.interim === true
    ? `Interim report: the run is still going, at ${formatDuration(elapsedS)} of ${formatDuration(durationS)}; figures cover what was recorded so far${gaps}.`
    : `This run did not complete; the figures cover the part that ran${gaps}.`;
}

/** The controller's own heap, as summary.md and report.html say it. */
export function controllerHeapText(trend: {
  readonly firstBytes: number;
  readonly lastBytes: number;
  readonly peakBytes: number;
  readonly slopeBytesPerHour: number;
  readonly ci95: readonly [number, number];
}): string {
  return (
    `${formatBytes(trend.firstBytes)} to ${formatBytes(trend.lastBytes)} (peak ${formatBytes(trend.peakBytes)}), ` +
    `${rateText(trend.slopeBytesPerHour)} (95% CI ${intervalText(trend.ci95)}) over the steady window`
  );
}

/** A table cell of Markdown: a `|` or a line break in a name or a reason would end it. */
export function markdownCell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A count with thousands separators: 184,328. */
export function countText(n: number): string {
  return n.toLocaleString('en-US');
}
