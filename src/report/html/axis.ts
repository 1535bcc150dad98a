/** Axis ticks a reader can take in at a glance: round sizes (1024-based, as the figures), round durations. Pure. */
import { formatBytes } from '../../units.js';

export type Unit = 'bytes' | 'count' | 'perSecond';

const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** Ticks at the multiples of a round duration within [minS, maxS], at most `most` + 1 of them. */
export function timeTicks(minS: number, maxS: number, most = 8): number[] {
  const span = maxS - minS;
  const step = TIME_STEPS_S.find((s) => span / s <= most) ?? 86400 * Math.ceil(span / 86400 / most);
  const ticks: number[] = [];
  for (let v = Math.max(0, Math.ceil(minS / step - 1e-9)) * step; v <= maxS + 1e-9; v += step) ticks.push(v);
  return ticks;
}

/** A 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export interface ValueAxis {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/**
 * A value range that holds [low, high] with round ticks about `target` apart in count. Byte
 * ranges get steps that are round in the unit the labels use (1 MB, 256 KB, 2 MB), not in bytes.
 * Nothing below `floor` (a count's 0).
 */
export function valueAxis(low: number, high: number, unit: Unit, floor = -Infinity, target = 5): ValueAxis {
  let lo = Number.isFinite(low) ? low : 0;
  let hi = Number.isFinite(high) ? high : 1;
  // A near-constant series gets room around it, so that a few bytes of jitter draw as the flat line they are.
  const minSpan = unit === 'bytes' ? Math.max(1024, Math.abs(hi) * 0.02) : Math.max(2, Math.abs(hi) * 0.02);
  if (hi - lo < minSpan) {
    const middle = (hi + lo) / 2;
    lo = middle - minSpan / 2;
    hi = middle + minSpan / 2;
  }
  if (lo < floor) {
    hi += floor - lo;
    lo = floor;
  }
  const scale = unit === 'bytes' ? 1024 ** Math.max(0, Math.floor(Math.log(Math.max(hi - lo, 1)) / Math.log(1024))) : 1;
  // A count moves in whole steps: no tick at half a listener.
  const step = Math.max(niceStep((hi - lo) / scale / target) * scale, unit === 'count' ? 1 : 0);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(min + i * step);
  return { min, max, step, ticks };
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/**
 * A tick label with as many decimals as its step needs, so that neighbouring ticks never read the
 * same (2.69 MB, 2.72 MB, … rather than 2.69 MB three times); bytes in the unit of the axis' largest value.
 */
export function formatTick(value: number, axis: ValueAxis, unit: Unit): string {
  const largest = Math.max(Math.abs(axis.min), Math.abs(axis.max), 1);
  const power =
    unit === 'bytes' ? Math.min(BYTE_UNITS.length - 1, Math.floor(Math.log(largest) / Math.log(1024))) : largest >= 1e6 ? 2 : largest >= 1e4 ? 1 : 0;
  const scale = unit === 'bytes' ? 1024 ** power : 1000 ** power;
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(axis.step / scale) - 1e-9)));
  const text = (value / scale).toFixed(decimals);
  if (unit === 'bytes') return `${text} ${BYTE_UNITS[power] ?? 'B'}`;
  const suffix = ['', 'K', 'M'][power] ?? '';
  return unit === 'perSecond' ? `${text}${suffix}/s` : `${text}${suffix}`;
}

export function formatValue(value: number, unit: Unit): string {
  if (unit === 'bytes') return formatBytes(value);
  const text =
    Math.abs(value) >= 1e6 ? `${(value / 1e6).toPrecision(3)}M` : Math.abs(value) >= 1e4 ? `${(value / 1e3).toPrecision(3)}K` : `${+value.toPrecision(3)}`;
  return unit === 'perSecond' ? `${text}/s` : text;
}
