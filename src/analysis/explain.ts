/** The verdicts' reasons in English: what a worker's or a workload's figures say, and what would decide them. */
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../units.js';
import type { GrowthLimits } from './growth.js';
import { CONFIDENCE, windowForHalfWidth } from './trend.js';
import {
  CLEANUP_TOLERANCE_BYTES,
  HANDLE_GROWTH_LIMIT,
  type AnalysisSettings,
  type Cleanup,
  type HandleTypeGrowth,
  type HeapTrend,
  type MeasureTrend,
  type Verdict,
} from './types.js';

const rateText = (perHour: number): string => formatRatePerHour(perHour);
const ciText = (ci: readonly [number, number], confidence: number | undefined): string =>
  `${formatConfidence(confidence ?? CONFIDENCE)} CI ${rateText(ci[0])} to ${rateText(ci[1])}`;

/** What a worker's reason is made from: its judged figures and the run's settings. */
export interface WorkerReasonParts {
  readonly judged: { readonly heap: HeapTrend; readonly limits: GrowthLimits };
  readonly external: MeasureTrend;
  readonly handles: MeasureTrend;
  readonly handleTypes: readonly HandleTypeGrowth[];
  readonly cleanup: Cleanup | undefined;
  readonly settings: AnalysisSettings;
}

export function explainWorker(worker: string, verdict: Verdict, parts: WorkerReasonParts): string {
  const reason = workerReason(worker, verdict, parts);
  // A handle leak beside a leak the reason names first still says which handles.
  return parts.handles.verdict === 'leak' && parts.handleTypes.length > 0 && !reason.includes('active handles')
    ? `${reason}; ${handleTypesText(parts.handleTypes)} too`
    : reason;
}

/** `Timeout handles grow by 2.1/s, TCPSocketWrap by 12/h`. */
export function handleTypesText(types: readonly HandleTypeGrowth[]): string {
  const rate = (perHour: number): string => (perHour >= 360 ? `${(perHour / 3600).toFixed(1)}/s` : `${perHour.toFixed(1)}/h`);
  return types.map((t, i) => (i === 0 ? `${t.type} handles grow by ${rate(t.perHour)}` : `${t.type} by ${rate(t.perHour)}`)).join(', ');
}

function workerReason(worker: string, verdict: Verdict, parts: WorkerReasonParts): string {
  const { judged, external, handles, handleTypes, cleanup, settings } = parts;
  const { heap, limits } = judged;
  const limitText = `the ${rateText(settings.thresholds.maxSlopeBytesPerHour)} limit`;
  if (verdict === 'leak') {
    if (heap.verdict === 'leak') {
      if (heap.shape === 'growing') {
        return heap.ci95[0] / 3600 > settings.thresholds.maxSlopeBytesPerHour / 3600
          ? `${worker} heap grows ${rateText(heap.slopePerHour)} (${ciText(heap.ci95, settings.confidence)}), above ${limitText}: about ${formatBytes(heap.bytesPerOp)} retained per operation`
          : `${worker} heap grew ${formatBytes(heap.growth)} over the steady window, above the ${formatBytes(settings.thresholds.maxGrowthBytes)} limit`;
      }
      if (heap.shape === 'climbing' && heap.envelope !== undefined) {
        return `${worker} heap swings, and its lows climb ${lowsText(heap.envelope, '', settings.confidence)}, above ${limitText}: each cycle keeps a residue`;
      }
      if (heap.shape === 'step' && heap.step !== undefined) {
        return `${worker} heap stepped up ${formatBytes(heap.step.size)} at ${formatDuration(Math.round(heap.step.atS))}, above the ${formatBytes(limits.total)} growth limit`;
      }
      const limitSize = formatBytes(settings.thresholds.maxGrowthBytes);
      return heap.halvesGrowthBytes > settings.thresholds.maxGrowthBytes
        ? `${worker} heap's second half is ${formatBytes(heap.halvesGrowthBytes)} above its first half, over the ${limitSize} growth limit`
        : `${worker} heap grew ${formatBytes(heap.sinceWarmupGrowthBytes)} from the end of warm-up to the end of the run, over the ${limitSize} growth limit`;
    }
    if (external.verdict === 'leak') {
      return `${worker} off-heap memory (Buffers, ArrayBuffers) grows ${rateText(external.slopePerHour)} (${ciText(external.ci95, settings.confidence)}), above ${limitText}; the JS heap does not show it`;
    }
    if (handles.verdict === 'leak') {
      return (
        `${worker} active handles (timers, sockets) grow ${handles.slopePerHour.toFixed(1)}/h (${handles.ci95[0].toFixed(1)} to ${handles.ci95[1].toFixed(1)}/h), ` +
        `${Math.round(handles.growth)} more over the steady window${handleTypes.length > 0 ? ` (${handleTypesText(handleTypes)})` : ''}: something opened is never closed`
      );
    }
    if (cleanup !== undefined && !cleanup.ok) {
      return `${worker} kept ${formatBytes(cleanup.retainedBytes)} over its post-warm-up heap after teardown (tolerance ${formatBytes(CLEANUP_TOLERANCE_BYTES)}): state outlives the workload`;
    }
  }
  const slope = `${rateText(heap.slopePerHour)} (${ciText(heap.ci95, settings.confidence)})`;
  if (verdict === 'pass') {
    if (heap.shape === 'step' && heap.step !== undefined) {
      return `${worker} heap stepped up ${formatBytes(heap.step.size)} once at ${formatDuration(Math.round(heap.step.atS))} and is flat on both sides, under ${limitText}`;
    }
    if (heap.shape === 'bounded' && heap.envelope !== undefined) {
      return (
        `${worker} heap swings (${slope}) but keeps returning to its lows: the minima of its ${heap.envelope.blockPoints}-sample blocks ` +
        `are flat, ${rateText(heap.envelope.lowsSlopePerHour)} (${ciText(heap.envelope.lowsCi95, settings.confidence)}), under ${limitText}`
      );
    }
    return `${worker} heap is flat: ${slope}, under ${limitText}`;
  }
  const which = heap.verdict === 'inconclusive' ? heap : external.verdict === 'inconclusive' ? external : handles;
  const what = which === heap ? 'heap' : which === external ? 'off-heap memory' : 'active handles';
  if (which === heap && heap.unconfirmedSinceWarmup !== undefined) {
    const whole = heap.unconfirmedSinceWarmup;
    return (
      `${worker} heap grows ${slope} after the warm-up the data suggest, but since the recorded warm-up ended at ` +
      `${formatDuration(Math.round(whole.fromS))} ${rateText(whole.slopePerHour)} (${ciText(whole.ci95, settings.confidence)}), not clearly over ${limitText}: ` +
      'the later start may sit on a stretch that happens to trend; run longer'
    );
  }
  if (which.shape === 'warming' && which.codeSlopePerHour !== undefined) {
    return (
      `${worker} ${what} grew ${rateText(which.slopePerHour)} (${ciText(which.ci95, settings.confidence)}) while V8 was still compiling ` +
      `(compiled code and bytecode grew ${rateText(which.codeSlopePerHour)}): JIT warm-up, not judged as a leak; run longer to decide`
    );
  }
  if (which.shape === 'settling' && which.laterHalf !== undefined) {
    return (
      `${worker} ${what} grew ${rateText(which.slopePerHour)} (${ciText(which.ci95, settings.confidence)}) over the steady window, but in its later half ` +
      `${rateText(which.laterHalf.slopePerHour)} (${ciText(which.laterHalf.ci95, settings.confidence)}), slowing down: warm-up may still be settling; run longer`
    );
  }
  // The interval's half-width shrinks about as T^-1.5 at a fixed interval; at half the distance to the limit the
  // interval clears the limit in ~97 % of runs, so that is the window advised.
  const limitPerHour = which === handles ? (HANDLE_GROWTH_LIMIT / Math.max(heap.steadySpanS, 1)) * 3600 : limits.rate * 3600;
  const distance = Math.abs(which.slopePerHour - limitPerHour);
  const needS = windowForHalfWidth(heap.steadySpanS, which.minDetectableSlopePerHour, distance / 2);
  const advice =
    Number.isFinite(needS) && needS > heap.steadySpanS
      ? `a steady window of about ${formatDuration(Math.ceil(needS))} would decide`
      : 'a longer run would decide';
  return (
    `${worker} ${what} slope ${which === handles ? `${which.slopePerHour.toFixed(1)}/h` : rateText(which.slopePerHour)} is not clearly on either side of its limit; ` +
    `this run resolves slopes to ±${which === handles ? which.minDetectableSlopePerHour.toFixed(1) : rateText(which.minDetectableSlopePerHour)}, ${advice}`
  );
}

/** `2.5 MB/h (99.7% CI ..., minima of 10-sample blocks)`: the slope of the lows, for a worker or per worker pooled. */
function lowsText(envelope: NonNullable<MeasureTrend['envelope']>, unit: string, confidence: number | undefined): string {
  return `${rateText(envelope.lowsSlopePerHour)}${unit} (${ciText(envelope.lowsCi95, confidence)}, minima of ${envelope.blockPoints}-sample blocks)`;
}

export function pooledLeakReason(name: string, heap: HeapTrend, workers: number, confidence: number | undefined): string {
  const pooled = `pooled over its ${workers} workers, above the limit`;
  if (heap.shape === 'climbing' && heap.envelope !== undefined) {
    return `${name} heap swings, and its lows climb ${lowsText(heap.envelope, ' per worker', confidence)} ${pooled}: each cycle keeps a residue`;
  }
  return `${name} heap grows ${rateText(heap.slopePerHour)} per worker (${ciText(heap.ci95, confidence)}) ${pooled}`;
}
