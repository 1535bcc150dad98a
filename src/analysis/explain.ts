/** The verdicts' reasons in English: what a worker's or a workload's figures say, and what would decide them. */
import { formatBytes, formatConfidence, formatDuration, formatRatePerHour } from '../units.js';
import type { GrowthLimits } from './growth.js';
import { bestTrendP, CONFIDENCE, windowForHalfWidth } from './trend.js';
import {
  CLEANUP_TOLERANCE_BYTES,
  HANDLE_GROWTH_LIMIT,
  type AnalysisSettings,
  type Cleanup,
  type HandleTypeGrowth,
  type HeapTrend,
  type MeasureTrend,
  type Verdict,
  type WorkerAnalysis,
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
  readonly listeners: MeasureTrend;
  readonly listenerTypes: readonly HandleTypeGrowth[];
  readonly cleanup: Cleanup | undefined;
  readonly settings: AnalysisSettings;
}

export function explainWorker(worker: string, verdict: Verdict, parts: WorkerReasonParts): string {
  let reason = workerReason(worker, verdict, parts);
  // Handles or listeners that grow are named, also beside a reason that speaks of something else first.
  if (parts.handleTypes.length > 0 && !reason.includes('active handles')) {
    reason = `${reason}; ${countTypesText(parts.handleTypes, 'handles')} too`;
  }
  if (parts.listenerTypes.length > 0 && !reason.includes('event listeners')) {
    reason = `${reason}; ${countTypesText(parts.listenerTypes, 'listeners')} too`;
  }
  return reason;
}

/** `Timeout handles grow by 2.1/s, TCPSocketWrap by 12/h`, or `lifecycle.shutdown listeners grow by 2.1/s`. */
export function countTypesText(types: readonly HandleTypeGrowth[], noun: 'handles' | 'listeners'): string {
  const rate = (perHour: number): string => (perHour >= 360 ? `${(perHour / 3600).toFixed(1)}/s` : `${perHour.toFixed(1)}/h`);
  return types.map((t, i) => (i === 0 ? `${t.type} ${noun} grow by ${rate(t.perHour)}` : `${t.type} by ${rate(t.perHour)}`)).join(', ');
}

function workerReason(worker: string, verdict: Verdict, parts: WorkerReasonParts): string {
  const { judged, external, handles, handleTypes, listeners, listenerTypes, cleanup, settings } = parts;
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
        `${Math.round(handles.growth)} more over the steady window${handleTypes.length > 0 ? ` (${countTypesText(handleTypes, 'handles')})` : ''}: something opened is never closed`
      );
    }
    if (listeners.verdict === 'leak') {
      return (
        `${worker} event listeners grow ${listeners.slopePerHour.toFixed(1)}/h (${listeners.ci95[0].toFixed(1)} to ${listeners.ci95[1].toFixed(1)}/h), ` +
        `${Math.round(listeners.growth)} more over the steady window${listenerTypes.length > 0 ? ` (${countTypesText(listenerTypes, 'listeners')})` : ''}: a listener added is never removed`
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
  const limitPerHour = which === handles ? (HANDLE_GROWTH_LIMIT / Math.max(heap.steadySpanS, 1)) * 3600 : limits.rate * 3600;
  const slopeText = which === handles ? `${which.slopePerHour.toFixed(1)}/h` : rateText(which.slopePerHour);
  const alpha = 1 - (settings.confidence ?? CONFIDENCE);
  const inflation =
    which.autocorrelationInflation > 1.05 ? `, its variance ${which.autocorrelationInflation.toFixed(1)}x for the samples' autocorrelation` : '';
  const bestP = bestTrendP(heap.steadySamples, which.autocorrelationInflation);
  if (which.slopePerHour > limitPerHour && which.trendP >= alpha && bestP >= alpha) {
    // Too few samples for this level whatever they show (a look's strict level on its first samples):
    // the interval at it has no lower bound worth the name either, so the text names the count.
    return (
      `${worker} ${what} grows ${slopeText}, but ${heap.steadySamples} samples cannot make its trend test significant at this level ` +
      `(Mann-Kendall p = ${pText(bestP)} at best, with every sample above the last, needs under ${pText(alpha)}${inflation}): ` +
      'a fit pooled over workers or a longer run decides'
    );
  }
  if (which.ci95[0] > limitPerHour) {
    // The interval is over the limit; what holds the verdict back is the trend test, or the later half.
    return which.trendP >= alpha
      ? `${worker} ${what} grows ${slopeText} with its interval over the limit, but its trend test is not significant at this level ` +
          `(Mann-Kendall p = ${pText(which.trendP)}, needs under ${pText(alpha)}${inflation}): a longer run would decide`
      : `${worker} ${what} grows ${slopeText} with its interval over the limit, but its later half is not yet clearly over it ` +
          '(growth that slows down is warm-up settling): a longer run would decide';
  }
  // The interval's half-width shrinks about as T^-1.5 at a fixed interval; at half the distance to the limit the
  // interval clears the limit in ~97 % of runs, so that is the window advised.
  const distance = Math.abs(which.slopePerHour - limitPerHour);
  const needS = windowForHalfWidth(heap.steadySpanS, which.minDetectableSlopePerHour, distance / 2);
  const advice =
    Number.isFinite(needS) && needS > heap.steadySpanS
      ? `a steady window of about ${formatDuration(Math.ceil(needS))} would decide`
      : 'a longer run would decide';
  return (
    `${worker} ${what} slope ${slopeText} is not clearly on either side of its limit; ` +
    `this run resolves slopes to ±${which === handles ? which.minDetectableSlopePerHour.toFixed(1) : rateText(which.minDetectableSlopePerHour)}, ${advice}`
  );
}

/** A p-value or level in two digits: `0.0032`, `1.0e-6`. */
export function pText(p: number): string {
  return p >= 0.001 ? p.toPrecision(2) : p.toExponential(1);
}

/** `2.5 MB/h (99.7% CI ..., minima of 10-sample blocks)`: the slope of the lows, for a worker or per worker pooled. */
function lowsText(envelope: NonNullable<MeasureTrend['envelope']>, unit: string, confidence: number | undefined): string {
  return `${rateText(envelope.lowsSlopePerHour)}${unit} (${ciText(envelope.lowsCi95, confidence)}, minima of ${envelope.blockPoints}-sample blocks)`;
}

/**
 * For a workload's reason: the handles and listeners its workers name as growing, each from the worker
 * where they grow fastest (`; lifecycle.shutdown listeners grow by 12.0/s in webhook#1`), or ''.
 */
export function namedCountsText(workers: readonly WorkerAnalysis[]): string {
  let text = '';
  for (const [key, noun] of [
    ['handleTypes', 'handles'],
    ['listenerTypes', 'listeners'],
  ] as const) {
    let fastest: { worker: string; types: readonly HandleTypeGrowth[] } | undefined;
    for (const w of workers) {
      const types = w.state === 'fitted' ? w[key] : [];
      if ((types[0]?.perHour ?? 0) > (fastest?.types[0]?.perHour ?? 0)) fastest = { worker: w.worker, types };
    }
    if (fastest !== undefined) text += `; ${countTypesText(fastest.types, noun)} in ${fastest.worker}`;
  }
  return text;
}

export function pooledLeakReason(name: string, heap: HeapTrend, workers: number, confidence: number | undefined): string {
  const pooled = `pooled over its ${workers} workers, above the limit`;
  if (heap.shape === 'climbing' && heap.envelope !== undefined) {
    return `${name} heap swings, and its lows climb ${lowsText(heap.envelope, ' per worker', confidence)} ${pooled}: each cycle keeps a residue`;
  }
  return `${name} heap grows ${rateText(heap.slopePerHour)} per worker (${ciText(heap.ci95, confidence)}) ${pooled}`;
}
